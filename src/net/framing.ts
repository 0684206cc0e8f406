/**
 * Length-prefixed framing: a 4-byte big-endian payload length, one type byte, then the payload.
 * Pure: no sockets and no XML here. The decoder checks the declared length against the limit for
 * its type before buffering a byte of the payload, so a hostile length costs nothing.
 */
import { NetError } from './errors';
import { FRAME_HEADER_BYTES, MAX_BINARY_FRAME_BYTES, MAX_XML_FRAME_BYTES } from './limits';

/** The kinds of frame on the wire. */
export const FrameType = {
  /** An XML message (see xmlCodec.ts). */
  Xml: 1,
  /** Raw bytes announced by the XML message just before (image bytes). */
  Binary: 2,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** One decoded frame. `payload` is a view that the decoder does not reuse. */
export interface Frame {
  type: FrameType;
  payload: Buffer;
}

/** Per-type limits on the declared payload length, in bytes. */
export interface FrameLimits {
  /** Default {@link MAX_XML_FRAME_BYTES}. */
  maxXmlBytes: number;
  /** Default {@link MAX_BINARY_FRAME_BYTES}. */
  maxBinaryBytes: number;
}

const defaultLimits: FrameLimits = { maxXmlBytes: MAX_XML_FRAME_BYTES, maxBinaryBytes: MAX_BINARY_FRAME_BYTES };

/**
 * Encodes one frame as a single buffer, so that it goes out in one `write()` (two writes of one
 * frame meet Nagle's algorithm and delayed ACK: a 44 ms stall per message).
 */
export function encodeFrame(type: FrameType, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt8(type, 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Turns a byte stream, split or joined however TCP likes, back into frames.
 *
 * Feed every chunk to {@link push}; it returns the frames completed by that chunk. Call
 * {@link end} when the stream ends: it throws `ERR_TRUNCATED_FRAME` if a frame was cut off.
 * Errors are {@link NetError}s; after one the decoder is unusable and the connection should close.
 */
export class FrameDecoder {
  private readonly limits: FrameLimits;
  /** Chunks not yet consumed, oldest first; `offset` bytes of the first one are already consumed. */
  private chunks: Buffer[] = [];
  private offset = 0;
  private buffered = 0;
  /** Header of the frame being assembled, once all five header bytes are in. */
  private pending: { type: FrameType; length: number } | undefined;
  private failed = false;

  constructor(limits: Partial<FrameLimits> = {}) {
    this.limits = { ...defaultLimits, ...limits };
  }

  /** Bytes received but not yet part of a completed frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while part of a frame has been received and the rest has not. */
  get inFrame(): boolean {
    return this.buffered > 0 || this.pending !== undefined;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw new NetError('ERR_PROTOCOL', 'The frame decoder already failed');
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (;;) {
        if (this.pending === undefined) {
          if (this.buffered < FRAME_HEADER_BYTES) break;
          const header = this.take(FRAME_HEADER_BYTES);
          this.pending = this.checkHeader(header.readUInt32BE(0), header.readUInt8(4));
        }
        if (this.buffered < this.pending.length) break;
        frames.push({ type: this.pending.type, payload: this.take(this.pending.length) });
        this.pending = undefined;
      }
    } catch (err) {
      this.failed = true;
      this.chunks = [];
      this.buffered = 0;
      throw err;
    }
    return frames;
  }

  /** Declares the end of the stream; throws `ERR_TRUNCATED_FRAME` when it stopped inside a frame. */
  end(): void {
    if (this.failed || !this.inFrame) return;
    const declared = this.pending ? ` of ${this.pending.length + FRAME_HEADER_BYTES}` : '';
    const received = this.buffered + (this.pending ? FRAME_HEADER_BYTES : 0);
    this.failed = true;
    throw new NetError('ERR_TRUNCATED_FRAME', `The stream ended inside a frame (${received}${declared} bytes received)`);
  }

  private checkHeader(length: number, type: number): { type: FrameType; length: number } {
    let limit: number;
    if (type === FrameType.Xml) limit = this.limits.maxXmlBytes;
    else if (type === FrameType.Binary) limit = this.limits.maxBinaryBytes;
    else throw new NetError('ERR_FRAME_TYPE', `Unknown frame type ${type}`);
    if (length > limit) {
      throw new NetError('ERR_FRAME_TOO_LARGE', `A frame declared ${length} bytes; the limit for its type is ${limit}`);
    }
    return { type, length };
  }

  /** Removes and returns the next `n` buffered bytes (n <= buffered), copying only when they span chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const available = chunk.length - this.offset;
      const count = Math.min(available, n - filled);
      chunk.copy(out, filled, this.offset, this.offset + count);
      filled += count;
      if (count === available) {
        this.chunks.shift();
        this.offset = 0;
      } else {
        this.offset += count;
      }
    }
    return out;
  }
}
