/**
 * Files and pins: the repository-relative path (and commit) a pin made on a file gets, and the
 * file in this member's workspace a pin's path names. A pin's path comes from another member, so
 * it is found only through `resolveWorkspacePath` (relative, inside a workspace folder after every
 * symlink), and a file too large or binary is refused before it is read whole. Plain Node.
 */
import { open, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { NetError } from '../net/errors';
import { gitLocationOf } from './gitInfo';
import { resolveWorkspacePath } from './workspacePath';

/** Largest file a pin is made on or looked for in, in bytes (5 MiB): pins go on source code. */
export const MAX_PIN_FILE_BYTES = 5 * 1024 * 1024;

const isInside = (folder: string, file: string): boolean => {
  const rel = relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel);
};

const slashes = (path: string): string => path.split(sep).join('/');

/**
 * The path a pin on `file` carries: relative to its git root, or to the workspace folder holding
 * it outside git, with the commit checked out. Throws `ERR_BAD_INPUT` for a file in neither.
 */
export async function pinPathOf(file: string, folders: readonly string[]): Promise<{ path: string; commit?: string }> {
  const git = await gitLocationOf(file);
  if (git !== undefined && isInside(git.root, file)) return git.commit === undefined ? { path: slashes(relative(git.root, file)) } : { path: slashes(relative(git.root, file)), commit: git.commit };
  const folder = folders.find((f) => isInside(f, file));
  if (folder === undefined) throw new NetError('ERR_BAD_INPUT', 'Pins go on files in your workspace or in a git repository; this file is in neither.');
  return { path: slashes(relative(folder, file)) };
}

/**
 * The path (in the workspace folder's own terms) of the file a pin's repository-relative `path` names in one of the workspace
 * `folders`, or undefined when none has it (or the path is refused). For a folder inside a
 * repository the path is taken from the repository's root, and must lead into that folder.
 */
export async function fileForPin(path: string, folders: readonly string[]): Promise<string | undefined> {
  for (const folder of folders) {
    const git = await gitLocationOf(join(folder, '.teamNotesProbe'));
    let rest = path;
    if (git !== undefined && git.root !== folder) {
      const prefix = `${slashes(relative(git.root, folder))}/`;
      if (!path.startsWith(prefix)) continue;
      rest = path.slice(prefix.length);
    }
    const found = await resolveWorkspacePath(rest, [folder]);
    // Checked through its real path; named as the workspace names it, so that the thread lands on
    // the editor's own document when the workspace folder is reached through a symlink.
    if (found.ok) return resolve(folder, ...rest.split('/'));
  }
  return undefined;
}

/** Why a file's text cannot carry a pin (too large, binary), or undefined; `size` in bytes, `text` when read. */
export function pinFileProblem(size: number, text?: string): string | undefined {
  if (size > MAX_PIN_FILE_BYTES) return `The file is larger than ${MAX_PIN_FILE_BYTES / (1024 * 1024)} MB; pins go on source files.`;
  if (text?.includes('\u0000')) return 'The file is binary; pins go on text.';
  return undefined;
}

/** A workspace file's text for relocating pins, or a refusal; reads at most {@link MAX_PIN_FILE_BYTES}. */
export async function readPinFile(file: string): Promise<{ text: string } | { problem: string }> {
  try {
    const size = (await stat(file)).size;
    const tooLarge = pinFileProblem(size);
    if (tooLarge !== undefined) return { problem: tooLarge };
    const handle = await open(file, 'r');
    try {
      const bytes = Buffer.alloc(size);
      const { bytesRead } = await handle.read(bytes, 0, size, 0);
      const text = bytes.subarray(0, bytesRead).toString('utf8');
      const binary = pinFileProblem(bytesRead, text);
      return binary === undefined ? { text } : { problem: binary };
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { problem: `The file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).` };
  }
}
