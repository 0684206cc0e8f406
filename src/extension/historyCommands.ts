/**
 * The commands about what this machine keeps of a group: Export Session as Markdown, and Clear
 * Local History (with a confirmation). History itself is kept by the session, in the extension's
 * global storage, one folder per group.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { NetError } from '../net/errors';
import { exportHistory } from '../net/exportFiles';
import type { CommandContext } from './commands';
import { showError } from './errorNotice';
import { forgetActiveGroup } from './joinCommands';

type ExportArgs = { file?: unknown } | undefined;
type ClearArgs = { confirmed?: unknown } | undefined;

export function registerHistoryCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('teamNotes.exportSession', (args?: ExportArgs) => exportSession(ctx, args)),
    vscode.commands.registerCommand('teamNotes.clearHistory', (args?: ClearArgs) => clearHistory(ctx, args)),
  ];
}

/** Writes the joined group's chat, notes, snippets and images to a Markdown file the user picks. */
async function exportSession(ctx: CommandContext, args: ExportArgs): Promise<void> {
  const history = ctx.session.groupHistory;
  if (history === undefined) {
    return showError(ctx, new NetError('ERR_CLOSED', 'Join the group to export first: its history opens with it.'), 'Team Notes: nothing exported');
  }
  let target: vscode.Uri | undefined;
  if (typeof args?.file === 'string') {
    target = vscode.Uri.file(args.file);
  } else {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
    target = await vscode.window.showSaveDialog({
      title: `Team Notes: Export "${history.group}" as Markdown`,
      defaultUri: vscode.Uri.joinPath(folder, `${history.group.replace(/[^A-Za-z0-9._-]+/g, '-')}-notes.md`),
      filters: { Markdown: ['md'] },
      saveLabel: 'Export',
    });
  }
  if (target === undefined) return;
  if (target.scheme !== 'file') return showError(ctx, new NetError('ERR_BAD_INPUT', 'Pick a file on this machine.'), 'Team Notes: nothing exported');
  try {
    const { file, images } = exportHistory(history, target.fsPath, ctx.session.self?.id);
    ctx.logger.info(`Exported ${history.size} messages and ${images} images of "${history.group}" to ${file}`);
    if (typeof args?.file === 'string') return;
    void vscode.window.showInformationMessage(`Team Notes: exported "${history.group}" to ${vscode.workspace.asRelativePath(file)} (${images} images beside it).`, 'Open Preview').then(async (choice) => {
      if (choice === 'Open Preview') await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(file));
    });
  } catch (err) {
    showError(ctx, err, 'Team Notes could not export');
  }
}

/** Removes the joined group's history from this machine, after the user confirms. */
async function clearHistory(ctx: CommandContext, args: ClearArgs): Promise<void> {
  const history = ctx.session.groupHistory;
  if (history === undefined) {
    return showError(ctx, new NetError('ERR_CLOSED', 'Join the group whose local history you want to clear.'), 'Team Notes: nothing cleared');
  }
  const size = history.diskBytes();
  if (args?.confirmed !== true) {
    const choice = await vscode.window.showWarningMessage(
      `Clear the history of "${history.group}" kept on this machine (${history.size.toLocaleString('en')} messages, ${formatBytes(size)})?`,
      {
        modal: true,
        detail: 'This leaves the group and empties its board and chat here. Teammates keep their copies, and you get the history back from them when you join again.',
      },
      'Clear History',
    );
    if (choice !== 'Clear History') return;
  }
  const group = history.group;
  try {
    await forgetActiveGroup(ctx);
    await ctx.session.clearHistory();
    ctx.groupLock?.dispose();
    ctx.groupLock = undefined;
    vscode.window.setStatusBarMessage(`Team Notes: cleared the local history of "${group}"`, 4000);
  } catch (err) {
    showError(ctx, err, 'Team Notes could not clear the history');
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
