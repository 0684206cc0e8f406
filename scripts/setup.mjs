#!/usr/bin/env node
/**
 * What `npm start` and `npm test` run first, so that a fresh clone needs nothing but those two
 * commands: checks Node, installs the npm dependencies when any is missing or differs from
 * package-lock.json (`npm ci`), then the Debian packages and code-server that the editor needs
 * (scripts/ensure-code-server.sh). Each step does nothing when its part is already in place, so it
 * costs a fraction of a second on later runs.
 *
 * Plain Node with no dependencies: it runs before there are any.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The oldest Node this project builds and tests with (package.json `engines.node`). */
function requiredNode(projectRoot) {
  const range = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).engines?.node ?? '';
  const match = /(\d+)\.(\d+)/.exec(range);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

/**
 * The packages package-lock.json names that node_modules does not hold at the locked version.
 * Optional packages (another platform's esbuild binary, for one) are not required to be there.
 */
export function missingDependencies(projectRoot) {
  const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8'));
  const missing = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || !path.startsWith('node_modules/') || entry.optional || entry.link) continue;
    const manifest = join(projectRoot, path, 'package.json');
    let version;
    try {
      version = JSON.parse(readFileSync(manifest, 'utf8')).version;
    } catch {
      version = undefined;
    }
    if (version !== entry.version) missing.push(`${path.slice('node_modules/'.length)}@${entry.version}`);
  }
  return missing;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`setup: ${what} failed (${command} ${args.join(' ')} exited with ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

function main() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const [needMajor, needMinor] = requiredNode(root);
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    console.error(`setup: Team Notes needs Node.js ${needMajor}.${needMinor} or newer; this is ${process.versions.node}.`);
    process.exit(1);
  }
  const missing = missingDependencies(root);
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
    console.log(`setup: installing the npm dependencies (${shown} missing)…`);
    run('npm', ['ci', '--no-audit', '--no-fund'], 'installing the npm dependencies');
  }
  if (!process.argv.includes('--no-editor')) run('bash', [join(root, 'scripts', 'ensure-code-server.sh')], 'installing the editor');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
