import * as vscode from 'vscode';
import { NetError } from '../net/errors';
import type { BoardSnippet } from '../webview/protocol';

/**
 * Opens a snippet's file at its lines in this member's own workspace: the path is relative to a
 * workspace folder, so it resolves to the reader's checkout of the same project. Never opens
 * anything outside the workspace folders.
 */
export async function openSnippet(snippet: Pick<BoardSnippet, 'path' | 'startLine' | 'endLine'>): Promise<void> {
  const segments = snippet.path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new NetError('ERR_BAD_INPUT', `"${snippet.path}" is not a workspace-relative path.`);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, ...segments);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      continue;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    const last = Math.min(snippet.endLine, document.lineCount) - 1;
    const first = Math.min(snippet.startLine - 1, last);
    const range = new vscode.Range(first, 0, last, document.lineAt(Math.max(last, 0)).text.length);
    await vscode.window.showTextDocument(document, { selection: range, viewColumn: vscode.ViewColumn.One });
    return;
  }
  throw new NetError('ERR_BAD_INPUT', `${snippet.path} is not in your workspace.`);
}
