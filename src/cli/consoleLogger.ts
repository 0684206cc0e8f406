import { NetError } from '../net/errors';
import type { Logger } from '../net/logger';
import { terminalSafe } from './output';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
const order: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'off'];

/**
 * A {@link Logger} writing `level: message` lines to stderr, so stdout stays for events. Log
 * messages quote member names, group names and the text of `error` notices that members send,
 * so each message goes through {@link terminalSafe}: one record is one line, and no escape
 * sequence reaches the terminal.
 */
export function stderrLogger(level: LogLevel): Logger {
  const threshold = order.indexOf(level);
  const at =
    (name: LogLevel) =>
    (message: string): void => {
      if (order.indexOf(name) >= threshold) process.stderr.write(`${name}: ${terminalSafe(message)}\n`);
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  if (value === undefined) return fallback;
  if ((order as string[]).includes(value)) return value as LogLevel;
  throw new NetError('ERR_BAD_INPUT', `--log-level must be one of ${order.join(', ')}`);
}
