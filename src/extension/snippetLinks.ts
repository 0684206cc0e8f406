import * as vscode from 'vscode';
import { WorkspacePathError, checkRelativePath, printablePath, resolveWorkspacePath } from './workspacePath';

/**
 * The file a snippet card's or a chat code location's path names in a workspace folder: the path is
 * relative to a workspace folder, so it resolves to the reader's checkout of the same project. The
 * path comes from another member, so it is checked by {@link resolveWorkspacePath} and never leads
 * outside the workspace folders; a refusal throws a {@link WorkspacePathError} with its code.
 */
export async function locate(path: string): Promise<vscode.Uri> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const local = folders.filter((f) => f.uri.scheme === 'file');
  const found = await resolveWorkspacePath(path, local.map((f) => f.uri.fsPath));
  if (found.ok) return vscode.Uri.file(found.file);
  const remote = folders.filter((f) => f.uri.scheme !== 'file');
  if (remote.length === 0 || (found.code !== 'ERR_PATH_NOT_FOUND' && found.code !== 'ERR_PATH_NO_WORKSPACE')) throw new WorkspacePathError(found.code, found.message);
  // A folder on another file system (remote, virtual): its symlinks cannot be followed from here,
  // so a symlink is refused outright rather than trusted.
  const form = checkRelativePath(path);
  if (!form.ok) throw new WorkspacePathError(form.code, form.message);
  for (const folder of remote) {
    const uri = vscode.Uri.joinPath(folder.uri, ...form.segments);
    let type: vscode.FileType;
    try {
      type = (await vscode.workspace.fs.stat(uri)).type;
    } catch {
      continue;
    }
    if ((type & vscode.FileType.SymbolicLink) !== 0) throw new WorkspacePathError('ERR_PATH_OUTSIDE', `Team Notes will not open "${printablePath(path)}": it is a symbolic link.`);
    if (type !== vscode.FileType.File) throw new WorkspacePathError('ERR_PATH_NOT_FILE', `Team Notes will not open "${printablePath(path)}": it is not a regular file.`);
    return uri;
  }
  throw new WorkspacePathError('ERR_PATH_NOT_FOUND', `"${printablePath(path)}" is not in your workspace.`);
}
