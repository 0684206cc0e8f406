/**
 * The board's pointer input: with the select tool, dragging an item moves it and dragging the empty
 * board pans; Space+drag, the middle button and the wheel pan with any tool; Ctrl/Cmd+wheel and a
 * two-finger pinch zoom around the pointer; the pen draws, the eraser erases; an image's handle
 * resizes it; a double-click adds or edits a note.
 */
import { MAX_ITEM_SIZE } from '../../board/limits';
import { panBy, screenToBoard, zoomAround } from './camera';
import type { Camera } from './camera';
import type { BoardSurface, Point } from './boardSurface';
import { clamp } from './format';
import { isControl, onScrollbar, scrollsItself } from './pointerTargets';

/** Pointer travel before a press turns into a drag or a pan, in pixels. */
const DRAG_THRESHOLD_PX = 4;
/** The eraser's reach around the pointer, in pixels. */
const ERASER_RADIUS_PX = 8;
/** Smallest image size a resize allows, in board units. */
const MIN_IMAGE_SIZE = 16;
/** Wheel zoom speed: zoom factor per pixel of wheel delta. */
const WHEEL_ZOOM_SPEED = 0.0022;

type Gesture =
  | { kind: 'pan'; pointerId: number; startX: number; startY: number; camera: Camera; active: boolean }
  | { kind: 'drag'; pointerId: number; id: string; startX: number; startY: number; origin: Point; active: boolean }
  | { kind: 'resize'; pointerId: number; id: string; startX: number; startY: number; origin: { x: number; y: number; width: number; height: number } }
  | { kind: 'draw'; pointerId: number }
  | { kind: 'erase'; pointerId: number; erased: Set<string> }
  | { kind: 'pinch'; startDistance: number; startMid: Point; camera: Camera };

export class BoardPointer {
  private gesture: Gesture | undefined;
  private readonly touches = new Map<number, Point>();
  private spaceHeld = false;
  /** The pointer's last position over the board, in viewport pixels (where a paste lands). */
  private last: Point | undefined;
  private hoverErase: Element | undefined;

  constructor(
    private readonly board: BoardSurface,
    private readonly eraserRing: HTMLElement,
  ) {
    const viewport = board.viewport;
    viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    viewport.addEventListener('pointerup', (e) => this.onPointerUp(e, false));
    viewport.addEventListener('pointercancel', (e) => this.onPointerUp(e, true));
    viewport.addEventListener('pointerleave', () => {
      this.last = undefined;
      this.eraserRing.hidden = true;
      this.markEraseTarget(undefined);
    });
    viewport.addEventListener('lostpointercapture', (e) => {
      if (this.gesture !== undefined && 'pointerId' in this.gesture && this.gesture.pointerId === e.pointerId) this.onPointerUp(e, false);
    });
    viewport.addEventListener('dblclick', (e) => this.onDoubleClick(e));
    viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    board.selection.resizeHandle.addEventListener('pointerdown', (e) => this.onResizeDown(e));
  }

  /** The pointer's last position over the board, in viewport pixels. */
  get pointer(): Point | undefined {
    return this.last;
  }

  get busy(): boolean {
    return this.gesture !== undefined;
  }

  /** An item is being dragged or resized (the selection frame hides its actions meanwhile). */
  get moving(): boolean {
    return this.gesture?.kind === 'drag' || this.gesture?.kind === 'resize';
  }

  /** Space held: the primary button pans with any tool. */
  setSpace(on: boolean): void {
    this.spaceHeld = on;
    this.board.viewport.classList.toggle('hand', on);
  }

  /** After a tool change: no eraser ring, no item marked for erasing. */
  clearEraser(): void {
    this.markEraseTarget(undefined);
    this.eraserRing.hidden = true;
  }

  cancel(): void {
    const g = this.gesture;
    if (g === undefined) return;
    this.gesture = undefined;
    if (g.kind === 'draw') this.board.ink.cancel();
    if (g.kind === 'drag' || g.kind === 'resize') {
      this.board.model.cancelMove(g.id);
      this.board.scene.applyPending(g.id);
    }
    this.board.viewport.classList.remove('panning', 'dragging');
    this.board.scene.invalidate();
  }

  private onPointerDown(event: PointerEvent): void {
    const board = this.board;
    const target = event.target as Element;
    if (board.inEditor(target) || board.selection.contains(target)) return;
    if (event.pointerType === 'touch') {
      this.touches.set(event.pointerId, board.local(event));
      if (this.touches.size === 2) {
        this.cancel();
        const [a, b] = [...this.touches.values()] as [Point, Point];
        this.gesture = { kind: 'pinch', startDistance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), startMid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, camera: board.camera };
        return;
      }
      if (this.touches.size > 2) return;
    }
    if (this.gesture !== undefined) return;
    const p = board.local(event);
    if (event.button === 1 || (event.button === 0 && this.spaceHeld)) {
      event.preventDefault();
      this.startPan(event, p);
      return;
    }
    if (event.button !== 0) return;
    if (board.tool === 'pen') {
      event.preventDefault();
      const b = screenToBoard(board.camera, p.x, p.y);
      board.select(undefined);
      board.ink.begin(b.x, b.y, board.pen.colour, board.pen.width);
      this.gesture = { kind: 'draw', pointerId: event.pointerId };
      this.capture(event.pointerId);
      board.viewport.focus({ preventScroll: true });
      board.scene.invalidate();
      return;
    }
    if (board.tool === 'eraser') {
      event.preventDefault();
      board.select(undefined);
      this.gesture = { kind: 'erase', pointerId: event.pointerId, erased: new Set() };
      this.capture(event.pointerId);
      board.viewport.focus({ preventScroll: true });
      this.eraseAt(p);
      return;
    }
    // The select tool. Buttons, links, fields and scrollbars inside items keep their own clicks.
    if (isControl(target) || onScrollbar(target, event)) return;
    const id = this.itemAt(target, p);
    if (id !== undefined) {
      const entry = board.model.entries.get(id);
      if (entry === undefined) return;
      board.select(id);
      if (board.scene.mode === 'overview') board.viewport.focus({ preventScroll: true });
      if (entry.item.kind === 'stroke') return;
      const move = board.model.pendingMove(id);
      this.gesture = { kind: 'drag', pointerId: event.pointerId, id, startX: p.x, startY: p.y, origin: { x: move?.x ?? entry.item.x, y: move?.y ?? entry.item.y }, active: false };
      return;
    }
    board.select(undefined);
    this.startPan(event, p);
  }

  /** The item under a press: its element, or (zoomed out, where items are drawn on a canvas) a hit test. */
  private itemAt(target: Element, p: Point): string | undefined {
    const itemEl = target.closest<HTMLElement | SVGSVGElement>('.board-item');
    const id = itemEl?.dataset.id;
    if (id !== undefined || this.board.scene.mode !== 'overview') return id;
    const b = screenToBoard(this.board.camera, p.x, p.y);
    return this.board.model.hitTest(b.x, b.y, 2 / this.board.camera.zoom)?.item.id;
  }

  /**
   * A press becomes a pan or a drag only once the pointer has moved past the drag threshold (so a
   * click stays a click). Returns false until then.
   */
  private startGesture(g: { active: boolean }, dx: number, dy: number, pointerId: number, className: string): boolean {
    if (Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return false;
    g.active = true;
    window.getSelection()?.removeAllRanges();
    this.capture(pointerId);
    this.board.viewport.classList.add(className);
    return true;
  }

  /** Keeps a gesture's pointer events coming here (a pointer may already be gone, which is fine). */
  private capture(pointerId: number): void {
    try {
      this.board.viewport.setPointerCapture(pointerId);
    } catch {
      // No active pointer with that id: the gesture still ends on pointerup or pointercancel.
    }
  }

  private startPan(event: PointerEvent, p: Point): void {
    this.gesture = { kind: 'pan', pointerId: event.pointerId, startX: p.x, startY: p.y, camera: this.board.camera, active: false };
  }

  private onResizeDown(event: PointerEvent): void {
    const id = this.board.selected;
    const item = id === undefined ? undefined : this.board.model.entries.get(id)?.item;
    if (event.button !== 0 || item?.kind !== 'image') return;
    event.preventDefault();
    event.stopPropagation();
    const p = this.board.local(event);
    const move = this.board.model.pendingMove(item.id);
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
    const board = this.board;
    const p = board.local(event);
    this.last = p;
    if (event.pointerType === 'touch' && this.touches.has(event.pointerId)) this.touches.set(event.pointerId, p);
    const g = this.gesture;
    if (g === undefined) {
      if (board.tool === 'eraser') this.hoverEraser(p);
      return;
    }
    if (g.kind === 'pinch') {
      if (this.touches.size < 2) return;
      const [a, b] = [...this.touches.values()] as [Point, Point];
      const distance = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const zoomed = zoomAround(g.camera, g.camera.zoom * (distance / g.startDistance), g.startMid.x, g.startMid.y);
      board.setCamera(panBy(zoomed, mid.x - g.startMid.x, mid.y - g.startMid.y));
      return;
    }
    if (g.pointerId !== event.pointerId) return;
    switch (g.kind) {
      case 'pan': {
        const dx = p.x - g.startX;
        const dy = p.y - g.startY;
        if (!g.active && !this.startGesture(g, dx, dy, event.pointerId, 'panning')) return;
        board.setCamera(panBy(g.camera, dx, dy));
        break;
      }
      case 'drag': {
        const dx = p.x - g.startX;
        const dy = p.y - g.startY;
        if (!g.active) {
          if (!this.startGesture(g, dx, dy, event.pointerId, 'dragging')) return;
          board.scene.pin(g.id, true);
        }
        board.model.previewMove(g.id, { x: g.origin.x + dx / board.camera.zoom, y: g.origin.y + dy / board.camera.zoom });
        board.scene.applyPending(g.id);
        break;
      }
      case 'resize':
        this.resizeTo(g, p, event.shiftKey);
        break;
      case 'draw': {
        const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
        const minDistance = 0.75 / board.camera.zoom;
        for (const e of events.length > 0 ? events : [event]) {
          const b = board.boardPoint(e);
          board.ink.add(b.x, b.y, minDistance);
        }
        board.scene.invalidate();
        break;
      }
      case 'erase': {
        const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
        for (const e of events.length > 0 ? events : [event]) this.eraseAt(board.local(e), g.erased);
        this.hoverEraser(p);
        break;
      }
    }
  }

  private resizeTo(g: Extract<Gesture, { kind: 'resize' }>, p: Point, freeAspect: boolean): void {
    const zoom = this.board.camera.zoom;
    const dx = (p.x - g.startX) / zoom;
    const dy = (p.y - g.startY) / zoom;
    let width = clamp(g.origin.width + dx, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
    let height = clamp(g.origin.height + dy, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
    if (!freeAspect) {
      // Keep the aspect ratio: follow whichever edge moved further.
      const ratio = g.origin.width / g.origin.height;
      if (width / g.origin.width > height / g.origin.height) height = clamp(width / ratio, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
      else width = clamp(height * ratio, MIN_IMAGE_SIZE, MAX_ITEM_SIZE);
    }
    this.board.model.previewMove(g.id, { x: g.origin.x, y: g.origin.y, width, height });
    this.board.scene.applyPending(g.id);
  }

  private onPointerUp(event: PointerEvent, cancelled: boolean): void {
    const board = this.board;
    this.touches.delete(event.pointerId);
    const g = this.gesture;
    if (g === undefined) return;
    if (g.kind === 'pinch') {
      if (this.touches.size < 2) this.gesture = undefined;
      return;
    }
    if (g.pointerId !== event.pointerId) return;
    this.gesture = undefined;
    if (board.viewport.hasPointerCapture(event.pointerId)) board.viewport.releasePointerCapture(event.pointerId);
    board.viewport.classList.remove('panning', 'dragging');
    switch (g.kind) {
      case 'pan':
      case 'erase':
        break;
      case 'drag': {
        if (!g.active) break;
        board.scene.pin(g.id, g.id === board.selected);
        const move = board.model.pendingMove(g.id);
        if (cancelled || move === undefined) {
          board.model.cancelMove(g.id);
          board.scene.applyPending(g.id);
        } else board.moveItem(g.id, move.x, move.y);
        break;
      }
      case 'resize': {
        const move = board.model.pendingMove(g.id);
        if (cancelled || move === undefined || move.width === undefined || move.height === undefined) {
          board.model.cancelMove(g.id);
          board.scene.applyPending(g.id);
        } else board.moveItem(g.id, move.x, move.y, { width: move.width, height: move.height });
        break;
      }
      case 'draw': {
        if (cancelled) {
          board.ink.cancel();
          break;
        }
        const stroke = board.ink.finish(board.camera.zoom, Date.now());
        if (stroke !== undefined && stroke.points.length >= 2) board.post({ type: 'addStroke', points: stroke.points, width: stroke.width, colour: stroke.colour });
        break;
      }
    }
    board.scene.invalidate();
  }

  private eraseAt(p: Point, erased?: Set<string>): void {
    const board = this.board;
    const b = screenToBoard(board.camera, p.x, p.y);
    const hit = board.model.hitTest(b.x, b.y, ERASER_RADIUS_PX / board.camera.zoom);
    if (hit === undefined) return;
    const id = hit.item.id;
    if (erased?.has(id) === true) return;
    erased?.add(id);
    if (this.gesture?.kind === 'erase') this.gesture.erased.add(id);
    board.deleteItem(id);
    this.markEraseTarget(undefined);
  }

  private hoverEraser(p: Point): void {
    const board = this.board;
    this.eraserRing.hidden = false;
    const r = ERASER_RADIUS_PX;
    this.eraserRing.style.transform = `translate(${Math.round(p.x - r)}px, ${Math.round(p.y - r)}px)`;
    const b = screenToBoard(board.camera, p.x, p.y);
    const hit = board.model.hitTest(b.x, b.y, ERASER_RADIUS_PX / board.camera.zoom);
    this.markEraseTarget(hit === undefined ? undefined : board.scene.element(hit.item.id));
  }

  private markEraseTarget(el: Element | undefined): void {
    if (el === this.hoverErase) return;
    this.hoverErase?.classList.remove('erase-target');
    el?.classList.add('erase-target');
    this.hoverErase = el;
  }

  private onDoubleClick(event: MouseEvent): void {
    const board = this.board;
    if (board.tool !== 'select') return;
    const target = event.target as Element;
    if (board.inEditor(target) || board.selection.contains(target) || isControl(target)) return;
    const id = this.itemAt(target, board.local(event));
    if (id !== undefined) {
      const item = board.model.entries.get(id)?.item;
      if (item?.kind === 'note') {
        event.preventDefault();
        board.editNote(id);
      }
      return;
    }
    event.preventDefault();
    const b = board.boardPoint(event);
    board.newNoteAt(Math.round(b.x), Math.round(b.y));
  }

  private onWheel(event: WheelEvent): void {
    const board = this.board;
    if (board.inEditor(event.target as Node)) return;
    const target = event.target as Element;
    // A long note or a snippet scrolls its own text first (not while zooming).
    if (!event.ctrlKey && !event.metaKey && scrollsItself(target, event, board.viewport)) return;
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? board.size().height : 1;
    const dx = event.deltaX * unit;
    const dy = event.deltaY * unit;
    if (event.ctrlKey || event.metaKey) {
      const factor = Math.exp(-clamp(dy, -100, 100) * WHEEL_ZOOM_SPEED * (event.deltaMode === 0 && Math.abs(dy) < 10 ? 4 : 1));
      board.zoomTo(board.camera.zoom * factor, board.local(event));
      return;
    }
    if (event.shiftKey && dx === 0) board.setCamera(panBy(board.camera, -dy, 0));
    else board.setCamera(panBy(board.camera, -dx, -dy));
  }
}
