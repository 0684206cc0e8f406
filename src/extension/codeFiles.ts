/**
 * Reading a file a snippet card or a chat code location names, in this member's workspace, to find
 * the code in it. The path is another member's: it is resolved by `locate` (workspace folders only,
 * symlinks followed and checked). A file that is too big or binary is refused before it is decoded,
 * so a hostile path cannot make the extension host read 100 MB or relocate through bytes.
 */
import * as vscode from 'vscode';
import { NetError } from '../net/errors';
import { printablePath } from './workspacePath';
import { locate } from './snippetLinks';

/** Largest file read to find code in, in bytes (5 MiB): far past any source file, far short of a log dump. */
export const MAX_CODE_FILE_BYTES = 5 * 1024 * 1024;
/** Bytes looked at for a NUL to tell a binary file, as git does. */
const BINARY_SNIFF_BYTES = 8000;

/** The file and its text as this member sees it: an open editor's text, unsaved edits included, else the disk's. */
export interface CodeFile {
  uri: vscode.Uri;
  text: string;
}

/**
 * Reads `path` in the workspace. Throws a `WorkspacePathError` (refused or missing path) or a
 * `NetError` `ERR_BAD_INPUT` whose message says the file is too big or binary.
 */
export async function readCodeFile(path: string): Promise<CodeFile> {
  const uri = await locate(path);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open !== undefined) return { uri, text: open.getText() };
  const shown = printablePath(path);
  const { size } = await vscode.workspace.fs.stat(uri);
  if (size > MAX_CODE_FILE_BYTES) throw new NetError('ERR_BAD_INPUT', `Team Notes will not open "${shown}" to find the code: it is ${Math.round(size / (1024 * 1024))} MB, more than ${MAX_CODE_FILE_BYTES / (1024 * 1024)} MB.`);
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.length > MAX_CODE_FILE_BYTES) throw new NetError('ERR_BAD_INPUT', `Team Notes will not open "${shown}" to find the code: it is more than ${MAX_CODE_FILE_BYTES / (1024 * 1024)} MB.`);
  if (isBinary(bytes)) throw new NetError('ERR_BAD_INPUT', `Team Notes will not open "${shown}" to find the code: it is a binary file.`);
  return { uri, text: new TextDecoder('utf-8').decode(bytes) };
}

/** True when the bytes hold a NUL near their start (UTF-16 text counts as binary here: source is not). */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}
