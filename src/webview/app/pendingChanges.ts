/**
 * What the user changed on the board and posted, shown before the host's echo: a moved or resized
 * item stays where it was dropped and a deleted one stays hidden, each for a few seconds at most
 * (see `PENDING_MS` in boardModel.ts); arrow-key nudges are posted once the keys rest.
 */
import { BOARD_EXTENT } from '../../board/limits';
import type { BoardItem, WebviewToHost } from '../protocol';
import type { BoardModel } from './boardModel';
import type { BoardScene } from './boardScene';
import { clamp } from './format';

/** A nudge is posted once the keys rest this long, in ms. */
const NUDGE_POST_MS = 400;

export class PendingChanges {
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private nudgeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly model: BoardModel,
    private readonly scene: BoardScene,
    private readonly post: (message: WebviewToHost) => void,
  ) {}

  /** Posts the delete and hides the item until the echo; false when it is gone or going already. */
  delete(id: string): boolean {
    if (!this.model.entries.has(id) || this.model.isDeleting(id)) return false;
    this.post({ type: 'deleteItem', id });
    this.model.setPendingDelete(id, Date.now());
    this.scene.invalidate();
    this.scheduleExpiry();
    return true;
  }

  /** Posts a move (and, for an image, a resize) and shows it until the echo. */
  move(id: string, x: number, y: number, size?: { width: number; height: number }): void {
    const move = { x: Math.round(clamp(x, -BOARD_EXTENT, BOARD_EXTENT)), y: Math.round(clamp(y, -BOARD_EXTENT, BOARD_EXTENT)) };
    const entry = this.model.entries.get(id);
    if (entry === undefined) return;
    if (size === undefined && move.x === entry.item.x && move.y === entry.item.y) {
      this.model.cancelMove(id);
      this.scene.applyPending(id);
      return;
    }
    if (size !== undefined) {
      const sized = { width: Math.round(size.width), height: Math.round(size.height) };
      this.model.setPendingMove(id, { ...move, ...sized }, Date.now());
      this.post({ type: 'moveItem', id, ...move, ...sized });
    } else {
      this.model.setPendingMove(id, move, Date.now());
      this.post({ type: 'moveItem', id, ...move });
    }
    this.scene.applyPending(id);
    this.scheduleExpiry();
  }

  /** Moves an item by a board distance at once, and posts the move once the keys rest. */
  nudge(item: BoardItem, dx: number, dy: number): void {
    const move = this.model.pendingMove(item.id);
    const x = (move?.x ?? item.x) + dx;
    const y = (move?.y ?? item.y) + dy;
    this.model.previewMove(item.id, { x, y });
    this.scene.applyPending(item.id);
    if (this.nudgeTimer !== undefined) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      this.move(item.id, x, y);
    }, NUDGE_POST_MS);
  }

  /** Drops what waited too long for its echo, when the next of them is due. */
  scheduleExpiry(): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const next = this.model.nextExpiry();
    if (next === undefined) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      for (const id of this.model.expire(Date.now())) this.scene.applyPending(id);
      this.scene.invalidate();
      this.scheduleExpiry();
    }, Math.max(0, next - Date.now()) + 10);
  }
}
