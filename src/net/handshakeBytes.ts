/**
 * The byte-level pieces of the handshake: length-prefixed concatenation for the transcript and
 * key schedule, and a reader and writer for the flights. A reader that runs past its payload
 * throws the generic authentication failure: a malformed flight tells nobody anything.
 */
import { NetError } from './errors';

/** The one error of every handshake failure. */
export function authFailed(): NetError {
  return new NetError('ERR_AUTH_FAILED', 'Authentication failed');
}

export /** Length-prefixed concatenation for the transcript and the key schedule (2-byte big-endian lengths). */
function lv(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + 2 + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out[at] = part.length >> 8;
    out[at + 1] = part.length & 0xff;
    out.set(part, at + 2);
    at += 2 + part.length;
  }
  return out;
}

/** Reads fields off a handshake payload; any overrun is {@link authFailed}. */
export class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  u8(): number {
    if (this.at + 1 > this.bytes.length) throw authFailed();
    return this.bytes[this.at++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) throw authFailed();
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  get offset(): number {
    return this.at;
  }
  end(): void {
    if (this.at !== this.bytes.length) throw authFailed();
  }
}

export class Writer {
  private readonly parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >> 8).u8(v);
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
