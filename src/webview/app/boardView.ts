/**
 * The board: a pannable, zoomable surface with notes, snippet cards, images and strokes at their
 * board coordinates, the toolbar above it, and the gestures that turn into messages for the host.
 *
 * The board never adds, changes or removes an item itself: it posts what the user did and draws
 * what the host echoes. Two things show before the echo so that the board feels direct: a dragged
 * item stays where it was dropped, and a deleted one stays hidden (both for a few seconds at most,
 * see `PENDING_MS` in boardModel.ts); a drawn stroke stays as ink until its item arrives.
 *
 * Where it looks is boardCamera.ts; pointer input boardPointer.ts; keys boardKeys.ts; the note
 * editor noteEditing.ts; changes shown before their echo pendingChanges.ts; the tool in hand
 * boardTools.ts; bringing items into view itemReveal.ts.
 */
import type { BoardItem, SessionView, SnippetStatus, WebviewToHost } from '../protocol';
import { BoardCamera } from './boardCamera';
import { BoardHeading } from './boardHeading';
import { dropHint, emptyBoardHint, keysHint } from './boardHints';
import { BoardKeys } from './boardKeys';
import { BoardModel } from './boardModel';
import { BoardPointer } from './boardPointer';
import { BoardScene } from './boardScene';
import type { BoardSurface, Point } from './boardSurface';
import { BoardTools } from './boardTools';
import { MAX_ZOOM, MIN_ZOOM, screenToBoard } from './camera';
import type { Camera } from './camera';
import { h } from './dom';
import { DotGrid } from './dotGrid';
import { ImageInput } from './imageInput';
import { InkLayer } from './inkLayer';
import { ItemReveal } from './itemReveal';
import { NewItemsIndicator } from './newItemsIndicator';
import { NoteEditing } from './noteEditing';
import { PendingChanges } from './pendingChanges';
import { SelectionOverlay } from './selectionOverlay';
import { Toasts } from './toast';
import { BoardToolbar } from './toolbar';
import type { PenStyle, Tool, ViewStateStore } from './viewState';

export class BoardView implements BoardSurface {
  readonly element: HTMLElement;
  readonly model = new BoardModel();
  readonly scene: BoardScene;
  readonly ink = new InkLayer();
  readonly toasts = new Toasts();
  readonly viewport: HTMLElement;
  readonly selection: SelectionOverlay;
  private readonly toolbar: BoardToolbar;
  private readonly heading = new BoardHeading();
  private readonly emptyHint: HTMLElement;
  private readonly dropHint: HTMLElement;
  private readonly images: ImageInput;
  private readonly grid = new DotGrid();
  private readonly pointerInput: BoardPointer;
  private readonly notes: NoteEditing;
  private readonly view: BoardCamera;
  private readonly tools: BoardTools;
  readonly reveals: ItemReveal;
  private readonly newItems: NewItemsIndicator;
  /** Inside {@link batch}: how deep (the new-items pill waits for its end too), and whether the item count changed meanwhile. */
  private batching = 0;
  private countStale = false;
  private selectedId: string | undefined;
  private selfId: string | undefined;
  private readonly pending: PendingChanges;

  constructor(
    readonly store: ViewStateStore,
    readonly post: (message: WebviewToHost) => void,
  ) {
    this.scene = new BoardScene(this.model, {
      open: (id) => this.post({ type: 'openSnippet', id }),
      copy: (id) => this.copy(id),
      afterRender: () => this.afterRender(),
    });

    this.pending = new PendingChanges(this.model, this.scene, post);
    this.toolbar = new BoardToolbar({
      tool: (tool) => this.setTool(tool),
      pen: (pen) => this.tools.setPen(pen),
      newNote: () => this.newNoteInView(),
      addImage: () => this.chooseImage(),
      zoomIn: () => this.zoomStep(1),
      zoomOut: () => this.zoomStep(-1),
      zoomReset: () => this.zoomTo(1),
      fit: () => this.fitContent(),
    });
    this.selection = new SelectionOverlay({ edit: (id) => this.editNote(id), copy: (id) => this.copy(id), remove: (id) => this.deleteItem(id) });
    this.dropHint = dropHint();
    const hintId = 'board-keys-hint';
    const eraserRing = h('div', { className: 'eraser-ring', attrs: { 'aria-hidden': 'true' } });
    eraserRing.hidden = true;
    this.viewport = h(
      'div',
      {
        className: 'board-viewport',
        attrs: { role: 'region', 'aria-label': 'Board items', 'aria-roledescription': 'board', 'aria-describedby': hintId, tabindex: '0' },
      },
      this.grid.element,
      this.scene.overview,
      this.scene.world,
      this.ink.canvas,
      ...this.selection.elements,
      eraserRing,
    );
    this.images = new ImageInput(this.viewport, this.dropHint, {
      post: (message) => this.post(message),
      toasts: this.toasts,
      // A paste while the past is shown does not reach the board now (time travel is read-only).
      visible: () => this.element.getClientRects().length > 0 && !this.element.classList.contains('viewing-past'),
      boardPoint: (event) => this.boardPoint(event),
      pastePoint: () => {
        const p = this.pointerInput.pointer;
        return p !== undefined ? screenToBoard(this.camera, p.x, p.y) : this.view.centre();
      },
    });
    this.tools = new BoardTools(store, this.toolbar, this.viewport);
    this.newItems = new NewItemsIndicator((id) => this.reveals.reveal(id), () => this.batching > 0);
    this.view = new BoardCamera(
      this.viewport,
      this.scene,
      this.model,
      store,
      (camera) => {
        this.toolbar.setZoom(camera.zoom, MIN_ZOOM, MAX_ZOOM);
        this.newItems.seen(this.view.visible());
      },
      (view) => this.post({ type: 'viewport', ...view }),
    );
    this.reveals = new ItemReveal({ ...{ model: this.model, scene: this.scene, view: this.view, toasts: this.toasts }, select: (id) => this.select(id), selfId: () => this.selfId });
    this.notes = new NoteEditing(this);
    this.pointerInput = new BoardPointer(this, eraserRing);
    new BoardKeys(this, this.pointerInput);
    const header = h('div', { className: 'board-header' }, this.heading.element, this.toolbar.element, this.images.fileInput);
    this.emptyHint = emptyBoardHint();
    this.element = h(
      'section',
      { className: 'board', attrs: { 'aria-label': 'Board' } },
      header,
      h('div', { className: 'board-frame' }, this.viewport, this.newItems.element, this.emptyHint, this.dropHint, this.toasts.element, keysHint(hintId)),
    );

    this.viewport.addEventListener('focusin', (e) => {
      const item = (e.target as Element).closest<HTMLElement | SVGSVGElement>('.board-item');
      const id = item?.dataset.id;
      if (id !== undefined && id !== this.selected) this.select(id);
    });
    new ResizeObserver(() => this.layout()).observe(this.viewport);
    this.toolbar.setZoom(this.camera.zoom, MIN_ZOOM, MAX_ZOOM);
  }

  get camera(): Camera {
    return this.view.camera;
  }

  get tool(): Tool {
    return this.tools.tool;
  }

  get pen(): PenStyle {
    return this.tools.pen;
  }

  get selected(): string | undefined {
    return this.selectedId;
  }

  /**
   * Time travel (historyView.ts): its toggle goes at the end of the heading, after the group's name
   * and its security badge (the name gives way first in a narrow panel, so the toolbar keeps its
   * one line), its view over the board frame.
   * While the past is shown the live board is covered and its tools hidden, and nothing stays
   * selected or open for editing there, so no key or click can change the board now.
   */
  mountHistory(toggle: HTMLElement, view: HTMLElement): void {
    this.element.querySelector('.board-heading')?.append(toggle);
    this.element.querySelector('.board-frame')?.append(view);
  }

  showingPast(past: boolean): void {
    this.element.classList.toggle('viewing-past', past);
    if (!past) return;
    this.notes.close();
    this.select(undefined);
  }

  // ---- From the host -----------------------------------------------------------------------

  setSession(session: SessionView): void {
    this.heading.setSession(session);
    this.selfId = session.self?.id;
  }

  /** Replaces every item (a snapshot); `hostView` is where the board looked when it was last open. */
  replaceAll(items: readonly BoardItem[], hostView?: Camera): void {
    if (hostView !== undefined) this.view.offer(hostView);
    this.model.replaceAll(items);
    this.newItems.clear();
    this.scene.reset();
    if (this.selected !== undefined && !this.model.entries.has(this.selected)) this.select(undefined);
    const editing = this.notes.editor?.id;
    if (editing !== undefined && !this.model.entries.has(editing)) this.notes.close();
    this.updateCount();
    this.layout();
    this.scene.renderNow();
  }

  /** How snippet cards' code stands in this member's checkout (the host's `snippetStatus`). */
  setSnippetStatuses(statuses: readonly SnippetStatus[]): void {
    this.scene.setSnippetStatuses(statuses);
  }

  /** Adds an item, or replaces the one with the same id. */
  upsert(item: BoardItem): void {
    const previous = this.model.upsert(item);
    this.scene.changed(item, previous?.item);
    if (item.kind === 'stroke' && (this.selfId === undefined || item.author.id === this.selfId)) this.ink.echoed(item);
    if (previous === undefined) this.countStale = true;
    const bounds = this.model.entries.get(item.id)?.bounds;
    if (previous !== undefined) this.newItems.changed(item.id, bounds);
    else if (bounds !== undefined && this.selfId !== undefined && item.author.id !== this.selfId) this.newItems.arrived(item.id, bounds);
    this.reveals.arrived(item.id);
    if (this.batching === 0) this.afterChanges();
  }

  /**
   * Applies a batch of the host's changes with the bookkeeping that follows each change (the item
   * count, the new-items pill, the expiry of pending moves) done once at its end, not once an item.
   */
  batch(apply: () => void): void {
    this.batching += 1;
    try {
      apply();
    } finally {
      this.batching -= 1;
      if (this.batching === 0) this.afterChanges();
    }
  }

  private afterChanges(): void {
    this.newItems.flush();
    if (this.countStale) this.updateCount();
    this.countStale = false;
    this.pending.scheduleExpiry();
  }

  remove(id: string): void {
    const entry = this.model.remove(id);
    this.scene.removed(id);
    this.newItems.changed(id, undefined);
    if (entry === undefined) return;
    if (this.selected === id) this.select(undefined);
    if (this.notes.editor?.id === id) {
      this.notes.close();
      this.toasts.show('The note you were editing was deleted.', 'error');
    }
    this.updateCount();
  }

  /** Call when the board becomes visible: its size depends on layout. */
  shown(): void {
    this.layout();
    this.scene.renderNow();
    const draft = this.store.current.noteDraft;
    if (draft !== null && this.notes.editor === undefined && (draft.id === undefined || this.model.entries.has(draft.id))) this.notes.open(draft, false);
  }

  /** Shows a failed board action (reported by the host) as a toast on the board. */
  showError(message: string): void {
    this.toasts.show(message, 'error');
  }

  // ---- Camera ------------------------------------------------------------------------------

  size(): { width: number; height: number } {
    return this.view.size();
  }

  setCamera(camera: Camera): void {
    this.view.set(camera);
  }

  zoomStep(direction: 1 | -1): void {
    this.view.zoomStep(direction);
  }

  zoomTo(zoom: number, at?: Point): void {
    this.view.zoomTo(zoom, at);
  }

  fitContent(): void {
    this.view.fit();
  }

  private layout(): void {
    this.view.layout();
    this.newItems.seen(this.view.visible());
  }

  local(event: { clientX: number; clientY: number }): Point {
    const rect = this.viewport.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  boardPoint(event: { clientX: number; clientY: number }): Point {
    const p = this.local(event);
    return screenToBoard(this.camera, p.x, p.y);
  }

  // ---- Drawing overlays --------------------------------------------------------------------

  private afterRender(): void {
    const { width, height } = this.size();
    this.ink.render(this.camera, width, height, Date.now());
    this.grid.position(this.camera, width, height, this.scene.viewMoving);
    this.positionSelection();
    this.notes.position();
    this.updateEmptyHint();
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
      this.pointerInput.moving,
    );
  }

  updateEmptyHint(): void {
    this.emptyHint.hidden = this.model.size > 0 || this.notes.editor !== undefined;
  }

  private updateCount(): void {
    this.heading.setCount(this.model.size);
    this.updateEmptyHint();
  }

  // ---- Tools -------------------------------------------------------------------------------

  setTool(tool: Tool): void {
    if (this.ink.drawing) this.ink.cancel();
    this.tools.setTool(tool);
    this.pointerInput.clearEraser();
  }

  select(id: string | undefined): void {
    if (id === this.selected) return;
    this.scene.pin(this.selected, false);
    this.selectedId = id;
    this.scene.pin(id, true);
    this.scene.invalidate();
    this.positionSelection();
  }

  // ---- Item actions ------------------------------------------------------------------------

  chooseImage(): void {
    this.images.choose();
  }

  newNoteInView(): void {
    this.notes.newInView();
  }

  newNoteAt(x: number, y: number): void {
    this.notes.newAt(x, y);
  }

  editNote(id: string): void {
    this.notes.edit(id);
  }

  inEditor(node: Node | null): boolean {
    return this.notes.editor?.element.contains(node) === true;
  }

  private copy(id: string): void {
    this.post({ type: 'copyText', id });
    this.toasts.show('Copied to the clipboard.');
  }

  deleteItem(id: string): void {
    const hadFocus = this.selected === id && (this.scene.element(id)?.contains(document.activeElement) === true || this.selection.contains(document.activeElement));
    if (!this.pending.delete(id) || this.selected !== id) return;
    this.select(undefined);
    if (hadFocus) this.viewport.focus({ preventScroll: true });
  }

  moveItem(id: string, x: number, y: number, size?: { width: number; height: number }): void {
    this.pending.move(id, x, y, size);
  }

  nudge(item: BoardItem, dx: number, dy: number): void {
    this.pending.nudge(item, dx, dy);
  }
}
