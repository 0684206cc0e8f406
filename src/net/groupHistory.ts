/**
 * One group's history as this member holds it: every member's numbered log (chat and board
 * messages to the group, each signed by its author), direct messages to or from this member, the
 * authors' display names, and this member's own next number. The board and the chat are folds of
 * it. Kept on disk by a {@link LogStore} when a folder is given (images as files beside the log),
 * else in memory only (a CLI run without `--data`).
 *
 * The log of an author is known by its numbers: "alice's message 41" is one message for ever, so a
 * message that arrives twice (a resend, two members handing it on) is recognised and dropped, and
 * what a member lacks is said in one number per author (the highest it holds without a gap).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetError, toNetError } from './errors';
import { MAX_HISTORY_MESSAGES } from './limits';
import type { Logger } from './logger';
import { silentLogger } from './logger';
import { LogStore } from './logStore';
import type { AuthorName, ChatMessage, ImageMessage, LogHave, NoteMessage, PinMessage, SnippetMessage, StrokeMessage } from './messages';
import { messageDigest } from './signing';
import { decodeMessage, encodeMessage } from './xmlCodec';

/** A message kept in the history: chat (to the group or direct) and board messages. */
export type HistoryMessage = ChatMessage | NoteMessage | ImageMessage | StrokeMessage | SnippetMessage | PinMessage;

/** A message held, with its wire encoding (handed on as is: the signature covers these fields). */
export interface HistoryEntry {
  message: HistoryMessage;
  xml: Buffer;
  /** The message's digest (see `messageDigest`), once asked for. */
  digest?: string;
}

/** What {@link GroupHistory.add} made of a message. */
export type AddOutcome = 'added' | 'duplicate' | 'full';

/** True for a message in its author's group log (direct messages are not: only two members hold them). */
export function isLogged(message: HistoryMessage): boolean {
  return message.type !== 'chat' || message.to === undefined;
}

/** The folder name of a group: readable, and distinct for names that differ only in characters a file system folds. */
export function groupFolderName(group: string): string {
  const slug = group.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(group, 'utf8').digest('hex').slice(0, 12);
  return `${slug}-${hash}`;
}

/** Where a group's history lives in a data folder. */
export function groupHistoryFolder(dataFolder: string, group: string): string {
  return join(dataFolder, 'groups', groupFolderName(group));
}

/** The file keeping this member's last number in a group; outside the history folder, so clearing history never reuses a number. */
function sequenceFile(dataFolder: string, group: string): string {
  return join(dataFolder, 'sequences', groupFolderName(group));
}

interface AuthorLog {
  entries: Map<number, HistoryEntry>;
  /** Highest n such that 1..n are all held. */
  contiguous: number;
}

export interface GroupHistoryOptions {
  logger?: Logger;
  /** Most messages kept (logs and direct messages); beyond, new ones are refused with a logged ERR_LIMIT. */
  maxMessages?: number;
}

export class GroupHistory {
  private readonly logs = new Map<string, AuthorLog>();
  private readonly direct = new Map<string, HistoryEntry>();
  /** Every entry in the order it was first held: the order the chat shows ties in. */
  private readonly ordered: HistoryEntry[] = [];
  private readonly names = new Map<string, string>();
  private readonly images = new Map<string, Uint8Array>();
  private readonly logger: Logger;
  private readonly maxMessages: number;
  private lastOwnSeq = 0;
  private fullLogged = false;
  private storeFaultLogged = false;
  private namesTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly group: string,
    readonly self: string,
    private readonly store: LogStore | undefined,
    private readonly dataFolder: string | undefined,
    options: GroupHistoryOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.maxMessages = options.maxMessages ?? MAX_HISTORY_MESSAGES;
  }

  /** A history kept in memory only: gone when the process ends. */
  static inMemory(group: string, self: string, options: GroupHistoryOptions = {}): GroupHistory {
    return new GroupHistory(group, self, undefined, undefined, options);
  }

  /**
   * Opens (or creates) the history of `group` in `dataFolder`, reading what is there. A damaged
   * record is skipped and logged (`ERR_STORE_CORRUPT`) by the store; a record that is not a
   * message of this group is skipped and logged here. Throws `ERR_STORE` when the folder cannot be used.
   */
  static open(dataFolder: string, group: string, self: string, options: GroupHistoryOptions = {}): GroupHistory {
    const folder = groupHistoryFolder(dataFolder, group);
    let store: LogStore;
    try {
      store = LogStore.open(folder, { logger: options.logger });
    } catch (err) {
      const error = toNetError(err, 'ERR_STORE');
      throw new NetError('ERR_STORE', `Cannot open the history of "${group}" in ${folder}: ${error.message}`, { cause: err });
    }
    const history = new GroupHistory(group, self, store, dataFolder, options);
    history.load(store.loaded);
    history.lastOwnSeq = Math.max(history.lastOwnSeq, readSequence(sequenceFile(dataFolder, group)));
    history.names.clear();
    for (const [id, name] of readNames(join(folder, 'names.json'))) history.names.set(id, name);
    return history;
  }

  /** Messages held (logged and direct). */
  get size(): number {
    return this.ordered.length;
  }

  /** Every message held, in the order first held. */
  entries(): readonly HistoryEntry[] {
    return this.ordered;
  }

  /**
   * The number for this member's next logged message. The message itself, appended to the log
   * right after, is what records the number: a restarted member reads its highest number from its
   * log, and a number is never taken without its message being kept (a crash between the two is
   * impossible: nothing is written before the append). {@link releaseSeq} gives it back when the
   * message could not be made. The separate sequence file only outlives a cleared history.
   */
  nextSeq(): number {
    this.lastOwnSeq += 1;
    return this.lastOwnSeq;
  }

  /** Gives back the number just taken, when its message could not be built or signed. */
  releaseSeq(seq: number): void {
    if (seq === this.lastOwnSeq && !this.has(this.self, seq)) this.lastOwnSeq -= 1;
  }

  /** The digest of `author`'s message numbered `seq` (what the next one names as `prev`), when held. */
  digest(author: string, seq: number): string | undefined {
    const entry = this.logs.get(author)?.entries.get(seq);
    if (entry === undefined) return undefined;
    entry.digest ??= messageDigest(entry.message);
    return entry.digest;
  }

  has(author: string, seq: number): boolean {
    return this.logs.get(author)?.entries.has(seq) ?? false;
  }

  hasDirect(id: string): boolean {
    return this.direct.has(id);
  }

  /** Highest n such that this member holds `author`'s messages 1..n. */
  contiguous(author: string): number {
    return this.logs.get(author)?.contiguous ?? 0;
  }

  /** What this member holds, per author: the `have` of a catch-up request. */
  summary(): LogHave[] {
    const have: LogHave[] = [];
    for (const [a, log] of this.logs) if (log.contiguous > 0) have.push({ a, n: log.contiguous });
    return have;
  }

  /**
   * Keeps a message (and an image's bytes, as a file beside the log). `xml` is its encoding when
   * the caller has it. Returns `duplicate` for a message already held (by author and number, or by
   * id for a direct message) and `full` when the history is at its bound.
   */
  add(message: HistoryMessage, xml?: Buffer, bytes?: Uint8Array): AddOutcome {
    if (isLogged(message) ? this.has(message.from, message.seq) : this.direct.has(message.id)) return 'duplicate';
    // This member's own messages are always kept: a number taken and not kept would be a gap in its log for ever.
    if (this.ordered.length >= this.maxMessages && message.from !== this.self) {
      if (!this.fullLogged) this.logger.warn(`ERR_LIMIT: the history of "${this.group}" holds ${this.maxMessages.toLocaleString('en')} messages; newer ones are shown but not kept`);
      this.fullLogged = true;
      return 'full';
    }
    const entry: HistoryEntry = { message, xml: ownedCopy(xml ?? encodeMessage(message)) };
    try {
      if (bytes !== undefined && message.type === 'image' && message.sha256 !== undefined) this.keepImage(message.sha256, bytes);
      this.store?.append(entry.xml);
    } catch (err) {
      // Kept in memory all the same, so it is still known (and never shown twice) this session.
      const error = toNetError(err, 'ERR_STORE');
      if (!this.storeFaultLogged) this.logger.error(`${error.code}: cannot keep a message of "${this.group}" on disk: ${error.message}`);
      this.storeFaultLogged = true;
    }
    this.index(entry);
    return 'added';
  }

  /**
   * What a member whose holdings are `have` lacks, up to `limit` messages and about `maxBytes`
   * bytes: per author, the numbers after theirs up to the highest this member holds without a gap
   * (never beyond a gap, so a repeated request always ends). `more` when something was left out.
   */
  missingFor(have: readonly LogHave[], limit: number, maxBytes: number): { entries: HistoryEntry[]; more: boolean } {
    const theirs = new Map<string, number>();
    for (const h of have) theirs.set(h.a, Math.max(theirs.get(h.a) ?? 0, h.n));
    const entries: HistoryEntry[] = [];
    let bytes = 0;
    for (const [author, log] of this.logs) {
      for (let seq = (theirs.get(author) ?? 0) + 1; seq <= log.contiguous; seq++) {
        const entry = log.entries.get(seq)!;
        const size = entry.xml.length + (entry.message.type === 'image' ? (entry.message.bytes ?? 0) : 0);
        if (entries.length >= limit || (entries.length > 0 && bytes + size > maxBytes)) return { entries, more: true };
        if (entry.message.type === 'image' && entry.message.op === 'add' && this.imageBytes(entry.message.sha256!) === undefined) break;
        entries.push(entry);
        bytes += size;
      }
    }
    return { entries, more: false };
  }

  /** An image's bytes by SHA-256, when held. */
  imageBytes(sha256: string): Uint8Array | undefined {
    return this.store !== undefined ? this.store.readBlob(sha256) : this.images.get(sha256);
  }

  /** Display name of an author, as last heard. */
  name(id: string): string | undefined {
    return this.names.get(id);
  }

  /** Every known author name. */
  authorNames(): ReadonlyMap<string, string> {
    return this.names;
  }

  /** Records the name a member goes by (written to disk a moment later, once for many changes). */
  setName(id: string, name: string): void {
    if (this.names.get(id) === name) return;
    if (!this.names.has(id) && this.names.size >= this.maxMessages) return;
    this.names.set(id, name);
    if (this.store === undefined || this.namesTimer !== undefined) return;
    this.namesTimer = setTimeout(() => this.writeNamesNow(), 1000);
    this.namesTimer.unref();
  }

  /** Names to send with a page: those of its authors that are known. */
  namesFor(entries: readonly HistoryEntry[]): AuthorName[] {
    const ids = new Set(entries.map((e) => e.message.from));
    const out: AuthorName[] = [];
    for (const id of ids) {
      const name = this.names.get(id);
      if (name !== undefined) out.push({ id, name });
    }
    return out;
  }

  /** Removes what this machine keeps of the group (this member's numbering goes on). */
  clear(): void {
    // The log recorded the numbers; without it, the sequence file does, so none is ever reused.
    if (this.dataFolder !== undefined) writeSequence(sequenceFile(this.dataFolder, this.group), this.lastOwnSeq);
    clearTimeout(this.namesTimer);
    this.namesTimer = undefined;
    this.logs.clear();
    this.direct.clear();
    this.ordered.length = 0;
    this.names.clear();
    this.images.clear();
    this.store?.destroy();
  }

  close(): void {
    if (this.namesTimer !== undefined) this.writeNamesNow();
    this.store?.close();
  }

  private writeNamesNow(): void {
    clearTimeout(this.namesTimer);
    this.namesTimer = undefined;
    if (this.dataFolder !== undefined) writeNames(join(groupHistoryFolder(this.dataFolder, this.group), 'names.json'), this.names, this.logger);
  }

  /** Disk use, for the README's "how big may it grow" and the clear command's confirmation. */
  diskBytes(): number {
    if (this.store === undefined) return 0;
    const stats = this.store.stats();
    return stats.logBytes + stats.blobBytes;
  }

  private keepImage(sha256: string, bytes: Uint8Array): void {
    if (this.store !== undefined) this.store.putBlob(sha256, bytes);
    else this.images.set(sha256, bytes);
  }

  private index(entry: HistoryEntry): void {
    const message = entry.message;
    this.ordered.push(entry);
    if (!isLogged(message)) {
      this.direct.set(message.id, entry);
      return;
    }
    let log = this.logs.get(message.from);
    if (log === undefined) {
      log = { entries: new Map(), contiguous: 0 };
      this.logs.set(message.from, log);
    }
    log.entries.set(message.seq, entry);
    while (log.entries.has(log.contiguous + 1)) log.contiguous += 1;
    if (message.from === this.self && message.seq > this.lastOwnSeq) this.lastOwnSeq = message.seq;
  }

  private load(records: readonly Buffer[]): void {
    let skipped = 0;
    for (const xml of records) {
      let message;
      try {
        message = decodeMessage(xml);
      } catch (err) {
        skipped++;
        if (skipped === 1) this.logger.warn(`ERR_STORE_CORRUPT: a record of the history of "${this.group}" is not a message: ${toNetError(err).message}`);
        continue;
      }
      if (message.group !== this.group || !isHistoryType(message)) {
        skipped++;
        continue;
      }
      if (isLogged(message) ? this.has(message.from, message.seq) : this.direct.has(message.id)) continue;
      this.index({ message, xml });
    }
    if (skipped > 0) this.logger.warn(`ERR_STORE_CORRUPT: skipped ${skipped} records of the history of "${this.group}"`);
  }
}

/**
 * The bytes in a buffer of their own. A small Buffer made from a string is a slice of Node's shared
 * 8 KiB pool and keeps the whole block alive: kept for every message of a long history, that would
 * be kilobytes per message.
 */
function ownedCopy(bytes: Buffer): Buffer {
  if (bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

function isHistoryType(message: { type: string }): message is HistoryMessage {
  return message.type === 'chat' || message.type === 'note' || message.type === 'image' || message.type === 'stroke' || message.type === 'snippet' || message.type === 'pin';
}

function readSequence(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

function writeSequence(file: string, seq: number): void {
  try {
    writeAtomically(file, `${seq}\n`);
  } catch (err) {
    throw new NetError('ERR_STORE', `Cannot record the message number in ${file}: ${toNetError(err).message}`, { cause: err });
  }
}

function readNames(file: string): [string, string][] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return [];
    return Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string');
  } catch {
    return [];
  }
}

function writeNames(file: string, names: ReadonlyMap<string, string>, logger: Logger): void {
  try {
    writeAtomically(file, JSON.stringify(Object.fromEntries(names)));
  } catch (err) {
    logger.warn(`ERR_STORE: cannot write member names to ${file}: ${toNetError(err).message}`);
  }
}

/** Writes a small file through a temporary one and a rename, so a crash leaves the old or the new content. */
function writeAtomically(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  renameSync(temp, file);
}
