/**
 * The host's side of board time-travel (docs/history.md, *Time travel*): the timeline of the
 * joined group's board history (src/board/boardTimeline.ts), built when the panel opens the history
 * view and dropped when it closes it, so an ordinary load of a large board pays nothing for it.
 *
 * The panel asks for one step at a time and gets the board as it was then; the host never sends
 * the log itself. A board of 20,000 items is one message of the snapshot's size per step asked
 * for, where the log (every move and edit, every image ever added) would be many times that, and
 * the webview would have to repeat the fold the host already has. The webview is trusted with
 * nothing: it names a step and an item, and the host reads the content from the history.
 *
 * No vscode here: the unit tests drive it with a real history and a real board.
 */
import type { BoardMessage } from '../board/boardState';
import { BoardTimeline } from '../board/boardTimeline';
import { withSharedImageBytes } from '../board/sharedImageBytes';
import { NetError } from '../net/errors';
import type { GroupHistory } from '../net/groupHistory';
import { fingerprint } from '../net/memberKey';
import type { BoardItem, HistoryStateView, HistoryTimelineView } from '../webview/protocol';
import { BoardItemViews } from './boardItems';

/** What time-travel needs of the board shown now: which items are on it, and adding a note the normal way. */
export interface BoardNow {
  item(id: string): BoardItem | undefined;
  addNote(text: string, x: number, y: number, style: { font?: string; size?: number; colour?: string }): BoardItem | undefined;
}

export class BoardTimeTravel {
  private open: { timeline: BoardTimeline; views: BoardItemViews; history: GroupHistory } | undefined;

  /** `history` is the joined group's history (undefined when not joined); `board` the board now. */
  constructor(
    private readonly history: () => GroupHistory | undefined,
    private readonly board: BoardNow,
  ) {}

  /** Builds the timeline from the history as it is now (a new `openHistory` takes a fresh one). */
  openHistory(): HistoryTimelineView {
    const history = this.history();
    if (history === undefined) throw new NetError('ERR_CLOSED', 'Join a group first.');
    const messages: BoardMessage[] = [];
    // Pins live in the editor, not on the board: the board's history is the rest of the log.
    for (const { message } of history.entries()) if (message.type !== 'chat' && message.type !== 'pin') messages.push(message);
    const timeline = new BoardTimeline(messages, {
      // A copy, not the store's Buffer: the bytes go to the webview (see SessionBoard.received).
      bytesOf: (m) => (m.type === 'image' && m.sha256 !== undefined ? copy(history.imageBytes(m.sha256)) : undefined),
    });
    const nameOf = (id: string): string => history.name(id) ?? fingerprint(id);
    this.open = { timeline, views: new BoardItemViews(nameOf), history };
    const authors = new Map<string, HistoryTimelineView['authors'][number]>();
    let first = Infinity;
    let last = -Infinity;
    for (const m of timeline.steps) {
      if (m.op === 'add' && !authors.has(m.from)) authors.set(m.from, { id: m.from, name: nameOf(m.from), fingerprint: fingerprint(m.from) });
      first = Math.min(first, m.ts);
      last = Math.max(last, m.ts);
    }
    const view: HistoryTimelineView = { steps: timeline.length, authors: [...authors.values()] };
    if (timeline.length > 0) Object.assign(view, { first, last });
    return view;
  }

  /** The board after `step` of the opened history. Throws `ERR_BAD_INPUT` when none is open or there is no such step. */
  stateAt(step: number): HistoryStateView {
    const { timeline, views, history } = this.requireOpen(step);
    const items = timeline.itemsAt(step).map((item) => views.toView(item));
    const restorable = items.filter((item) => item.kind === 'note' && this.board.item(item.id) === undefined).map((item) => item.id);
    const state: HistoryStateView = { step, items: withSharedImageBytes(items), restorable };
    if (step > 0) {
      const m = timeline.step(step);
      state.change = { author: { id: m.from, name: history.name(m.from) ?? fingerprint(m.from) }, ts: m.ts, kind: m.type, op: m.op };
    }
    return state;
  }

  /**
   * "Restore this item": the note `id` as it was after `step`, added again now as a new note of
   * this member. A delete is final in the fold (every member keeps the tombstone), so no one, its
   * author included, can bring the original back; a new add is the one change every member folds
   * alike. Throws `ERR_BAD_INPUT` when the item was not a note then, or is still on the board.
   */
  restore(step: number, id: string): BoardItem | undefined {
    const { timeline } = this.requireOpen(step);
    const then = timeline.stateAt(step).item(id);
    if (then?.kind !== 'note') throw new NetError('ERR_BAD_INPUT', 'Only a note that was on the board at that point can be restored.');
    if (this.board.item(id) !== undefined) throw new NetError('ERR_BAD_INPUT', 'That note is still on the board.');
    return this.board.addNote(then.text, then.x, then.y, { font: then.font, size: then.size, colour: then.colour });
  }

  /** Drops the timeline (the panel left the history view, or closed). */
  close(): void {
    this.open = undefined;
  }

  private requireOpen(step: number): NonNullable<BoardTimeTravel['open']> {
    const open = this.open;
    if (open === undefined || open.history !== this.history()) throw new NetError('ERR_BAD_INPUT', 'Open the board history first.');
    if (!Number.isSafeInteger(step) || step < 0 || step > open.timeline.length) throw new NetError('ERR_BAD_INPUT', `There is no step ${step}: the history has steps 0 to ${open.timeline.length}.`);
    return open;
  }
}

function copy(bytes: Uint8Array | undefined): Uint8Array | undefined {
  return bytes === undefined ? undefined : new Uint8Array(bytes);
}
