/**
 * Pins as a pure fold of the group's `pin` messages, beside the board's fold (`boardState.ts`) and
 * in its style: every member folds the same messages, in whatever order they arrive, into the same
 * pins and threads.
 * - a pin belongs to the member who added it: only that member may delete it (a delete is final);
 *   pins are not edited, a second word goes in the thread;
 * - any member may reply, and any member may resolve or reopen a thread, as in a code review: the
 *   member who fixed the code is often not the one who asked. The state is a last-writer-wins
 *   register ordered by (Lamport clock, peer id);
 * - a reply is named by its author and message id, so a message folded twice adds it once;
 * - a reply, resolve or reopen that arrives before its pin's add is held until the add arrives;
 * - an add of an id another member already added withdraws the pin for everyone (as on the board).
 * Bounds (named below and in `limits.ts`) refuse with a code and evict nothing.
 *
 * Pure: no Node, no DOM, no vscode.
 */
import type { Envelope, MessageBody } from '../net/messages';
import { clockRefusal, compareStamps, count } from './boardState';
import type { BoardRefusal, BoardRefusalCode, Stamp } from './boardState';
import type { CodeAnchor } from './codeAnchor';
import { MAX_HELD_PER_AUTHOR, MAX_TOMBSTONES_PER_AUTHOR } from './limits';
import { anchorOfPin } from './pinAnchor';

/** Most live pins a group holds; an add past it is refused with `ERR_BOARD_FULL`. */
export const MAX_PINS = 5_000;
/** Most replies one pin's thread holds; a reply past it is refused with `ERR_THREAD_FULL`. */
export const MAX_PIN_REPLIES = 500;

/** What the fold reads of a pin message: its body, and the envelope's sender, id and time. */
export type PinChange = MessageBody<'pin'> & Pick<Envelope, 'from' | 'id' | 'ts'>;

export type PinRefusalCode = BoardRefusalCode | 'ERR_THREAD_FULL' | 'ERR_BAD_ANCHOR';
export interface PinRefusal {
  code: PinRefusalCode;
  reason: string;
}

export interface PinApplyResult {
  /** The pin whose visible state may have changed. */
  changed?: string;
  refused?: PinRefusal;
  held?: true;
}

export interface PinReply {
  /** `author/message id`: unique within the group. */
  id: string;
  author: string;
  text: string;
  /** When the author wrote it, ms since the epoch (the author's clock: for display only). */
  ts: number;
  stamp: Stamp;
}

export interface PinState {
  id: string;
  author: string;
  created: Stamp;
  ts: number;
  anchor: CodeAnchor;
  text: string;
  resolved: boolean;
  /** In (clock, peer) order: the same for every member. */
  replies: PinReply[];
}

interface PinRecord {
  id: string;
  added?: { author: string; stamp: Stamp; ts: number; anchor: CodeAnchor; text: string };
  resolved?: { value: boolean; stamp: Stamp };
  replies: Map<string, PinReply>;
  held: PinChange[];
  gone?: 'deleted' | 'withdrawn';
}

export class PinBoard {
  private readonly records = new Map<string, PinRecord>();
  private live = 0;
  private highest = 0;
  private readonly tombstones = new Map<string, number>();
  private readonly heldBy = new Map<string, number>();

  /** Folds one pin message in; says which pin may look different now, and why it was refused if it was. */
  apply(message: PinChange): PinApplyResult {
    const refused = this.refusal(message);
    if (refused?.code === 'ERR_ID_CONFLICT') {
      const record = this.records.get(message.item)!;
      this.bury(record, 'withdrawn', message.from);
      return { changed: record.id, refused };
    }
    if (refused !== undefined) return { refused };
    this.highest = Math.max(this.highest, message.clock);
    let record = this.records.get(message.item);
    if (record === undefined) {
      record = { id: message.item, replies: new Map(), held: [] };
      this.records.set(message.item, record);
    }
    const stamp: Stamp = { clock: message.clock, peer: message.from };
    if (record.added === undefined && message.op !== 'add') {
      record.held.push(message);
      count(this.heldBy, message.from, 1);
      return { held: true };
    }
    switch (message.op) {
      case 'add': {
        const first = record.added === undefined;
        // Two adds from the author (a retransmission): the earliest stays.
        if (first || compareStamps(stamp, record.added!.stamp) < 0) {
          record.added = { author: message.from, stamp, ts: message.ts, anchor: anchorOfPin(message)!, text: message.text! };
        }
        if (first) {
          this.live += 1;
          const held = record.held;
          record.held = [];
          for (const change of held) count(this.heldBy, change.from, -1);
          for (const change of held) this.apply(change);
        }
        break;
      }
      case 'reply': {
        const id = `${message.from}/${message.id}`;
        if (!record.replies.has(id)) record.replies.set(id, { id, author: message.from, text: message.text!, ts: message.ts, stamp });
        break;
      }
      case 'resolve':
      case 'reopen':
        if (record.resolved === undefined || compareStamps(stamp, record.resolved.stamp) > 0) record.resolved = { value: message.op === 'resolve', stamp };
        break;
      case 'delete':
        this.bury(record, 'deleted', message.from);
        break;
    }
    return { changed: record.id };
  }

  /** Why {@link apply} would refuse this message now, without folding it. */
  check(message: PinChange): PinRefusal | undefined {
    return this.refusal(message);
  }

  /** A Lamport clock above every clock this fold accepted. */
  nextClock(): number {
    return this.highest + 1;
  }

  pin(id: string): PinState | undefined {
    const record = this.records.get(id);
    return record === undefined ? undefined : materialise(record);
  }

  /** Every live pin, oldest first. */
  pins(): PinState[] {
    const pins: PinState[] = [];
    for (const record of this.records.values()) {
      const pin = materialise(record);
      if (pin !== undefined) pins.push(pin);
    }
    return pins.sort((a, b) => compareStamps(a.created, b.created));
  }

  isDeleted(id: string): boolean {
    return this.records.get(id)?.gone !== undefined;
  }

  clear(): void {
    this.records.clear();
    this.tombstones.clear();
    this.heldBy.clear();
    this.live = 0;
    this.highest = 0;
  }

  private refusal(message: PinChange): PinRefusal | undefined {
    const { from, op } = message;
    const clockRefused = clockRefusal(message.clock, this.highest);
    if (clockRefused !== undefined) return clockRefused;
    const record = this.records.get(message.item);
    if (record?.gone !== undefined) return { code: 'ERR_DELETED', reason: 'The pin was deleted; nothing changes it any more.' };
    const tombstones = this.tombstones.get(from) ?? 0;
    const added = record?.added;
    if (op === 'add') {
      // The codec checked the anchor; the fold takes no message it could not show.
      if (anchorOfPin(message) === undefined || message.text === undefined) return { code: 'ERR_BAD_ANCHOR', reason: 'The pin carries no code anchor that holds together.' };
      if (added === undefined) return this.live >= MAX_PINS ? { code: 'ERR_BOARD_FULL', reason: `The group holds ${MAX_PINS} pins, its most; delete some first.` } : undefined;
      if (from === added.author) return undefined;
      if (tombstones >= MAX_TOMBSTONES_PER_AUTHOR) return tooManyTombstones();
      return { code: 'ERR_ID_CONFLICT', reason: 'Another member already added a pin with this id; the pin is withdrawn.' };
    }
    if (added === undefined) {
      return (this.heldBy.get(from) ?? 0) >= MAX_HELD_PER_AUTHOR
        ? { code: 'ERR_TOO_MANY_HELD', reason: `This member already has ${MAX_HELD_PER_AUTHOR} changes waiting for pins not added yet.` }
        : undefined;
    }
    if (op === 'delete') {
      if (from !== added.author) return { code: 'ERR_NOT_AUTHOR', reason: 'Only the member who pinned a note may delete it.' };
      return tombstones >= MAX_TOMBSTONES_PER_AUTHOR ? tooManyTombstones() : undefined;
    }
    if (op === 'reply' && record!.replies.size >= MAX_PIN_REPLIES && !record!.replies.has(`${from}/${message.id}`)) {
      return { code: 'ERR_THREAD_FULL', reason: `The pin's thread holds ${MAX_PIN_REPLIES} replies, its most.` };
    }
    return undefined;
  }

  private bury(record: PinRecord, gone: NonNullable<PinRecord['gone']>, by: string): void {
    if (record.added !== undefined) this.live -= 1;
    for (const change of record.held) count(this.heldBy, change.from, -1);
    record.gone = gone;
    record.added = undefined;
    record.resolved = undefined;
    record.replies = new Map();
    record.held = [];
    count(this.tombstones, by, 1);
  }
}

function tooManyTombstones(): BoardRefusal {
  return { code: 'ERR_TOO_MANY_TOMBSTONES', reason: `This member already has ${MAX_TOMBSTONES_PER_AUTHOR} deleted pins charged to it, the most one member may.` };
}

function materialise(record: PinRecord): PinState | undefined {
  if (record.gone !== undefined || record.added === undefined) return undefined;
  const { author, stamp, ts, anchor, text } = record.added;
  const replies = [...record.replies.values()].sort((a, b) => compareStamps(a.stamp, b.stamp));
  return { id: record.id, author, created: stamp, ts, anchor, text, resolved: record.resolved?.value ?? false, replies };
}
