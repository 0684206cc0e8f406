/**
 * The board camera: which board point sits at the viewport's top-left corner and how many screen
 * pixels one board unit takes. Pure math, no DOM: screen = (board - camera) * zoom.
 */
import { BOARD_EXTENT } from '../../board/limits';
import { MAX_ZOOM, MIN_ZOOM } from '../protocol';
import { clamp } from './format';

export { MAX_ZOOM, MIN_ZOOM };

export interface Camera {
  /** Board coordinates at the viewport's top-left corner. */
  x: number;
  y: number;
  /** Screen pixels per board unit. */
  zoom: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The zoom steps of the toolbar's + and − buttons and keys. */
const ZOOM_STEPS = [0.02, 0.05, 0.1, 0.15, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4];

export const clampZoom = (zoom: number): number => clamp(Number.isFinite(zoom) ? zoom : 1, MIN_ZOOM, MAX_ZOOM);

/** Keeps a camera within the board's extent and zoom range (for values read back from storage). */
export function sanitizeCamera(camera: Camera): Camera {
  const limit = (v: number): number => clamp(Number.isFinite(v) ? v : 0, -BOARD_EXTENT, BOARD_EXTENT);
  return { x: limit(camera.x), y: limit(camera.y), zoom: clampZoom(camera.zoom) };
}

/** A camera read from data not checked yet (stored view state, a host message), or undefined. */
export function readCamera(raw: unknown): Camera | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { x, y, zoom } = raw as Record<string, unknown>;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  return finite(x) && finite(y) && finite(zoom) ? sanitizeCamera({ x, y, zoom }) : undefined;
}

export function screenToBoard(camera: Camera, sx: number, sy: number): { x: number; y: number } {
  return { x: sx / camera.zoom + camera.x, y: sy / camera.zoom + camera.y };
}

export function boardToScreen(camera: Camera, bx: number, by: number): { x: number; y: number } {
  return { x: (bx - camera.x) * camera.zoom, y: (by - camera.y) * camera.zoom };
}

/** The board rectangle a viewport of `width` × `height` pixels shows. */
export function visibleRect(camera: Camera, width: number, height: number): Rect {
  return { x: camera.x, y: camera.y, width: width / camera.zoom, height: height / camera.zoom };
}

/** Zooms to `zoom`, keeping the board point under the screen point (`sx`, `sy`) where it is. */
export function zoomAround(camera: Camera, zoom: number, sx: number, sy: number): Camera {
  const next = clampZoom(zoom);
  const anchor = screenToBoard(camera, sx, sy);
  return sanitizeCamera({ x: anchor.x - sx / next, y: anchor.y - sy / next, zoom: next });
}

/** Moves the view by a screen distance (content follows the pointer: drag right shows what is left). */
export function panBy(camera: Camera, dxScreen: number, dyScreen: number): Camera {
  return sanitizeCamera({ x: camera.x - dxScreen / camera.zoom, y: camera.y - dyScreen / camera.zoom, zoom: camera.zoom });
}

/** The next zoom step in or out from `zoom`. */
export function stepZoom(zoom: number, direction: 1 | -1): number {
  const epsilon = 1e-3;
  if (direction > 0) return ZOOM_STEPS.find((s) => s > zoom + epsilon) ?? MAX_ZOOM;
  for (let i = ZOOM_STEPS.length - 1; i >= 0; i -= 1) {
    const step = ZOOM_STEPS[i]!;
    if (step < zoom - epsilon) return step;
  }
  return MIN_ZOOM;
}

/**
 * The camera that shows `bounds` whole and centred in a viewport of `width` × `height` pixels with
 * `padding` pixels around it, zoomed in no further than `maxZoom`.
 */
export function fitRect(bounds: Rect, width: number, height: number, padding: number, maxZoom = 1): Camera {
  const availableW = Math.max(1, width - 2 * padding);
  const availableH = Math.max(1, height - 2 * padding);
  const zoom = clampZoom(Math.min(maxZoom, availableW / Math.max(1, bounds.width), availableH / Math.max(1, bounds.height)));
  const cx = bounds.x + bounds.width / 2;
  const cy = bounds.y + bounds.height / 2;
  return sanitizeCamera({ x: cx - width / 2 / zoom, y: cy - height / 2 / zoom, zoom });
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** `rect` grown by `by` on every side. */
export function inflate(rect: Rect, by: number): Rect {
  return { x: rect.x - by, y: rect.y - by, width: rect.width + 2 * by, height: rect.height + 2 * by };
}
