/**
 * The in-editor test entry (VS Code's `extensionTestsPath`): runs the mocha suites of
 * test/integration inside the extension host of a real VS Code (code-server here, desktop VS Code
 * through @vscode/test-electron), prints them with the spec reporter and writes every test's
 * outcome as JSON to $TEAM_NOTES_TEST_RESULTS, which the harness outside the editor reads.
 *
 * Built by test/editor/suite.ts into .cache/out-test/integration/: this file (with mocha bundled in) as
 * index.js, each `*.test.ts` as its own `*.test.js` next to it.
 */
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { SuiteResults, TestOutcome } from './results';

function write(file: string | undefined, results: SuiteResults): void {
  if (!file) return;
  // Write then rename, so the harness never reads half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export async function run(): Promise<void> {
  const resultsFile = process.env.TEAM_NOTES_TEST_RESULTS;
  const results: SuiteResults = {
    done: false,
    startedAt: new Date().toISOString(),
    editor: { appName: vscode.env.appName, version: vscode.version, appHost: vscode.env.appHost, uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop' },
    total: 0,
    passes: 0,
    failures: 0,
    pending: 0,
    tests: [],
  };
  write(resultsFile, results);

  // TEAM_NOTES_EDITOR_GREP runs only the tests whose titles match (one file's while working on it).
  const grep = process.env.TEAM_NOTES_EDITOR_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join(__dirname, f));
  if (files.length === 0) throw new Error(`no *.test.js next to ${__filename}`);
  // What mocha.loadFiles() does, with a plain require (VS Code provides `vscode` to required modules).
  for (const file of files) {
    mocha.suite.emit('pre-require', globalThis, file, mocha);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mocha.suite.emit('require', require(file), file, mocha);
    mocha.suite.emit('post-require', globalThis, file, mocha);
  }

  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run((count) => resolve(count));
    results.total = runner.total;
    const record = (test: Mocha.Runnable, state: TestOutcome['state'], error?: Error): void => {
      results.tests.push({
        title: test.fullTitle(),
        state,
        durationMs: test.duration ?? 0,
        ...(error ? { error: { message: error.message, stack: error.stack ?? '' } } : {}),
      });
      results.running = undefined;
      // After every test, so a suite that hangs still shows how far it got.
      write(resultsFile, results);
    };
    runner.on('test', (test: Mocha.Test) => {
      results.running = test.fullTitle();
      write(resultsFile, results);
    });
    runner.on('pass', (test: Mocha.Test) => {
      results.passes++;
      record(test, 'passed');
    });
    runner.on('fail', (test: Mocha.Runnable, error: Error) => {
      // Hooks fail here too ("before all" hook ...); their tests then never run.
      results.failures++;
      record(test, 'failed', error);
    });
    runner.on('pending', (test: Mocha.Test) => {
      results.pending++;
      record(test, 'pending');
    });
  });
  results.done = true;
  results.finishedAt = new Date().toISOString();
  write(resultsFile, results);
  if (failures > 0) throw new Error(`${failures} Team Notes integration test(s) failed`);
}
