/**
 * The board: a pannable, zoomable surface with notes, snippet cards, images and strokes at their
 * board coordinates, the toolbar above it, and the gestures that turn into messages for the host.
 *
 * The board never adds, changes or removes an item itself: it posts what the user did and draws
 * what the host echoes. Two things show before the echo so that the board feels direct: a dragged
 * item stays where it was dropped, and a deleted one stays hidden (both for a few seconds at most,
 * see `PENDING_MS` in boardModel.ts); a drawn stroke stays as ink until its item arrives.
 *
 * Gestures: with the select tool, dragging an item moves it and dragging the empty board pans;
 * Space+drag, the middle button and the wheel pan with any tool; Ctrl/Cmd+wheel and a two-finger
 * pinch zoom around the pointer. Keys (when not typing): V, P, E pick a tool, N adds a note, I an
 * image, + / − / 0 zoom, Shift+1 fits the content, arrows pan (or nudge the selected item), Delete
 * removes the selected item, Enter edits the selected note, Escape steps back.
 */
import { BOARD_EXTENT, MAX_ITEM_SIZE } from '../../board/limits';
import type { BoardItem, SessionView, WebviewToHost } from '../protocol';
import { BoardModel } from './boardModel';
import { BoardScene, OVERVIEW_ZOOM } from './boardScene';
import { MAX_ZOOM, MIN_ZOOM, boardToScreen, contains, fitRect, panBy, sanitizeCamera, screenToBoard, stepZoom, visibleRect, zoomAround } from './camera';
import type { Camera } from './camera';
import { h } from './dom';
import { clamp, formatCount } from './format';
import { icon } from './icons';
import { ImageInput } from './imageInput';
import { InkLayer } from './inkLayer';
import { NoteEditor } from './noteEditor';
import { SecurityBadge } from './securityBadge';
import { SelectionOverlay } from './selectionOverlay';
import { Toasts } from './toast';
import { BoardToolbar } from './toolbar';
import type { NoteDraft, NoteStyle, PenStyle, Tool, ViewStateStore } from './viewState';

/** Pointer travel before a press turns into a drag or a pan, in pixels. */
const DRAG_THRESHOLD_PX = 4;
/** Room around the content when fitting it into view, in pixels. */
const FIT_PADDING_PX = 48;
/** Room left of and above the content in a first view, in board units. */
const FIRST_VIEW_PADDING = 40;
/** How far an arrow key pans (Shift: five times as far), in pixels; and nudges an item, in board units. */
const ARROW_PAN_PX = 60;
const NUDGE = 8;
/** A nudge is posted once the keys rest this long, in ms. */
const NUDGE_POST_MS = 400;
/** The eraser's reach around the pointer, in pixels. */
const ERASER_RADIUS_PX = 8;
/** Smallest image size a resize allows, in board units. */
const MIN_IMAGE_SIZE = 16;
/** How long a revealed item is highlighted, in ms. */
const FLASH_MS = 1600;
/** A reveal for an item that has not arrived yet waits this long for it, in ms. */
const REVEAL_WAIT_MS = 5000;
/** Dot grid spacing in board units, and the closest the dots may come on screen, in pixels. */
const GRID_UNITS = 24;
const MIN_GRID_PX = 12;
const mod = (a: number, n: number): number => ((a % n) + n) % n;
/** Wheel zoom speed: zoom factor per pixel of wheel delta. */
const WHEEL_ZOOM_SPEED = 0.0022;

type Gesture =
  | { kind: 'pan'; pointerId: number; startX: number; startY: number; camera: Camera; active: boolean }
  | { kind: 'drag'; pointerId: number; id: string; startX: number; startY: number; origin: { x: number; y: number }; active: boolean }
  | { kind: 'resize'; pointerId: number; id: string; startX: number; startY: number; origin: { x: number; y: number; width: number; height: number } }
  | { kind: 'draw'; pointerId: number }
  | { kind: 'erase'; pointerId: number; erased: Set<string> }
  | { kind: 'pinch'; startDistance: number; startMid: { x: number; y: number }; camera: Camera };

const isEditable = (el: Element | null): boolean =>
  el !== null && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable));

const isControl = (el: Element | null): boolean => el !== null && el.closest('button, a, input, textarea, select, label, [role="button"]') !== null;

export class BoardView {
  readonly element: HTMLElement;
  private readonly model = new BoardModel();
  private readonly scene: BoardScene;
  private readonly ink = new InkLayer();
  private readonly toolbar: BoardToolbar;
  private readonly toasts = new Toasts();
  private readonly viewport: HTMLElement;
  private readonly title: HTMLElement;
  private readonly security = new SecurityBadge();
  private readonly itemCount: HTMLElement;
  private readonly emptyHint: HTMLElement;
  private readonly dropHint: HTMLElement;
  private readonly images: ImageInput;
  private readonly selection: SelectionOverlay;
  private readonly eraserRing: HTMLElement;
  private readonly grid: HTMLElement;
  private gridCell = 0;
  private camera: Camera = { x: 0, y: 0, zoom: 1 };
  /** The first camera is set once the board has a size and content (from the stored view or the content). */
  private viewReady = false;
  private tool: Tool;
  private pen: PenStyle;
  private selected: string | undefined;
  private hoverErase: Element | undefined;
  private gesture: Gesture | undefined;
  private readonly touches = new Map<number, { x: number; y: number }>();
  private spaceHeld = false;
  /** The pointer's last position over the board, in viewport pixels (where a paste lands). */
  private pointer: { x: number; y: number } | undefined;
  private editor: NoteEditor | undefined;
  private selfId: string | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private nudgeTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingReveal: { id: string; until: number } | undefined;

  constructor(
    private readonly store: ViewStateStore,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    this.tool = store.current.tool;
    this.pen = { ...store.current.pen };
    this.scene = new BoardScene(this.model, {
      open: (id) => this.post({ type: 'openSnippet', id }),
      copy: (id) => this.copy(id),
      afterRender: () => this.afterRender(),
    });

    this.title = h('h1', { className: 'board-title', text: 'Board' });
    this.itemCount = h('span', { className: 'board-count', attrs: { 'aria-live': 'off' } });
    this.toolbar = new BoardToolbar({
      tool: (tool) => this.setTool(tool),
      pen: (pen) => this.setPen(pen),
      newNote: () => this.newNoteInView(),
      addImage: () => this.images.choose(),
      zoomIn: () => this.zoomStep(1),
      zoomOut: () => this.zoomStep(-1),
      zoomReset: () => this.zoomTo(1),
      fit: () => this.fitContent(),
    });
    this.selection = new SelectionOverlay({ edit: (id) => this.editNote(id), copy: (id) => this.copy(id), remove: (id) => this.deleteItem(id) });
    this.dropHint = h('div', { className: 'board-drop', attrs: { 'aria-hidden': 'true' } }, icon('image', 'icon board-drop-icon'), h('span', { text: 'Drop PNG, JPEG or GIF images to add them to the board' }));
    this.dropHint.hidden = true;
    const hintId = 'board-keys-hint';
    this.eraserRing = h('div', { className: 'eraser-ring', attrs: { 'aria-hidden': 'true' } });
    this.eraserRing.hidden = true;
    this.grid = h('div', { className: 'board-grid', attrs: { 'aria-hidden': 'true' } });
    this.viewport = h(
      'div',
      {
        className: 'board-viewport',
        attrs: { role: 'region', 'aria-label': 'Board items', 'aria-roledescription': 'board', 'aria-describedby': hintId, tabindex: '0' },
      },
      this.grid,
      this.scene.overview,
      this.scene.world,
      this.ink.canvas,
      ...this.selection.elements,
      this.eraserRing,
    );
    this.images = new ImageInput(this.viewport, this.dropHint, {
      post: (message) => this.post(message),
      toasts: this.toasts,
      visible: () => this.element.getClientRects().length > 0,
      boardPoint: (event) => this.boardPoint(event),
      pastePoint: () => (this.pointer !== undefined ? screenToBoard(this.camera, this.pointer.x, this.pointer.y) : this.viewCentre()),
    });
    const header = h('div', { className: 'board-header' }, h('div', { className: 'board-heading' }, this.title, this.security.element, this.itemCount), this.toolbar.element, this.images.fileInput);
    this.emptyHint = h(
      'div',
      { className: 'board-empty' },
      h('p', { className: 'board-empty-title', text: 'Nothing on the board yet' }),
      h('p', { text: 'Double-click to add a note, paste or drop an image, or press P to draw. Share code from an editor with “Team Notes: Share Selection to Board”.' }),
    );
    const keysHint = h('p', {
      className: 'visually-hidden',
      attrs: { id: hintId },
      text: 'Arrow keys pan, plus and minus zoom, Shift+1 fits everything in view. V selects, P draws, E erases, N adds a note. On an item: Enter edits a note, Delete removes it, arrow keys move it.',
    });
    this.element = h(
      'section',
      { className: 'board', attrs: { 'aria-label': 'Board' } },
      header,
      h('div', { className: 'board-frame' }, this.viewport, this.emptyHint, this.dropHint, this.toasts.element, keysHint),
    );

    this.viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.viewport.addEventListener('pointerup', (e) => this.onPointerUp(e, false));
    this.viewport.addEventListener('pointercancel', (e) => this.onPointerUp(e, true));
    this.viewport.addEventListener('pointerleave', () => {
      this.pointer = undefined;
      this.eraserRing.hidden = true;
      this.markEraseTarget(undefined);
    });
    this.viewport.addEventListener('lostpointercapture', (e) => {
      if (this.gesture !== undefined && 'pointerId' in this.gesture && this.gesture.pointerId === e.pointerId) this.onPointerUp(e, false);
    });
    this.viewport.addEventListener('dblclick', (e) => this.onDoubleClick(e));
    this.viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.viewport.addEventListener('focusin', (e) => {
      const item = (e.target as Element).closest<HTMLElement | SVGSVGElement>('.board-item');
      const id = item?.dataset.id;
      if (id !== undefined && id !== this.selected) this.select(id);
    });
    this.selection.resizeHandle.addEventListener('pointerdown', (e) => this.onResizeDown(e));
    document.addEventListener('keydown', (e) => this.onKeyDown(e));
    document.addEventListener('keyup', (e) => {
      if (e.key === ' ') this.setSpace(false);
    });
    window.addEventListener('blur', () => this.setSpace(false));
    new ResizeObserver(() => this.layout()).observe(this.viewport);

    this.toolbar.setTool(this.tool);
    this.toolbar.setPen(this.pen);
    this.toolbar.setZoom(this.camera.zoom, MIN_ZOOM, MAX_ZOOM);
    this.applyToolClass();
  }

  // ---- From the host -----------------------------------------------------------------------

  setSession(session: SessionView): void {
    this.title.textContent = session.group !== undefined && session.group !== '' ? session.group : 'Board';
    this.security.render(session);
    this.selfId = session.self?.id;
  }

  /** Replaces every item (a snapshot). */
  replaceAll(items: readonly BoardItem[]): void {
    this.model.replaceAll(items);
    this.scene.reset();
    if (this.selected !== undefined && !this.model.entries.has(this.selected)) this.select(undefined);
    if (this.editor?.id !== undefined && !this.model.entries.has(this.editor.id)) this.closeEditor();
    this.updateCount();
    this.layout();
    this.scene.renderNow();
  }

  /** Adds an item, or replaces the one with the same id. */
  upsert(item: BoardItem): void {
    const previous = this.model.upsert(item);
    this.scene.changed(item, previous?.item);
    if (item.kind === 'stroke' && (this.selfId === undefined || item.author.id === this.selfId)) this.ink.echoed(item);
    if (previous === undefined) this.updateCount();
    if (this.pendingReveal?.id === item.id) {
      const wait = this.pendingReveal;
      this.pendingReveal = undefined;
      if (wait.until > Date.now()) this.reveal(item.id);
    }
    this.scheduleExpiry();
  }

  remove(id: string): void {
    const entry = this.model.remove(id);
    this.scene.removed(id);
    if (entry === undefined) return;
    if (this.selected === id) this.select(undefined);
    if (this.editor?.id === id) {
      this.closeEditor();
      this.toasts.show('The note you were editing was deleted.', 'error');
    }
    this.updateCount();
  }

  /** Call when the board becomes visible: its size depends on layout. */
  shown(): void {
    this.layout();
    this.scene.renderNow();
    const draft = this.store.current.noteDraft;
    if (draft !== null && this.editor === undefined && (draft.id === undefined || this.model.entries.has(draft.id))) this.openEditor(draft, false);
  }

  /** Brings an item into view and selects it. */
  /** Shows a failed board action (reported by the host) as a toast on the board. */
  showError(message: string): void {
    this.toasts.show(message, 'error');
  }

  reveal(id: string): void {
    const entry = this.model.entries.get(id);
    if (entry === undefined) {
      this.pendingReveal = { id, until: Date.now() + REVEAL_WAIT_MS };
      return;
    }
    const b = entry.bounds;
    const { width, height } = this.size();
    if (width > 0 && height > 0) {
      const view = visibleRect(this.camera, width, height);
      if (!contains(view, b) || this.camera.zoom < OVERVIEW_ZOOM) {
        // Zoomed out: in to at most 100%; zoomed in: no further than now.
        this.setCamera(fitRect(b, width, height, FIT_PADDING_PX, Math.max(1, this.camera.zoom)));
      }
    }
    this.select(id);
    this.scene.renderNow();
    const el = this.scene.element(id);
    if (el !== undefined) {
      el.focus({ preventScroll: true });
      el.classList.add('flash');
      setTimeout(() => el.classList.remove('flash'), FLASH_MS);
    }
  }

  // ---- Camera ------------------------------------------------------------------------------

  private size(): { width: number; height: number } {
    return { width: this.viewport.clientWidth, height: this.viewport.clientHeight };
  }

  private layout(): void {
    const { width, height } = this.size();
    this.scene.resize(width, height);
    if (!this.viewReady && width > 0 && height > 0) {
      this.viewReady = true;
      const stored = this.store.current.view;
      if (stored !== null) this.setCamera(sanitizeCamera(stored), false);
      else {
        // A first look starts at the top-left of the content (or the board origin), at 100%.
        const bounds = this.model.contentBounds();
        const x = bounds === undefined ? 0 : Math.min(0, Math.floor(bounds.x) - FIRST_VIEW_PADDING);
        const y = bounds === undefined ? 0 : Math.min(0, Math.floor(bounds.y) - FIRST_VIEW_PADDING);
        this.setCamera({ x, y, zoom: 1 }, false);
      }
    }
    this.scene.invalidate();
  }

  private setCamera(camera: Camera, save = true): void {
    const next = sanitizeCamera(camera);
    this.camera = next;
    this.scene.setCamera(next);
    this.toolbar.setZoom(next.zoom, MIN_ZOOM, MAX_ZOOM);
    if (save) this.store.updateView(next);
  }

  private zoomStep(direction: 1 | -1, at?: { x: number; y: number }): void {
    this.zoomTo(stepZoom(this.camera.zoom, direction), at);
  }

  private zoomTo(zoom: number, at?: { x: number; y: number }): void {
    const { width, height } = this.size();
    const p = at ?? { x: width / 2, y: height / 2 };
    this.setCamera(zoomAround(this.camera, zoom, p.x, p.y));
  }

  private fitContent(): void {
    const bounds = this.model.contentBounds();
    const { width, height } = this.size();
    if (bounds === undefined || width === 0) {
      this.setCamera({ x: 0, y: 0, zoom: 1 });
      return;
    }
    this.setCamera(fitRect(bounds, width, height, FIT_PADDING_PX, 1));
  }

  private viewCentre(): { x: number; y: number } {
    const { width, height } = this.size();
    return screenToBoard(this.camera, width / 2, height / 2);
  }

  /** Viewport pixels of a pointer or mouse event. */
  private local(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const rect = this.viewport.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  private boardPoint(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const p = this.local(event);
    return screenToBoard(this.camera, p.x, p.y);
  }

  // ---- Drawing overlays --------------------------------------------------------------------

  private afterRender(): void {
    const { width, height } = this.size();
    this.ink.render(this.camera, width, height, Date.now());
    this.positionGrid(width, height);
    this.positionSelection();
    this.positionEditor();
    this.emptyHint.hidden = this.model.size > 0 || this.editor !== undefined;
  }

  /** The dot grid: every 24 board units, coarser when zoomed out so that it never gets dense. */
  private positionGrid(width: number, height: number): void {
    let cell = GRID_UNITS * this.camera.zoom;
    while (cell < MIN_GRID_PX) cell *= 4;
    if (Math.abs(cell - this.gridCell) > 1e-3) {
      this.gridCell = cell;
      this.grid.style.backgroundSize = `${cell}px ${cell}px`;
    }
    const w = `${Math.ceil(width + 2 * cell)}px`;
    const hgt = `${Math.ceil(height + 2 * cell)}px`;
    if (this.grid.style.width !== w) this.grid.style.width = w;
    if (this.grid.style.height !== hgt) this.grid.style.height = hgt;
    const ox = mod(-this.camera.x * this.camera.zoom, cell) - cell;
    const oy = mod(-this.camera.y * this.camera.zoom, cell) - cell;
    this.grid.style.transform = `translate(${ox.toFixed(2)}px, ${oy.toFixed(2)}px)`;
  }

  private positionSelection(): void {
    const id = this.selected;
    const { width, height } = this.size();
    this.selection.update(
      id === undefined ? undefined : this.model.entries.get(id)?.item,
      id === undefined ? undefined : this.scene.screenRect(id),
      id === undefined ? undefined : this.scene.element(id),
      width,
      height,
      this.gesture?.kind === 'drag' || this.gesture?.kind === 'resize',
    );
  }

  private positionEditor(): void {
    const editor = this.editor;
    if (editor === undefined) return;
    const p = boardToScreen(this.camera, editor.x, editor.y);
    const { width, height } = this.size();
    const w = editor.element.offsetWidth || 300;
    const hgt = editor.element.offsetHeight || 160;
    const x = clamp(p.x, 4, Math.max(4, width - w - 4));
    const y = clamp(p.y, 4, Math.max(4, height - hgt - 4));
    editor.element.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  private updateCount(): void {
    const n = this.model.size;
    this.itemCount.textContent = n === 0 ? '' : n === 1 ? '1 item' : `${formatCount(n)} items`;
    this.emptyHint.hidden = n > 0 || this.editor !== undefined;
  }

  // ---- Tools -------------------------------------------------------------------------------

  private setTool(tool: Tool): void {
    if (this.ink.drawing) this.ink.cancel();
    this.tool = tool;
    this.store.update({ tool });
    this.toolbar.setTool(tool);
    this.applyToolClass();
    this.markEraseTarget(undefined);
    this.eraserRing.hidden = true;
  }

  private setPen(pen: Partial<PenStyle>): void {
    this.pen = { ...this.pen, ...pen };
    this.store.update({ pen: this.pen });
    this.toolbar.setPen(this.pen);
  }

  private applyToolClass(): void {
    this.viewport.classList.toggle('tool-pen', this.tool === 'pen');
    this.viewport.classList.toggle('tool-eraser', this.tool === 'eraser');
    this.viewport.classList.toggle('tool-select', this.tool === 'select');
  }

  private setSpace(on: boolean): void {
    this.spaceHeld = on;
    this.viewport.classList.toggle('hand', on);
  }

  private select(id: string | undefined): void {
    if (id === this.selected) return;
    this.scene.pin(this.selected, false);
    this.selected = id;
    this.scene.pin(id, true);
    this.scene.invalidate();
    this.positionSelection();
  }

  // ---- Item actions ------------------------------------------------------------------------

  private copy(id: string): void {
    this.post({ type: 'copyText', id });
    this.toasts.show('Copied to the clipboard.');
  }

  private deleteItem(id: string): void {
    if (!this.model.entries.has(id) || this.model.isDeleting(id)) return;
    this.post({ type: 'deleteItem', id });
    this.model.setPendingDelete(id, Date.now());
    if (this.selected === id) {
      const hadFocus = this.scene.element(id)?.contains(document.activeElement) === true || this.selection.contains(document.activeElement);
      this.select(undefined);
      if (hadFocus) this.viewport.focus({ preventScroll: true });
    }
    this.scene.invalidate();
    this.scheduleExpiry();
  }

  private moveItem(id: string, x: number, y: number, size?: { width: number; height: number }): void {
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

  private scheduleExpiry(): void {
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

  // ---- Notes -------------------------------------------------------------------------------

  private newNoteInView(): void {
    const c = this.viewCentre();
    this.openEditor({ ...this.store.current.noteStyle, text: '', x: Math.round(c.x - 140), y: Math.round(c.y - 60) }, true);
  }

  private editNote(id: string): void {
    const item = this.model.entries.get(id)?.item;
    if (item?.kind !== 'note') return;
    const move = this.model.pendingMove(id);
    this.openEditor({ text: item.text, x: move?.x ?? item.x, y: move?.y ?? item.y, font: item.font, size: item.size, colour: item.colour, id }, true);
  }

  private openEditor(draft: NoteDraft, save: boolean): void {
    if (this.editor !== undefined) {
      // Typed text is never thrown away by a stray double-click: focus the open editor instead.
      if (this.editor.text.trim() !== '' && this.editor.id === undefined) {
        this.editor.focus();
        return;
      }
      this.closeEditor();
    }
    const style: NoteStyle = { font: draft.font, size: draft.size, colour: draft.colour };
    const editor: NoteEditor = new NoteEditor(
      { x: draft.x, y: draft.y, text: draft.text, style, id: draft.id },
      {
        submit: (text, chosen) => this.submitNote(editor, text, chosen),
        cancel: () => this.closeEditor(editor),
        change: (text, chosen) => this.store.update({ noteDraft: this.draftOf(editor, text, chosen) }),
      },
    );
    this.editor = editor;
    this.viewport.append(editor.element);
    if (save) this.store.update({ noteDraft: this.draftOf(editor, draft.text, style) });
    this.emptyHint.hidden = true;
    this.positionEditor();
    editor.focus();
  }

  private draftOf(editor: NoteEditor, text: string, style: NoteStyle): NoteDraft {
    const draft: NoteDraft = { text, x: editor.x, y: editor.y, ...style };
    if (editor.id !== undefined) draft.id = editor.id;
    return draft;
  }

  private submitNote(editor: NoteEditor, text: string, style: NoteStyle): void {
    if (editor.id === undefined) {
      this.post({ type: 'addNote', text, x: Math.round(editor.x), y: Math.round(editor.y), font: style.font, size: style.size, colour: style.colour });
      this.store.update({ noteStyle: style });
    } else {
      const item = this.model.entries.get(editor.id)?.item;
      if (item?.kind === 'note') {
        const change: Extract<WebviewToHost, { type: 'editNote' }> = { type: 'editNote', id: item.id };
        if (text !== item.text) change.text = text;
        if (style.font !== item.font) change.font = style.font;
        if (style.size !== item.size) change.size = style.size;
        if (style.colour.toLowerCase() !== item.colour.toLowerCase()) change.colour = style.colour;
        if (Object.keys(change).length > 2) this.post(change);
        this.store.update({ noteStyle: style });
      }
    }
    this.closeEditor(editor);
  }

  /** Closes the open editor (only `which`, when given: a late blur must not close a newer one). */
  private closeEditor(which?: NoteEditor): void {
    const editor = this.editor;
    if (editor === undefined || (which !== undefined && which !== editor)) return;
    this.editor = undefined;
    const hadFocus = editor.element.contains(document.activeElement);
    editor.element.remove();
    this.store.update({ noteDraft: null });
    this.emptyHint.hidden = this.model.size > 0;
    if (hadFocus) {
      const el = editor.id === undefined ? undefined : this.scene.element(editor.id);
      (el ?? this.viewport).focus({ preventScroll: true });
    }
  }

  // ---- Pointer gestures --------------------------------------------------------------------

  private onPointerDown(event: PointerEvent): void {
    const target = event.target as Element;
    if (this.editor?.element.contains(target) || this.selection.contains(target)) return;
    if (event.pointerType === 'touch') {
      this.touches.set(event.pointerId, this.local(event));
      if (this.touches.size === 2) {
        this.cancelGesture();
        const [a, b] = [...this.touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
        this.gesture = { kind: 'pinch', startDistance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), startMid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, camera: this.camera };
        return;
      }
      if (this.touches.size > 2) return;
    }
    if (this.gesture !== undefined) return;
    const p = this.local(event);
    if (event.button === 1 || (event.button === 0 && this.spaceHeld)) {
      event.preventDefault();
      this.startPan(event, p);
      return;
    }
    if (event.button !== 0) return;
    if (this.tool === 'pen') {
      event.preventDefault();
      const b = screenToBoard(this.camera, p.x, p.y);
      this.select(undefined);
      this.ink.begin(b.x, b.y, this.pen.colour, this.pen.width);
      this.gesture = { kind: 'draw', pointerId: event.pointerId };
      this.capture(event.pointerId);
      this.viewport.focus({ preventScroll: true });
      this.scene.invalidate();
      return;
    }
    if (this.tool === 'eraser') {
      event.preventDefault();
      this.select(undefined);
      this.gesture = { kind: 'erase', pointerId: event.pointerId, erased: new Set() };
      this.capture(event.pointerId);
      this.viewport.focus({ preventScroll: true });
      this.eraseAt(p);
      return;
    }
    // The select tool. Buttons, links, fields and scrollbars inside items keep their own clicks.
    if (isControl(target) || onScrollbar(target, event)) return;
    const itemEl = target.closest<HTMLElement | SVGSVGElement>('.board-item');
    let id = itemEl?.dataset.id;
    if (id === undefined && this.scene.mode === 'overview') {
      const b = screenToBoard(this.camera, p.x, p.y);
      id = this.model.hitTest(b.x, b.y, 2 / this.camera.zoom)?.item.id;
    }
    if (id !== undefined) {
      const entry = this.model.entries.get(id);
      if (entry === undefined) return;
      this.select(id);
      if (this.scene.mode === 'overview') this.viewport.focus({ preventScroll: true });
      if (entry.item.kind === 'stroke') return;
      const move = this.model.pendingMove(id);
      this.gesture = { kind: 'drag', pointerId: event.pointerId, id, startX: p.x, startY: p.y, origin: { x: move?.x ?? entry.item.x, y: move?.y ?? entry.item.y }, active: false };
      return;
    }
    this.select(undefined);
    this.startPan(event, p);
  }

  /** Keeps a gesture's pointer events coming here (a pointer may already be gone, which is fine). */
  /**
   * A press becomes a pan or a drag only once the pointer has moved past the drag threshold (so a
   * click stays a click). Returns false until then.
   */
  private startGesture(g: { active: boolean }, dx: number, dy: number, pointerId: number, className: string): boolean {
    if (Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return false;
    g.active = true;
    window.getSelection()?.removeAllRanges();
    this.capture(pointerId);
    this.viewport.classList.add(className);
    return true;
  }

  private capture(pointerId: number): void {
    try {
      this.viewport.setPointerCapture(pointerId);
    } catch {
      // No active pointer with that id: the gesture still ends on pointerup or pointercancel.
    }
  }

  private startPan(event: PointerEvent, p: { x: number; y: number }): void {
    this.gesture = { kind: 'pan', pointerId: event.pointerId, startX: p.x, startY: p.y, camera: this.camera, active: false };
  }

  private onResizeDown(event: PointerEvent): void {
    const id = this.selected;
    const item = id === undefined ? undefined : this.model.entries.get(id)?.item;
    if (event.button !== 0 || item?.kind !== 'image') return;
    event.preventDefault();
    event.stopPropagation();
    const p = this.local(event);
    const move = this.model.pendingMove(item.id);
    this.gesture = {
      kind: 'resize',
      pointerId: event.pointerId,
      id: item.id,
      startX: p.x,
      startY: p.y,
      origin: { x: move?.x ?? item.x, y: move?.y ?? item.y, width: move?.width ?? item.width, height: move?.height ?? item.height },
    };
    this.capture(event.pointerId);
  }

  private onPointerMove(event: PointerEvent): void {
    const p = this.local(event);
    this.pointer = p;
    if (event.pointerType === 'touch' && this.touches.has(event.pointerId)) this.touches.set(event.pointerId, p);
    const g = this.gesture;
    if (g === undefined) {
      if (this.tool === 'eraser') this.hoverEraser(p);
      return;
    }
    if (g.kind === 'pinch') {
      if (this.touches.size < 2) return;
      const [a, b] = [...this.touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
      const distance = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const zoomed = zoomAround(g.camera, g.camera.zoom * (distance / g.startDistance), g.startMid.x, g.startMid.y);
      this.setCamera(panBy(zoomed, mid.x - g.startMid.x, mid.y - g.startMid.y));
      return;
    }
    if (g.pointerId !== event.pointerId) return;
    switch (g.kind) {
      case 'pan': {
        const dx = p.x - g.startX;
        const dy = p.y - g.startY;
        if (!g.active && !this.startGesture(g, dx, dy, event.pointerId, 'panning')) return;
        this.setCamera(panBy(g.camera, dx, dy));
        break;
      }
      case 'drag': {
        const dx = p.x - g.startX;
        const dy = p.y - g.startY;
        if (!g.active) {
          if (!this.startGesture(g, dx, dy, event.pointerId, 'dragging')) return;
          this.scene.pin(g.id, true);
        }
        this.model.previewMove(g.id, { x: g.origin.x + dx / this.camera.zoom, y: g.origin.y + dy / this.camera.zoom });
        this.scene.applyPending(g.id);
        break;
      }
      case 'resize': {
        const dx = (p.x - g.startX) / this.camera.zoom;
        const dy = (p.y - g.startY) / this.camera.zoom;
        let width = clamp(g.origin.width + dx, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
        let height = clamp(g.origin.height + dy, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
        if (!event.shiftKey) {
          // Keep the aspect ratio: follow whichever edge moved further.
          const ratio = g.origin.width / g.origin.height;
          if (width / g.origin.width > height / g.origin.height) height = clamp(width / ratio, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
          else width = clamp(height * ratio, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
        }
        this.model.previewMove(g.id, { x: g.origin.x, y: g.origin.y, width, height });
        this.scene.applyPending(g.id);
        break;
      }
      case 'draw': {
        const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
        const minDistance = 0.75 / this.camera.zoom;
        for (const e of events.length > 0 ? events : [event]) {
          const b = this.boardPoint(e);
          this.ink.add(b.x, b.y, minDistance);
        }
        this.scene.invalidate();
        break;
      }
      case 'erase': {
        const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
        for (const e of events.length > 0 ? events : [event]) this.eraseAt(this.local(e), g.erased);
        this.hoverEraser(p);
        break;
      }
    }
  }

  private onPointerUp(event: PointerEvent, cancelled: boolean): void {
    this.touches.delete(event.pointerId);
    const g = this.gesture;
    if (g === undefined) return;
    if (g.kind === 'pinch') {
      if (this.touches.size < 2) this.gesture = undefined;
      return;
    }
    if (g.pointerId !== event.pointerId) return;
    this.gesture = undefined;
    if (this.viewport.hasPointerCapture(event.pointerId)) this.viewport.releasePointerCapture(event.pointerId);
    this.viewport.classList.remove('panning', 'dragging');
    switch (g.kind) {
      case 'pan':
        break;
      case 'drag': {
        if (!g.active) break;
        this.scene.pin(g.id, g.id === this.selected);
        const move = this.model.pendingMove(g.id);
        if (cancelled || move === undefined) {
          this.model.cancelMove(g.id);
          this.scene.applyPending(g.id);
        } else this.moveItem(g.id, move.x, move.y);
        break;
      }
      case 'resize': {
        const move = this.model.pendingMove(g.id);
        if (cancelled || move === undefined || move.width === undefined || move.height === undefined) {
          this.model.cancelMove(g.id);
          this.scene.applyPending(g.id);
        } else this.moveItem(g.id, move.x, move.y, { width: move.width, height: move.height });
        break;
      }
      case 'draw': {
        if (cancelled) {
          this.ink.cancel();
          break;
        }
        const stroke = this.ink.finish(this.camera.zoom, Date.now());
        if (stroke !== undefined && stroke.points.length >= 2) this.post({ type: 'addStroke', points: stroke.points, width: stroke.width, colour: stroke.colour });
        break;
      }
      case 'erase':
        break;
    }
    this.scene.invalidate();
  }

  private cancelGesture(): void {
    const g = this.gesture;
    if (g === undefined) return;
    this.gesture = undefined;
    if (g.kind === 'draw') this.ink.cancel();
    if ((g.kind === 'drag' || g.kind === 'resize') && g.id !== undefined) {
      this.model.cancelMove(g.id);
      this.scene.applyPending(g.id);
    }
    this.viewport.classList.remove('panning', 'dragging');
    this.scene.invalidate();
  }

  private eraseAt(p: { x: number; y: number }, erased?: Set<string>): void {
    const b = screenToBoard(this.camera, p.x, p.y);
    const hit = this.model.hitTest(b.x, b.y, ERASER_RADIUS_PX / this.camera.zoom);
    if (hit === undefined) return;
    const id = hit.item.id;
    if (erased?.has(id) === true) return;
    erased?.add(id);
    if (this.gesture?.kind === 'erase') this.gesture.erased.add(id);
    this.deleteItem(id);
    this.markEraseTarget(undefined);
  }

  private hoverEraser(p: { x: number; y: number }): void {
    this.eraserRing.hidden = false;
    const r = ERASER_RADIUS_PX;
    this.eraserRing.style.transform = `translate(${Math.round(p.x - r)}px, ${Math.round(p.y - r)}px)`;
    const b = screenToBoard(this.camera, p.x, p.y);
    const hit = this.model.hitTest(b.x, b.y, ERASER_RADIUS_PX / this.camera.zoom);
    this.markEraseTarget(hit === undefined ? undefined : this.scene.element(hit.item.id));
  }

  private markEraseTarget(el: Element | undefined): void {
    if (el === this.hoverErase) return;
    this.hoverErase?.classList.remove('erase-target');
    el?.classList.add('erase-target');
    this.hoverErase = el;
  }

  private onDoubleClick(event: MouseEvent): void {
    if (this.tool !== 'select') return;
    const target = event.target as Element;
    if (this.editor?.element.contains(target) || this.selection.contains(target) || isControl(target)) return;
    const itemEl = target.closest<HTMLElement | SVGSVGElement>('.board-item');
    let id = itemEl?.dataset.id;
    const b = this.boardPoint(event);
    if (id === undefined && this.scene.mode === 'overview') id = this.model.hitTest(b.x, b.y, 2 / this.camera.zoom)?.item.id;
    if (id !== undefined) {
      const item = this.model.entries.get(id)?.item;
      if (item?.kind === 'note') {
        event.preventDefault();
        this.editNote(id);
      }
      return;
    }
    event.preventDefault();
    this.openEditor({ ...this.store.current.noteStyle, text: '', x: Math.round(b.x), y: Math.round(b.y) }, true);
  }

  private onWheel(event: WheelEvent): void {
    if (this.editor?.element.contains(event.target as Node)) return;
    const target = event.target as Element;
    // A long note or a snippet scrolls its own text first (not while zooming).
    if (!event.ctrlKey && !event.metaKey && scrollsItself(target, event, this.viewport)) return;
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? this.size().height : 1;
    const dx = event.deltaX * unit;
    const dy = event.deltaY * unit;
    if (event.ctrlKey || event.metaKey) {
      const factor = Math.exp(-clamp(dy, -100, 100) * WHEEL_ZOOM_SPEED * (event.deltaMode === 0 && Math.abs(dy) < 10 ? 4 : 1));
      this.zoomTo(this.camera.zoom * factor, this.local(event));
      return;
    }
    if (event.shiftKey && dx === 0) this.setCamera(panBy(this.camera, -dy, 0));
    else this.setCamera(panBy(this.camera, -dx, -dy));
  }

  // ---- Keyboard ----------------------------------------------------------------------------

  private onKeyDown(event: KeyboardEvent): void {
    if (this.element.offsetParent === null && this.element.getClientRects().length === 0) return;
    const target = event.target as Element;
    const inBoard = target === document.body || this.element.contains(target);
    if (!inBoard || isEditable(target) || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // The item itself, not a button or the scrollable code inside it (those keep their keys).
    const onItem = target.classList.contains('board-item');
    const inItem = target.closest('.board-item') !== null;
    const onSurface = target === this.viewport || target === document.body || onItem;
    const key = event.key;
    const handled = (): void => {
      event.preventDefault();
      event.stopPropagation();
    };
    if (key === ' ') {
      if (!onSurface) return;
      handled();
      if (!event.repeat) this.setSpace(true);
      return;
    }
    if (key === 'Escape') {
      if (this.gesture !== undefined) this.cancelGesture();
      else if (this.tool !== 'select') this.setTool('select');
      else if (this.selected !== undefined) {
        this.select(undefined);
        this.viewport.focus({ preventScroll: true });
      } else return;
      handled();
      return;
    }
    if ((key === 'Delete' || key === 'Backspace') && this.selected !== undefined && (onSurface || inItem || this.selection.contains(target))) {
      handled();
      this.deleteItem(this.selected);
      return;
    }
    if (key === 'Enter' && onItem && this.selected !== undefined) {
      const item = this.model.entries.get(this.selected)?.item;
      if (item?.kind === 'note') {
        handled();
        this.editNote(item.id);
      }
      return;
    }
    if (key.startsWith('Arrow')) {
      if (!onSurface) return;
      handled();
      const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key] ?? [0, 0];
      const [ux, uy] = dir as [number, number];
      const item = this.selected === undefined ? undefined : this.model.entries.get(this.selected)?.item;
      if (onItem && item !== undefined && item.kind !== 'stroke') this.nudge(item, ux * NUDGE * (event.shiftKey ? 8 : 1), uy * NUDGE * (event.shiftKey ? 8 : 1));
      else this.setCamera(panBy(this.camera, -ux * ARROW_PAN_PX * (event.shiftKey ? 5 : 1), -uy * ARROW_PAN_PX * (event.shiftKey ? 5 : 1)));
      return;
    }
    if (event.shiftKey && (event.code === 'Digit1' || key === '!')) {
      handled();
      this.fitContent();
      return;
    }
    const shortcuts: Record<string, () => void> = {
      v: () => this.setTool('select'),
      p: () => this.setTool('pen'),
      e: () => this.setTool('eraser'),
      n: () => this.newNoteInView(),
      i: () => this.images.choose(),
      '+': () => this.zoomStep(1),
      '=': () => this.zoomStep(1),
      '-': () => this.zoomStep(-1),
      _: () => this.zoomStep(-1),
      '0': () => this.zoomTo(1),
    };
    const run = shortcuts[key.length === 1 ? key.toLowerCase() : key];
    if (run === undefined) return;
    handled();
    run();
  }

  private nudge(item: BoardItem, dx: number, dy: number): void {
    const move = this.model.pendingMove(item.id);
    const x = (move?.x ?? item.x) + dx;
    const y = (move?.y ?? item.y) + dy;
    this.model.previewMove(item.id, { x, y });
    this.scene.applyPending(item.id);
    if (this.nudgeTimer !== undefined) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      this.moveItem(item.id, x, y);
    }, NUDGE_POST_MS);
  }
}

/** The press is on an element's own scrollbar (a long note or a snippet's code). */
function onScrollbar(target: Element, event: PointerEvent): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const overflowX = target.scrollWidth > target.clientWidth;
  const overflowY = target.scrollHeight > target.clientHeight;
  if (!overflowX && !overflowY) return false;
  const rect = target.getBoundingClientRect();
  const scale = rect.width / Math.max(1, target.offsetWidth);
  return (overflowY && event.clientX - rect.left > target.clientWidth * scale) || (overflowX && event.clientY - rect.top > target.clientHeight * scale);
}

/** The wheel would scroll an element inside an item (which keeps it) rather than the board. */
function scrollsItself(target: Element, event: WheelEvent, stop: Element): boolean {
  for (let el: Element | null = target; el !== null && el !== stop; el = el.parentElement) {
    if (!(el instanceof HTMLElement)) continue;
    if (el.classList.contains('board-item')) return false;
    const canY = el.scrollHeight > el.clientHeight + 1 && ((event.deltaY > 0 && el.scrollTop + el.clientHeight < el.scrollHeight - 1) || (event.deltaY < 0 && el.scrollTop > 0));
    const canX = el.scrollWidth > el.clientWidth + 1 && ((event.deltaX > 0 && el.scrollLeft + el.clientWidth < el.scrollWidth - 1) || (event.deltaX < 0 && el.scrollLeft > 0));
    if (canY || canX) return true;
  }
  return false;
}

