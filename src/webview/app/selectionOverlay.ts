/**
 * What shows the selected item, in screen space over the board: a frame around it, a small action
 * bar above it (Edit / Copy for notes, Delete for everything) and, for images, a resize handle. It
 * follows the item as the view moves; the board calls {@link SelectionOverlay.update} every frame.
 */
import type { BoardItem } from '../protocol';
import type { Rect } from './camera';
import { h } from './dom';
import { clamp } from './format';
import { icon } from './icons';
import type { IconName } from './icons';

/** Room between the item and its frame, in pixels. */
const PAD = 4;

export interface SelectionActions {
  edit(id: string): void;
  copy(id: string): void;
  remove(id: string): void;
}

const NOUNS: Record<BoardItem['kind'], string> = { note: 'Note', snippet: 'Snippet', image: 'Image', stroke: 'Drawing' };

export class SelectionOverlay {
  readonly box: HTMLElement;
  readonly actions: HTMLElement;
  readonly resizeHandle: HTMLElement;
  /** The item the action bar was built for (`id:kind`). */
  private builtFor = '';
  private marked: Element | undefined;

  constructor(private readonly handlers: SelectionActions) {
    this.box = h('div', { className: 'selection-box', attrs: { 'aria-hidden': 'true' } });
    this.resizeHandle = h('div', { className: 'resize-handle', attrs: { 'aria-hidden': 'true', title: 'Drag to resize (Shift: free aspect ratio)' } });
    this.actions = h('div', { className: 'item-actions', attrs: { role: 'toolbar', 'aria-label': 'Item actions' } });
    this.box.hidden = true;
    this.resizeHandle.hidden = true;
    this.actions.hidden = true;
  }

  /** The elements to put over the board, in stacking order. */
  get elements(): HTMLElement[] {
    return [this.box, this.resizeHandle, this.actions];
  }

  contains(node: Node | null): boolean {
    return node !== null && (this.actions.contains(node) || node === this.resizeHandle);
  }

  /**
   * Shows the selection of `item`, drawn at `rect` (viewport pixels) by `element` (when mounted), in a
   * viewport of `width` × `height`; hides it for no item or one out of view. The action bar hides
   * while the item is dragged.
   */
  update(item: BoardItem | undefined, rect: Rect | undefined, element: Element | undefined, width: number, height: number, dragging: boolean): void {
    if (element !== this.marked) {
      this.marked?.classList.remove('selected');
      element?.classList.add('selected');
      this.marked = element;
    }
    const onScreen = rect !== undefined && rect.x < width && rect.y < height && rect.x + rect.width > 0 && rect.y + rect.height > 0;
    if (item === undefined || rect === undefined || !onScreen) {
      this.box.hidden = true;
      this.actions.hidden = true;
      this.resizeHandle.hidden = true;
      return;
    }
    this.box.hidden = false;
    this.box.style.transform = `translate(${Math.round(rect.x - PAD)}px, ${Math.round(rect.y - PAD)}px)`;
    this.box.style.width = `${Math.round(rect.width + 2 * PAD)}px`;
    this.box.style.height = `${Math.round(rect.height + 2 * PAD)}px`;
    this.resizeHandle.hidden = item.kind !== 'image';
    if (item.kind === 'image') this.resizeHandle.style.transform = `translate(${Math.round(rect.x + rect.width - 2)}px, ${Math.round(rect.y + rect.height - 2)}px)`;
    if (this.builtFor !== `${item.id}:${item.kind}`) this.build(item);
    this.actions.hidden = dragging;
    if (dragging) return;
    const barWidth = this.actions.offsetWidth;
    const barHeight = this.actions.offsetHeight || 28;
    const x = clamp(rect.x + rect.width - barWidth + PAD, 4, Math.max(4, width - barWidth - 4));
    const above = rect.y - PAD - barHeight - 6;
    const y = above >= 4 ? above : Math.min(height - barHeight - 4, rect.y + rect.height + PAD + 6);
    this.actions.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  private build(item: BoardItem): void {
    this.builtFor = `${item.id}:${item.kind}`;
    const noun = NOUNS[item.kind];
    this.actions.setAttribute('aria-label', `${noun} actions`);
    const button = (label: string, name: IconName, shortcut: string | undefined, run: () => void): HTMLButtonElement => {
      const b = h('button', { className: 'toolbar-button', attrs: { type: 'button', 'aria-label': label, title: shortcut === undefined ? label : `${label} (${shortcut})` } });
      b.append(icon(name));
      b.addEventListener('click', (event) => {
        event.stopPropagation();
        run();
      });
      return b;
    };
    const buttons: HTMLButtonElement[] = [];
    if (item.kind === 'note') {
      buttons.push(button('Edit Note', 'edit', 'Enter', () => this.handlers.edit(item.id)));
      buttons.push(button('Copy Text', 'copy', undefined, () => this.handlers.copy(item.id)));
    }
    buttons.push(button(`Delete ${noun}`, 'trash', 'Delete', () => this.handlers.remove(item.id)));
    this.actions.replaceChildren(...buttons);
  }
}
