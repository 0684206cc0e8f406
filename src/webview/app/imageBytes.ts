/** Checks on image bytes before the browser decodes them (the DOM image and the overview thumbnail alike). */
import { sniffImage } from '../../board/imageInfo';
import type { ImageInfo } from '../../board/imageInfo';
import { MAX_IMAGE_EDGE } from '../../board/limits';

/** The image's type and size when it is a PNG, JPEG or GIF within the board's pixel limits. */
export function decodable(bytes: Uint8Array): ImageInfo | undefined {
  const info = sniffImage(bytes);
  if (info === undefined || info.width < 1 || info.height < 1 || info.width > MAX_IMAGE_EDGE || info.height > MAX_IMAGE_EDGE) return undefined;
  return info;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
