/**
 * A snapshot's image bytes in one buffer, and its strokes' points in another. Posting a message copies every `ArrayBuffer` in it one
 * by one (VS Code's webview messages and the browser's structured clone alike), and a board of
 * thousands of images would pay for thousands of buffers; the same bytes in one buffer, each image
 * keeping a view on its part, cost one copy. Pure: no DOM, no Node.
 */
import type { BoardItem } from '../webview/protocol';

/** Most image bytes put into one shared buffer, in bytes; images past it keep their own. */
export const MAX_SHARED_IMAGE_BYTES = 512 * 1024 * 1024;

/** The items, with every image's bytes copied into one shared buffer (the items themselves are not changed). */
export function withSharedImageBytes(items: readonly BoardItem[]): BoardItem[] {
  let total = 0;
  for (const item of items) {
    if (item.kind === 'image' && total + item.bytes.byteLength <= MAX_SHARED_IMAGE_BYTES) total += item.bytes.byteLength;
  }
  const shared = new Uint8Array(total);
  let offset = 0;
  return items.map((item) => {
    if (item.kind !== 'image' || offset + item.bytes.byteLength > total) return item;
    const bytes = shared.subarray(offset, offset + item.bytes.byteLength);
    bytes.set(item.bytes);
    offset += item.bytes.byteLength;
    return { ...item, bytes };
  });
}

/**
 * The items, with every stroke's points copied into one shared buffer, each stroke keeping a view
 * on its part (the items themselves are not changed). A board of thousands of strokes would
 * otherwise post thousands of small buffers.
 */
export function withSharedStrokePoints(items: readonly BoardItem[]): BoardItem[] {
  let total = 0;
  for (const item of items) if (item.kind === 'stroke') total += item.points.length;
  const shared = new Float64Array(total);
  let offset = 0;
  return items.map((item) => {
    if (item.kind !== 'stroke') return item;
    const points = shared.subarray(offset, offset + item.points.length);
    points.set(item.points);
    offset += item.points.length;
    return { ...item, points };
  });
}

/** The snapshot's items as they are posted: image bytes and stroke points each in one buffer. */
export function withSharedBuffers(items: readonly BoardItem[]): BoardItem[] {
  return withSharedStrokePoints(withSharedImageBytes(items));
}
