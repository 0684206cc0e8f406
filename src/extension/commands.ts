/**
 * The palette commands. Each can also be run with an argument object so that other extensions,
 * keybindings and tests can skip the prompts (e.g. `teamNotes.joinGroup` with `{ group, name }`).
 */
import * as vscode from 'vscode';
import { NetError, toNetError } from '../net/errors';
import type { Logger } from '../net/logger';
import type { LanPresence } from './lanPresence';
import { fingerprint, peerIdToKey } from '../net/memberKey';
import type { GroupLock } from './memberIdentity';
import { MAX_NOTE_TEXT } from '../board/limits';
import { codeShareText, quotableCode } from '../board/chatMarkup';
import { MAX_ANCHOR_LINES } from '../board/codeAnchor';
import { MAX_CHAT_INPUT } from '../webview/protocol';
import type { CodeTheme } from '../board/codeTheme';
import type { CodeImageSource } from '../webview/protocol';
import type { BoardPanels } from './boardPanel';
import type { Session } from './session';
import { registerDiagnoseCommand } from './diagnoseCommand';
import { showError } from './errorNotice';
import { joinGroup, leaveGroup } from './joinCommands';
import type { JoinArgs, LeaveArgs } from './joinCommands';
import { startRepository } from './repositoryCommands';
import { banPeer } from './settings';

// Where the extension's entry point and other command modules have always found them.
export { showError } from './errorNotice';
export { forgetActiveGroup, offerAnotherPassword, rejoinAfterReload } from './joinCommands';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  session: Session;
  board: BoardPanels;
  log: vscode.LogOutputChannel;
  logger: Logger;
  /** This window on the local network: the groups heard there. */
  lan: LanPresence;
  /** The last error shown to the user, with its code (the API exposes it to tests and other extensions). */
  lastError?: { code: string; message: string };
  /** This window's hold on the group it is in. */
  groupLock?: GroupLock;
}

type SendArgs = { text?: unknown; to?: unknown } | undefined;

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('teamNotes.joinGroup', (args?: JoinArgs) => joinGroup(ctx, args)),
    vscode.commands.registerCommand('teamNotes.leaveGroup', (args?: LeaveArgs) => leaveGroup(ctx, args)),
    vscode.commands.registerCommand('teamNotes.banMember', (row?: { member?: { id?: unknown; name?: unknown } }) => banMember(ctx, row)),
    vscode.commands.registerCommand('teamNotes.openBoard', () => ctx.board.show()),
    vscode.commands.registerCommand('teamNotes.sendMessage', (args?: SendArgs) => sendMessage(ctx, args)),
    vscode.commands.registerCommand('teamNotes.shareSelection', () => shareSelection(ctx)),
    vscode.commands.registerCommand('teamNotes.shareSelectionAsImage', () => shareSelectionAsImage(ctx)),
    vscode.commands.registerCommand('teamNotes.shareSelectionToChat', () => shareSelectionToChat(ctx)),
    vscode.commands.registerCommand('teamNotes.addNote', (args?: { text?: unknown }) => addNote(ctx, args)),
    vscode.commands.registerCommand('teamNotes.startRepository', () => startRepository(ctx)),
    vscode.commands.registerCommand('teamNotes.showLog', () => ctx.log.show(true)),
    registerDiagnoseCommand(ctx),
  ];
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
      // VS Code adds "Press 'Enter' to confirm" to the prompt itself: the prompt says who reads it.
      prompt: to === undefined ? 'Everyone in the group reads it.' : 'Only this member reads it.',
      placeHolder: 'Your message',
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
    ctx.session.board.shareSnippet(source);
    ctx.board.showBesideEditor();
    vscode.window.setStatusBarMessage('Team Notes: shared the selection to the board', 3000);
  } catch (err) {
    showError(ctx, err, 'Team Notes could not share the selection');
  }
}

/**
 * Sends the selection to the group's chat as `path:start-end` and the code in a fenced block, whole
 * lines, so that each member's link finds the code where it is in their checkout. Too long a
 * selection is refused with a word, not cut: a cut quote would not find the code.
 */
async function shareSelectionToChat(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const source = selectedSource();
  if (editor === undefined || source === undefined || !(await requireJoined(ctx, 'share code'))) return;
  const { document } = editor;
  const code = document.getText(new vscode.Range(source.startLine - 1, 0, source.endLine - 1, document.lineAt(source.endLine - 1).text.length));
  const lines = source.endLine - source.startLine + 1;
  const text = codeShareText(source.path, source.startLine, source.endLine, source.language, code);
  const length = Array.from(text).length;
  let refusal: string | undefined;
  if (lines > MAX_ANCHOR_LINES) refusal = `the selection has ${lines.toLocaleString('en')} lines; a chat link quotes at most ${MAX_ANCHOR_LINES}. Share it to the board instead.`;
  else if (length > MAX_CHAT_INPUT) refusal = `with its code the message would be ${length.toLocaleString('en')} characters; a chat message holds at most ${MAX_CHAT_INPUT.toLocaleString('en')}. Select less, or share it to the board.`;
  else if (!quotableCode(code)) refusal = 'the selection holds a line of three backticks, which would end the quoted block early.';
  if (refusal !== undefined) return showError(ctx, new NetError('ERR_BAD_INPUT', `Not sent: ${refusal}`), 'Team Notes could not share the selection to chat');
  try {
    ctx.session.sendChat(text);
    ctx.board.showBesideEditor();
    vscode.window.setStatusBarMessage('Team Notes: shared the selection to the chat', 3000);
  } catch (err) {
    showError(ctx, err, 'Team Notes could not share the selection to chat');
  }
}

/** The code image is drawn in the colours of the default theme of the editor's theme kind. */
const CODE_THEME_OF_KIND: Record<vscode.ColorThemeKind, CodeTheme> = {
  [vscode.ColorThemeKind.Dark]: 'dark',
  [vscode.ColorThemeKind.Light]: 'light',
  [vscode.ColorThemeKind.HighContrast]: 'highContrast',
  [vscode.ColorThemeKind.HighContrastLight]: 'highContrastLight',
};

async function shareSelectionAsImage(ctx: CommandContext): Promise<void> {
  const source = selectedSource();
  if (source === undefined || !(await requireJoined(ctx, 'share code'))) return;
  const theme = CODE_THEME_OF_KIND[vscode.window.activeColorTheme.kind];
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Team Notes: rendering the selection as an image' }, async () => {
      const png = await ctx.board.renderCodeImage(source, theme);
      ctx.session.board.shareCodeImage(png, source);
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
    ctx.session.board.addNote(text);
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
