/**
 * Entry point of the Team Notes extension. Activation opens no socket: the network starts only
 * when the user joins a group. Everything created here is owned by `context.subscriptions`.
 */
import * as vscode from 'vscode';
import { BoardPanels } from './boardPanel';
import { ChatAttention } from './chatAttention';
import { registerCommands } from './commands';
import type { CommandContext } from './commands';
import { channelLogger } from './log';
import { MembersView } from './membersView';
import { Session } from './session';
import { onDidChangeSettings } from './settings';
import type { SessionSnapshot } from './session';
import { StatusBar } from './statusBar';

/** What the extension exposes to other extensions and to its tests. */
export interface TeamNotesApi {
  snapshot(): SessionSnapshot;
  onDidChange: vscode.Event<unknown>;
  /** The last error a command showed the user, with its stable code. */
  lastError(): { code: string; message: string } | undefined;
  /** Chat messages received while the board was not visible. */
  unread(): number;
}

export function activate(context: vscode.ExtensionContext): TeamNotesApi {
  const log = vscode.window.createOutputChannel('Team Notes', { log: true });
  const logger = channelLogger(log);
  const session = new Session(logger);
  const board = new BoardPanels(context.extensionUri, session, logger);
  context.subscriptions.push(onDidChangeSettings((settings) => void session.applyBans(settings.bannedPeers)));
  const commands: CommandContext = { extension: context, session, board, log, logger };
  const attention = new ChatAttention(session, board);
  context.subscriptions.push(log, session, board, attention, new StatusBar(session, attention), new MembersView(session), ...registerCommands(commands));
  log.info(`Team Notes ${String(context.extension.packageJSON.version)} activated`);
  return { snapshot: () => session.snapshot(), onDidChange: session.onDidChange, lastError: () => commands.lastError, unread: () => attention.unread };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions; disposing the session says bye to the group.
}
