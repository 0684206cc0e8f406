/**
 * The pin commands: "Pin Note to Selection…" (editor context menu, the line-number gutter, the
 * gutter's "+" on a new comment thread), and replying, resolving, reopening and deleting from a
 * pin's comment thread. Each can run with an argument object so tests skip the prompts.
 */
import * as vscode from 'vscode';
import { AnchorError, makeAnchor, relocate } from '../board/codeAnchor';
import { NetError } from '../net/errors';
import type { CommandContext } from './commands';
import { showError } from './errorNotice';
import { PinComments } from './pinComments';
import type { PinThreadView } from './pinComments';
import { pinFileProblem, pinPathOf } from './pinFiles';

/** What "Pin Note to Selection…" takes: none (the active editor's selection), the gutter's line, or everything (tests). */
interface PinArgs {
  uri?: vscode.Uri;
  /** 1-based, from the line-number gutter's context menu. */
  lineNumber?: number;
  startLine?: number;
  endLine?: number;
  text?: string;
  /** Pin even when the lines occur in several places of the file. */
  anyway?: boolean;
}

/** Registers the pin commands and the pins' comment threads; `threads` tells tests where the threads are. */
export function registerPinCommands(ctx: CommandContext): { disposables: vscode.Disposable[]; threads: () => PinThreadView[]; commentingLines: (document: vscode.TextDocument) => Promise<number> } {
  const comments = new PinComments(ctx.session.pins, ctx.logger, () => ctx.session.joined, ctx.session.onDidChange);
  // From a thread's menus VS Code passes the thread; other extensions and tests may pass `{ pin }`.
  const pinOf = (target: vscode.CommentThread | { pin?: unknown } | undefined): string | undefined => {
    if (target !== undefined && 'pin' in target) return typeof target.pin === 'string' ? target.pin : undefined;
    return target === undefined ? undefined : comments.pinOf(target as vscode.CommentThread);
  };
  const guarded = (title: string, run: () => unknown) => async (): Promise<void> => {
    try {
      await run();
    } catch (err) {
      showError(ctx, err, title);
    }
  };
  const disposables = [
    comments,
    vscode.commands.registerCommand('teamNotes.pinNote', (args?: PinArgs) => pinNote(ctx, args)),
    vscode.commands.registerCommand('teamNotes.pinFromThread', async (reply: vscode.CommentReply) => {
      const { thread, text } = reply;
      const range = thread.range;
      thread.dispose(); // the draft: the pin's own thread replaces it once placed
      if (range !== undefined) await pinNote(ctx, { uri: thread.uri, startLine: range.start.line + 1, endLine: range.end.line + 1, text });
    }),
    vscode.commands.registerCommand('teamNotes.replyPin', (reply: vscode.CommentReply | { pin?: unknown; text?: unknown }) =>
      guarded('Team Notes: reply not sent', () => {
        const text = reply.text;
        if (typeof text !== 'string') throw new NetError('ERR_BAD_INPUT', 'The reply is empty.');
        ctx.session.pins.reply(requirePin(pinOf('thread' in reply ? reply.thread : reply)), text);
      })(),
    ),
    vscode.commands.registerCommand('teamNotes.resolvePin', (thread?: vscode.CommentThread | { pin?: unknown }) =>
      guarded('Team Notes could not resolve the pin', () => ctx.session.pins.setResolved(requirePin(pinOf(thread)), true))(),
    ),
    vscode.commands.registerCommand('teamNotes.reopenPin', (thread?: vscode.CommentThread | { pin?: unknown }) =>
      guarded('Team Notes could not reopen the pin', () => ctx.session.pins.setResolved(requirePin(pinOf(thread)), false))(),
    ),
    vscode.commands.registerCommand('teamNotes.choosePinPlace', (thread?: vscode.CommentThread | { pin?: unknown; startLine?: unknown }) =>
      guarded('Team Notes could not move the pin', () => choosePlace(comments, requirePin(pinOf(thread)), thread))(),
    ),
    vscode.commands.registerCommand('teamNotes.deletePin', (thread?: vscode.CommentThread | { pin?: unknown }) =>
      guarded('Team Notes could not delete the pin', () => ctx.session.pins.deletePin(requirePin(pinOf(thread))))(),
    ),
  ];
  return { disposables, threads: () => comments.threads(), commentingLines: (document) => comments.commentingLines(document) };
}

/** Offers an ambiguous pin's candidate places in a quick pick (or takes `startLine` from tests), and moves its thread there. */
async function choosePlace(comments: PinComments, id: string, args: unknown): Promise<void> {
  const view = comments.thread(id);
  const candidates = view?.candidates;
  if (view === undefined || candidates === undefined) throw new NetError('ERR_BAD_INPUT', 'This pin is not in doubt: its code is found in one place.');
  const given = (args as { startLine?: unknown } | undefined)?.startLine;
  if (typeof given === 'number') {
    const match = candidates.find((c) => c.startLine === given);
    if (match === undefined) throw new NetError('ERR_BAD_INPUT', `Line ${given} is not one of the places that match.`);
    return comments.choose(id, match);
  }
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(view.file));
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: c.startLine === c.endLine ? `Line ${c.startLine}` : `Lines ${c.startLine}–${c.endLine}`,
      description: c.startLine <= document.lineCount ? document.lineAt(c.startLine - 1).text.trim().slice(0, 80) : '',
      range: c,
    })),
    { title: 'Team Notes: Where Is This Pin?', placeHolder: 'The pinned code matches in several places; choose the one the note is about.' },
  );
  if (picked !== undefined) comments.choose(id, picked.range);
}

function requirePin(id: string | undefined): string {
  if (id === undefined) throw new NetError('ERR_BAD_INPUT', 'That is not a Team Notes pin.');
  return id;
}

async function pinNote(ctx: CommandContext, args: PinArgs = {}): Promise<string | undefined> {
  const title = 'Team Notes: note not pinned';
  try {
    if (!ctx.session.joined) {
      const choice = await vscode.window.showInformationMessage('Join a group to pin notes to code.', 'Join Group…');
      if (choice === 'Join Group…') await vscode.commands.executeCommand('teamNotes.joinGroup');
      if (!ctx.session.joined) return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const document = args.uri !== undefined ? await vscode.workspace.openTextDocument(args.uri) : editor?.document;
    if (document === undefined) throw new NetError('ERR_BAD_INPUT', 'Open a file and select the lines to pin a note to.');
    if (document.uri.scheme !== 'file') throw new NetError('ERR_BAD_INPUT', 'Pins go on files on disk; this editor shows none.');
    const { startLine, endLine } = lineRange(args, editor?.document === document ? editor.selection : undefined);
    const text = document.getText();
    const problem = pinFileProblem(text.length, text);
    if (problem !== undefined) throw new NetError('ERR_BAD_INPUT', problem);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const { path, commit } = await pinPathOf(document.uri.fsPath, folders);
    const anchor = makeAnchor(text, path, startLine, endLine, commit);
    // Lines found in several places cannot be found again by a teammate: say so before pinning.
    const found = relocate(anchor, text);
    if (found.status === 'ambiguous' && args.anyway !== true) {
      const message = `These lines occur in ${found.candidates.length}${found.candidates.length >= 20 ? ' or more' : ''} places of the file; teammates may not find which one you mean. Select more lines, or pin anyway.`;
      if (args.text !== undefined) throw new NetError('ERR_BAD_INPUT', message);
      if ((await vscode.window.showWarningMessage(message, 'Pin Anyway')) !== 'Pin Anyway') return undefined;
    }
    const note =
      args.text ??
      (await vscode.window.showInputBox({
        title: `Team Notes: Pin Note to ${path}:${startLine === endLine ? startLine : `${startLine}-${endLine}`}`,
        prompt: 'Every member of the group who has this file sees the note at these lines.',
        placeHolder: 'Your note',
        ignoreFocusOut: true,
      }));
    if (note === undefined || note.trim() === '') return undefined;
    const id = ctx.session.pins.addPin(anchor, note);
    vscode.window.setStatusBarMessage(`Team Notes: pinned a note to ${path}`, 3000);
    return id;
  } catch (err) {
    showError(ctx, err instanceof AnchorError ? new NetError('ERR_BAD_INPUT', `${err.message} (${err.code})`) : err, title);
    return undefined;
  }
}

/** The 1-based lines a pin goes on: given, the gutter's line, or the selection's lines. */
function lineRange(args: PinArgs, selection: vscode.Selection | undefined): { startLine: number; endLine: number } {
  if (args.startLine !== undefined) return { startLine: args.startLine, endLine: args.endLine ?? args.startLine };
  if (args.lineNumber !== undefined) return { startLine: args.lineNumber, endLine: args.lineNumber };
  if (selection === undefined) throw new NetError('ERR_BAD_INPUT', 'Select the lines to pin a note to.');
  // A selection that ends at column 0 of a later line does not include that line.
  const end = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line : selection.end.line + 1;
  return { startLine: selection.start.line + 1, endLine: end };
}
