/**
 * Turning a pasted or dropped file into image bytes the board accepts. The type comes from the
 * magic bytes and the size from the header (`checkImage`), never from the file name or its claimed
 * type. An image over the pixel or byte limits is downscaled on a canvas and encoded again (PNG, or
 * JPEG when the PNG stays too big), then checked again; one whose header promises more pixels than
 * {@link MAX_DECODE_PIXELS} is refused from its header alone, before anything is decoded.
 */
import { checkImage, fitWithin, sniffImage } from '../../board/imageInfo';
import type { ImageInfo } from '../../board/imageInfo';
import { MAX_IMAGE_BYTES, MAX_IMAGE_EDGE } from '../../board/limits';
import { formatCount } from './format';

/** Largest file read at all, in bytes (64 MiB): a bigger one is refused unread. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Most pixels decoded to downscale an image (50 megapixels, about 200 MB of RGBA). */
export const MAX_DECODE_PIXELS = 50_000_000;
/** Longest edge an image is shown at when added, in board units. */
export const DISPLAY_EDGE = 480;
/** JPEG qualities tried, best first, when a downscaled PNG is still too big. */
const JPEG_QUALITIES = [0.92, 0.85, 0.75, 0.6];

export interface ImportedImage {
  bytes: Uint8Array;
  info: ImageInfo;
  /** The image was downscaled or re-encoded. */
  resized: boolean;
}

export type ImportResult = { ok: true; image: ImportedImage } | { ok: false; message: string };

const megabytes = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Checks (and when needed downscales) one file. Never throws. */
export async function importImage(file: Blob): Promise<ImportResult> {
  if (file.size === 0) return { ok: false, message: 'The file is empty.' };
  if (file.size > MAX_FILE_BYTES) return { ok: false, message: `The file is ${megabytes(file.size)}; images up to ${megabytes(MAX_FILE_BYTES)} can be added (and are shrunk to ${megabytes(MAX_IMAGE_BYTES)}).` };
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch {
    return { ok: false, message: 'The file could not be read.' };
  }
  return importBytes(bytes);
}

export async function importBytes(bytes: Uint8Array): Promise<ImportResult> {
  const check = checkImage(bytes);
  if (check.ok) return { ok: true, image: { bytes, info: check.info, resized: false } };
  const info = sniffImage(bytes);
  if (check.code === 'ERR_IMAGE_TYPE' || info === undefined) return { ok: false, message: 'Only PNG, JPEG and GIF images can be added to the board; this file is none of them.' };
  if (info.width < 1 || info.height < 1) return { ok: false, message: `${check.message}.` };
  if (info.width * info.height > MAX_DECODE_PIXELS) {
    return {
      ok: false,
      message: `The image is ${formatCount(info.width)} × ${formatCount(info.height)} pixels, too large to shrink here (at most ${formatCount(MAX_DECODE_PIXELS / 1e6)} megapixels). Resize it to ${formatCount(MAX_IMAGE_EDGE)} pixels or less first.`,
    };
  }
  const resized = await downscale(bytes, info);
  if (typeof resized === 'string') return { ok: false, message: resized };
  const again = checkImage(resized);
  if (!again.ok) return { ok: false, message: `The image could not be shrunk within the limits: ${again.message}.` };
  return { ok: true, image: { bytes: resized, info: again.info, resized: true } };
}

/** The display size of an image added to the board, in board units. */
export function displaySize(info: ImageInfo): { width: number; height: number } {
  return fitWithin(info.width, info.height, DISPLAY_EDGE);
}

function encode(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/** Downscaled bytes within the limits, or a message for the user. */
async function downscale(bytes: Uint8Array, info: ImageInfo): Promise<Uint8Array | string> {
  const source = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: info.mime });
  let edge = MAX_IMAGE_EDGE;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const target = fitWithin(info.width, info.height, edge);
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(source, { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' });
    } catch {
      return 'The image could not be decoded: the file is damaged or not what its header says.';
    }
    const canvas = document.createElement('canvas');
    canvas.width = target.width;
    canvas.height = target.height;
    const ctx = canvas.getContext('2d');
    if (ctx === null) {
      bitmap.close();
      return 'The image could not be shrunk: no canvas is available.';
    }
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const png = await encode(canvas, 'image/png');
    if (png !== null && png.size <= MAX_IMAGE_BYTES) return new Uint8Array(await png.arrayBuffer());
    // A photo: JPEG keeps it small. Transparent pixels go white rather than black.
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const quality of JPEG_QUALITIES) {
      const jpeg = await encode(canvas, 'image/jpeg', quality);
      if (jpeg !== null && jpeg.size <= MAX_IMAGE_BYTES) return new Uint8Array(await jpeg.arrayBuffer());
    }
    edge = Math.floor(edge * 0.7);
  }
  return `The image could not be shrunk below ${megabytes(MAX_IMAGE_BYTES)}.`;
}
