/** Prints one event: a JSON object per line with `--json`, else the human-readable line. */
export function printEvent(json: boolean, event: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(event)}\n` : `${text}\n`);
}

/** Prints an error event: JSON on stdout with `--json` (so a driving program sees it), else on stderr. */
export function printError(json: boolean, code: string, message: string): void {
  if (json) process.stdout.write(`${JSON.stringify({ event: 'error', code, message })}\n`);
  else process.stderr.write(`error ${code}: ${message}\n`);
}

/** Resolves on the first SIGINT or SIGTERM (or when `extra` resolves): time to leave properly. */
export function onShutdown(extra?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    void extra?.then(done, done);
  });
}
