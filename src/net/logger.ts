/**
 * What the network layer needs to log. The extension adapts its `LogOutputChannel` to it and the
 * CLI adapts stderr; `src/net` never decides where logs go. Message contents are only ever logged
 * at `trace`.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything: the default when the caller passes none. */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
