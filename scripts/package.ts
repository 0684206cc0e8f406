/**
 * `npm run package`: a production build (minified, no source maps), then `vsce package` into
 * team-notes-<version>.vsix, then a check that the package holds only what runs and meets its
 * targets (see scripts/vsix.ts). Non-interactive; exits non-zero on any failure.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeVsix, vsixProblems } from './vsix';

const root = resolve(__dirname, '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const vsixPath = join(root, `team-notes-${version}.vsix`);

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (exit ${String(result.status ?? result.signal)})`);
    process.exit(1);
  }
}

run(process.execPath, ['scripts/build.mjs', '--production']);
// No dependencies to bundle (esbuild did), no repository field to rewrite README links against.
run(process.execPath, [
  join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsixPath,
]);
console.log(describeVsix(vsixPath));
const problems = vsixProblems(vsixPath);
if (problems.length > 0) {
  console.error(`${vsixPath} misses its targets:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${vsixPath}: meets the targets (only what runs, under 2 MB, under 50 files, dist/extension.js under 250 KB; the network layer and libsodium apart in dist/network.js and dist/libsodium.js, loaded on first join)`);
