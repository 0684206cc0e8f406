/**
 * What an image is and how big, read from its first bytes only: never from a file name or a claimed
 * MIME type, and without decoding pixels, so that a hostile header (a 40,000 × 40,000 PNG of a few
 * hundred bytes) is refused before anything allocates for it. Pure: no Node, no DOM.
 */
import { MAX_IMAGE_BYTES, MAX_IMAGE_EDGE } from './limits';
import { hasPngSignature, pngChunks, readUint32 } from './pngChunks';
import { groupDigits } from './numberText';

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif';

export interface ImageInfo {
  mime: ImageMime;
  /** Pixels, as the header states them. */
  width: number;
  /** Pixels, as the header states them. */
  height: number;
}

export type ImageCheckCode = 'ERR_IMAGE_TYPE' | 'ERR_IMAGE_TOO_LARGE' | 'ERR_IMAGE_DIMENSIONS';

export type ImageCheck = { ok: true; info: ImageInfo } | { ok: false; code: ImageCheckCode; message: string };

/**
 * The type (from the magic bytes) and pixel size (from the header) of a PNG, JPEG or GIF, or
 * `undefined` when the bytes are none of these or the header is cut short or malformed. Never
 * throws and never reads past the buffer.
 *
 * - PNG: the signature, then `IHDR` as the first chunk with length 13, a correct CRC and a valid
 *   bit depth / colour type pair; width and height are 1 to 2^31 - 1.
 * - GIF: `GIF87a` or `GIF89a` and the 7-byte logical screen descriptor; the logical screen size.
 * - JPEG: SOI, then the marker segments up to the first start-of-frame (SOF0 to SOF15 except DHT
 *   `C4`, JPG `C8` and DAC `CC`); the frame's size. A height of 0 (defined later by a DNL segment) is
 *   reported as 0.
 */
export function sniffImage(bytes: Uint8Array): ImageInfo | undefined {
  if (hasPngSignature(bytes)) return sniffPng(bytes);
  if (bytes.length >= 6 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x38) return sniffGif(bytes);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return sniffJpeg(bytes);
  return undefined;
}

/** Allowed bit depths per PNG colour type (PNG specification, table 11.1). */
const PNG_BIT_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function sniffPng(bytes: Uint8Array): ImageInfo | undefined {
  const first = pngChunks(bytes).next();
  if (first.done) return undefined;
  const ihdr = first.value;
  if (ihdr.type !== 'IHDR' || ihdr.dataEnd - ihdr.dataStart !== 13 || !ihdr.crcOk) return undefined;
  const d = ihdr.dataStart;
  const width = readUint32(bytes, d);
  const height = readUint32(bytes, d + 4);
  const bitDepth = bytes[d + 8]!;
  const colourType = bytes[d + 9]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return undefined;
  if (!(PNG_BIT_DEPTHS[colourType]?.includes(bitDepth) ?? false)) return undefined;
  // compression method 0, filter method 0, interlace 0 (none) or 1 (Adam7)
  if (bytes[d + 10] !== 0 || bytes[d + 11] !== 0 || bytes[d + 12]! > 1) return undefined;
  return { mime: 'image/png', width, height };
}

function sniffGif(bytes: Uint8Array): ImageInfo | undefined {
  // "GIF87a" / "GIF89a", then the logical screen descriptor: width, height (u16 LE), packed, background, aspect.
  if (bytes.length < 13) return undefined;
  if (bytes[4] !== 0x37 && bytes[4] !== 0x39) return undefined;
  if (bytes[5] !== 0x61) return undefined;
  const width = bytes[6]! | (bytes[7]! << 8);
  const height = bytes[8]! | (bytes[9]! << 8);
  return { mime: 'image/gif', width, height };
}

function isSofMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function sniffJpeg(bytes: Uint8Array): ImageInfo | undefined {
  let offset = 2; // after SOI (FF D8)
  for (;;) {
    // A marker is FF followed by a code; any number of FF fill bytes may come first.
    if (offset >= bytes.length || bytes[offset] !== 0xff) return undefined;
    while (offset < bytes.length && bytes[offset] === 0xff) offset++;
    if (offset >= bytes.length) return undefined;
    const marker = bytes[offset]!;
    offset++;
    if (marker === 0x00) return undefined; // a stuffed byte belongs to entropy-coded data, not here
    // Standalone markers: TEM and RST0..RST7 carry no length. SOI again, EOI or SOS before a frame: not a usable JPEG.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd8 || marker === 0xd9 || marker === 0xda) return undefined;
    if (offset + 2 > bytes.length) return undefined;
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    if (length < 2 || offset + length > bytes.length) return undefined;
    if (isSofMarker(marker)) {
      // length, precision (1), height (2), width (2), component count (1), then 3 bytes per component
      if (length < 8) return undefined;
      const height = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
      const width = (bytes[offset + 5]! << 8) | bytes[offset + 6]!;
      const components = bytes[offset + 7]!;
      if (components === 0 || length < 8 + 3 * components) return undefined;
      return { mime: 'image/jpeg', width, height };
    }
    offset += length;
  }
}

/**
 * `sniffImage` plus the board's limits, in this order: a PNG, JPEG or GIF (`ERR_IMAGE_TYPE`), width
 * and height from 1 to `MAX_IMAGE_EDGE` pixels (`ERR_IMAGE_DIMENSIONS`; the caller may downscale,
 * see `fitWithin`), at most `MAX_IMAGE_BYTES` bytes (`ERR_IMAGE_TOO_LARGE`). `message` is a sentence
 * for the user. Never throws.
 */
export function checkImage(bytes: Uint8Array): ImageCheck {
  const info = sniffImage(bytes);
  if (info === undefined) return { ok: false, code: 'ERR_IMAGE_TYPE', message: 'This is not a PNG, JPEG or GIF image' };
  const size = `${groupDigits(info.width)} × ${groupDigits(info.height)} pixels`;
  if (info.width < 1 || info.height < 1) {
    return { ok: false, code: 'ERR_IMAGE_DIMENSIONS', message: `The image is ${size}; it needs at least 1 × 1` };
  }
  if (info.width > MAX_IMAGE_EDGE || info.height > MAX_IMAGE_EDGE) {
    const limit = groupDigits(MAX_IMAGE_EDGE);
    return { ok: false, code: 'ERR_IMAGE_DIMENSIONS', message: `The image is ${size}; the limit is ${limit} × ${limit}` };
  }
  if (bytes.length > MAX_IMAGE_BYTES) {
    return {
      ok: false,
      code: 'ERR_IMAGE_TOO_LARGE',
      message: `The image is ${formatMegabytes(bytes.length)}; the limit is ${formatMegabytes(MAX_IMAGE_BYTES)}`,
    };
  }
  return { ok: true, info };
}

/**
 * The largest size with the aspect ratio of `width` × `height` whose longer edge is at most
 * `maxEdge`: integers, each at least 1. Sizes already within `maxEdge` come back unchanged (rounded).
 * @throws RangeError when an argument is not a finite number > 0.
 */
export function fitWithin(width: number, height: number, maxEdge: number): { width: number; height: number } {
  for (const [name, value] of [['width', width], ['height', height], ['maxEdge', maxEdge]] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`fitWithin: ${name} must be a finite number > 0, not ${value}`);
  }
  const edge = Math.max(1, Math.floor(maxEdge));
  const scale = Math.min(1, edge / Math.max(width, height));
  const fit = (v: number): number => Math.min(edge, Math.max(1, Math.round(v * scale)));
  return { width: fit(width), height: fit(height) };
}

/** Bytes as MB of 1024 × 1024 bytes with one decimal, rounded up so that anything over a limit reads as over it. */
function formatMegabytes(bytes: number): string {
  const tenths = Math.ceil((bytes * 10) / (1024 * 1024));
  return tenths % 10 === 0 ? `${tenths / 10} MB` : `${(tenths / 10).toFixed(1)} MB`;
}
