/**
 * The board's keys (when not typing): V, P, E pick a tool, N adds a note, I an image, + / − / 0
 * zoom, Shift+1 fits the content, arrows pan (or nudge the selected item), Delete removes the
 * selected item, Enter edits the selected note, Escape steps back, Space held pans with any tool.
 */
import { panBy } from './camera';
import type { BoardPointer } from './boardPointer';
import type { BoardSurface } from './boardSurface';

/** How far an arrow key pans (Shift: five times as far), in pixels; and nudges an item, in board units. */
const ARROW_PAN_PX = 60;
const NUDGE = 8;

const isEditable = (el: Element | null): boolean =>
  el !== null && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable));

export class BoardKeys {
  constructor(
    private readonly board: BoardSurface,
    private readonly pointer: BoardPointer,
  ) {
    document.addEventListener('keydown', (e) => this.onKeyDown(e));
    document.addEventListener('keyup', (e) => {
      if (e.key === ' ') pointer.setSpace(false);
    });
    window.addEventListener('blur', () => pointer.setSpace(false));
  }

  private onKeyDown(event: KeyboardEvent): void {
    const board = this.board;
    if (board.element.offsetParent === null && board.element.getClientRects().length === 0) return;
    // While time travel shows the past (historyView.ts), no key changes the board now.
    if (board.element.classList.contains('viewing-past')) return;
    const target = event.target as Element;
    const inBoard = target === document.body || board.element.contains(target);
    if (!inBoard || isEditable(target) || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // The item itself, not a button or the scrollable code inside it (those keep their keys).
    const onItem = target.classList.contains('board-item');
    const inItem = target.closest('.board-item') !== null;
    const onSurface = target === board.viewport || target === document.body || onItem;
    const key = event.key;
    const handled = (): void => {
      event.preventDefault();
      event.stopPropagation();
    };
    if (key === ' ') {
      if (!onSurface) return;
      handled();
      if (!event.repeat) this.pointer.setSpace(true);
      return;
    }
    if (key === 'Escape') {
      if (this.pointer.busy) this.pointer.cancel();
      else if (board.tool !== 'select') board.setTool('select');
      else if (board.selected !== undefined) {
        board.select(undefined);
        board.viewport.focus({ preventScroll: true });
      } else return;
      handled();
      return;
    }
    if ((key === 'Delete' || key === 'Backspace') && board.selected !== undefined && (onSurface || inItem || board.selection.contains(target))) {
      handled();
      board.deleteItem(board.selected);
      return;
    }
    if (key === 'Enter' && onItem && board.selected !== undefined) {
      const item = board.model.entries.get(board.selected)?.item;
      if (item?.kind === 'note') {
        handled();
        board.editNote(item.id);
      }
      return;
    }
    if (key.startsWith('Arrow')) {
      if (!onSurface) return;
      handled();
      const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key] ?? [0, 0];
      const [ux, uy] = dir as [number, number];
      const item = board.selected === undefined ? undefined : board.model.entries.get(board.selected)?.item;
      if (onItem && item !== undefined && item.kind !== 'stroke') board.nudge(item, ux * NUDGE * (event.shiftKey ? 8 : 1), uy * NUDGE * (event.shiftKey ? 8 : 1));
      else board.setCamera(panBy(board.camera, -ux * ARROW_PAN_PX * (event.shiftKey ? 5 : 1), -uy * ARROW_PAN_PX * (event.shiftKey ? 5 : 1)));
      return;
    }
    if (event.shiftKey && (event.code === 'Digit1' || key === '!')) {
      handled();
      board.fitContent();
      return;
    }
    const shortcuts: Record<string, () => void> = {
      v: () => board.setTool('select'),
      p: () => board.setTool('pen'),
      e: () => board.setTool('eraser'),
      n: () => board.newNoteInView(),
      i: () => board.chooseImage(),
      '+': () => board.zoomStep(1),
      '=': () => board.zoomStep(1),
      '-': () => board.zoomStep(-1),
      _: () => board.zoomStep(-1),
      '0': () => board.zoomTo(1),
    };
    const run = shortcuts[key.length === 1 ? key.toLowerCase() : key];
    if (run === undefined) return;
    handled();
    run();
  }
}
