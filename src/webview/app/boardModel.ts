/**
 * What the board shows: the host's items, each with its bounds in a spatial index and its rank in
 * the drawing order (`order`, ties by id), plus what this member did that the host has not echoed
 * yet (a move or a delete), so the item shows where the user left it until the echo arrives. No DOM.
 */
import type { BoardItem } from '../protocol';
import type { Rect } from './camera';
import { estimateBounds, hitsItem } from './itemGeometry';
import type { Size } from './itemGeometry';
import { SpatialIndex } from './spatialIndex';

/** How long a move or delete waits for the host's echo before the item goes back, in ms. */
export const PENDING_MS = 4000;

export interface Pending {
  x: number;
  y: number;
  width?: number;
  height?: number;
  expires: number;
}

export interface Entry {
  item: BoardItem;
  /** Size measured in the DOM (notes and snippet cards), replacing the estimate. */
  measured?: Size;
  /** Where the item is drawn: its bounds, moved by a pending move. */
  bounds: Rect;
  rank: number;
}

export function compareItems(a: BoardItem, b: BoardItem): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class BoardModel {
  readonly entries = new Map<string, Entry>();
  readonly index = new SpatialIndex();
  private readonly moves = new Map<string, Pending>();
  private readonly deletes = new Map<string, number>();
  private sorted: Entry[] = [];
  private sortDirty = false;
  /** Bumped whenever ranks change (the scene re-stacks what is mounted). */
  rankVersion = 0;

  get size(): number {
    return this.entries.size;
  }

  replaceAll(items: readonly BoardItem[]): void {
    this.entries.clear();
    this.index.clear();
    for (const item of items) this.upsert(item);
  }

  /** Adds or replaces an item; returns the entry it replaced. */
  upsert(item: BoardItem): Entry | undefined {
    const previous = this.entries.get(item.id);
    const move = this.moves.get(item.id);
    // The echo of the user's own move: the pending position is now the real one.
    if (move !== undefined && Math.abs(move.x - item.x) < 1 && Math.abs(move.y - item.y) < 1) {
      const sized = item.kind !== 'image' || move.width === undefined || (Math.abs(move.width - item.width) < 1 && Math.abs((move.height ?? 0) - item.height) < 1);
      if (sized) this.moves.delete(item.id);
    }
    const entry: Entry = { item, bounds: { x: 0, y: 0, width: 0, height: 0 }, rank: previous?.rank ?? this.sorted.length };
    // A measured size survives a move, not a change of content.
    if (previous?.measured !== undefined && sameContent(previous.item, item)) entry.measured = previous.measured;
    this.entries.set(item.id, entry);
    this.place(entry);
    if (previous === undefined || previous.item.order !== item.order) this.sortDirty = true;
    else {
      const i = this.sorted.indexOf(previous);
      if (i >= 0) this.sorted[i] = entry;
      else this.sortDirty = true;
    }
    return previous;
  }

  remove(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    this.moves.delete(id);
    this.deletes.delete(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    this.index.delete(id);
    this.sortDirty = true;
    return entry;
  }

  /** Items in drawing order (bottom first). */
  ordered(): readonly Entry[] {
    if (this.sortDirty) {
      this.sorted = [...this.entries.values()].sort((a, b) => compareItems(a.item, b.item));
      this.sorted.forEach((e, i) => (e.rank = i));
      this.sortDirty = false;
      this.rankVersion += 1;
    }
    return this.sorted;
  }

  setMeasured(id: string, size: Size): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    const m = entry.measured;
    if (m !== undefined && Math.abs(m.width - size.width) < 0.5 && Math.abs(m.height - size.height) < 0.5) return false;
    entry.measured = size;
    this.place(entry);
    return true;
  }

  /** The move the user made that the host has not echoed yet. */
  pendingMove(id: string): Pending | undefined {
    return this.moves.get(id);
  }

  setPendingMove(id: string, move: Omit<Pending, 'expires'>, now: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.moves.set(id, { ...move, expires: now + PENDING_MS });
    this.place(entry);
  }

  /** Shows a move while it is being dragged (no expiry until it is dropped). */
  previewMove(id: string, move: Omit<Pending, 'expires'>): void {
    this.setPendingMove(id, move, Infinity);
  }

  cancelMove(id: string): void {
    if (!this.moves.delete(id)) return;
    const entry = this.entries.get(id);
    if (entry !== undefined) this.place(entry);
  }

  isDeleting(id: string): boolean {
    return this.deletes.has(id);
  }

  setPendingDelete(id: string, now: number): void {
    if (this.entries.has(id)) this.deletes.set(id, now + PENDING_MS);
  }

  /** Drops pending moves and deletes the host never confirmed; returns the ids that changed. */
  expire(now: number): string[] {
    const changed: string[] = [];
    for (const [id, move] of this.moves) {
      if (move.expires <= now) {
        this.moves.delete(id);
        const entry = this.entries.get(id);
        if (entry !== undefined) this.place(entry);
        changed.push(id);
      }
    }
    for (const [id, expires] of this.deletes) {
      if (expires <= now) {
        this.deletes.delete(id);
        changed.push(id);
      }
    }
    return changed;
  }

  /** The earliest expiry of anything pending, or undefined. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const m of this.moves.values()) if (Number.isFinite(m.expires) && (next === undefined || m.expires < next)) next = m.expires;
    for (const e of this.deletes.values()) if (next === undefined || e < next) next = e;
    return next;
  }

  /** Ids of shown items whose bounds intersect `rect`. */
  search(rect: Rect): string[] {
    return this.index.search(rect).filter((id) => !this.deletes.has(id));
  }

  /** The topmost shown item at a board point. */
  hitTest(x: number, y: number, tolerance: number): Entry | undefined {
    const candidates = this.index.search({ x: x - tolerance, y: y - tolerance, width: 2 * tolerance, height: 2 * tolerance });
    let best: Entry | undefined;
    for (const id of candidates) {
      if (this.deletes.has(id)) continue;
      const entry = this.entries.get(id)!;
      const move = this.moves.get(id);
      const dx = move === undefined ? 0 : move.x - entry.item.x;
      const dy = move === undefined ? 0 : move.y - entry.item.y;
      if (!hitsItem(entry.item, entry.bounds, x, y, tolerance, dx, dy)) continue;
      if (best === undefined || compareItems(entry.item, best.item) > 0) best = entry;
    }
    return best;
  }

  /** Bounds of everything shown (or of the items `only` picks), or undefined when there is none. */
  contentBounds(only?: (item: BoardItem) => boolean): Rect | undefined {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const [id, e] of this.entries) {
      if (this.deletes.has(id) || (only !== undefined && !only(e.item))) continue;
      const b = e.bounds;
      minX = Math.min(minX, b.x);
      minY = Math.min(minY, b.y);
      maxX = Math.max(maxX, b.x + b.width);
      maxY = Math.max(maxY, b.y + b.height);
    }
    return Number.isFinite(minX) ? { x: minX, y: minY, width: maxX - minX, height: maxY - minY } : undefined;
  }

  private place(entry: Entry): void {
    const item = entry.item;
    const base = estimateBounds(item);
    const move = this.moves.get(item.id);
    let bounds = base;
    if (entry.measured !== undefined && item.kind !== 'stroke' && item.kind !== 'image') bounds = { x: item.x, y: item.y, ...entry.measured };
    if (move !== undefined) {
      bounds = { ...bounds, x: bounds.x + move.x - item.x, y: bounds.y + move.y - item.y };
      if (item.kind === 'image' && move.width !== undefined && move.height !== undefined) {
        bounds = { ...bounds, width: move.width, height: move.height + (base.height - item.height) };
      }
    }
    entry.bounds = bounds;
    this.index.set(item.id, bounds);
  }
}

/** Whether two versions of an item look the same apart from position (a measured size still holds). */
function sameContent(a: BoardItem, b: BoardItem): boolean {
  if (a.kind === 'note' && b.kind === 'note') return a.text === b.text && a.font === b.font && a.size === b.size;
  if (a.kind === 'snippet' && b.kind === 'snippet') return a.code === b.code && a.path === b.path && a.language === b.language;
  return false;
}
