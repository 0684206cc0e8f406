/**
 * `npm start`: Team Notes in a real VS Code for a newcomer. Packages the extension (production
 * build + .vsix), installs code-server on first use, installs the .vsix into it and serves this
 * repository as the workspace on 127.0.0.1, then prints the URL to open. Joining a group there with
 * the default Repository Address (127.0.0.1:46800) starts the repository server embedded in that
 * window when none answers, so nothing else needs to run. Ctrl+C stops it.
 *
 * PORT picks the port (default 8080, or a free one when 8080 is taken). Settings and state persist
 * in .cache/start between runs; delete that folder to start over as a brand-new user.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, repoRoot, startCodeServer } from '../test/editor/codeServer';

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  const packaged = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'package.ts')], { cwd: repoRoot, stdio: 'inherit' });
  if (packaged.status !== 0) process.exit(1);
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const vsix = join(repoRoot, `team-notes-${version}.vsix`);

  const wanted = Number(process.env.PORT ?? 8080);
  const port = (await portIsFree(wanted)) ? wanted : await freePort();
  console.log('Starting VS Code (code-server) with Team Notes installed…');
  const server = await startCodeServer({ folder: repoRoot, vsix, port, stateDir: join(repoRoot, '.cache', 'start') });
  const url = server.workbenchUrl();
  console.log(`
  Team Notes ${version} is running in VS Code (code-server 4.100.3, VS Code 1.100.3).

  Open ${url}
  in your browser, then run "Team Notes: Join Group…" from the command palette (Ctrl+Shift+P).
  No repository server needed: with the default address 127.0.0.1:46800, joining starts one
  embedded in that window. A teammate in a terminal:
    node dist/cli.js chat --group <the group> --name bob --repository 127.0.0.1:46800

  Ctrl+C stops VS Code.
`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping VS Code…');
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
