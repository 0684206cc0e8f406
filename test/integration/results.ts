/** What the in-editor suite (test/integration/index.ts) writes to $TEAM_NOTES_TEST_RESULTS. */
export interface TestOutcome {
  /** Full title; for a failed hook, the hook's title (for example `"before all" hook ...`). */
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: { message: string; stack: string };
}

export interface SuiteResults {
  /** False while the suite runs (the file is written first when it starts). */
  done: boolean;
  startedAt: string;
  finishedAt?: string;
  editor: { appName: string; version: string; appHost: string; uiKind: 'web' | 'desktop' };
  /** Tests mocha found; when a hook fails, some of them never run. */
  total: number;
  passes: number;
  failures: number;
  pending: number;
  tests: TestOutcome[];
  /** The test running when the file was written (undefined between tests). */
  running?: string;
}
