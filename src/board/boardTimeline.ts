/**
 * Board time-travel: the board after each step of the group's history, as a fold of its board
 * messages (boardState.ts) taken in one total order that every member computes alike.
 *
 * The order is the fold's own order of changes: the Lamport clock, then the author's peer id (the
 * {@link compareStamps} of boardState.ts), then the author's log number. (clock, author) already
 * orders any two changes the fold could tell apart; the log number only makes the order total for
 * a member who sent two messages with one clock (a retransmitted add, a burst from a broken
 * client), so the steps are the same list on every member that holds the same messages. Arrival
 * order never enters: a newcomer who got the history by catch-up sees the same steps.
 *
 * Step `k` is the board after the first `k` messages (step 0 is the empty board). Because the fold
 * converges whatever the order, the last step is the board shown now (bounds apart, see
 * boardState.ts). A refused message is still a step: it is part of the history, and the board after
 * it simply did not change.
 *
 * Dragging a slider over 20,000 steps must not fold 20,000 messages per position: the timeline
 * keeps a copy of the state every `interval` steps (at most {@link MAX_CHECKPOINTS} copies, so the
 * memory is bounded whatever the history's length) and a cursor at the last step asked for. A step
 * forward from the cursor folds only the messages in between; a step back starts from the nearest
 * checkpoint at or before it and folds at most `interval` messages.
 *
 * Pure: no Node, no DOM, no vscode.
 */
import { BoardState } from './boardState';
import type { BoardItemState, BoardMessage } from './boardState';

/** Most copies of the state kept for jumping back; the interval between them grows with the history instead. */
export const MAX_CHECKPOINTS = 32;
/** Fewest steps between two checkpoints: below this, folding from the previous one is cheaper than a copy. */
export const MIN_CHECKPOINT_INTERVAL = 128;

/** Orders board messages for the timeline: (clock, author peer id, author log number). */
export function compareTimelineMessages(a: BoardMessage, b: BoardMessage): number {
  if (a.clock !== b.clock) return a.clock < b.clock ? -1 : 1;
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  return a.seq - b.seq;
}

export interface BoardTimelineOptions {
  /**
   * The bytes of an image add, asked for when that step is folded (again after each jump back).
   * The history keeps image bytes on disk, so the timeline holds none of its own.
   */
  bytesOf?: (message: BoardMessage) => Uint8Array | undefined;
  /** Steps between checkpoints; by default the history's length over {@link MAX_CHECKPOINTS}, at least {@link MIN_CHECKPOINT_INTERVAL}. */
  interval?: number;
}

export class BoardTimeline {
  /** The board messages in timeline order: step `k` applied `steps[k - 1]`. */
  readonly steps: readonly BoardMessage[];
  /** Steps between checkpoints. */
  readonly interval: number;
  private readonly bytesOf: (message: BoardMessage) => Uint8Array | undefined;
  /** `checkpoints[i]` is the state after step `i * interval`; never folded into (copies are). */
  private readonly checkpoints: BoardState[] = [];
  private cursor: { at: number; state: BoardState };

  /** `messages` in any order (the history's arrival order, say); duplicates by (author, number) are the caller's to drop. */
  constructor(messages: Iterable<BoardMessage>, options: BoardTimelineOptions = {}) {
    this.steps = [...messages].sort(compareTimelineMessages);
    this.bytesOf = options.bytesOf ?? (() => undefined);
    this.interval = Math.max(1, Math.floor(options.interval ?? Math.max(MIN_CHECKPOINT_INTERVAL, Math.ceil(this.steps.length / MAX_CHECKPOINTS))));
    // One pass folds the whole history, copying the state at each checkpoint on the way.
    const state = new BoardState();
    this.checkpoints.push(state.clone());
    for (let k = 1; k <= this.steps.length; k += 1) {
      this.fold(state, k);
      if (k % this.interval === 0) this.checkpoints.push(state.clone());
    }
    this.cursor = { at: this.steps.length, state };
  }

  /** How many steps the history has: the slider runs from 0 (empty board) to this (the board now). */
  get length(): number {
    return this.steps.length;
  }

  /** The message of step `k` (1 to {@link length}). Throws a RangeError for any other `k`. */
  step(k: number): BoardMessage {
    if (!Number.isSafeInteger(k) || k < 1 || k > this.steps.length) throw new RangeError(`There is no step ${k}: the history has steps 1 to ${this.steps.length}.`);
    return this.steps[k - 1]!;
  }

  /**
   * The board after step `k` (0 to {@link length}). The state returned is the timeline's own
   * cursor: read it, do not fold into it, and ask again rather than keep it (the next call moves it).
   * Throws a RangeError for a `k` that is not a step.
   */
  stateAt(k: number): BoardState {
    if (!Number.isSafeInteger(k) || k < 0 || k > this.steps.length) throw new RangeError(`There is no step ${k}: the history has steps 0 to ${this.steps.length}.`);
    const base = Math.floor(k / this.interval) * this.interval;
    // Forward from the cursor when it is on the way; else from the checkpoint just before `k`.
    if (this.cursor.at > k || this.cursor.at < base) this.cursor = { at: base, state: this.checkpoints[base / this.interval]!.clone() };
    while (this.cursor.at < k) {
      this.cursor.at += 1;
      this.fold(this.cursor.state, this.cursor.at);
    }
    return this.cursor.state;
  }

  /** The items shown after step `k`, in stacking order; `shown` leaves out the items of the authors it says no to. */
  itemsAt(k: number, shown: (author: string) => boolean = () => true): BoardItemState[] {
    return this.stateAt(k).items().filter((item) => shown(item.author));
  }

  private fold(state: BoardState, k: number): void {
    const message = this.steps[k - 1]!;
    state.apply(message, message.type === 'image' && message.op === 'add' ? this.bytesOf(message) : undefined);
  }
}
