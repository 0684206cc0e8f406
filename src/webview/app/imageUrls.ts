/**
 * The `blob:` URLs image cards show: made from an image's bytes when it is first mounted, kept while
 * the bytes stay the same, and at most {@link MAX_IMAGE_URLS} of them (each holds a copy of the
 * bytes); the least recently shown of the unmounted ones are released first, and an item's URL is
 * revoked when the item goes.
 */
import type { BoardImage } from '../protocol';
import { decodable, sameBytes } from './imageBytes';

/** Image `blob:` URLs kept. */
const MAX_IMAGE_URLS = 200;

export class ImageUrls {
  /** Most recently used last. */
  private readonly urls = new Map<string, { bytes: Uint8Array; url: string | undefined }>();

  constructor(private readonly mounted: (id: string) => boolean) {}

  /** The URL to show `image` with; undefined for bytes that are no image the board shows. */
  url(image: BoardImage): string | undefined {
    const cached = this.urls.get(image.id);
    if (cached !== undefined && (cached.bytes === image.bytes || sameBytes(cached.bytes, image.bytes))) {
      this.urls.delete(image.id);
      this.urls.set(image.id, cached);
      return cached.url;
    }
    this.release(image.id);
    if (this.urls.size >= MAX_IMAGE_URLS) {
      for (const id of this.urls.keys()) {
        if (this.urls.size < MAX_IMAGE_URLS) break;
        if (!this.mounted(id)) this.release(id);
      }
    }
    // The type comes from the bytes, never from the peer's claim; a header promising more pixels
    // than the board allows is never handed to the decoder (a small file can unpack to gigabytes).
    const info = decodable(image.bytes);
    const url = info === undefined ? undefined : URL.createObjectURL(new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: info.mime }));
    this.urls.set(image.id, { bytes: image.bytes, url });
    return url;
  }

  release(id: string): void {
    const cached = this.urls.get(id);
    if (cached === undefined) return;
    this.urls.delete(id);
    if (cached.url !== undefined) URL.revokeObjectURL(cached.url);
  }

  releaseUnless(keep: (id: string) => boolean): void {
    for (const id of [...this.urls.keys()]) if (!keep(id)) this.release(id);
  }
}
