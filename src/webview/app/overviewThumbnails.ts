/**
 * Small decoded copies of the board's images for the overview canvas. A few are decoded at once;
 * the images a drawing of the overview found without one wait in a queue, and each finished one is
 * handed to `ready` (the scene draws it into the canvas as it stands) and starts the next, so that
 * images fill in without drawing the whole overview again for each of them.
 */
import type { BoardImage } from '../protocol';
import { decodable } from './imageBytes';

/** Overview thumbnails kept (at most 128 × 128 pixels each, about 64 KB). */
const MAX_THUMBNAILS = 800;
/** Longest edge of an overview thumbnail, in pixels. */
const THUMBNAIL_EDGE = 128;
/** Thumbnails decoded at once. */
const MAX_THUMBNAIL_JOBS = 4;

interface Thumbnail {
  bytes: Uint8Array;
  bitmap: ImageBitmap | 'pending' | 'failed';
  /** The drawing that last used it (never evicted for one of the same drawing). */
  used: number;
}

export class OverviewThumbnails {
  private readonly thumbnails = new Map<string, Thumbnail>();
  /** Images of the current drawing still without a thumbnail, in the order it met them. */
  private readonly waiting = new Map<string, BoardImage>();
  private jobs = 0;
  private drawing = 0;

  /** @param ready called with each thumbnail as it is decoded (not for one that failed). */
  constructor(private readonly ready: (image: BoardImage, bitmap: ImageBitmap) => void) {}

  /** Decodes still running or waiting. */
  get busy(): boolean {
    return this.jobs > 0 || this.waiting.size > 0;
  }

  /** A new drawing of the overview starts: what the last one waited for is forgotten. */
  startDrawing(): void {
    this.drawing += 1;
    this.waiting.clear();
  }

  /**
   * The thumbnail, or undefined while it is being made (queued when the decoders are busy). The
   * least recently drawn are evicted, never one of this drawing: with more images in view than the
   * cache holds, the rest stay placeholders.
   */
  get(image: BoardImage): ImageBitmap | undefined {
    const cached = this.thumbnails.get(image.id);
    if (cached !== undefined && cached.bytes === image.bytes) {
      cached.used = this.drawing;
      this.thumbnails.delete(image.id);
      this.thumbnails.set(image.id, cached);
      return typeof cached.bitmap === 'string' ? undefined : cached.bitmap;
    }
    if (this.jobs >= MAX_THUMBNAIL_JOBS) this.waiting.set(image.id, image);
    else this.start(image);
    return undefined;
  }

  release(id: string): void {
    this.waiting.delete(id);
    const cached = this.thumbnails.get(id);
    if (cached === undefined) return;
    this.thumbnails.delete(id);
    if (typeof cached.bitmap !== 'string') cached.bitmap.close();
  }

  /** Releases every thumbnail whose image `keep` says is gone. */
  releaseUnless(keep: (id: string) => boolean): void {
    for (const id of [...this.thumbnails.keys()]) if (!keep(id)) this.release(id);
  }

  private start(image: BoardImage): void {
    this.release(image.id);
    if (this.thumbnails.size >= MAX_THUMBNAILS) {
      const [oldestId, oldest] = this.thumbnails.entries().next().value as [string, Thumbnail];
      if (oldest.used === this.drawing) return;
      this.release(oldestId);
    }
    const info = decodable(image.bytes);
    if (info === undefined) {
      this.thumbnails.set(image.id, { bytes: image.bytes, bitmap: 'failed', used: this.drawing });
      return;
    }
    const record: Thumbnail = { bytes: image.bytes, bitmap: 'pending', used: this.drawing };
    this.thumbnails.set(image.id, record);
    const scale = Math.min(1, THUMBNAIL_EDGE / Math.max(info.width, info.height));
    this.jobs += 1;
    createImageBitmap(new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: info.mime }), {
      resizeWidth: Math.max(1, Math.round(info.width * scale)),
      resizeHeight: Math.max(1, Math.round(info.height * scale)),
      resizeQuality: 'medium',
    }).then(
      (bitmap) => {
        this.jobs -= 1;
        if (this.thumbnails.get(image.id) === record) {
          record.bitmap = bitmap;
          this.ready(image, bitmap);
        } else bitmap.close();
        this.next();
      },
      () => {
        this.jobs -= 1;
        record.bitmap = 'failed';
        this.next();
      },
    );
  }

  private next(): void {
    for (const [id, image] of this.waiting) {
      if (this.jobs >= MAX_THUMBNAIL_JOBS) return;
      this.waiting.delete(id);
      this.start(image);
    }
  }
}
