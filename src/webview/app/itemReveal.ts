/**
 * Drawing the person's eye to items on the board. A reveal (an item just shared, a click on the
 * new-items pill) brings one item into view, selects and flashes it, and waits a few seconds for an
 * item that has not arrived yet (the host may say "shared" before the item's echo); Show on Board
 * fits the view to one member's items and says how many there are.
 */
import type { BoardItem } from '../protocol';
import type { BoardCamera } from './boardCamera';
import type { BoardModel } from './boardModel';
import type { BoardScene } from './boardScene';
import { formatCount } from './format';
import type { Toasts } from './toast';

/** How long a revealed item is highlighted, in ms. */
const FLASH_MS = 1600;
/** A reveal for an item that has not arrived yet waits this long for it, in ms. */
const REVEAL_WAIT_MS = 5000;

/** What a reveal moves and marks on the board. */
export interface RevealTarget {
  readonly model: BoardModel;
  readonly scene: BoardScene;
  readonly view: BoardCamera;
  readonly toasts: Toasts;
  select(id: string | undefined): void;
  /** This member's id, once the host said it. */
  selfId(): string | undefined;
}

export class ItemReveal {
  private waiting: { id: string; until: number; confirmation?: string } | undefined;

  constructor(private readonly board: RevealTarget) {}

  /** Brings an item into view and selects it; `confirmation` is said briefly (what just happened). */
  reveal(id: string, confirmation?: string): void {
    const { model, view, scene, toasts } = this.board;
    const entry = model.entries.get(id);
    if (entry === undefined) {
      this.waiting = { id, until: Date.now() + REVEAL_WAIT_MS, ...(confirmation !== undefined && { confirmation }) };
      return;
    }
    view.bringIntoView(entry.bounds);
    this.board.select(id);
    scene.renderNow();
    scene.element(id)?.focus({ preventScroll: true });
    scene.flash([id], FLASH_MS);
    if (confirmation !== undefined) toasts.show(confirmation);
  }

  /** An item arrived: revealed now if a reveal waits for it. */
  arrived(id: string): void {
    const wait = this.waiting;
    if (wait?.id !== id) return;
    this.waiting = undefined;
    if (wait.until > Date.now()) this.reveal(id, wait.confirmation);
  }

  /** Fits the view to a member's items and highlights them; says so when there are none. */
  showMember(member: { id: string; name: string }): void {
    const { model, view, scene, toasts } = this.board;
    const theirs = (item: BoardItem): boolean => item.author.id === member.id;
    const bounds = model.contentBounds(theirs);
    const ids = [...model.entries.values()].filter((e) => theirs(e.item) && !model.isDeleting(e.item.id)).map((e) => e.item.id);
    if (bounds === undefined) {
      toasts.show(member.id === this.board.selfId() ? 'You have nothing on the board.' : `${member.name} has nothing on the board.`);
      return;
    }
    this.board.select(undefined);
    view.fit(bounds);
    scene.renderNow();
    scene.flash(ids, FLASH_MS);
    toasts.show(ids.length === 1 ? `1 item by ${member.name}.` : `${formatCount(ids.length)} items by ${member.name}.`);
  }
}
