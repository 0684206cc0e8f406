/**
 * Writes a Markdown export (see `src/board/markdownExport.ts`) to disk: the images folder beside
 * the `.md` file first, then the document itself through a temporary file and a rename, so that a
 * reader never sees half a document. Plain Node.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { exportMarkdown } from '../board/markdownExport';
import type { ExportResult } from '../board/markdownExport';
import type { GroupHistory } from './groupHistory';
import { NetError } from './errors';

/** Why a file operation failed, in words, by Node error code. */
const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'something else is already there',
  ENOTEMPTY: 'it is a folder that is not empty',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
  EBUSY: 'it is in use',
  EIO: 'an input/output error occurred',
};

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return `${REASONS[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

function cannotWrite(path: string, err: unknown): NetError {
  return new NetError('ERR_BAD_INPUT', `Cannot write ${path}: ${reasonOf(err)}.`, { cause: err });
}

/** Runs `write`, turning what it throws into an `ERR_BAD_INPUT` that names `path`. */
function attempt<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw cannotWrite(path, err);
  }
}

/** True for a relative path of plain segments (no `..`, `.`, empty segment, backslash or drive). */
function isPlainRelative(path: string): boolean {
  if (path.includes('\\') || path.includes('\0') || path.startsWith('/') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * Writes `result`: each image of `result.images` into its folder beside `outFile` (folders created,
 * existing files overwritten), then the Markdown as `outFile`, through a temporary file in the same
 * folder and a rename. An image whose bytes `imageBytes` no longer has, or whose bytes do not hash to
 * its SHA-256, is not written. Returns the absolute path of the document and how many images were written.
 * @throws NetError `ERR_BAD_INPUT` when something cannot be written (the message says which path and
 * why) or when an image path is not a plain relative path.
 */
export function writeMarkdownExport(
  outFile: string,
  result: ExportResult,
  imageBytes: (sha256: string) => Uint8Array | undefined,
): { file: string; images: number } {
  const file = resolve(outFile);
  const folder = dirname(file);

  let folderStat;
  try {
    folderStat = statSync(folder);
  } catch (err) {
    throw cannotWrite(file, err);
  }
  if (!folderStat.isDirectory()) throw cannotWrite(file, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
  const existing = statSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory() === true) throw cannotWrite(file, Object.assign(new Error('is a folder'), { code: 'EISDIR' }));

  let written = 0;
  const done = new Set<string>();
  for (const image of result.images) {
    if (!isPlainRelative(image.path)) {
      throw new NetError('ERR_BAD_INPUT', `Cannot write the image ${JSON.stringify(image.path)}: it is not a plain path relative to the document.`);
    }
    if (done.has(image.path)) continue;
    done.add(image.path);
    const bytes = imageBytes(image.sha256);
    if (bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== image.sha256.toLowerCase()) continue;
    const target = join(folder, ...image.path.split('/'));
    attempt(dirname(target), () => mkdirSync(dirname(target), { recursive: true }));
    attempt(target, () => writeFileSync(target, bytes));
    written += 1;
  }

  const temp = join(folder, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    attempt(file, () => writeFileSync(temp, result.markdown, { encoding: 'utf8', flag: 'wx' }));
    attempt(file, () => renameSync(temp, file));
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The write failed already; a temporary file that cannot be removed either changes nothing.
    }
    throw err;
  }
  return { file, images: written };
}

/**
 * Exports a group's history as Markdown into `outFile` (images in a folder beside it): what
 * "Export Session as Markdown" and `team-notes export` both do.
 */
export function exportHistory(history: GroupHistory, outFile: string, self?: string): { file: string; images: number } {
  const imageBytes = (sha256: string): Uint8Array | undefined => history.imageBytes(sha256);
  const result = exportMarkdown({
    group: history.group,
    messages: history.entries().map((e) => e.message),
    names: history.authorNames(),
    self,
    imageBytes,
    imageFolder: basename(outFile).replace(/\.(md|markdown)$/i, ''),
    exportedAt: new Date(),
  });
  return writeMarkdownExport(outFile, result, imageBytes);
}
