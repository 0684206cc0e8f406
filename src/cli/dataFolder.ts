/**
 * The CLI's data folder (`--data DIR`): where a terminal member keeps its key, so that a
 * restarted `team-notes chat` is the same member. The folder is created (mode 0700) and the key
 * file written with mode 0600; a key file others can read is refused rather than used.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetError } from '../net/errors';
import { MemberKey, SEED_BYTES } from '../net/memberKey';

/** The key file's name inside the data folder. */
export const KEY_FILE = 'member-key';

/** Loads the member key kept in `dir`, or makes one and keeps it there. */
export function loadOrCreateKey(dir: string): MemberKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, KEY_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new NetError('ERR_BAD_INPUT', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
    const key = MemberKey.generate();
    // 'wx': never overwrite a key another process wrote meanwhile.
    writeFileSync(path, `${Buffer.from(key.exportSeed()).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    // Someone else could read the key and speak as this member; tighten rather than trust.
    chmodSync(path, 0o600);
  }
  const seed = Buffer.from(text.trim(), 'base64url');
  if (seed.length !== SEED_BYTES || seed.toString('base64url') !== text.trim()) throw new NetError('ERR_BAD_INPUT', `${path} does not hold a Team Notes member key`);
  return MemberKey.fromSeed(seed);
}

/**
 * The group password: `--password-file FILE` (its first line), else the `TEAM_NOTES_PASSWORD`
 * environment variable, else none (an open group). Never a command-line argument: those are
 * visible to every user of the machine in the process list.
 */
export function readPassword(passwordFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(passwordFile, 'utf8');
    } catch (err) {
      throw new NetError('ERR_BAD_INPUT', `Cannot read the password file ${passwordFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const first = text.split(/\r?\n/)[0] ?? '';
    if (first === '') throw new NetError('ERR_BAD_INPUT', `The password file ${passwordFile} is empty`);
    return first;
  }
  const fromEnv = env.TEAM_NOTES_PASSWORD;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/**
 * Holds `dir` for this process: two `team-notes chat` runs with one data folder would be one member
 * twice, writing one history at once. A lock left by a process that is gone (killed, crashed) is
 * taken over. Released when this process exits.
 */
export function lockDataFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
      process.once('exit', () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          // Already gone.
        }
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new NetError('ERR_BAD_INPUT', `Cannot lock ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new NetError('ERR_BAD_INPUT', `${dir} is in use by another team-notes process (pid ${holder}); one data folder is one member`);
    }
    rmSync(path, { force: true });
  }
  throw new NetError('ERR_BAD_INPUT', `Cannot lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
