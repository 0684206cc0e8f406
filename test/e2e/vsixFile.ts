/** The packaged `.vsix` the e2e tests install: it must exist and be newer than what it is built from. */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../editor/codeServer';

export const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
export const vsixPath = join(repoRoot, `team-notes-${version}.vsix`);

/** The newest modification time under `path` (recursively), in ms. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, entry) => Math.max(latest, newest(join(path, entry))), 0);
}

/** Asserts that the `.vsix` exists and is not older than src/, media/ or package.json; returns its path. */
export function currentVsix(): string {
  assert.ok(existsSync(vsixPath), `${vsixPath} is missing: run \`npm run package\` first (npm run test:e2e and test:editor do)`);
  const sources = Math.max(...['src', 'media', 'package.json', '.vscodeignore'].map((p) => newest(join(repoRoot, p))));
  assert.ok(statSync(vsixPath).mtimeMs >= sources, `${vsixPath} is older than src/, media/ or package.json: run \`npm run package\` again`);
  return vsixPath;
}
