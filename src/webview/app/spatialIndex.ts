/**
 * A uniform grid over the board: which items may intersect a rectangle, without looking at the
 * others. Each item is filed under every cell its bounds touch; an item spanning more than
 * {@link MAX_CELLS_PER_ITEM} cells (a stroke across the whole board) goes on a short list that every
 * query checks, so one huge item cannot make inserts or memory blow up. Pure: no DOM.
 */
import type { Rect } from './camera';
import { intersects } from './camera';

/** Cell edge, in board units. */
export const CELL_SIZE = 512;
/** Items touching more cells than this are kept on the "large" list instead. */
const MAX_CELLS_PER_ITEM = 64;
/** Cell coordinates are clamped to ±this (the board extent is ±1,000,000 units). */
const MAX_CELL = 1 << 14;

interface Entry {
  id: string;
  bounds: Rect;
  /** Cell keys the entry is filed under; empty when on the large list. */
  cells: number[];
  /** Last query that returned it (de-duplication across cells). */
  seen: number;
}

const cellOf = (v: number): number => Math.max(-MAX_CELL, Math.min(MAX_CELL, Math.floor(v / CELL_SIZE)));
const key = (cx: number, cy: number): number => (cx + MAX_CELL) * (2 * MAX_CELL + 1) + (cy + MAX_CELL);

export class SpatialIndex {
  private readonly cells = new Map<number, Entry[]>();
  private readonly entries = new Map<string, Entry>();
  private readonly large = new Set<Entry>();
  private query = 0;

  get size(): number {
    return this.entries.size;
  }

  /** Files `id` under `bounds`, replacing where it was. */
  set(id: string, bounds: Rect): void {
    const previous = this.entries.get(id);
    if (previous !== undefined) {
      const b = previous.bounds;
      // The same cells: only the bounds change.
      if (cellOf(b.x) === cellOf(bounds.x) && cellOf(b.y) === cellOf(bounds.y) && cellOf(b.x + b.width) === cellOf(bounds.x + bounds.width) && cellOf(b.y + b.height) === cellOf(bounds.y + bounds.height)) {
        previous.bounds = bounds;
        return;
      }
      this.delete(id);
    }
    const entry: Entry = { id, bounds, cells: [], seen: 0 };
    this.entries.set(id, entry);
    const x0 = cellOf(bounds.x);
    const y0 = cellOf(bounds.y);
    const x1 = cellOf(bounds.x + bounds.width);
    const y1 = cellOf(bounds.y + bounds.height);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS_PER_ITEM) {
      this.large.add(entry);
      return;
    }
    for (let cx = x0; cx <= x1; cx += 1) {
      for (let cy = y0; cy <= y1; cy += 1) {
        const k = key(cx, cy);
        let list = this.cells.get(k);
        if (list === undefined) {
          list = [];
          this.cells.set(k, list);
        }
        list.push(entry);
        entry.cells.push(k);
      }
    }
  }

  delete(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.large.delete(entry);
    for (const k of entry.cells) {
      const list = this.cells.get(k);
      if (list === undefined) continue;
      const i = list.indexOf(entry);
      if (i >= 0) {
        list[i] = list[list.length - 1]!;
        list.pop();
      }
      if (list.length === 0) this.cells.delete(k);
    }
  }

  clear(): void {
    this.cells.clear();
    this.entries.clear();
    this.large.clear();
  }

  bounds(id: string): Rect | undefined {
    return this.entries.get(id)?.bounds;
  }

  /** Ids of the items whose bounds intersect `rect` (each once, in no particular order). */
  search(rect: Rect): string[] {
    this.query += 1;
    const stamp = this.query;
    const out: string[] = [];
    const x0 = cellOf(rect.x);
    const y0 = cellOf(rect.y);
    const x1 = cellOf(rect.x + rect.width);
    const y1 = cellOf(rect.y + rect.height);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > this.cells.size) {
      // A view wider than the populated board: walk the cells that exist instead.
      for (const list of this.cells.values()) this.collect(list, rect, stamp, out);
    } else {
      for (let cx = x0; cx <= x1; cx += 1) {
        for (let cy = y0; cy <= y1; cy += 1) {
          const list = this.cells.get(key(cx, cy));
          if (list !== undefined) this.collect(list, rect, stamp, out);
        }
      }
    }
    for (const entry of this.large) {
      if (intersects(entry.bounds, rect)) out.push(entry.id);
    }
    return out;
  }

  private collect(list: readonly Entry[], rect: Rect, stamp: number, out: string[]): void {
    for (const entry of list) {
      if (entry.seen === stamp) continue;
      entry.seen = stamp;
      if (intersects(entry.bounds, rect)) out.push(entry.id);
    }
  }
}
