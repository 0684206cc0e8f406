/**
 * Builds the in-editor suite (test/integration) and runs it in a real VS Code: code-server opened
 * in Chromium with VS Code's test payload (`extensionDevelopmentPath` = this repository,
 * `extensionTestsPath` = the built suite). The suite writes its results to a file; this side waits
 * for it and hands it back. Shared by test/editor/integration.test.ts and test/desktop/runDesktop.ts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { SuiteResults } from '../integration/results';
import { openWorkbench } from './browser';
import { repoRoot, startCodeServer } from './codeServer';

// Under .cache/ (ignored by git and eslint): bundles, not sources. One folder per run, so runs in
// parallel (several people testing in one tree) do not overwrite each other's suite.
const suitesDir = join(repoRoot, '.cache', 'out-test');
export const resultsDir = join(repoRoot, 'test-results');

export interface BuiltSuite {
  /** The `extensionTestsPath`: index.js of the bundle. */
  index: string;
  /** Where the results go while the suite runs (inside the run's folder). */
  resultsFile: string;
  /** Removes the run's folder. */
  remove(): void;
}

/** Bundles test/integration/index.ts (mocha included) and each test/integration/*.test.ts into a new folder under .cache/out-test/. */
export async function buildSuite(): Promise<BuiltSuite> {
  const sourceDir = join(repoRoot, 'test', 'integration');
  const tests = readdirSync(sourceDir).filter((f) => f.endsWith('.test.ts'));
  mkdirSync(suitesDir, { recursive: true });
  const runDir = mkdtempSync(join(suitesDir, 'run-'));
  const suiteOutDir = join(runDir, 'integration');
  await esbuild.build({
    entryPoints: [join(sourceDir, 'index.ts'), ...tests.map((f) => join(sourceDir, f))],
    outdir: suiteOutDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'error',
    // Mocha's parallel mode (unused here) resolves worker files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return {
    index: join(suiteOutDir, 'index.js'),
    resultsFile: join(runDir, 'results.json'),
    remove: () => rmSync(runDir, { recursive: true, force: true }),
  };
}

/** Keeps the results where a person looks for them: test-results/<name>. */
export function keepResults(from: string, name: string): string | undefined {
  if (!existsSync(from)) return undefined;
  mkdirSync(resultsDir, { recursive: true });
  const to = join(resultsDir, name);
  copyFileSync(from, to);
  return to;
}

/** A workspace folder for the suite (it writes its sample files there). */
export function createWorkspace(): string {
  const folder = mkdtempSync(join(tmpdir(), 'team-notes-workspace-'));
  writeFileSync(join(folder, 'README.md'), '# Team Notes test workspace\n');
  return folder;
}

export function readResults(file: string): SuiteResults | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SuiteResults;
  } catch {
    return undefined;
  }
}

/** The results as lines a person reads: one per test, failures with their message and stack. */
export function describeResults(results: SuiteResults): string {
  const lines = [`${results.editor.appName} ${results.editor.version} (${results.editor.appHost}, ${results.editor.uiKind}): ${results.passes} passed, ${results.failures} failed, ${results.pending} pending, ${results.total} found`];
  for (const test of results.tests) {
    const mark = test.state === 'passed' ? '✔' : test.state === 'failed' ? '✘' : '-';
    lines.push(`  ${mark} ${test.title} (${test.durationMs} ms)`);
    if (test.error) lines.push(`      ${test.error.stack || test.error.message}`.replace(/\n/g, '\n      '));
  }
  if (!results.done && results.running) lines.push(`  … still running: ${results.running}`);
  return lines.join('\n');
}

/** Why these results are not a pass, or undefined when every test found ran and passed. */
export function resultsProblem(results: SuiteResults): string | undefined {
  if (!results.done) return 'the suite never finished';
  if (results.total === 0) return 'the suite found no tests';
  const problems: string[] = [];
  if (results.failures > 0) problems.push(`${results.failures} failed`);
  if (results.pending > 0) problems.push(`${results.pending} pending (a skipped test does not count as passing)`);
  const ran = results.passes + results.failures + results.pending;
  if (ran < results.total) problems.push(`${results.total - ran} of ${results.total} never ran`);
  return problems.length > 0 ? problems.join(', ') : undefined;
}

export interface EditorRun {
  results: SuiteResults | undefined;
  /** Why it is not a pass (undefined: every test passed). */
  problem: string | undefined;
  /** code-server's output and the browser console, for failure reports. */
  diagnostics: string;
  durationMs: number;
}

/** Runs the built suite in code-server; waits up to `timeoutMs` for it to finish. */
export async function runSuiteInCodeServer(options: { timeoutMs?: number; log?: (line: string) => void } = {}): Promise<EditorRun> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? (Number(process.env.TEAM_NOTES_EDITOR_TIMEOUT_MS) || 180_000);
  const suite = await buildSuite();
  const { resultsFile } = suite;
  const workspace = createWorkspace();
  const server = await startCodeServer({ folder: workspace, env: { TEAM_NOTES_TEST_RESULTS: resultsFile } });
  let workbench: Awaited<ReturnType<typeof openWorkbench>> | undefined;
  let results: SuiteResults | undefined;
  try {
    options.log?.(`code-server ${server.url} runs the suite ${suite.index}`);
    workbench = await openWorkbench(server.testUrl(repoRoot, suite.index), { waitForWorkbench: false });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      results = readResults(resultsFile);
      if (results?.done) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    let problem = results ? resultsProblem(results) : undefined;
    if (!results) problem = `the suite never reported: no results file within ${timeoutMs} ms (did the extension host start the test runner?)`;
    else if (!results.done) problem = `the suite did not finish within ${timeoutMs} ms; results so far:\n${describeResults(results)}`;
    return {
      results,
      problem,
      diagnostics: `--- code-server output ---\n${server.output}\n--- browser console ---\n${workbench.console.join('\n')}`,
      durationMs: Date.now() - started,
    };
  } finally {
    await workbench?.close();
    await server.stop();
    keepResults(resultsFile, 'integration-results.json');
    suite.remove();
    rmSync(workspace, { recursive: true, force: true });
  }
}
