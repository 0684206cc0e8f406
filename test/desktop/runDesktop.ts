/**
 * `npm run test:desktop`: the same in-editor suite (test/integration) in desktop VS Code, downloaded
 * by @vscode/test-electron into .cache/vscode-test (on machines that can download it; here the suite
 * runs in code-server instead: `npm run test:editor`). Prints every test's outcome and exits
 * non-zero unless every test ran and passed.
 *
 * On Linux without a display, run it under a virtual one: `xvfb-run -a npm run test:desktop`.
 * VSCODE_VERSION picks the version (default: the lowest this extension supports, 1.100.3; `stable` for the latest).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../editor/codeServer';
import { buildSuite, createWorkspace, describeResults, keepResults, readResults, resultsProblem } from '../editor/suite';

async function main(): Promise<number> {
  const version = process.env.VSCODE_VERSION ?? '1.100.3';
  const suite = await buildSuite();
  const { resultsFile } = suite;
  const workspace = createWorkspace();
  const userData = mkdtempSync(join(tmpdir(), 'team-notes-desktop-'));
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('No DISPLAY: desktop VS Code needs one. Run `xvfb-run -a npm run test:desktop` (Debian: apt-get install -y xvfb).');
  }
  let exitCode: number;
  try {
    exitCode = await runTests({
      version,
      cachePath: join(repoRoot, '.cache', 'vscode-test'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suite.index,
      extensionTestsEnv: { TEAM_NOTES_TEST_RESULTS: resultsFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--user-data-dir', join(userData, 'user-data'), '--extensions-dir', join(userData, 'extensions')],
    });
  } catch (error) {
    console.error(`desktop VS Code ${version} did not run the suite: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(userData, { recursive: true, force: true, maxRetries: 3 });
  }
  const results = readResults(resultsFile);
  keepResults(resultsFile, 'desktop-results.json');
  suite.remove();
  if (!results) {
    console.error('the in-editor suite never reported (it writes its results when it starts)');
    return 1;
  }
  console.log(describeResults(results));
  const problem = resultsProblem(results);
  if (problem) {
    console.error(`in-editor suite (desktop VS Code): ${problem}`);
    return 1;
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
