/**
 * Who this VS Code profile is in its groups: the member key in `SecretStorage`, the group
 * passwords beside it, and a lock so that two windows of one profile never join one group with
 * the same key at once (they would fight over one peer id: each join would replace the other's
 * registration and links). The second window is told the group is open in another window.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { NetError } from '../net/errors';
import { MemberKey, SEED_BYTES } from '../net/memberKey';

const KEY_SECRET = 'teamNotes.memberKey';
const passwordSecret = (group: string): string => `teamNotes.groupPassword.${group}`;

/** The profile's member key, made and kept in SecretStorage the first time. */
export async function loadMemberKey(secrets: vscode.SecretStorage): Promise<MemberKey> {
  const stored = await secrets.get(KEY_SECRET);
  if (stored !== undefined) {
    const seed = Buffer.from(stored, 'base64url');
    if (seed.length === SEED_BYTES) return MemberKey.fromSeed(seed);
  }
  const key = MemberKey.generate();
  await secrets.store(KEY_SECRET, Buffer.from(key.exportSeed()).toString('base64url'));
  return key;
}

/** The password remembered for a group, if any. */
export function storedPassword(secrets: vscode.SecretStorage, group: string): Thenable<string | undefined> {
  return secrets.get(passwordSecret(group));
}

/** Remembers (or, with an empty password, forgets) a group's password. */
export async function rememberPassword(secrets: vscode.SecretStorage, group: string, password: string): Promise<void> {
  if (password === '') await secrets.delete(passwordSecret(group));
  else await secrets.store(passwordSecret(group), password);
}

/** A lock older than this is left over from a window that closed without releasing it, in ms (three refreshes missed). */
const LOCK_STALE_MS = 45_000;
/** How often a held lock is written again, in ms: no more often than the network's own pings, so an idle window stays asleep. */
const LOCK_REFRESH_MS = 15_000;

/** One window's hold on one group: a small file in the extension's global storage, refreshed while held. */
export class GroupLock implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly path: string) {}

  /** Takes the lock for `group`, or throws `ERR_BAD_INPUT` when another window of this profile holds it. */
  static async acquire(storage: vscode.Uri, group: string): Promise<GroupLock> {
    const dir = join(storage.fsPath, 'locks');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${createHash('sha256').update(group).digest('hex').slice(0, 32)}.json`);
    try {
      const held = JSON.parse(await readFile(path, 'utf8')) as { session?: unknown; at?: unknown };
      if (held.session !== vscode.env.sessionId && typeof held.at === 'number' && Date.now() - held.at < LOCK_STALE_MS) {
        throw new NetError('ERR_BAD_INPUT', `"${group}" is already open in another VS Code window of this profile. Use that window, or leave the group there first.`);
      }
    } catch (err) {
      if (err instanceof NetError) throw err; // a missing or unreadable lock is a free one
    }
    const lock = new GroupLock(path);
    await lock.refresh();
    lock.timer = setInterval(() => void lock.refresh(), LOCK_REFRESH_MS);
    return lock;
  }

  private async refresh(): Promise<void> {
    try {
      await writeFile(this.path, JSON.stringify({ session: vscode.env.sessionId, at: Date.now() }));
    } catch {
      // The lock is a courtesy between windows; failing to refresh it must not break the session.
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    void rm(this.path, { force: true });
  }
}
