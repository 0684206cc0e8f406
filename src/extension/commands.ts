/**
 * The palette commands. Each can also be run with an argument object so that other extensions,
 * keybindings and tests can skip the prompts (e.g. `teamNotes.joinGroup` with `{ group, name }`).
 */
import * as vscode from 'vscode';
import { NetError, toNetError } from '../net/errors';
import type { Logger } from '../net/logger';
import { accountDisplayName } from '../net/accountName';
import { displayNameProblem, groupNameProblem } from '../net/xmlCodec';
import { fingerprint, peerIdToKey } from '../net/memberKey';
import { GroupLock, loadMemberKey, rememberPassword, storedPassword } from './memberIdentity';
import { MAX_NOTE_TEXT } from '../board/limits';
import type { CodeImageSource } from '../webview/protocol';
import type { BoardPanels } from './boardPanel';
import type { Session } from './session';
import { banPeer, readSettings, saveDisplayName } from './settings';

const RECENT_GROUPS_KEY = 'teamNotes.recentGroups';
/** The group this window was in (per workspace): a reloaded window rejoins it by itself. */
const ACTIVE_GROUP_KEY = 'teamNotes.activeGroup';
const MAX_RECENT_GROUPS = 10;

export interface CommandContext {
  extension: vscode.ExtensionContext;
  session: Session;
  board: BoardPanels;
  log: vscode.LogOutputChannel;
  logger: Logger;
  /** The last error shown to the user, with its code (the API exposes it to tests and other extensions). */
  lastError?: { code: string; message: string };
  /** This window's hold on the group it is in. */
  groupLock?: GroupLock;
}

type JoinArgs = { group?: unknown; name?: unknown; password?: unknown; askPassword?: unknown } | undefined;
type SendArgs = { text?: unknown; to?: unknown } | undefined;

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('teamNotes.joinGroup', (args?: JoinArgs) => joinGroup(ctx, args)),
    vscode.commands.registerCommand('teamNotes.leaveGroup', () => leaveGroup(ctx)),
    vscode.commands.registerCommand('teamNotes.banMember', (row?: { member?: { id?: unknown; name?: unknown } }) => banMember(ctx, row)),
    vscode.commands.registerCommand('teamNotes.openBoard', () => ctx.board.show()),
    vscode.commands.registerCommand('teamNotes.sendMessage', (args?: SendArgs) => sendMessage(ctx, args)),
    vscode.commands.registerCommand('teamNotes.shareSelection', () => shareSelection(ctx)),
    vscode.commands.registerCommand('teamNotes.shareSelectionAsImage', () => shareSelectionAsImage(ctx)),
    vscode.commands.registerCommand('teamNotes.addNote', (args?: { text?: unknown }) => addNote(ctx, args)),
    vscode.commands.registerCommand('teamNotes.startRepository', () => startRepository(ctx)),
    vscode.commands.registerCommand('teamNotes.showLog', () => ctx.log.show(true)),
  ];
}

/**
 * Shows an error with buttons to act on it and logs it with its code. Does not wait for the user:
 * a command must finish even when nobody dismisses the notification.
 */
export function showError(ctx: CommandContext, err: unknown, context: string, settingsQuery = 'teamNotes'): void {
  const error = toNetError(err, 'ERR_BAD_INPUT');
  ctx.lastError = { code: error.code, message: error.message };
  ctx.logger.error(`${context}: ${error.code} ${error.message}`);
  void vscode.window.showErrorMessage(`${context}: ${error.message}`, 'Open Settings', 'Show Log').then(async (choice) => {
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', settingsQuery);
    if (choice === 'Show Log') ctx.log.show(true);
  });
}

/** Asks for a group: recent groups to pick, or a new name typed in. */
async function pickGroup(ctx: CommandContext): Promise<string | undefined> {
  const recent = ctx.extension.globalState.get<string[]>(RECENT_GROUPS_KEY, []).filter((g) => groupNameProblem(g) === undefined);
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { group?: string }>();
  quickPick.title = 'Team Notes: Join Group';
  quickPick.placeholder = recent.length > 0 ? 'Pick a recent group or type the name of a group to join' : 'Type the name of the group to join, e.g. design';
  const recentItems = recent.map((group) => ({ label: group, description: 'recent', group }));
  const update = (): void => {
    const typed = quickPick.value.trim();
    const items: (vscode.QuickPickItem & { group?: string })[] = [];
    if (typed !== '' && !recent.includes(typed)) {
      const problem = groupNameProblem(typed);
      items.push(problem === undefined ? { label: `$(add) Join "${typed}"`, group: typed, alwaysShow: true } : { label: `$(error) ${problem}`, alwaysShow: true });
    }
    quickPick.items = [...items, ...recentItems];
  };
  update();
  return new Promise((resolve) => {
    quickPick.onDidChangeValue(update);
    quickPick.onDidAccept(() => {
      const group = quickPick.selectedItems[0]?.group;
      if (group === undefined) return; // an invalid name: keep the picker open
      resolve(group);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** The display name from the settings, or asked for (the first time) and remembered. */
async function displayName(): Promise<string | undefined> {
  const configured = readSettings().displayName;
  if (configured !== '' && displayNameProblem(configured) === undefined) return configured;
  const name = await vscode.window.showInputBox({
    title: 'Team Notes: Your Display Name',
    prompt: 'The name your teammates see. You can change it later in the settings (Team Notes: Display Name).',
    value: accountDisplayName(),
    ignoreFocusOut: true,
    validateInput: (value) => displayNameProblem(value.trim()),
  });
  if (name === undefined) return undefined;
  await saveDisplayName(name.trim());
  return name.trim();
}


async function joinGroup(ctx: CommandContext, args: JoinArgs): Promise<void> {
  const group = typeof args?.group === 'string' ? args.group.trim() : await pickGroup(ctx);
  if (group === undefined) return;
  const problem = groupNameProblem(group);
  if (problem !== undefined) return showError(ctx, new NetError('ERR_BAD_INPUT', problem), 'Team Notes could not join');
  const name = typeof args?.name === 'string' ? args.name.trim() : await displayName();
  if (name === undefined) return;
  const nameProblem = displayNameProblem(name);
  if (nameProblem !== undefined) return showError(ctx, new NetError('ERR_BAD_INPUT', nameProblem), `Team Notes could not join "${group}"`, 'teamNotes.displayName');

  // A join with its group given (from another extension, a test, "Try Another Password") asks only
  // when told to; the interactive join asks unless a password is remembered.
  const password =
    typeof args?.password === 'string'
      ? args.password
      : typeof args?.group === 'string' && args.askPassword !== true
        ? ((await storedPassword(ctx.extension.secrets, group)) ?? '')
        : await groupPassword(ctx, group, args?.askPassword === true);
  if (password === undefined) return;

  const settings = readSettings();
  try {
    // Two windows of one profile share its key: the second is told the group is open in the first.
    ctx.groupLock?.dispose();
    ctx.groupLock = undefined;
    ctx.groupLock = await GroupLock.acquire(ctx.extension.globalStorageUri, group);
    const key = await loadMemberKey(ctx.extension.secrets);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Team Notes: joining "${group}"…` },
      () => ctx.session.join(group, name, settings, { key, password: password === '' ? undefined : password }),
    );
    await rememberPassword(ctx.extension.secrets, group, password);
    await ctx.extension.workspaceState.update(ACTIVE_GROUP_KEY, { group, name });
    const recent = [group, ...ctx.extension.globalState.get<string[]>(RECENT_GROUPS_KEY, []).filter((g) => g !== group)];
    await ctx.extension.globalState.update(RECENT_GROUPS_KEY, recent.slice(0, MAX_RECENT_GROUPS));
    ctx.board.show();
    if (outcome.startedRepository !== undefined) void announceRepository(outcome.startedRepository);
  } catch (err) {
    ctx.groupLock?.dispose();
    ctx.groupLock = undefined;
    const settingsQuery = toNetError(err).code === 'ERR_BAD_ADDRESS' ? 'teamNotes.repositoryAddress' : 'teamNotes';
    showError(ctx, err, `Team Notes could not join "${group}"`, settingsQuery);
  }
}

/**
 * The group password: the one remembered in SecretStorage, or asked for (optional: empty is an
 * open group). `ask` forces the question (after "authentication failed"). Undefined: cancelled.
 */
async function groupPassword(ctx: CommandContext, group: string, ask: boolean): Promise<string | undefined> {
  const stored = await storedPassword(ctx.extension.secrets, group);
  if (stored !== undefined && !ask) return stored;
  return vscode.window.showInputBox({
    title: `Team Notes: Password for "${group}"`,
    prompt: ask
      ? 'Authentication failed with a member of this group: enter the group password your teammates use.'
      : 'Optional. Teammates who join with the same password can read and write; nobody else can. Leave empty for an open group.',
    password: true,
    ignoreFocusOut: true,
  });
}

/** The user left on purpose: a reload does not bring the window back into the group. */
export function forgetActiveGroup(ctx: CommandContext): Thenable<void> {
  return ctx.extension.workspaceState.update(ACTIVE_GROUP_KEY, undefined);
}

/**
 * A window that was in a group when it reloaded (or VS Code restarted) joins it again by itself,
 * with the remembered name and password: its board and chat show from disk at once, then catch up.
 */
export function rejoinAfterReload(ctx: CommandContext): void {
  const active = ctx.extension.workspaceState.get<{ group?: unknown; name?: unknown }>(ACTIVE_GROUP_KEY);
  if (typeof active?.group !== 'string' || typeof active.name !== 'string') return;
  ctx.logger.info(`Rejoining "${active.group}", the group this window was in`);
  void vscode.commands.executeCommand('teamNotes.joinGroup', { group: active.group, name: active.name });
}

/** After "authentication failed": offers to try another password. */
export function offerAnotherPassword(ctx: CommandContext): vscode.Disposable {
  // Counts joins, so that a new join asks again even while an earlier join's question is unanswered
  // (nobody may ever dismiss a notification) and reports the failure in lastError each time.
  let joins = 0;
  let askedIn: number | undefined;
  const onJoin = ctx.session.onDidChange((change) => {
    if (change.kind === 'session' && ctx.session.snapshot().session.state === 'joining') joins += 1;
  });
  const onFailed = ctx.session.onAuthFailed(async () => {
    ctx.lastError = { code: 'ERR_AUTH_FAILED', message: 'Authentication failed' };
    if (askedIn === joins) return; // one question per join, not one per member
    const join = joins;
    askedIn = join;
    const group = ctx.session.groupName;
    const choice = await vscode.window.showWarningMessage(
      `Team Notes: authentication failed with a member of "${group ?? ''}". Do you use the same group password as your teammates?`,
      'Try Another Password',
    );
    if (askedIn === join) askedIn = undefined;
    if (choice === 'Try Another Password' && group !== undefined) await vscode.commands.executeCommand('teamNotes.joinGroup', { group, askPassword: true });
  });
  return vscode.Disposable.from(onJoin, onFailed);
}

/** Tells the user, once per start, the address teammates should enter; offers to copy it. */
async function announceRepository(address: string): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `No repository server answered, so Team Notes started one in this window. Teammates join with Repository Address ${address}.`,
    'Copy Address',
  );
  if (choice === 'Copy Address') await vscode.env.clipboard.writeText(address);
}

/** Bans a member by key, from its row in the Members view: its links close and it cannot come back. */
async function banMember(ctx: CommandContext, row: { member?: { id?: unknown; name?: unknown } } | undefined): Promise<void> {
  const id = row?.member?.id;
  if (typeof id !== 'string' || peerIdToKey(id) === undefined) return showError(ctx, new NetError('ERR_UNKNOWN_MEMBER', 'Pick a member in the Members view to ban.'), 'Team Notes: nobody banned');
  const name = typeof row?.member?.name === 'string' ? row.member.name : 'this member';
  const choice = await vscode.window.showWarningMessage(
    `Ban ${name} [${fingerprint(id)}]? Their key is refused by this window from now on (setting Team Notes: Banned Peers).`,
    { modal: true },
    'Ban',
  );
  if (choice !== 'Ban') return;
  await banPeer(id);
}

async function leaveGroup(ctx: CommandContext): Promise<void> {
  const group = ctx.session.groupName;
  if (!ctx.session.joined) return void vscode.window.showInformationMessage('Team Notes: you are not in a group.');
  await forgetActiveGroup(ctx);
  await ctx.session.leave();
  vscode.window.setStatusBarMessage(`Team Notes: left "${group ?? ''}"`, 3000);
}

/** Offers to join when a command needs a group. Returns true when joined. */
async function requireJoined(ctx: CommandContext, action: string): Promise<boolean> {
  if (ctx.session.joined) return true;
  const choice = await vscode.window.showInformationMessage(`Join a group to ${action}.`, 'Join Group…');
  if (choice === 'Join Group…') await vscode.commands.executeCommand('teamNotes.joinGroup');
  return ctx.session.joined;
}

async function sendMessage(ctx: CommandContext, args: SendArgs): Promise<void> {
  if (!(await requireJoined(ctx, 'send a message'))) return;
  let to: string | undefined;
  if (typeof args?.to === 'string') {
    const target = args.to;
    const member = ctx.session.memberList().find((m) => m.id === target) ?? ctx.session.memberList().find((m) => m.name === target);
    if (member === undefined) return showError(ctx, new NetError('ERR_UNKNOWN_MEMBER', `No member "${target}" in this group.`), 'Team Notes: message not sent');
    to = member.id;
  }
  let text = typeof args?.text === 'string' ? args.text : undefined;
  for (;;) {
    text ??= await vscode.window.showInputBox({
      title: `Team Notes: Message to ${to === undefined ? `"${ctx.session.groupName ?? ''}"` : (ctx.session.memberList().find((m) => m.id === to)?.name ?? 'member')}`,
      prompt: 'Press Enter to send',
      ignoreFocusOut: true,
    });
    if (text === undefined || text.trim() === '') return;
    try {
      ctx.session.sendChat(text, to);
      return;
    } catch (err) {
      if (typeof args?.text === 'string') return showError(ctx, err, 'Team Notes: message not sent'); // the caller still has the text
      // Never drop what the user typed: offer it back for another try.
      ctx.lastError = { code: toNetError(err).code, message: toNetError(err).message };
      const retry = await vscode.window.showErrorMessage(`Team Notes: message not sent: ${toNetError(err).message}`, 'Edit and Retry');
      if (retry !== 'Edit and Retry') return;
      text = await vscode.window.showInputBox({ title: 'Team Notes: Message', value: text, ignoreFocusOut: true });
    }
  }
}

/** The active editor's selection as a snippet source, or undefined (after telling the user) when there is none. */
function selectedSource(): CodeImageSource | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.selection.isEmpty) {
    void vscode.window.showInformationMessage('Team Notes: select some code to share first.');
    return undefined;
  }
  const { document, selection } = editor;
  // A selection that ends at column 0 of a line does not include that line.
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  return {
    code: document.getText(selection),
    language: /^[A-Za-z0-9_.+#-]{1,64}$/.test(document.languageId) ? document.languageId : 'plaintext',
    path: snippetPath(document.uri),
    startLine: selection.start.line + 1,
    endLine: endLine + 1,
  };
}

async function shareSelection(ctx: CommandContext): Promise<void> {
  const source = selectedSource();
  if (source === undefined || !(await requireJoined(ctx, 'share code'))) return;
  try {
    ctx.session.shareSnippet(source);
    ctx.board.showBesideEditor();
    vscode.window.setStatusBarMessage('Team Notes: shared the selection to the board', 3000);
  } catch (err) {
    showError(ctx, err, 'Team Notes could not share the selection');
  }
}

async function shareSelectionAsImage(ctx: CommandContext): Promise<void> {
  const source = selectedSource();
  if (source === undefined || !(await requireJoined(ctx, 'share code'))) return;
  const kind = vscode.window.activeColorTheme.kind;
  const theme = kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight ? 'light' : 'dark';
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Team Notes: rendering the selection as an image' }, async () => {
      const png = await ctx.board.renderCodeImage(source, theme);
      ctx.session.shareCodeImage(png, source);
    });
    vscode.window.setStatusBarMessage('Team Notes: shared the selection as an image', 3000);
  } catch (err) {
    showError(ctx, err, 'Team Notes could not share the selection as an image');
  }
}

async function addNote(ctx: CommandContext, args: { text?: unknown } | undefined): Promise<void> {
  if (!(await requireJoined(ctx, 'add a note'))) return;
  const text =
    typeof args?.text === 'string'
      ? args.text
      : await vscode.window.showInputBox({
          title: 'Team Notes: Add Note',
          prompt: 'The note appears on every member\'s board; drag it into place there.',
          ignoreFocusOut: true,
          validateInput: (value) => (Array.from(value).length > MAX_NOTE_TEXT ? `At most ${MAX_NOTE_TEXT.toLocaleString('en')} characters.` : undefined),
        });
  if (text === undefined || text.trim() === '') return;
  try {
    ctx.session.addNote(text);
    ctx.board.showBesideEditor();
  } catch (err) {
    showError(ctx, err, 'Team Notes could not add the note');
  }
}

/** A workspace-relative path with `/` separators; just the file name for files outside the workspace. */
export function snippetPath(uri: vscode.Uri): string {
  const relative = vscode.workspace.asRelativePath(uri, false).replace(/\\/g, '/');
  const inWorkspace = relative !== uri.fsPath && !relative.startsWith('/') && !/^[A-Za-z]:/.test(relative);
  const path = inWorkspace ? relative : (uri.path.split('/').pop() ?? 'selection');
  const clean = path.split('/').filter((segment) => segment !== '' && segment !== '.' && segment !== '..').join('/');
  return clean === '' ? 'selection' : clean;
}

async function startRepository(ctx: CommandContext): Promise<void> {
  const settings = readSettings();
  try {
    const address = await ctx.session.startRepository(undefined, settings.listenHost);
    const choice = await vscode.window.showInformationMessage(`Team Notes: a repository server runs in this window. Teammates join with Repository Address ${address}.`, 'Copy Address');
    if (choice === 'Copy Address') await vscode.env.clipboard.writeText(address);
  } catch (err) {
    showError(ctx, err, 'Team Notes could not start a repository server');
  }
}
