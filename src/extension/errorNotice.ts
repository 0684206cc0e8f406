/**
 * Errors shown to the person who ran a command: the cause in words with buttons that help
 * (connectionAdvice.ts), the code and the raw message in the log.
 */
import * as vscode from 'vscode';
import type { Logger } from '../net/logger';
import { toNetError } from '../net/errors';
import { connectionAdvice } from './connectionAdvice';
import type { AdviceAction } from './connectionAdvice';

/** What an error notice needs of the command context (see commands.ts). */
export interface ErrorNoticeContext {
  log: vscode.LogOutputChannel;
  logger: Logger;
  /** The last error shown to the user, with its code (the API exposes it to tests and other extensions). */
  lastError?: { code: string; message: string };
}

/** What the buttons of one error notice do; a button whose action is missing is not offered. */
export interface ErrorNoticeOptions {
  /** What Open Settings searches for, instead of what the advice suggests. */
  settingsQuery?: string;
  /** The repository address the failed action used, for the wording. */
  address?: string;
  /** Runs the failed action again. */
  retry?: () => unknown;
  /** Makes this window the repository and runs the action again. */
  startRepositoryHere?: () => unknown;
  /** Asks for the group password and runs the action again. */
  tryAnotherPassword?: () => unknown;
}

const BUTTON_LABELS: Record<AdviceAction, string> = {
  openSettings: 'Open Settings',
  startRepositoryHere: 'Start Repository Here',
  tryAgain: 'Try Again',
  tryAnotherPassword: 'Try Another Password',
  showLog: 'Show Log',
};

/**
 * Shows an error with buttons to act on it and logs it with its code. Does not wait for the user:
 * a command must finish even when nobody dismisses the notification. `options` as a string is the
 * settings search of Open Settings.
 */
export function showError(ctx: ErrorNoticeContext, err: unknown, context: string, options: string | ErrorNoticeOptions = {}): void {
  const { settingsQuery, address, ...handlers } = typeof options === 'string' ? { settingsQuery: options } : options;
  const error = toNetError(err, 'ERR_BAD_INPUT');
  const advice = connectionAdvice(error, address === undefined ? {} : { address });
  ctx.lastError = { code: error.code, message: error.message };
  ctx.logger.error(`${context}: ${error.code}${advice.errno === undefined ? '' : ` (${advice.errno})`} ${error.message}`);
  const run: Record<AdviceAction, (() => unknown) | undefined> = {
    openSettings: () => vscode.commands.executeCommand('workbench.action.openSettings', settingsQuery ?? advice.settingsQuery),
    startRepositoryHere: handlers.startRepositoryHere,
    tryAgain: handlers.retry,
    tryAnotherPassword: handlers.tryAnotherPassword,
    showLog: () => ctx.log.show(true),
  };
  const offered = advice.actions.filter((action) => run[action] !== undefined);
  const message = advice.message === error.message ? `${context}: ${error.message}` : `${context}. ${advice.message}`;
  void vscode.window.showErrorMessage(message, ...offered.map((action) => BUTTON_LABELS[action])).then(async (choice) => {
    const action = offered.find((a) => BUTTON_LABELS[a] === choice);
    if (action !== undefined) await run[action]?.();
  });
}
