/**
 * The bytes of images whose transfer was cut off (a link that dropped mid-image), kept so that the
 * next transfer of the same image from the same member resumes where it stopped instead of
 * starting over. Bounded in total bytes (the oldest go first) and in time.
 *
 * Kept per member and image, never per image alone: the bytes are checked only against the SHA-256
 * when the image is complete, so a member that sent garbage under someone else's image must not
 * make an honest member's transfer of it fail.
 */
import { MAX_PARTIAL_IMAGE_BYTES, PARTIAL_IMAGE_TTL_MS } from './limits';

/** What was kept of one image: the first `held` bytes, in a buffer of the image's full size. */
export interface PartialImage {
  bytes: Buffer;
  held: number;
}

export interface PartialImagesOptions {
  /** Bytes kept in total, in bytes. Default {@link MAX_PARTIAL_IMAGE_BYTES}. */
  maxBytes?: number;
  /** How long a partial image is kept, in ms. Default {@link PARTIAL_IMAGE_TTL_MS}. */
  ttlMs?: number;
}

export class PartialImages {
  /** In the order they were kept, oldest first (a Map iterates in insertion order). */
  private readonly kept = new Map<string, PartialImage & { keptAt: number }>();
  private keptBytes = 0;
  private readonly maxBytes: number;
  private readonly ttlMs: number;

  constructor(options: PartialImagesOptions = {}) {
    this.maxBytes = options.maxBytes ?? MAX_PARTIAL_IMAGE_BYTES;
    this.ttlMs = options.ttlMs ?? PARTIAL_IMAGE_TTL_MS;
  }

  /** Bytes kept now. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** Keeps the first `held` bytes of an image from `member` (nothing when none are held). */
  keep(member: string, sha256: string, image: PartialImage): void {
    this.expire();
    this.drop(member, sha256);
    // Only what was received counts against the bound: the rest of the buffer is copied away.
    if (image.held === 0 || image.held > this.maxBytes) return;
    const held = Buffer.allocUnsafe(image.bytes.length);
    image.bytes.copy(held, 0, 0, image.held);
    this.kept.set(keyOf(member, sha256), { bytes: held, held: image.held, keptAt: performance.now() });
    this.keptBytes += image.held;
    for (const [key, oldest] of this.kept) {
      if (this.keptBytes <= this.maxBytes) break;
      this.kept.delete(key);
      this.keptBytes -= oldest.held;
    }
  }

  /** Takes what was kept of an image of `size` bytes from `member`, if anything (it is no longer kept). */
  take(member: string, sha256: string, size: number): PartialImage | undefined {
    this.expire();
    const image = this.kept.get(keyOf(member, sha256));
    this.drop(member, sha256);
    return image !== undefined && image.bytes.length === size ? { bytes: image.bytes, held: image.held } : undefined;
  }

  private drop(member: string, sha256: string): void {
    const key = keyOf(member, sha256);
    const image = this.kept.get(key);
    if (image === undefined) return;
    this.kept.delete(key);
    this.keptBytes -= image.held;
  }

  private expire(): void {
    const now = performance.now();
    for (const [key, image] of this.kept) {
      if (now - image.keptAt < this.ttlMs) break;
      this.kept.delete(key);
      this.keptBytes -= image.held;
    }
  }
}

function keyOf(member: string, sha256: string): string {
  return `${member} ${sha256}`;
}
