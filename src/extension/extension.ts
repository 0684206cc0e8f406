/**
 * Entry point of the Team Notes extension. Activation opens no socket: the network starts only
 * when the user joins a group. Everything created here is owned by `context.subscriptions`.
 */
import * as vscode from 'vscode';
import { BoardPanels } from './boardPanel';
import { registerCommands } from './commands';
import { channelLogger } from './log';
import { MembersView } from './membersView';
import { Session } from './session';
import type { SessionSnapshot } from './session';
import { StatusBar } from './statusBar';

/** What the extension exposes to other extensions and to its tests. */
export interface TeamNotesApi {
  snapshot(): SessionSnapshot;
  onDidChange: vscode.Event<unknown>;
}

export function activate(context: vscode.ExtensionContext): TeamNotesApi {
  const log = vscode.window.createOutputChannel('Team Notes', { log: true });
  const logger = channelLogger(log);
  const session = new Session(logger);
  const board = new BoardPanels(context.extensionUri, session, logger);
  context.subscriptions.push(
    log,
    session,
    board,
    new StatusBar(session),
    new MembersView(session),
    ...registerCommands({ extension: context, session, board, log, logger }),
  );
  log.info(`Team Notes ${String(context.extension.packageJSON.version)} activated`);
  return { snapshot: () => session.snapshot(), onDidChange: session.onDidChange };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions; disposing the session says bye to the group.
}
