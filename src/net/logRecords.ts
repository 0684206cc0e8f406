/**
 * The record format of a group's history log, and how a damaged log is read: a record is magic
 * "TNL1" (u32 BE), payload length (u32 BE), CRC-32 of the payload (u32 BE), then the payload.
 * Reading walks the good records; from the first bad one it recovers every later good record
 * in linear time (candidate headers in a heap by end, CRCs combined rather than recomputed).
 * Pure functions over buffers: `logStore.ts` does the files.
 */
import { crc32 } from '../board/crc32';

/** Largest payload of one record, in bytes (1 MiB). */
export const MAX_RECORD_BYTES = 1024 * 1024;

const MAGIC = 0x544e4c31;
const MAGIC_BYTES = Buffer.from([0x54, 0x4e, 0x4c, 0x31]);
/** Bytes in front of each payload. */
export const HEADER_BYTES = 12;

export interface Scan {
  payloads: Buffer[];
  /** End of the leading run of good records: where the file is cut when only the tail is bad. */
  cleanEnd: number;
  skipped: number;
  /** Good records follow damage, so the file must be rewritten rather than truncated. */
  damagedMiddle: boolean;
}

/** The end of the good record at `p`, or -1. */
function recordEnd(buf: Buffer, p: number): number {
  if (p + HEADER_BYTES > buf.length || buf.readUInt32BE(p) !== MAGIC) return -1;
  const end = p + HEADER_BYTES + buf.readUInt32BE(p + 4);
  if (end - p - HEADER_BYTES > MAX_RECORD_BYTES || end > buf.length) return -1;
  return crc32(buf, p + HEADER_BYTES, end) === buf.readUInt32BE(p + 8) ? end : -1;
}

/** Walks the records; on the first bad one hands the rest to {@link recover}. */
export function scanLog(buf: Buffer): Scan {
  const payloads: Buffer[] = [];
  let off = 0;
  for (let end = recordEnd(buf, 0); end >= 0; end = recordEnd(buf, off)) {
    payloads.push(buf.subarray(off + HEADER_BYTES, end));
    off = end;
  }
  if (off === buf.length) return { payloads, cleanEnd: off, skipped: 0, damagedMiddle: false };
  let kept = 0;
  const found = recover(buf, off);
  for (const [p, end] of found) {
    payloads.push(buf.subarray(p + HEADER_BYTES, end));
    kept += end - p;
  }
  return { payloads, cleanEnd: off, skipped: buf.length - off - kept, damagedMiddle: found.length > 0 };
}

interface Candidate {
  p: number;
  /** payload start and end */
  s: number;
  e: number;
  crc: number;
  /** CRC of buf[from, s) */
  ps: number;
  state: 'pending' | 'good' | 'bad';
}

/**
 * The good records in `buf[from..]`, chained as the walk would: after damage, the next record is the
 * first good one at a later offset. Checking each magic candidate with its own CRC would cost up to
 * 1 MiB per candidate (quadratic on a file full of fake headers); instead one forward pass keeps the
 * CRC of `buf[from, pos)` and gets each candidate's payload CRC from the prefix CRCs at its two ends
 * (zlib's crc32_combine algebra), so every byte is hashed once.
 */
function recover(buf: Buffer, from: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let cur = from; // a record is accepted only at or after the end of the last one
  let pos = from;
  let prefix = 0; // CRC of buf[from, pos)
  const advance = (to: number): number => {
    if (to > pos) {
      prefix = (crc32Shift(prefix, to - pos) ^ crc32(buf, pos, to)) >>> 0;
      pos = to;
    }
    return prefix;
  };
  const queue: Candidate[] = []; // by offset, so the earliest good candidate wins
  let head = 0;
  const pending = new EndHeap();
  let next = findCandidate(buf, from);
  for (;;) {
    if (next && next.p < cur) next = findCandidate(buf, cur);
    const top = pending.peek();
    if (next && (!top || next.s <= top.e)) {
      next.ps = advance(next.s);
      queue.push(next);
      pending.push(next);
      next = findCandidate(buf, next.p + 1);
      continue;
    }
    if (!top) break;
    pending.pop();
    if (top.p < cur) {
      top.state = 'bad'; // inside an accepted record: no need to know
    } else {
      const c = (advance(top.e) ^ crc32Shift(top.ps, top.e - top.s)) >>> 0;
      top.state = c === top.crc ? 'good' : 'bad';
    }
    while (head < queue.length && queue[head]!.state !== 'pending') {
      const q = queue[head++]!;
      if (q.state === 'good' && q.p >= cur) {
        out.push([q.p, q.e]);
        cur = q.e;
      }
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }
  return out;
}

/** The next offset at or after `from` holding the magic and a length that fits the file. */
function findCandidate(buf: Buffer, from: number): Candidate | undefined {
  for (let p = buf.indexOf(MAGIC_BYTES, from); p >= 0 && p + HEADER_BYTES <= buf.length; p = buf.indexOf(MAGIC_BYTES, p + 1)) {
    const len = buf.readUInt32BE(p + 4);
    if (len <= MAX_RECORD_BYTES && p + HEADER_BYTES + len <= buf.length) {
      return { p, s: p + HEADER_BYTES, e: p + HEADER_BYTES + len, crc: buf.readUInt32BE(p + 8), ps: 0, state: 'pending' };
    }
  }
  return undefined;
}

/** A binary min-heap of candidates by payload end. */
class EndHeap {
  private readonly items: Candidate[] = [];

  peek(): Candidate | undefined {
    return this.items[0];
  }

  push(c: Candidate): void {
    const a = this.items;
    let i = a.push(c) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]!.e <= c.e) break;
      a[i] = a[up]!;
      i = up;
    }
    a[i] = c;
  }

  pop(): void {
    const a = this.items;
    const last = a.pop();
    if (last === undefined || a.length === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= a.length) break;
      if (child + 1 < a.length && a[child + 1]!.e < a[child]!.e) child++;
      if (a[child]!.e >= last.e) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
  }
}

// CRC-32 algebra (as zlib's crc32_combine): crc(A ‖ B) = shift(crc(A), |B|) ^ crc(B).
const POLY = 0xedb88320;

/** a·b modulo the CRC polynomial (bit-reflected); `a` must not be 0. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N: Uint32Array = (() => {
  const table = new Uint32Array(32);
  let p = 0x40000000; // x^1
  table[0] = p;
  for (let k = 1; k < 32; k++) table[k] = p = multModP(p, p);
  return table;
})();

/** `crc` advanced over `bytes` zero bytes without the zero bytes: the shift in the combine rule. */
function crc32Shift(crc: number, bytes: number): number {
  if (crc === 0 || bytes === 0) return crc;
  let op = 0x80000000; // x^0
  let k = 3; // 8 bits per byte
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) op = multModP(X2N[k & 31]!, op);
  }
  return multModP(op, crc);
}

export function encodeRecords(payloads: readonly Uint8Array[], total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  for (const p of payloads) {
    out.writeUInt32BE(MAGIC, o);
    out.writeUInt32BE(p.length, o + 4);
    out.writeUInt32BE(crc32(p), o + 8);
    out.set(p, o + HEADER_BYTES);
    o += HEADER_BYTES + p.length;
  }
  return out;
}
