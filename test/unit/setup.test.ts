/**
 * The first step of `npm start` and `npm test` (scripts/setup.mjs): it must notice any dependency
 * package-lock.json names that node_modules lacks or holds at another version, and must not ask for
 * another platform's optional packages.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');

describe('setup: the dependency check npm start and npm test begin with', () => {
  let project: string;
  // An ES module (it runs before the dependencies exist, as plain Node), so imported dynamically.
  let missingDependencies: (projectRoot: string) => string[];

  before(async () => {
    ({ missingDependencies } = await import('../../scripts/setup.mjs'));
  });

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'team-notes-setup-'));
    const lock = {
      name: 'p',
      lockfileVersion: 3,
      packages: {
        '': { name: 'p' },
        'node_modules/a': { version: '1.0.0' },
        'node_modules/@scope/b': { version: '2.1.0', dev: true },
        'node_modules/a/node_modules/c': { version: '0.3.0' },
        'node_modules/@esbuild/win32-x64': { version: '0.28.2', optional: true },
      },
    };
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock));
  });

  afterEach(() => rmSync(project, { recursive: true, force: true }));

  function install(path: string, version: string): void {
    mkdirSync(join(project, path), { recursive: true });
    writeFileSync(join(project, path, 'package.json'), JSON.stringify({ name: path.split('/').pop(), version }));
  }

  it('asks for every locked package when node_modules is missing, never for an optional one', () => {
    assert.deepEqual(missingDependencies(project).sort(), ['@scope/b@2.1.0', 'a/node_modules/c@0.3.0', 'a@1.0.0']);
  });

  it('asks for a package held at another version, or with an unreadable manifest', () => {
    install('node_modules/a', '1.0.0');
    install('node_modules/@scope/b', '2.0.9');
    mkdirSync(join(project, 'node_modules/a/node_modules/c'), { recursive: true });
    writeFileSync(join(project, 'node_modules/a/node_modules/c/package.json'), '{ not json');
    assert.deepEqual(missingDependencies(project).sort(), ['@scope/b@2.1.0', 'a/node_modules/c@0.3.0']);
  });

  it('asks for nothing once every locked package is there', () => {
    install('node_modules/a', '1.0.0');
    install('node_modules/@scope/b', '2.1.0');
    install('node_modules/a/node_modules/c', '0.3.0');
    assert.deepEqual(missingDependencies(project), []);
  });

  it('finds this repository complete after its install', () => {
    assert.deepEqual(missingDependencies(repoRoot), []);
  });
});
