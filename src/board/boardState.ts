/**
 * The board as a pure fold of the group's board messages (`note`, `image`, `stroke`, `snippet`).
 *
 * Every member folds the same messages, in whatever order they arrive, into the same board:
 * - each field of an item (text, colour, position, …) is a last-writer-wins register ordered by
 *   the message's (Lamport clock, sender peer id), so concurrent edits and moves settle the same way
 *   everywhere;
 * - a delete is final (remove wins), so a delete racing an edit or a move deletes the item;
 * - a change that arrives before the item's `add` is kept and applies once the add arrives.
 * Merging is taking a maximum per field, which is commutative, associative and idempotent: the
 * result does not depend on arrival order or duplicates.
 *
 * Pure: no Node, no DOM, no vscode.
 */
import type { ImageMessage, ImageMime, NoteMessage, Point, SnippetMessage, StrokeMessage } from '../net/messages';

/** A board message as the fold needs it (envelope fields `from` plus the board fields). */
export type BoardMessage = NoteMessage | ImageMessage | StrokeMessage | SnippetMessage;

/** Most items (including deleted ones) one board keeps; adds beyond it are ignored. */
export const MAX_BOARD_ITEMS = 20_000;

/** Orders changes: Lamport clock, then sender peer id. */
export interface Stamp {
  clock: number;
  peer: string;
}

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.clock !== b.clock) return a.clock < b.clock ? -1 : 1;
  return a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0;
}

interface FieldValues {
  x: number;
  y: number;
  width: number;
  height: number;
  text: string;
  font: string;
  size: number;
  colour: string;
  mime: ImageMime;
  bytes: Uint8Array;
  points: Point[];
  code: string;
  language: string;
  path: string;
  startLine: number;
  endLine: number;
}
type FieldName = keyof FieldValues;

interface Register<T> {
  value: T;
  stamp: Stamp;
}

interface ItemRecord {
  id: string;
  /** Kind, author and creation stamp come from the item's `add`. */
  added?: { kind: BoardMessage['type']; author: string; stamp: Stamp };
  fields: { [K in FieldName]?: Register<FieldValues[K]> };
  deleted: boolean;
}

interface Common {
  id: string;
  /** Peer id of the member who added the item. */
  author: string;
  /** Stamp of the add: the stacking order, the same for every member. */
  created: Stamp;
  x: number;
  y: number;
}

export type BoardItemState =
  | (Common & { kind: 'note'; text: string; font: string; size: number; colour: string })
  | (Common & { kind: 'snippet'; code: string; language: string; path: string; startLine: number; endLine: number })
  | (Common & { kind: 'image'; mime: ImageMime; bytes: Uint8Array; width: number; height: number })
  | (Common & { kind: 'stroke'; points: Point[]; width: number; colour: string });

/** Fields each kind needs before it can be shown. */
const required: Record<BoardMessage['type'], FieldName[]> = {
  note: ['x', 'y', 'text', 'font', 'size', 'colour'],
  snippet: ['x', 'y', 'code', 'language', 'path', 'startLine', 'endLine'],
  image: ['x', 'y', 'width', 'height', 'mime', 'bytes'],
  stroke: ['points', 'width', 'colour'],
};

/** Fields a message of each kind and op may set (others it carries are ignored). */
const settable: Record<BoardMessage['type'], Partial<Record<string, FieldName[]>>> = {
  note: { add: ['x', 'y', 'text', 'font', 'size', 'colour'], move: ['x', 'y'], edit: ['text', 'font', 'size', 'colour'] },
  snippet: { add: ['x', 'y', 'code', 'language', 'path', 'startLine', 'endLine'], move: ['x', 'y'] },
  image: { add: ['x', 'y', 'width', 'height', 'mime'], move: ['x', 'y', 'width', 'height'] },
  stroke: { add: ['points', 'width', 'colour'] },
};

export class BoardState {
  private readonly records = new Map<string, ItemRecord>();

  /**
   * Folds one message in. `bytes` are an image add's bytes. Returns the id of the item whose
   * visible state may have changed, or undefined when nothing could have.
   */
  apply(message: BoardMessage, bytes?: Uint8Array): string | undefined {
    let record = this.records.get(message.item);
    if (record === undefined) {
      if (this.records.size >= MAX_BOARD_ITEMS) return undefined;
      record = { id: message.item, fields: {}, deleted: false };
      this.records.set(message.item, record);
    }
    if (record.deleted) return undefined;
    if (message.op === 'delete') {
      record.deleted = true;
      record.fields = {}; // a deleted item's content is gone for good
      return record.id;
    }
    const stamp: Stamp = { clock: message.clock, peer: message.from };
    if (message.op === 'add') {
      // Two adds of one id (a retransmission, or a hostile reuse): the earliest stays the creator.
      if (record.added === undefined || compareStamps(stamp, record.added.stamp) < 0) {
        record.added = { kind: message.type, author: message.from, stamp };
      }
    }
    // Fields are taken whatever the kind: the earliest add decides the kind, and rejecting fields by a
    // kind known only sometimes would make the result depend on arrival order.
    const names = settable[message.type][message.op] ?? [];
    const values = message as unknown as Partial<FieldValues>;
    for (const name of names) {
      const value = values[name];
      if (value !== undefined) this.set(record, name, value, stamp);
    }
    if (message.type === 'image' && message.op === 'add' && bytes !== undefined) this.set(record, 'bytes', bytes, stamp);
    return record.id;
  }

  /** The visible item with this id, or undefined when it is deleted or not complete yet. */
  item(id: string): BoardItemState | undefined {
    const record = this.records.get(id);
    return record === undefined ? undefined : materialise(record);
  }

  /** Every visible item, in stacking order (bottom first). */
  items(): BoardItemState[] {
    const items: BoardItemState[] = [];
    for (const record of this.records.values()) {
      const item = materialise(record);
      if (item !== undefined) items.push(item);
    }
    return items.sort((a, b) => compareStamps(a.created, b.created));
  }

  /** True once the item was deleted (a later add of the same id is ignored). */
  isDeleted(id: string): boolean {
    return this.records.get(id)?.deleted ?? false;
  }

  clear(): void {
    this.records.clear();
  }

  private set<K extends FieldName>(record: ItemRecord, name: K, value: FieldValues[K], stamp: Stamp): void {
    const current = record.fields[name] as Register<FieldValues[K]> | undefined;
    if (current === undefined || compareStamps(stamp, current.stamp) > 0) {
      (record.fields as Record<K, Register<FieldValues[K]>>)[name] = { value, stamp };
    }
  }
}

function materialise(record: ItemRecord): BoardItemState | undefined {
  if (record.deleted || record.added === undefined) return undefined;
  const { kind, author, stamp } = record.added;
  const f = record.fields;
  if (required[kind].some((name) => f[name] === undefined)) return undefined;
  const common = { id: record.id, author, created: stamp };
  switch (kind) {
    case 'note':
      return { kind, ...common, x: f.x!.value, y: f.y!.value, text: f.text!.value, font: f.font!.value, size: f.size!.value, colour: f.colour!.value };
    case 'snippet':
      return {
        kind,
        ...common,
        x: f.x!.value,
        y: f.y!.value,
        code: f.code!.value,
        language: f.language!.value,
        path: f.path!.value,
        startLine: f.startLine!.value,
        endLine: f.endLine!.value,
      };
    case 'image':
      return { kind, ...common, x: f.x!.value, y: f.y!.value, width: f.width!.value, height: f.height!.value, mime: f.mime!.value, bytes: f.bytes!.value };
    case 'stroke': {
      const points = f.points!.value;
      let x = Infinity;
      let y = Infinity;
      for (const p of points) {
        if (p.x < x) x = p.x;
        if (p.y < y) y = p.y;
      }
      return { kind, ...common, x, y, points, width: f.width!.value, colour: f.colour!.value };
    }
  }
}
