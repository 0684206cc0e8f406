/**
 * The board as a pure fold of the group's board messages (`note`, `image`, `stroke`, `snippet`).
 *
 * Every member folds the same messages, in whatever order they arrive, into the same board:
 * - an item belongs to the member who added it (the `from` of its `add`): any member may move any
 *   item, only its author may edit or delete it. A change from anyone else is refused and changes
 *   nothing;
 * - each field of an item (text, colour, position, …) is a last-writer-wins register ordered by
 *   the message's (Lamport clock, sender peer id), so concurrent edits and moves settle the same way
 *   everywhere;
 * - a delete is final (remove wins), so a delete racing an edit or a move deletes the item;
 * - a change that arrives before the item's `add` is held, and applied or refused once the add
 *   arrives, by the same rules as a change that came after it;
 * - an `add` of an id that another member already added withdraws the item for everyone. Item ids
 *   are random UUIDs, so only a broken or hostile member does this; the messages cannot tell which
 *   add is genuine, and keeping either one would depend on arrival order or hand the item (and the
 *   right to edit and delete it) to whoever claims the earlier clock.
 * Merging is taking a maximum per field, and whether a change is allowed depends only on the
 * item's add, which is commutative, associative and idempotent: the result does not depend on
 * arrival order or duplicates.
 *
 * Bounds keep one member from breaking the board for the others: how far a clock may jump ahead,
 * how many live items and image bytes a board holds, how many tombstones and held changes each
 * member may cause (see `limits.ts`). A message beyond a bound is refused with a code and nothing
 * already on the board is evicted. Bounds are the one place where arrival order can matter:
 * members at a bound may refuse different messages, which honest members, far inside them, never
 * see.
 *
 * Pure: no Node, no DOM, no vscode.
 */
import type { Envelope, ImageMessage, ImageMime, MessageBody, NoteMessage, Point, SnippetMessage, StrokeMessage } from '../net/messages';
import { MAX_BOARD_CLOCK, MAX_BOARD_IMAGE_BYTES, MAX_BOARD_ITEMS, MAX_CLOCK_JUMP, MAX_HELD_PER_AUTHOR, MAX_TOMBSTONES_PER_AUTHOR } from './limits';

// Re-exported: the webview takes the item cap from here.
export { MAX_BOARD_ITEMS } from './limits';

/** A board message as the fold needs it (envelope fields `from` plus the board fields). */
export type BoardMessage = NoteMessage | ImageMessage | StrokeMessage | SnippetMessage;

/**
 * What the fold reads of a board message: the sender and the board fields. A whole
 * {@link BoardMessage} is one; so is a body the host has not sent yet (see {@link BoardState.check}).
 */
export type BoardChange = MessageBody<BoardMessage['type']> & Pick<Envelope, 'from'>;

/** Why the fold refused a message. Stable: callers and logs may match on them. */
export type BoardRefusalCode =
  /** An edit or delete from a member other than the item's author. */
  | 'ERR_NOT_AUTHOR'
  /** The item was deleted or withdrawn: nothing changes it any more. */
  | 'ERR_DELETED'
  /** An add of an id another member already added: the item is withdrawn (the one refusal that changes the board). */
  | 'ERR_ID_CONFLICT'
  /** A clock that is not a whole number from 0 to `MAX_BOARD_CLOCK`. */
  | 'ERR_BAD_CLOCK'
  /** A clock more than `MAX_CLOCK_JUMP` above the highest clock the board accepted. */
  | 'ERR_CLOCK_JUMP'
  /** An add while the board holds `MAX_BOARD_ITEMS` live items. */
  | 'ERR_BOARD_FULL'
  /** An image add that would take the board's images past `MAX_BOARD_IMAGE_BYTES`. */
  | 'ERR_BOARD_IMAGES_FULL'
  /** A delete (or conflicting add) from a member already charged `MAX_TOMBSTONES_PER_AUTHOR` tombstones. */
  | 'ERR_TOO_MANY_TOMBSTONES'
  /** A change to a not-yet-added item from a member with `MAX_HELD_PER_AUTHOR` changes held already. */
  | 'ERR_TOO_MANY_HELD';

export interface BoardRefusal {
  code: BoardRefusalCode;
  /** For logs and for the user, one sentence. */
  reason: string;
}

/** What folding one message did. */
export interface BoardApplyResult {
  /** The id of the item whose visible state may have changed; absent when nothing could have. */
  changed?: string;
  /**
   * Set when the message was refused. It then changed nothing, except for `ERR_ID_CONFLICT`, which
   * withdraws the item it collided with (and sets `changed`).
   */
  refused?: BoardRefusal;
  /** True when the change was kept to apply (or refuse) once the item's add arrives. */
  held?: true;
}

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
  /** Kind, author and creation stamp come from the item's `add`; until it arrives the item is not shown. */
  added?: { kind: BoardMessage['type']; author: string; stamp: Stamp };
  fields: { [K in FieldName]?: Register<FieldValues[K]> };
  /** Changes that arrived before the add, applied or refused when it arrives. Empty once added. */
  held: BoardChange[];
  /** Set for good once the item is deleted or withdrawn; its fields are then dropped. */
  gone?: 'deleted' | 'withdrawn';
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
  /** Items added and not gone: what {@link MAX_BOARD_ITEMS} bounds. */
  private live = 0;
  /** Bytes of the live items' images, in bytes: what {@link MAX_BOARD_IMAGE_BYTES} bounds. */
  private imageBytes = 0;
  /** Tombstones charged to each member, by peer id. */
  private readonly tombstones = new Map<string, number>();
  /** Changes held for items not yet added, by the peer id of their sender. */
  private readonly heldBy = new Map<string, number>();
  /** The highest clock of a message this board accepted (held ones included). */
  private highest = 0;

  /**
   * Folds one message in. `bytes` are an image add's bytes. Says which item may look different
   * now, and why the message was refused if it was.
   */
  apply(message: BoardChange, bytes?: Uint8Array): BoardApplyResult {
    const refused = this.refusal(message, bytes);
    if (refused?.code === 'ERR_ID_CONFLICT') {
      const record = this.records.get(message.item)!;
      this.bury(record, 'withdrawn', message.from);
      return { changed: record.id, refused };
    }
    if (refused !== undefined) return { refused };
    this.highest = Math.max(this.highest, message.clock);

    let record = this.records.get(message.item);
    if (record === undefined) {
      record = { id: message.item, fields: {}, held: [] };
      this.records.set(message.item, record);
    }
    const stamp: Stamp = { clock: message.clock, peer: message.from };
    if (record.added === undefined && message.op !== 'add') {
      record.held.push(message);
      count(this.heldBy, message.from, 1);
      return { held: true };
    }
    if (message.op === 'delete') {
      this.bury(record, 'deleted', message.from);
      return { changed: record.id };
    }
    let held: BoardChange[] = [];
    if (message.op === 'add') {
      if (record.added === undefined) {
        this.live += 1;
        held = record.held;
        record.held = [];
        for (const change of held) count(this.heldBy, change.from, -1);
      }
      // Two adds from the author (a retransmission): the earliest stays the creation.
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
    // Now that the author is known, the held changes go through the same checks as later ones.
    for (const change of held) this.apply(change);
    return { changed: record.id };
  }

  /**
   * Why {@link apply} would refuse this message now, without folding it: lets the host tell its
   * user before sending a change everyone else would refuse too. Stamp the body with
   * {@link nextClock} and the user's peer id.
   */
  check(message: BoardChange, bytes?: Uint8Array): BoardRefusal | undefined {
    return this.refusal(message, bytes);
  }

  /**
   * A Lamport clock for this member's next change: above every clock the board accepted, and
   * always one the codec carries. Unlike a clock that follows every message received, it ignores
   * the clocks of refused messages, which other members would refuse to follow too.
   */
  nextClock(): number {
    return this.highest + 1;
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
    // The item id breaks a tie (one author's two adds with the same clock, which only a
    // misbehaving member sends), so every member stacks them alike whatever the arrival order.
    return items.sort((a, b) => compareStamps(a.created, b.created) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** True once the item was deleted or withdrawn (nothing brings it back). */
  isDeleted(id: string): boolean {
    return this.records.get(id)?.gone !== undefined;
  }

  /**
   * An independent copy: folding into either leaves the other as it was. Registers and adds are
   * replaced, never changed in place, so a record's copy shares them; only the containers are new.
   * The time-travel checkpoints (boardTimeline.ts) are copies.
   */
  clone(): BoardState {
    const copy = new BoardState();
    for (const [id, record] of this.records) copy.records.set(id, { ...record, fields: { ...record.fields }, held: [...record.held] });
    for (const [peer, n] of this.tombstones) copy.tombstones.set(peer, n);
    for (const [peer, n] of this.heldBy) copy.heldBy.set(peer, n);
    copy.live = this.live;
    copy.imageBytes = this.imageBytes;
    copy.highest = this.highest;
    return copy;
  }

  clear(): void {
    this.records.clear();
    this.tombstones.clear();
    this.heldBy.clear();
    this.live = 0;
    this.imageBytes = 0;
    this.highest = 0;
  }

  /** The refusal of a message, from the state alone: {@link apply} folds only what this lets through. */
  private refusal(message: BoardChange, bytes: Uint8Array | undefined): BoardRefusal | undefined {
    const { from, op } = message;
    const clockRefused = clockRefusal(message.clock, this.highest);
    if (clockRefused !== undefined) return clockRefused;
    const record = this.records.get(message.item);
    if (record?.gone !== undefined) return { code: 'ERR_DELETED', reason: 'The item was deleted; nothing changes it any more.' };
    const added = record?.added;
    if (added === undefined) {
      if (op === 'add') return this.addRefusal(record, message, bytes);
      if ((this.heldBy.get(from) ?? 0) >= MAX_HELD_PER_AUTHOR) {
        return { code: 'ERR_TOO_MANY_HELD', reason: `This member already has ${MAX_HELD_PER_AUTHOR} changes waiting for items not added yet.` };
      }
      return undefined;
    }
    if (op === 'move') return undefined;
    if (from !== added.author) {
      if (op !== 'add') return { code: 'ERR_NOT_AUTHOR', reason: `Only the member who added an item may ${op} it.` };
      // Withdrawing the item costs the second adder a tombstone; past its bound the item stays.
      if ((this.tombstones.get(from) ?? 0) >= MAX_TOMBSTONES_PER_AUTHOR) return tooManyTombstones();
      return { code: 'ERR_ID_CONFLICT', reason: 'Another member already added an item with this id; the item is withdrawn.' };
    }
    if (op === 'delete' && (this.tombstones.get(from) ?? 0) >= MAX_TOMBSTONES_PER_AUTHOR) return tooManyTombstones();
    if (op === 'add') return this.addRefusal(record, message, bytes);
    return undefined;
  }

  /** The bounds on an add from the item's author (or the first add): live items and image bytes. */
  private addRefusal(record: ItemRecord | undefined, message: BoardChange, bytes: Uint8Array | undefined): BoardRefusal | undefined {
    if (record?.added === undefined && this.live >= MAX_BOARD_ITEMS) {
      return { code: 'ERR_BOARD_FULL', reason: `The board holds ${MAX_BOARD_ITEMS} items, its most; delete some first.` };
    }
    if (message.type !== 'image' || bytes === undefined) return undefined;
    const current = record?.fields.bytes;
    // A retransmitted add whose bytes lose to the ones held adds nothing.
    if (current !== undefined && compareStamps({ clock: message.clock, peer: message.from }, current.stamp) <= 0) return undefined;
    if (this.imageBytes - (current?.value.length ?? 0) + bytes.length > MAX_BOARD_IMAGE_BYTES) {
      return { code: 'ERR_BOARD_IMAGES_FULL', reason: `The board's images would take more than ${MAX_BOARD_IMAGE_BYTES / (1024 * 1024)} MiB; delete some first.` };
    }
    return undefined;
  }

  /** Deletes or withdraws an item for good, charging the tombstone to `by`. */
  private bury(record: ItemRecord, gone: NonNullable<ItemRecord['gone']>, by: string): void {
    if (record.added !== undefined) this.live -= 1;
    this.imageBytes -= record.fields.bytes?.value.length ?? 0;
    for (const change of record.held) count(this.heldBy, change.from, -1);
    record.gone = gone;
    record.fields = {}; // a deleted item's content is gone for good
    record.held = [];
    count(this.tombstones, by, 1);
  }

  private set<K extends FieldName>(record: ItemRecord, name: K, value: FieldValues[K], stamp: Stamp): void {
    const current = record.fields[name] as Register<FieldValues[K]> | undefined;
    if (current === undefined || compareStamps(stamp, current.stamp) > 0) {
      if (name === 'bytes') this.imageBytes += (value as Uint8Array).length - ((current?.value as Uint8Array | undefined)?.length ?? 0);
      (record.fields as Record<K, Register<FieldValues[K]>>)[name] = { value, stamp };
    }
  }
}

/** The refusal of a clock outside the codec's range or too far above `highest`, the highest clock a fold accepted. */
export function clockRefusal(clock: number, highest: number): BoardRefusal | undefined {
  if (!Number.isSafeInteger(clock) || clock < 0 || clock > MAX_BOARD_CLOCK) {
    return { code: 'ERR_BAD_CLOCK', reason: `The clock ${clock} is not a whole number from 0 to ${MAX_BOARD_CLOCK}.` };
  }
  if (clock > highest + MAX_CLOCK_JUMP) return { code: 'ERR_CLOCK_JUMP', reason: `The clock ${clock} is more than ${MAX_CLOCK_JUMP} ahead of this board's ${highest}.` };
  return undefined;
}

function tooManyTombstones(): BoardRefusal {
  return { code: 'ERR_TOO_MANY_TOMBSTONES', reason: `This member already has ${MAX_TOMBSTONES_PER_AUTHOR} deleted items charged to it, the most one member may.` };
}

/** Adds `delta` to a per-member count, dropping a count that reaches 0. */
export function count(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next === 0) counts.delete(key);
  else counts.set(key, next);
}

function materialise(record: ItemRecord): BoardItemState | undefined {
  if (record.gone !== undefined || record.added === undefined) return undefined;
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
