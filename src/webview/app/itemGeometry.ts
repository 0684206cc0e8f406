/**
 * Where board items are and what a point hits, without the DOM: notes and snippet cards get an
 * estimated size (on the large side) until the board measures them once mounted; images have
 * their size; strokes the bounds of their points. Pure.
 */
import type { BoardItem, BoardNote, BoardSnippet, BoardStroke } from '../protocol';
import type { Rect } from './camera';
import { clamp } from './format';

/** Height of the caption under a code image ("path:lines · Copy Code"), in board units. */
export const IMAGE_CAPTION_HEIGHT = 30;
/** Note and snippet card sizes from board.css, in board units. */
const NOTE = { minWidth: 140, maxWidth: 282, padX: 26, chrome: 44, maxText: 320 };
const SNIPPET = { minWidth: 280, maxWidth: 562, header: 52, codePad: 18, lineHeight: 19.5, charWidth: 7.9, maxCode: 320 };
/** Widest a stroke is drawn, in board units (a peer's wider claim is drawn at this width). */
export const MAX_DRAWN_STROKE_WIDTH = 256;
/** Characters looked at to estimate a size (a note shows at most a preview). */
const SCAN_CHARS = 4000;

export interface Size {
  width: number;
  height: number;
}

function textShape(text: string, maxLines: number): { lines: number[]; longest: number } {
  const lines: number[] = [];
  let longest = 0;
  let start = 0;
  const end = Math.min(text.length, SCAN_CHARS);
  while (start <= end && lines.length < maxLines) {
    let nl = text.indexOf('\n', start);
    if (nl < 0 || nl > end) nl = end;
    const len = nl - start;
    lines.push(len);
    if (len > longest) longest = len;
    start = nl + 1;
  }
  return { lines, longest };
}

export function estimateNoteSize(note: BoardNote): Size {
  const size = clamp(Number.isFinite(note.size) ? note.size : 16, 8, 96);
  const charW = size * 0.6;
  const { lines, longest } = textShape(note.text, 400);
  const width = clamp(longest * charW + NOTE.padX, NOTE.minWidth, NOTE.maxWidth);
  const perLine = Math.max(1, Math.floor((width - NOTE.padX) / charW));
  let rows = 0;
  for (const len of lines) rows += Math.max(1, Math.ceil(len / perLine));
  const textHeight = Math.min(NOTE.maxText, rows * size * 1.4);
  const expander = note.text.length > 1000 ? 20 : 0;
  return { width, height: Math.ceil(textHeight + NOTE.chrome + expander) };
}

export function estimateSnippetSize(snippet: BoardSnippet): Size {
  const { lines, longest } = textShape(snippet.code, 1000);
  const width = clamp(longest * SNIPPET.charWidth + 24, SNIPPET.minWidth, SNIPPET.maxWidth);
  const code = Math.min(SNIPPET.maxCode, lines.length * SNIPPET.lineHeight + SNIPPET.codePad + (longest * SNIPPET.charWidth + 24 > SNIPPET.maxWidth ? 10 : 0));
  return { width, height: Math.ceil(SNIPPET.header + code + 2) };
}

/** Bounds of a stroke's points, grown by half its width. */
export function strokeBounds(stroke: BoardStroke): Rect {
  const p = stroke.points;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < p.length; i += 2) {
    const x = p[i]!;
    const y = p[i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (!Number.isFinite(minX)) return { x: stroke.x, y: stroke.y, width: 1, height: 1 };
  const half = clamp(stroke.width, 1, MAX_DRAWN_STROKE_WIDTH) / 2 + 1;
  return { x: minX - half, y: minY - half, width: maxX - minX + 2 * half, height: maxY - minY + 2 * half };
}

/** The item's bounds before it was measured. */
export function estimateBounds(item: BoardItem): Rect {
  switch (item.kind) {
    case 'note':
      return { x: item.x, y: item.y, ...estimateNoteSize(item) };
    case 'snippet':
      return { x: item.x, y: item.y, ...estimateSnippetSize(item) };
    case 'image':
      return { x: item.x, y: item.y, width: item.width, height: item.height + (item.source !== undefined ? IMAGE_CAPTION_HEIGHT : 0) };
    case 'stroke':
      return strokeBounds(item);
  }
}

/** Squared distance from a point to a segment. */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : clamp(((px - ax) * dx + (py - ay) * dy) / len2, 0, 1);
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/**
 * Whether board point (`px`, `py`) hits the item drawn within `bounds`, `tolerance` board units
 * counting as a hit. Strokes are hit on their line only (`dx`, `dy`: how far the stroke is drawn
 * from its points, for a move not yet confirmed).
 */
export function hitsItem(item: BoardItem, bounds: Rect, px: number, py: number, tolerance: number, dx = 0, dy = 0): boolean {
  if (px < bounds.x - tolerance || py < bounds.y - tolerance || px > bounds.x + bounds.width + tolerance || py > bounds.y + bounds.height + tolerance) return false;
  if (item.kind !== 'stroke') return true;
  const p = item.points;
  const reach = clamp(item.width, 1, MAX_DRAWN_STROKE_WIDTH) / 2 + tolerance;
  const reach2 = reach * reach;
  const x = px - dx;
  const y = py - dy;
  if (p.length === 2) return segmentDistance2(x, y, p[0]!, p[1]!, p[0]!, p[1]!) <= reach2;
  for (let i = 0; i + 3 < p.length; i += 2) {
    if (segmentDistance2(x, y, p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!) <= reach2) return true;
  }
  return false;
}
