/**
 * The git repository a file is in, and the commit checked out there, read from the `.git` files
 * themselves: no `git` process, so it works the same wherever VS Code runs and costs a few small
 * reads. Plain Node (no vscode). Handles a `.git` folder, a `.git` file (`gitdir: …`, as worktrees
 * and submodules have) with its `commondir`, symbolic and detached `HEAD`, loose and packed refs.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export interface GitLocation {
  /** Absolute path of the repository's root (the folder holding `.git`). */
  root: string;
  /** The commit `HEAD` names, lower-case hex; undefined in a repository with no commit yet. */
  commit?: string;
}

/** Most folders walked up looking for `.git`. */
const MAX_DEPTH = 64;
/** Largest `HEAD`, `.git` file or `packed-refs` read, in bytes: a real one is far smaller. */
const MAX_GIT_FILE_BYTES = 8 * 1024 * 1024;
const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The repository holding `file` (walking up from its folder), or undefined outside git. Never throws. */
export async function gitLocationOf(file: string): Promise<GitLocation | undefined> {
  let folder = dirname(resolve(file));
  for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
    const gitDir = await gitDirAt(folder);
    if (gitDir !== undefined) {
      const location: GitLocation = { root: folder };
      const commit = await headCommit(gitDir).catch(() => undefined);
      if (commit !== undefined) location.commit = commit;
      return location;
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
  return undefined;
}

/** The git directory of a repository rooted at `folder`, or undefined when `folder` is not one. */
async function gitDirAt(folder: string): Promise<string | undefined> {
  const dotGit = join(folder, '.git');
  try {
    const info = await stat(dotGit);
    if (info.isDirectory()) return dotGit;
    if (!info.isFile() || info.size > 4096) return undefined;
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(dotGit, 'utf8'));
    if (match === null) return undefined;
    return isAbsolute(match[1]!) ? match[1]! : resolve(folder, match[1]!);
  } catch {
    return undefined;
  }
}

async function readSmall(file: string): Promise<string | undefined> {
  try {
    if ((await stat(file)).size > MAX_GIT_FILE_BYTES) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The commit `HEAD` of `gitDir` names: directly (detached) or through its ref, loose or packed. */
async function headCommit(gitDir: string): Promise<string | undefined> {
  const head = (await readSmall(join(gitDir, 'HEAD')))?.trim();
  if (head === undefined) return undefined;
  if (HASH.test(head)) return head;
  const ref = /^ref:\s*(refs\/[^\s]+)$/.exec(head)?.[1];
  if (ref === undefined || ref.split('/').includes('..')) return undefined;
  // A linked worktree keeps its HEAD but shares refs with the main repository (`commondir`).
  const common = (await readSmall(join(gitDir, 'commondir')))?.trim();
  const dirs = common === undefined || common === '' ? [gitDir] : [gitDir, isAbsolute(common) ? common : resolve(gitDir, common)];
  for (const dir of dirs) {
    const loose = (await readSmall(join(dir, ref)))?.trim();
    if (loose !== undefined && HASH.test(loose)) return loose;
  }
  for (const dir of dirs) {
    const packed = await readSmall(join(dir, 'packed-refs'));
    if (packed === undefined) continue;
    for (const line of packed.split('\n')) {
      const [hash, name] = line.trim().split(' ');
      if (name === ref && hash !== undefined && HASH.test(hash)) return hash;
    }
  }
  return undefined;
}
