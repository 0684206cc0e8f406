/**
 * Entry point of the Team Notes extension. Activation opens no socket: the network starts only
 * when the user joins a group. Everything created here is owned by `context.subscriptions`.
 */
import * as vscode from 'vscode';
import { registerBoardCommands } from './boardCommands';
import { BoardPanels } from './boardPanel';
import { BoardViewMemory } from './boardViewMemory';
import type { WebviewMessageOutcome } from './boardPanel';
import { ChatAttention } from './chatAttention';
import { offerAnotherPassword, registerCommands, rejoinAfterReload } from './commands';
import { registerHistoryCommands } from './historyCommands';
import { registerPinCommands } from './pinCommands';
import type { PinThreadView } from './pinComments';
import type { CommandContext } from './commands';
import { LanPresence } from './lanPresence';
import { channelLogger } from './log';
import { registerMemberActions } from './memberActions';
import { MembersView } from './membersView';
import { PresenceLines } from './presenceLines';
import { Session } from './session';
import { onDidChangeSettings } from './settings';
import type { SessionSnapshot } from './session';
import { StatusBar } from './statusBar';
import type { SnippetStatus } from '../webview/protocol';

/** What the extension exposes to other extensions and to its tests. */
export interface TeamNotesApi {
  snapshot(): SessionSnapshot;
  onDidChange: vscode.Event<unknown>;
  /** The last error a command showed the user, with its stable code. */
  lastError(): { code: string; message: string } | undefined;
  /** Chat messages received while the board was not visible. */
  unread(): number;
  /** Test only, in test mode: the Members view's badge (shown on the activity bar icon). */
  testOnlyMembersBadge?(): { value: number; tooltip: string } | undefined;
  /** Test only, in test mode: the chat's join and leave lines of this membership. */
  testOnlyPresenceLines?(): { member: { id: string; name: string }; change: string }[];
  /** Test only, in test mode: the pins' comment threads as placed in this window's editors. */
  testOnlyPinThreads?(): PinThreadView[];
  /** Test only, in test mode: how many lines of the document the gutter offers a new pin on now. */
  testOnlyCommentingLines?(document: vscode.TextDocument): Promise<number>;
  /**
   * Test only, and present only when VS Code runs the extension's tests: feeds `raw` to the open
   * board panel's message handler as if its webview had posted it, and resolves with what the host
   * did (done, refused with its code, or failed with its code). Rejects when no board is open.
   */
  testOnlyReceiveWebviewMessage?(raw: unknown): Promise<WebviewMessageOutcome>;
  /** Test only, in test mode: each snippet card's status in this checkout, once the checks due have run. */
  testOnlySnippetStatuses?(): Promise<SnippetStatus[]>;
}

export function activate(context: vscode.ExtensionContext): TeamNotesApi {
  const log = vscode.window.createOutputChannel('Team Notes', { log: true });
  const logger = channelLogger(log);
  const session = new Session(logger, context.globalStorageUri.fsPath);
  activeSession = session;
  // Before the board, so that its lines are up to date when the board takes a snapshot.
  const presence = new PresenceLines(session);
  const views = new BoardViewMemory(context.workspaceState);
  session.board.placementArea = () => (session.groupName === undefined ? undefined : views.area(session.groupName));
  const board = new BoardPanels(context.extensionUri, session, logger, presence, views);
  context.subscriptions.push(onDidChangeSettings((settings) => void session.applyBans(settings.bannedPeers)));
  const lan = new LanPresence(session, logger);
  const commands: CommandContext = { extension: context, session, board, log, logger, lan };
  const attention = new ChatAttention(session, board);
  const members = new MembersView(session, attention);
  const pins = registerPinCommands(commands);
  const isOnline = (id: string): boolean => session.memberList().some((m) => m.id === id && m.online);
  context.subscriptions.push(session, lan, presence, board, attention, new StatusBar(session, attention), members, registerMemberActions(isOnline), registerBoardCommands(board, session), ...registerCommands(commands), ...registerHistoryCommands(commands), ...pins.disposables, offerAnotherPassword(commands), {
    dispose: () => commands.groupLock?.dispose(),
  });
  // Last: VS Code disposes subscriptions in order, and the session's goodbye still logs.
  context.subscriptions.push(log);
  log.info(`Team Notes ${String(context.extension.packageJSON.version)} activated`);
  rejoinAfterReload(commands);
  const api: TeamNotesApi = { snapshot: () => session.snapshot(), onDidChange: session.onDidChange, lastError: () => commands.lastError, unread: () => attention.unread };
  // Another extension can do everything a board message does through the commands anyway; still,
  // a way around the webview has no place in an installed extension.
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    api.testOnlyReceiveWebviewMessage = (raw) => board.receiveForTest(raw);
    api.testOnlyMembersBadge = () => (members.badge === undefined ? undefined : { value: members.badge.value, tooltip: members.badge.tooltip });
    api.testOnlyPresenceLines = () => presence.lines();
    api.testOnlySnippetStatuses = async () => {
      await board.snippetChecks.settled();
      return board.snippetChecks.list();
    };
    api.testOnlyPinThreads = () => pins.threads();
    api.testOnlyCommentingLines = (document) => pins.commentingLines(document);
  }
  return api;
}

/** The session of this extension host, so that `deactivate` can wait for its goodbye. */
let activeSession: Session | undefined;

export function deactivate(): Promise<void> | undefined {
  // Everything else is owned by context.subscriptions. VS Code waits (briefly) for this promise:
  // the members see this one leave with bye instead of a dropped link.
  return activeSession?.close();
}
