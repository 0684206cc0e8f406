/**
 * Runs the in-editor suite (test/integration) inside a real VS Code — code-server 4.100.3, i.e.
 * VS Code 1.100.3 with its extension host in Node — and fails, with the suite's own failure
 * messages, unless every test in it ran and passed. A suite that never reports fails after 3 min.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './codeServer';
import { describeResults, runSuiteInCodeServer } from './suite';

describe('the extension in a real VS Code (code-server)', function () {
  this.timeout(300_000);

  before(() => {
    assert.ok(existsSync(join(repoRoot, 'dist', 'extension.js')) && existsSync(join(repoRoot, 'dist', 'cli.js')), 'dist/ is missing: run `npm run build` first');
  });

  it('passes every test of test/integration inside the extension host', async () => {
    const run = await runSuiteInCodeServer({ log: (line) => console.log(`      ${line}`) });
    if (run.results) console.log(describeResults(run.results).replace(/^/gm, '      '));
    if (run.problem) {
      const failed = run.results?.tests.filter((t) => t.state !== 'passed') ?? [];
      const details = failed.map((t) => `${t.state}: ${t.title}\n${t.error?.stack || t.error?.message || ''}`).join('\n\n');
      // The editor's own output only when the suite did not speak for itself.
      const diagnostics = run.results?.done ? '' : `\n\n${run.diagnostics.split('\n').slice(-150).join('\n')}`;
      assert.fail(`in-editor suite: ${run.problem}\n\n${details}${diagnostics}`);
    }
    console.log(`      (${(run.durationMs / 1000).toFixed(1)} s including code-server start)`);
  });
});
