/**
 * The chunk layer of PNG: the 8-byte signature, then chunks of
 * `length (u32 BE) | type (4 ASCII letters) | data (length bytes) | CRC-32 of type and data (u32 BE)`.
 * Pure and bounds-checked: a walk never reads past the buffer and never throws.
 */
import { crc32 } from './crc32';

/** `\x89PNG\r\n\x1a\n`. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Largest chunk data length the PNG specification allows, in bytes (2^31 - 1). */
export const MAX_PNG_CHUNK_LENGTH = 0x7fffffff;

/** One chunk as it sits in the buffer; offsets are into that buffer. */
export interface PngChunk {
  /** Four ASCII letters, e.g. `IHDR`. */
  type: string;
  /** Offset of the chunk's length field (its first byte). */
  start: number;
  /** Offset of the first data byte. */
  dataStart: number;
  /** Offset one past the last data byte (where the CRC starts). */
  dataEnd: number;
  /** Offset one past the CRC: where the next chunk starts. */
  end: number;
  /** Whether the stored CRC matches the type and data. */
  crcOk: boolean;
}

export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

export function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

function isChunkTypeByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * The chunks of a PNG in order, starting after the signature (which the caller checks). Stops,
 * without an error, at the end of `IEND`, at a chunk that does not fit in the buffer, or at a type
 * that is not four ASCII letters: past such a point nothing can be trusted.
 */
export function* pngChunks(bytes: Uint8Array): Generator<PngChunk> {
  let offset = PNG_SIGNATURE.length;
  while (offset + 12 <= bytes.length) {
    const length = readUint32(bytes, offset);
    if (length > MAX_PNG_CHUNK_LENGTH || length > bytes.length - offset - 12) return;
    const t0 = bytes[offset + 4]!;
    const t1 = bytes[offset + 5]!;
    const t2 = bytes[offset + 6]!;
    const t3 = bytes[offset + 7]!;
    if (!isChunkTypeByte(t0) || !isChunkTypeByte(t1) || !isChunkTypeByte(t2) || !isChunkTypeByte(t3)) return;
    const type = String.fromCharCode(t0, t1, t2, t3);
    const dataStart = offset + 8;
    const dataEnd = dataStart + length;
    const crcOk = crc32(bytes, offset + 4, dataEnd) === readUint32(bytes, dataEnd);
    const chunk: PngChunk = { type, start: offset, dataStart, dataEnd, end: dataEnd + 4, crcOk };
    yield chunk;
    if (type === 'IEND') return;
    offset = chunk.end;
  }
}

/** A complete chunk (length, type, data, CRC) ready to splice into a PNG. */
export function encodePngChunk(type: string, data: Uint8Array): Uint8Array {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`A PNG chunk type is four ASCII letters, not ${JSON.stringify(type)}`);
  if (data.length > MAX_PNG_CHUNK_LENGTH) throw new Error(`A PNG chunk holds at most ${MAX_PNG_CHUNK_LENGTH} bytes, not ${data.length}`);
  const chunk = new Uint8Array(12 + data.length);
  writeUint32(chunk, 0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  writeUint32(chunk, 8 + data.length, crc32(chunk, 4, 8 + data.length));
  return chunk;
}
