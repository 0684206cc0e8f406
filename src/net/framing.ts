/**
 * Length-prefixed framing: a 4-byte big-endian payload length, one type byte, then the payload.
 * Pure: no sockets and no XML here. The decoder checks the declared length against the limit for
 * its type before buffering a byte of the payload, so a hostile length costs nothing.
 */
import { NetError } from './errors';
import { FRAME_HEADER_BYTES, MAX_BINARY_FRAME_BYTES, MAX_XML_FRAME_BYTES } from './limits';

/**
 * The kinds of frame. On the wire a connection carries handshake frames, then only sealed ones;
 * a sealed frame's plaintext is what an XML or binary frame's payload would be.
 */
export const FrameType = {
  /** An XML message (see xmlCodec.ts): the plaintext inside a sealed XML frame. */
  Xml: 1,
  /** Raw bytes announced by the XML message just before (image bytes): the plaintext inside a sealed binary frame. */
  Binary: 2,
  /** A handshake flight (see handshake.ts), the only frames read before the handshake ends. */
  Handshake: 3,
  /** An XML message sealed by the connection's send stream. */
  SealedXml: 4,
  /** Binary bytes sealed by the connection's send stream. */
  SealedBinary: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** One decoded frame. `payload` is a view that the decoder does not reuse. */
export interface Frame {
  type: FrameType;
  payload: Buffer;
}

/**
 * The frame types a decoder accepts, each with its limit on the declared payload length in bytes.
 * A type not listed is `ERR_FRAME_TYPE`.
 */
export type FrameLimits = Partial<Record<FrameType, number>>;

/** Plain XML and binary frames at the protocol's limits. */
export const PLAIN_FRAME_LIMITS: FrameLimits = { [FrameType.Xml]: MAX_XML_FRAME_BYTES, [FrameType.Binary]: MAX_BINARY_FRAME_BYTES };

/**
 * Encodes one frame as a single buffer, so that it goes out in one `write()` (two writes of one
 * frame meet Nagle's algorithm and delayed ACK: a 44 ms stall per message).
 */
export function encodeFrame(type: FrameType, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  return writeFrameHeader(frame, type);
}

/** Writes the header of a frame whose payload already follows {@link FRAME_HEADER_BYTES} of room in `frame`. */
export function writeFrameHeader(frame: Buffer, type: FrameType): Buffer {
  frame.writeUInt32BE(frame.length - FRAME_HEADER_BYTES, 0);
  frame.writeUInt8(type, 4);
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
  private limits: FrameLimits;
  /** Chunks not yet consumed, oldest first; `offset` bytes of the first one are already consumed. */
  private chunks: Buffer[] = [];
  private offset = 0;
  private buffered = 0;
  /** Header of the frame being assembled, once all five header bytes are in. */
  private pending: { type: FrameType; length: number } | undefined;
  private failed = false;

  constructor(limits: FrameLimits = PLAIN_FRAME_LIMITS) {
    this.limits = limits;
  }

  /**
   * Changes the accepted types and limits from the next frame header on: a connection reads only
   * small handshake frames until the handshake ends, then only sealed ones.
   */
  setLimits(limits: FrameLimits): void {
    this.limits = limits;
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
    const frames: Frame[] = [];
    this.pushEach(chunk, (frame) => frames.push(frame));
    return frames;
  }

  /**
   * Like {@link push}, but hands each frame to `onFrame` as soon as it is complete, so that what
   * `onFrame` does (such as {@link setLimits} when a handshake ends) applies to the frames behind it
   * in the same chunk. An error thrown by `onFrame` leaves the decoder failed and propagates.
   */
  pushEach(chunk: Uint8Array, onFrame: (frame: Frame) => void): void {
    if (this.failed) throw new NetError('ERR_PROTOCOL', 'The frame decoder already failed');
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    try {
      for (;;) {
        if (this.pending === undefined) {
          if (this.buffered < FRAME_HEADER_BYTES) break;
          const header = this.take(FRAME_HEADER_BYTES);
          this.pending = this.checkHeader(header.readUInt32BE(0), header.readUInt8(4));
        }
        if (this.buffered < this.pending.length) break;
        const frame = { type: this.pending.type, payload: this.take(this.pending.length) };
        this.pending = undefined;
        onFrame(frame);
        if (this.failed) return;
      }
    } catch (err) {
      this.fail();
      throw err;
    }
  }

  /** Makes the decoder unusable and drops what it buffered (the connection is closing). */
  fail(): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    this.pending = undefined;
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
    const limit = this.limits[type as FrameType];
    if (limit === undefined) throw new NetError('ERR_FRAME_TYPE', `Frame type ${type} is not allowed here`);
    if (length > limit) {
      throw new NetError('ERR_FRAME_TOO_LARGE', `A frame declared ${length} bytes; the limit for its type is ${limit}`);
    }
    return { type: type as FrameType, length };
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
