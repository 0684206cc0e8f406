/**
 * Where a snippet card's path points in this member's workspace. The path was written by another
 * member, so it is hostile until proven otherwise: it must be a plain relative path, and the file
 * it names, after every symlink is followed, must be a regular file inside a workspace folder.
 * Plain Node (no vscode), so that it can be tested with hostile paths on a real file system.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Why a path was refused. Stable: logs print it and tests assert it; the messages may change. */
export type WorkspacePathCode =
  /** Not a string, empty, longer than {@link MAX_PATH}, or with empty or `.` segments. */
  | 'ERR_PATH_INVALID'
  /** Holds NUL or another control, bidi-override or non-character code point. */
  | 'ERR_PATH_CONTROL'
  /** Starts with `/` (including `//server/share`). */
  | 'ERR_PATH_ABSOLUTE'
  /** A Windows drive (`C:`), or on Windows a `:` anywhere (alternate data streams). */
  | 'ERR_PATH_DRIVE'
  /** Holds `\`, a separator on Windows. */
  | 'ERR_PATH_BACKSLASH'
  /** A `..` segment, or one that becomes `..` on some system (percent-encoded, dots and spaces). */
  | 'ERR_PATH_TRAVERSAL'
  /** A Windows device name such as `CON` or `NUL` (checked on Windows only). */
  | 'ERR_PATH_DEVICE'
  /** Resolves, through a symlink or otherwise, outside every workspace folder. */
  | 'ERR_PATH_OUTSIDE'
  /** Names a directory, a FIFO, a socket or a device rather than a regular file. */
  | 'ERR_PATH_NOT_FILE'
  /** No workspace folder has the file. */
  | 'ERR_PATH_NOT_FOUND'
  /** No folder is open. */
  | 'ERR_PATH_NO_WORKSPACE';

export type PathCheck = { ok: true; segments: string[] } | { ok: false; code: WorkspacePathCode; message: string };
export type PathResolution = { ok: true; file: string; folder: string } | { ok: false; code: WorkspacePathCode; message: string };

/** Longest path accepted, in UTF-16 units (the wire allows 1,024 code points). */
export const MAX_PATH = 2048;

// C0 and C1 controls, DEL, bidi overrides and isolates, line and paragraph separators, U+FFFE/FFFF.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/g;
const DRIVE = /^[A-Za-z]:/;
/** Windows strips trailing dots and spaces from a segment, so `...` or `.. ` can mean `..` there. */
const DOTS_AND_SPACES = /^[. ]+$/;
const WINDOWS_DEVICE = /^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)(?:\..*)?$/i;

/**
 * The path as a message may show it: control and bidi characters replaced by U+FFFD (so that
 * nothing a peer wrote can reorder or forge the text around it), at most `max` characters.
 */
export function printablePath(path: string, max = 160): string {
  const clean = path.replace(CONTROL_ALL, '\uFFFD');
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/**
 * Checks the form of a workspace-relative path without touching the disk: `/`-separated
 * segments, none empty, `.` or `..`, nothing absolute, no drive, no backslash, no control
 * characters. `windows` adds the rules of Windows paths (defaults to this machine's).
 */
export function checkRelativePath(path: unknown, windows = process.platform === 'win32'): PathCheck {
  const refuse = (code: WorkspacePathCode, why: string): PathCheck => ({
    ok: false,
    code,
    message: typeof path === 'string' && path !== '' ? `Team Notes will not open "${printablePath(path)}": ${why}.` : `Team Notes will not open this snippet's file: ${why}.`,
  });
  if (typeof path !== 'string' || path === '') return refuse('ERR_PATH_INVALID', 'it has no path');
  if (path.length > MAX_PATH) return refuse('ERR_PATH_INVALID', 'the path is too long');
  if (CONTROL.test(path)) return refuse('ERR_PATH_CONTROL', 'the path holds control characters');
  if (path.startsWith('/')) return refuse('ERR_PATH_ABSOLUTE', 'it is an absolute path, not one inside your workspace');
  const segments = path.split('/');
  if (segments.some((s) => DRIVE.test(s)) || (windows && path.includes(':'))) return refuse('ERR_PATH_DRIVE', 'it names a drive, not a place inside your workspace');
  if (path.includes('\\')) return refuse('ERR_PATH_BACKSLASH', 'it holds "\\"; snippet paths use "/"');
  for (const segment of segments) {
    if (segment === '' || segment === '.') return refuse('ERR_PATH_INVALID', 'it is not a plain relative path');
    if (segment === '..' || DOTS_AND_SPACES.test(segment)) return refuse('ERR_PATH_TRAVERSAL', 'it climbs out of the folder with ".."');
    if (percentDecoded(segment)) return refuse('ERR_PATH_TRAVERSAL', 'it hides "..", "/" or "\\" in percent-encoding');
    if (windows && (WINDOWS_DEVICE.test(segment) || /[. ]$/.test(segment))) return refuse('ERR_PATH_DEVICE', 'it names a device or a file Windows cannot hold');
  }
  return { ok: true, segments };
}

/**
 * True when a segment percent-decodes, once or a few times over, to something with a meaning of
 * its own (`..`, a separator, a control character): no file system decodes it, but a URI on the
 * way might. A `%` that is not valid percent-encoding (`100%.md`) can only be taken literally.
 */
function percentDecoded(segment: string): boolean {
  let current = segment;
  for (let round = 0; round < 3 && current.includes('%'); round += 1) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false;
    }
    if (decoded === current) return false;
    if (DOTS_AND_SPACES.test(decoded) || /[/\\]/.test(decoded) || CONTROL.test(decoded)) return true;
    current = decoded;
  }
  // Still encoded after three rounds: nobody names a file like that by accident.
  return current.includes('%') && current !== segment;
}

/** True when `child` is `root` itself or below it (both absolute and resolved). */
function within(root: string, child: string): boolean {
  const rel = relative(root, child);
  // On Windows a path on another drive comes back absolute.
  return rel === '' || (!isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * Finds `path` in the workspace folders (absolute paths of this machine), in order, and returns the
 * real path of the first that has it as a regular file. Refuses, with a code and a message for the
 * user, a path of the wrong form (see {@link checkRelativePath}) and one that lands outside every
 * workspace folder once its symlinks are followed. Never throws.
 */
export async function resolveWorkspacePath(path: unknown, folders: readonly string[], windows = process.platform === 'win32'): Promise<PathResolution> {
  const form = checkRelativePath(path, windows);
  if (!form.ok) return form;
  const shown = printablePath(path as string);
  if (folders.length === 0) return { ok: false, code: 'ERR_PATH_NO_WORKSPACE', message: `Open the project's folder to open "${shown}": no folder is open.` };
  // The folders' own real paths: a workspace folder may itself be reached through a symlink.
  const roots = await Promise.all(folders.map((folder) => realpath(folder).catch(() => undefined)));
  let outside = false;
  let notFile = false;
  for (const folder of folders) {
    const root = resolve(folder);
    const target = resolve(root, ...form.segments);
    // The form check makes this impossible; kept so that a gap there cannot become an escape here.
    if (!within(root, target)) {
      outside = true;
      continue;
    }
    let real: string;
    try {
      real = await realpath(target);
    } catch {
      continue; // not in this folder (or a dangling or looping link): try the next one
    }
    if (!roots.some((r) => r !== undefined && within(r, real))) {
      outside = true;
      continue;
    }
    try {
      // The real path, not the link: what was checked is what gets opened.
      if ((await stat(real)).isFile()) return { ok: true, file: real, folder: root };
      notFile = true;
    } catch {
      // Removed since realpath: not here after all.
    }
  }
  if (outside) return { ok: false, code: 'ERR_PATH_OUTSIDE', message: `Team Notes will not open "${shown}": it leads outside your workspace folders.` };
  if (notFile) return { ok: false, code: 'ERR_PATH_NOT_FILE', message: `Team Notes will not open "${shown}": it is not a regular file.` };
  return { ok: false, code: 'ERR_PATH_NOT_FOUND', message: `"${shown}" is not in your workspace.` };
}

/** A refused path, thrown by the editor side with the code of its {@link PathResolution}. */
export class WorkspacePathError extends Error {
  override readonly name = 'WorkspacePathError';

  constructor(
    readonly code: WorkspacePathCode,
    message: string,
  ) {
    super(message);
  }
}
