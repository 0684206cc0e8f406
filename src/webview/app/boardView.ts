/**
 * The board: a scrollable, pannable surface with notes and code snippets at their board
 * coordinates. Board coordinates may be negative; the surface's top-left corner sits at
 * {@link BoardView.origin}, which grows to the left/top as items appear there.
 *
 * Gestures on the empty surface belong to the select tool for now (drag pans, double-click opens
 * the note editor); drawing and image tools will claim them when they arrive.
 */
import type { BoardItem, SessionView, WebviewToHost } from '../protocol';
import { renderBoardItem } from './boardItems';
import { h } from './dom';
import { clamp } from './format';
import { NoteEditor } from './noteEditor';
import type { ViewStateStore } from './viewState';

/** Items are drawn within ±this many board units; anything further out is drawn at the edge. */
const BOARD_LIMIT = 100_000;
/** Room kept around the content, in board units. */
const PADDING = 200;
/** Extra room past the right/bottom-most item so there is space to add more. */
const TRAILING_ROOM = 800;
/** Size assumed for an item that is not laid out (panel hidden). */
const FALLBACK_ITEM_SIZE = { width: 320, height: 240 };
/** Pointer travel before a press on the background turns into a pan, in pixels. */
const PAN_THRESHOLD_PX = 4;
/** Where "New Note" opens, from the top-left of the visible board, in pixels. */
const NEW_NOTE_OFFSET_PX = 48;

interface Placed {
  item: BoardItem;
  el: HTMLElement;
  /** Board-space bottom-right corner, measured when drawn. */
  right: number;
  bottom: number;
}

interface Pan {
  pointerId: number;
  startX: number;
  startY: number;
  scrollLeft: number;
  scrollTop: number;
  active: boolean;
}

const place = (v: number): number => clamp(v, -BOARD_LIMIT, BOARD_LIMIT);

export class BoardView {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly surface: HTMLElement;
  private readonly emptyHint: HTMLElement;
  private readonly title: HTMLElement;
  private readonly itemCount: HTMLElement;
  private readonly items = new Map<string, Placed>();
  /** Item ids whose long text the user expanded (survives the item being replaced). */
  private readonly expanded = new Set<string>();
  private origin = { x: 0, y: 0 };
  private extent = { right: 0, bottom: 0 };
  private editor: NoteEditor | undefined;
  private pan: Pan | undefined;
  /** The stored scroll position is applied once, when the board is first laid out. */
  private panRestored = false;

  constructor(
    private readonly store: ViewStateStore,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    this.title = h('h1', { className: 'board-title', text: 'Board' });
    this.itemCount = h('span', { className: 'board-count' });
    const newNote = h('button', {
      className: 'button secondary small',
      attrs: { type: 'button', title: 'Add a note (or double-click the board)' },
      text: 'New Note',
    });
    newNote.addEventListener('click', () => this.openEditorInView());
    const toolbar = h(
      'div',
      { className: 'board-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Board' } },
      this.title,
      this.itemCount,
      h('span', { className: 'toolbar-spacer' }),
      h('span', { className: 'hint board-hint', text: 'Double-click the board to add a note' }),
      newNote,
    );

    this.surface = h('div', { className: 'board-surface' });
    this.viewport = h('div', { className: 'board-viewport', attrs: { role: 'region', 'aria-label': 'Board items', tabindex: '0' } }, this.surface);
    this.emptyHint = h(
      'div',
      { className: 'board-empty' },
      h('p', { className: 'board-empty-title', text: 'Nothing on the board yet' }),
      h('p', { text: 'Double-click anywhere to add a note, or share code from an editor with “Team Notes: Share Selection to Board”.' }),
    );
    this.element = h('section', { className: 'board', attrs: { 'aria-label': 'Board' } }, toolbar, h('div', { className: 'board-frame' }, this.viewport, this.emptyHint));

    this.viewport.addEventListener('dblclick', (event) => this.onDoubleClick(event));
    this.viewport.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    this.viewport.addEventListener('pointermove', (event) => this.onPointerMove(event));
    this.viewport.addEventListener('pointerup', (event) => this.endPan(event));
    this.viewport.addEventListener('pointercancel', (event) => this.endPan(event));
    this.viewport.addEventListener('scroll', () => {
      if (this.panRestored) this.store.updatePan({ x: this.viewport.scrollLeft + this.origin.x, y: this.viewport.scrollTop + this.origin.y });
    });
    new ResizeObserver(() => this.layout()).observe(this.viewport);
  }

  setSession(session: SessionView): void {
    this.title.textContent = session.group !== undefined && session.group !== '' ? session.group : 'Board';
  }

  /** Replaces every item (a snapshot). */
  replaceAll(items: readonly BoardItem[]): void {
    for (const placed of this.items.values()) placed.el.remove();
    this.items.clear();
    this.extent = { right: 0, bottom: 0 };
    const fragment = document.createDocumentFragment();
    for (const item of items) {
      const previous = this.items.get(item.id);
      const placed = this.draw(item);
      if (previous !== undefined) previous.el.replaceWith(placed.el);
      else fragment.append(placed.el);
      this.items.set(item.id, placed);
    }
    this.surface.insertBefore(fragment, this.editor?.element ?? null);
    for (const id of this.expanded) if (!this.items.has(id)) this.expanded.delete(id);
    this.measureAll();
    this.layout();
  }

  /** Adds an item, or replaces the one with the same id in place. */
  upsert(item: BoardItem): void {
    const previous = this.items.get(item.id);
    const placed = this.draw(item);
    if (previous !== undefined) {
      const hadFocus = previous.el.contains(document.activeElement);
      previous.el.replaceWith(placed.el);
      if (hadFocus) placed.el.focus({ preventScroll: true });
    } else {
      this.surface.insertBefore(placed.el, this.editor?.element ?? null);
    }
    this.items.set(item.id, placed);
    this.measure(placed);
    this.layout();
  }

  remove(id: string): void {
    const placed = this.items.get(id);
    if (placed === undefined) return;
    placed.el.remove();
    this.items.delete(id);
    this.expanded.delete(id);
    this.layout();
  }

  /** Call when the board becomes visible: sizes depend on layout. */
  shown(): void {
    this.measureAll();
    this.layout();
    const draft = this.store.current.noteDraft;
    if (draft !== null && this.editor === undefined) this.openEditor(draft.x, draft.y, draft.text, false);
  }

  private draw(item: BoardItem): Placed {
    const el = renderBoardItem(item, {
      expanded: this.expanded.has(item.id),
      onToggleExpanded: (expanded) => {
        if (expanded) this.expanded.add(item.id);
        else this.expanded.delete(item.id);
        const placed = this.items.get(item.id);
        if (placed !== undefined) {
          this.measure(placed);
          this.layout();
        }
      },
    });
    const placed: Placed = { item, el, right: place(item.x), bottom: place(item.y) };
    this.position(placed);
    return placed;
  }

  private position(placed: Placed): void {
    placed.el.style.left = `${place(placed.item.x) - this.origin.x}px`;
    placed.el.style.top = `${place(placed.item.y) - this.origin.y}px`;
  }

  private measure(placed: Placed): void {
    const width = placed.el.offsetWidth || FALLBACK_ITEM_SIZE.width;
    const height = placed.el.offsetHeight || FALLBACK_ITEM_SIZE.height;
    placed.right = place(placed.item.x) + width;
    placed.bottom = place(placed.item.y) + height;
  }

  /** One layout pass for all items: read every size after all writes. */
  private measureAll(): void {
    for (const placed of this.items.values()) this.measure(placed);
  }

  /** Fits the origin and the surface to the items, keeping what the user sees where it was. */
  private layout(): void {
    let minX = 0;
    let minY = 0;
    let right = 0;
    let bottom = 0;
    for (const p of this.items.values()) {
      minX = Math.min(minX, place(p.item.x));
      minY = Math.min(minY, place(p.item.y));
      right = Math.max(right, p.right);
      bottom = Math.max(bottom, p.bottom);
    }
    const stored = this.panRestored ? null : this.store.current.pan;
    if (stored !== null) {
      minX = Math.min(minX, place(stored.x));
      minY = Math.min(minY, place(stored.y));
      right = Math.max(right, place(stored.x) + this.viewport.clientWidth);
      bottom = Math.max(bottom, place(stored.y) + this.viewport.clientHeight);
    }
    if (this.editor !== undefined) {
      minX = Math.min(minX, this.editor.x);
      minY = Math.min(minY, this.editor.y);
      right = Math.max(right, this.editor.x + FALLBACK_ITEM_SIZE.width);
      bottom = Math.max(bottom, this.editor.y + FALLBACK_ITEM_SIZE.height);
    }
    const origin = { x: minX < 0 ? Math.floor(minX) - PADDING : 0, y: minY < 0 ? Math.floor(minY) - PADDING : 0 };
    if (origin.x !== this.origin.x || origin.y !== this.origin.y) {
      const dx = this.origin.x - origin.x;
      const dy = this.origin.y - origin.y;
      this.origin = origin;
      for (const p of this.items.values()) this.position(p);
      this.positionEditor();
      this.setSurfaceSize(right, bottom);
      // Once the user has a view, the board point they look at stays where it is on screen.
      if (this.panRestored) {
        this.viewport.scrollLeft += dx;
        this.viewport.scrollTop += dy;
      }
    } else {
      this.setSurfaceSize(right, bottom);
    }
    this.emptyHint.hidden = this.items.size > 0 || this.editor !== undefined;
    this.itemCount.textContent = this.items.size === 0 ? '' : this.items.size === 1 ? '1 item' : `${this.items.size} items`;
    this.restorePan();
  }

  private setSurfaceSize(right: number, bottom: number): void {
    const width = Math.max(right, this.extent.right) - this.origin.x + TRAILING_ROOM;
    const height = Math.max(bottom, this.extent.bottom) - this.origin.y + TRAILING_ROOM;
    this.extent = { right, bottom };
    this.surface.style.width = `${Math.ceil(width)}px`;
    this.surface.style.height = `${Math.ceil(height)}px`;
  }

  private restorePan(): void {
    if (this.panRestored || this.viewport.clientWidth === 0) return;
    this.panRestored = true;
    const pan = this.store.current.pan;
    if (pan === null) return;
    this.viewport.scrollLeft = place(pan.x) - this.origin.x;
    this.viewport.scrollTop = place(pan.y) - this.origin.y;
  }

  /** Board coordinates of a point on screen. */
  private boardPoint(clientX: number, clientY: number): { x: number; y: number } {
    const rect = this.surface.getBoundingClientRect();
    return { x: Math.round(clientX - rect.left + this.origin.x), y: Math.round(clientY - rect.top + this.origin.y) };
  }

  private onDoubleClick(event: MouseEvent): void {
    const target = event.target as Element | null;
    if (target === null || target.closest('.board-item, .note-editor') !== null) return;
    event.preventDefault();
    const { x, y } = this.boardPoint(event.clientX, event.clientY);
    this.openEditor(x, y, '', true);
  }

  private openEditorInView(): void {
    this.openEditor(this.viewport.scrollLeft + this.origin.x + NEW_NOTE_OFFSET_PX, this.viewport.scrollTop + this.origin.y + NEW_NOTE_OFFSET_PX, '', true);
  }

  private openEditor(x: number, y: number, text: string, save: boolean): void {
    if (this.editor !== undefined) {
      // Typed text is never thrown away by a stray double-click: focus the open editor instead.
      if (this.editor.text.trim() !== '') {
        this.editor.element.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        this.editor.focus();
        return;
      }
      this.closeEditor();
    }
    const editor: NoteEditor = new NoteEditor(x, y, text, {
      submit: (value) => {
        this.post({ type: 'addNote', text: value, x: editor.x, y: editor.y });
        this.closeEditor(editor);
      },
      cancel: () => this.closeEditor(editor),
      change: (value) => this.store.update({ noteDraft: { text: value, x: editor.x, y: editor.y } }),
    });
    this.editor = editor;
    this.surface.append(editor.element);
    this.positionEditor();
    if (save) this.store.update({ noteDraft: { text, x, y } });
    this.layout();
    editor.element.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    editor.focus();
  }

  private positionEditor(): void {
    if (this.editor === undefined) return;
    this.editor.element.style.left = `${this.editor.x - this.origin.x}px`;
    this.editor.element.style.top = `${this.editor.y - this.origin.y}px`;
  }

  /** Closes the open editor (only `which`, when given: a late blur must not close a newer one). */
  private closeEditor(which?: NoteEditor): void {
    const editor = this.editor;
    if (editor === undefined || (which !== undefined && which !== editor)) return;
    this.editor = undefined;
    const hadFocus = editor.element.contains(document.activeElement);
    editor.element.remove();
    this.store.update({ noteDraft: null });
    this.layout();
    if (hadFocus) this.viewport.focus({ preventScroll: true });
  }

  private onPointerDown(event: PointerEvent): void {
    const target = event.target as Element | null;
    const onBackground = target === this.viewport || target === this.surface;
    if (!(event.button === 1 || (event.button === 0 && onBackground))) return;
    if (event.button === 1) event.preventDefault();
    this.pan = {
      pointerId: event.pointerId,
      startX: event.clientX,
      startY: event.clientY,
      scrollLeft: this.viewport.scrollLeft,
      scrollTop: this.viewport.scrollTop,
      active: false,
    };
  }

  private onPointerMove(event: PointerEvent): void {
    const pan = this.pan;
    if (pan === undefined || event.pointerId !== pan.pointerId) return;
    const dx = event.clientX - pan.startX;
    const dy = event.clientY - pan.startY;
    if (!pan.active) {
      if (Math.hypot(dx, dy) < PAN_THRESHOLD_PX) return;
      pan.active = true;
      window.getSelection()?.removeAllRanges();
      this.viewport.setPointerCapture(event.pointerId);
      this.viewport.classList.add('panning');
    }
    this.viewport.scrollLeft = pan.scrollLeft - dx;
    this.viewport.scrollTop = pan.scrollTop - dy;
  }

  private endPan(event: PointerEvent): void {
    const pan = this.pan;
    if (pan === undefined || event.pointerId !== pan.pointerId) return;
    this.pan = undefined;
    if (pan.active) {
      this.viewport.classList.remove('panning');
      if (this.viewport.hasPointerCapture(event.pointerId)) this.viewport.releasePointerCapture(event.pointerId);
    }
  }
}
