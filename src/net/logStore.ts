/**
 * The on-disk store of one group's history: an append-only `log` of checksummed records, and image
 * blobs as files in `images/`. Synchronous on purpose: records are small and the caller is
 * single-threaded, so there is never a second writer to order against.
 *
 * The record format and the reading of a damaged log are in `logRecords.ts`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetError } from './errors';
import { encodeRecords, HEADER_BYTES, MAX_RECORD_BYTES, scanLog } from './logRecords';
import type { Scan } from './logRecords';
import { silentLogger } from './logger';
import type { Logger } from './logger';

export { MAX_RECORD_BYTES } from './logRecords';


const DEFAULT_MAX_LOG_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_BLOB_BYTES = 1024 * 1024 * 1024;
const BLOB_NAME = /^[0-9a-f]{64}$/;
const TMP_PREFIX = '.tmp-';
/** Compaction writes in batches of about this many bytes rather than one buffer of the whole log. */
const REWRITE_BATCH_BYTES = 4 * 1024 * 1024;

export interface LogStoreOptions {
  logger?: Logger;
  /** refuse appends beyond this many bytes in `log` (default 512 MiB) */
  maxLogBytes?: number;
  /** refuse blobs when images/ would exceed this (default 1 GiB) */
  maxBlobBytes?: number;
}

export interface LogStoreStats {
  records: number;
  logBytes: number;
  /** bytes skipped at open (torn tail, garbage) */
  skippedBytes: number;
  blobBytes: number;
}

export class LogStore {
  private fd: number | undefined;
  private payloadsAtOpen: readonly Buffer[] = [];
  private records = 0;
  private logBytes = 0;
  private skippedBytes = 0;
  private blobBytes = 0;
  private readonly logPath: string;
  private readonly imagesDir: string;
  private readonly logger: Logger;
  private readonly maxLogBytes: number;
  private readonly maxBlobBytes: number;

  private constructor(
    private readonly dir: string,
    options: LogStoreOptions,
  ) {
    this.logPath = path.join(dir, 'log');
    this.imagesDir = path.join(dir, 'images');
    this.logger = options.logger ?? silentLogger;
    this.maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  }

  /**
   * Opens (creating if missing) the store in `dir`. Damage in `log` is skipped, logged once as
   * ERR_STORE_CORRUPT and repaired on disk; only a `log` that cannot be opened or read throws ERR_STORE.
   */
  static open(dir: string, options: LogStoreOptions = {}): LogStore {
    const store = new LogStore(path.resolve(dir), options);
    store.openFiles();
    return store;
  }

  /** Payloads read at open, in file order (does not include later appends). Views into one buffer. */
  get loaded(): readonly Buffer[] {
    return this.payloadsAtOpen;
  }

  append(payload: Uint8Array): void {
    this.appendMany([payload]);
  }

  /** Appends every payload with one write, or none of them when a limit refuses one. */
  appendMany(payloads: readonly Uint8Array[]): void {
    const fd = this.requireOpen();
    if (payloads.length === 0) return;
    let total = 0;
    for (const p of payloads) {
      if (p.length > MAX_RECORD_BYTES) throw new NetError('ERR_LIMIT', `A history record of ${p.length} bytes is above the limit of ${MAX_RECORD_BYTES}`);
      total += HEADER_BYTES + p.length;
    }
    if (this.logBytes + total > this.maxLogBytes) {
      throw new NetError('ERR_LIMIT', `The history file would exceed its limit of ${this.maxLogBytes} bytes`);
    }
    const bytes = encodeRecords(payloads, total);
    try {
      writeAll(fd, bytes);
    } catch (err) {
      // A short write must not leave a torn record in front of the next append.
      try {
        fs.ftruncateSync(fd, this.logBytes);
      } catch {
        // the next open skips the torn tail
      }
      throw storeError(`Could not append to ${this.logPath}`, err);
    }
    this.logBytes += total;
    this.records += payloads.length;
  }

  /** Stores a blob under its SHA-256 hex name; a blob already there with the same size is kept as is. */
  putBlob(name: string, bytes: Uint8Array): void {
    this.requireOpen();
    const file = this.blobPath(name);
    const old = fileSize(file);
    if (old === bytes.length) return;
    const after = this.blobBytes - Math.max(old, 0) + bytes.length;
    if (after > this.maxBlobBytes) throw new NetError('ERR_LIMIT', `The images would exceed their limit of ${this.maxBlobBytes} bytes`);
    const tmp = path.join(this.imagesDir, TMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      const bfd = fs.openSync(tmp, 'wx', 0o600);
      try {
        writeAll(bfd, bytes);
        fs.fsyncSync(bfd);
      } finally {
        fs.closeSync(bfd);
      }
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw storeError(`Could not write the image ${name}`, err);
    }
    this.blobBytes = after;
  }

  readBlob(name: string): Buffer | undefined {
    this.requireOpen();
    const file = this.blobPath(name);
    try {
      return fs.readFileSync(file);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined;
      throw storeError(`Could not read the image ${name}`, err);
    }
  }

  hasBlob(name: string): boolean {
    this.requireOpen();
    return fileSize(this.blobPath(name)) >= 0;
  }

  /** The path of a blob's file; throws ERR_BAD_INPUT for anything but 64 lower-case hex digits. */
  blobPath(name: string): string {
    if (typeof name !== 'string' || !BLOB_NAME.test(name)) throw new NetError('ERR_BAD_INPUT', 'An image name must be 64 lower-case hex digits (a SHA-256)');
    return path.join(this.imagesDir, name);
  }

  /** Rewrites `log` with only the records `keep` returns true for (all when omitted), via log.tmp + fsync + rename; drops blobs not in `liveBlobs` when given. */
  compact(keep?: (payload: Buffer) => boolean, liveBlobs?: ReadonlySet<string>): void {
    const fd = this.requireOpen();
    const scan = scanLog(readWhole(fd, this.logPath));
    if (scan.skipped > 0) this.warnCorrupt(scan, 'rewritten');
    // Filter before touching the disk, so a throwing `keep` changes nothing.
    const kept = keep ? scan.payloads.filter((p) => keep(p)) : scan.payloads;
    this.rewrite(kept);
    if (liveBlobs) this.dropBlobs(liveBlobs);
  }

  stats(): LogStoreStats {
    return { records: this.records, logBytes: this.logBytes, skippedBytes: this.skippedBytes, blobBytes: this.blobBytes };
  }

  /** fsync and close the file descriptor. Idempotent. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      fs.fsyncSync(fd);
    } catch (err) {
      throw storeError(`Could not flush ${this.logPath}`, err);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes and removes the whole folder. */
  destroy(): void {
    try {
      this.close();
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private openFiles(): void {
    try {
      fs.mkdirSync(this.imagesDir, { recursive: true, mode: 0o700 });
      // Leftovers of a crash during compaction or putBlob: never complete, never referenced.
      fs.rmSync(`${this.logPath}.tmp`, { recursive: true, force: true });
      this.blobBytes = 0;
      for (const entry of fs.readdirSync(this.imagesDir, { withFileTypes: true })) {
        const file = path.join(this.imagesDir, entry.name);
        if (entry.name.startsWith(TMP_PREFIX)) fs.rmSync(file, { recursive: true, force: true });
        else if (entry.isFile() && BLOB_NAME.test(entry.name)) this.blobBytes += fs.statSync(file).size;
      }
    } catch (err) {
      throw storeError(`Could not prepare the history folder ${this.dir}`, err);
    }
    const fd = openLog(this.logPath);
    let scan: Scan;
    try {
      scan = scanLog(readWhole(fd, this.logPath));
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.payloadsAtOpen = scan.payloads;
    this.records = scan.payloads.length;
    this.logBytes = scan.cleanEnd;
    this.skippedBytes = scan.skipped;
    if (scan.skipped === 0) return;
    if (scan.damagedMiddle) {
      this.warnCorrupt(scan, 'rewritten');
      try {
        this.rewrite(scan.payloads);
      } catch (err) {
        this.close();
        throw err;
      }
    } else {
      // Only the tail is bad: cutting it off leaves exactly the good records.
      this.warnCorrupt(scan, 'truncated');
      try {
        fs.ftruncateSync(fd, scan.cleanEnd);
      } catch (err) {
        this.close();
        throw storeError(`Could not truncate the damaged end of ${this.logPath}`, err);
      }
    }
  }

  private warnCorrupt(scan: Scan, action: string): void {
    this.logger.warn(`ERR_STORE_CORRUPT: ${this.logPath}: skipped ${scan.skipped} damaged bytes, kept ${scan.payloads.length} records; the file was ${action}`);
  }

  /** Replaces `log` with exactly these records: write log.tmp, fsync, rename over, reopen. */
  private rewrite(payloads: readonly Buffer[]): void {
    const tmp = `${this.logPath}.tmp`;
    let total = 0;
    try {
      const tfd = fs.openSync(tmp, 'w', 0o600);
      try {
        let batch: Buffer[] = [];
        let batchBytes = 0;
        for (const p of payloads) {
          batch.push(p);
          batchBytes += HEADER_BYTES + p.length;
          if (batchBytes >= REWRITE_BATCH_BYTES) {
            writeAll(tfd, encodeRecords(batch, batchBytes));
            total += batchBytes;
            batch = [];
            batchBytes = 0;
          }
        }
        if (batch.length > 0) writeAll(tfd, encodeRecords(batch, batchBytes));
        total += batchBytes;
        fs.fsyncSync(tfd);
      } finally {
        fs.closeSync(tfd);
      }
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw storeError(`Could not write ${tmp}`, err);
    }
    // Closed before the rename (Windows refuses to replace an open file); no fsync: it is replaced.
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    try {
      fs.renameSync(tmp, this.logPath);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      this.fd = openLog(this.logPath);
      throw storeError(`Could not replace ${this.logPath}`, err);
    }
    fsyncDir(this.dir);
    this.fd = openLog(this.logPath);
    this.logBytes = total;
    this.records = payloads.length;
  }

  private dropBlobs(live: ReadonlySet<string>): void {
    let bytes = 0;
    try {
      for (const entry of fs.readdirSync(this.imagesDir, { withFileTypes: true })) {
        if (!entry.isFile() || !BLOB_NAME.test(entry.name)) continue;
        const file = path.join(this.imagesDir, entry.name);
        if (live.has(entry.name)) bytes += fs.statSync(file).size;
        else fs.rmSync(file, { force: true });
      }
    } catch (err) {
      throw storeError(`Could not remove unused images in ${this.imagesDir}`, err);
    }
    this.blobBytes = bytes;
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new NetError('ERR_CLOSED', 'The history store is closed');
    return this.fd;
  }
}


function openLog(logPath: string): number {
  let fd: number;
  try {
    fd = fs.openSync(logPath, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
  } catch (err) {
    const reason = errCode(err) === 'EISDIR' ? `${logPath} is a folder, not a file` : `Could not open ${logPath}`;
    throw storeError(reason, err);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error('not a regular file');
  } catch (err) {
    fs.closeSync(fd);
    throw storeError(`${logPath} is not a regular file`, err);
  }
  try {
    fs.fchmodSync(fd, 0o600);
  } catch {
    // not supported everywhere (Windows); the mode at creation already applies
  }
  return fd;
}

function readWhole(fd: number, logPath: string): Buffer {
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch (err) {
    throw storeError(`Could not read ${logPath}`, err);
  }
}


/** One writeSync in practice; loops only on a short write. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

/** The size of a regular file, or -1 when there is none. */
function fileSize(file: string): number {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

/** Makes a rename durable; opening a folder fails on Windows, where the rename is durable anyway. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function storeError(message: string, cause: unknown): NetError {
  if (cause instanceof NetError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new NetError('ERR_STORE', `${message}: ${detail}`, { cause });
}
