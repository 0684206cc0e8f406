/**
 * Draws the board for a camera, at a cost that depends on what is in view, not on the board's size.
 *
 * - Close up (zoom ≥ {@link OVERVIEW_ZOOM}), items are DOM elements in one "world" element that the
 *   camera moves with a CSS transform (panning and zooming lay nothing out). Only items whose bounds
 *   (from a spatial grid) meet the view are mounted (plus a margin once the view rests); the rest are
 *   unmounted as the view moves (past a wider margin, so items at the edge do not flicker). Updates
 *   run once per animation frame, with a time budget for mounting: a jump to a dense area fills in
 *   over a few frames.
 * - Far out (or when the view holds more than {@link MAX_MOUNTED} items), text is unreadable anyway:
 *   one canvas draws the items as shapes (notes in their colour, cards, image thumbnails, strokes),
 *   and the DOM holds none of them. The canvas holds the view and a margin; panning and zooming move
 *   and scale it, and it is drawn again only when the view leaves it, the zoom drifts, the view rests
 *   or the content changes.
 *
 * A snippet card is mounted with plain code and highlighted when the browser is idle (never during a
 * pan or zoom), and the result is cached (`snippetHighlights.ts`); image bytes become `blob:` URLs
 * when first mounted, the least recently shown released first (`imageUrls.ts`); the overview's
 * shapes are drawn by `overviewPainter.ts`.
 */
import type { BoardImage, BoardItem, SnippetStatus } from '../protocol';
import { fillSnippetBadge } from './snippetBadge';
import type { BoardModel, Entry } from './boardModel';
import { renderBoardItem } from './boardItems';
import type { ItemElement } from './boardItems';
import { boardToScreen, contains, inflate, visibleRect } from './camera';
import type { Camera, Rect } from './camera';
import { h } from './dom';
import { sameBytes } from './imageBytes';
import { ImageUrls } from './imageUrls';
import { OverviewPainter } from './overviewPainter';
import { SnippetHighlights } from './snippetHighlights';
import { OverviewThumbnails } from './overviewThumbnails';

/** Below this zoom the board is drawn as an overview on a canvas (with hysteresis on the way back). */
export const OVERVIEW_ZOOM = 0.4;
const OVERVIEW_EXIT_ZOOM = 0.45;
/** Most items mounted in the DOM at once; a fuller view is drawn as an overview. */
export const MAX_MOUNTED = 400;
/** Time one frame may spend mounting items, in ms (the first frame of a snapshot gets more). */
const MOUNT_BUDGET_MS = 6;
const FIRST_FRAME_BUDGET_MS = 250;
/** Items are mounted this far outside the view (in screen pixels) and unmounted past twice that. */
const MOUNT_MARGIN_PX = 240;
/** The overview canvas covers the view and this share of it again on every side, so panning only moves it. */
const OVERVIEW_MARGIN = 0.5;
/** The overview is drawn again when the zoom has changed by more than this factor since it was drawn. */
const OVERVIEW_REDRAW_ZOOM_RATIO = 1.25;
/**
 * …while the view moves, by more than this factor: a full redraw takes longer than a frame on a
 * large board, and a zoom would pay it every few frames. Scaled up to twice, the canvas is only
 * blurred for the moment; it is drawn again sharp once the view rests. (Zooming out by half is as
 * far as the margin reaches, so this is also when the view would leave it.)
 */
const OVERVIEW_REDRAW_ZOOM_RATIO_MOVING = 2;
/** Once the view has rested this long, a scaled overview is drawn again sharp, in ms. */
const SETTLE_MS = 160;

export interface SceneHooks {
  open(id: string): void;
  copy(id: string): void;
  /** Called after each drawn frame (the board moves its overlays). */
  afterRender(): void;
}

interface Mounted {
  entry: Entry;
  el: ItemElement;
  rankVersion: number;
  /** Measure this element's size at the next frame. */
  measure: boolean;
}

export class BoardScene {
  readonly world: HTMLElement;
  readonly overview: HTMLCanvasElement;
  camera: Camera = { x: 0, y: 0, zoom: 1 };
  width = 0;
  height = 0;
  mode: 'dom' | 'overview' = 'dom';
  private readonly mounted = new Map<string, Mounted>();
  /** The host's word on each snippet card's code in this member's checkout. */
  private readonly snippetStatuses = new Map<string, SnippetStatus>();
  /** Items kept mounted wherever the view is (selected, dragged, focused). */
  private readonly pinned = new Set<string>();
  private readonly expanded = new Set<string>();
  /** Items highlighted for a moment, and until when (an item mounted late or drawn again keeps it). */
  private readonly flashing = new Map<string, number>();
  private readonly urls = new ImageUrls((id) => this.mounted.has(id));
  private readonly highlights: SnippetHighlights;
  private readonly thumbnails = new OverviewThumbnails((image, bitmap) => this.drawThumbnailInPlace(image, bitmap));
  private readonly painter: OverviewPainter;
  /** Thumbnails were drawn over the overview as it stood (it is drawn again, in order, once they are all in and the view rests). */
  private thumbnailsInPlace = false;
  /** What the overview canvas holds: the board rectangle, at which zoom, for which content. */
  private overviewDrawn: { rect: Rect; zoom: number; version: number } | undefined;
  /** Bumped whenever what the overview draws may have changed. */
  private contentVersion = 0;
  /** The view is moving (a redraw at the final zoom follows when it rests). */
  private moving = false;
  private frame = 0;
  private lastTransform = '';
  private movingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Mounts left over from the last frame's budget. */
  private backlog = false;
  private firstFrame = true;

  constructor(
    private readonly model: BoardModel,
    private readonly hooks: SceneHooks,
  ) {
    this.world = h('div', { className: 'board-world' });
    this.overview = h('canvas', { className: 'board-overview', attrs: { 'aria-hidden': 'true' } });
    this.overview.hidden = true;
    this.painter = new OverviewPainter(model, this.thumbnails);
    this.highlights = new SnippetHighlights({
      paused: () => this.moving,
      mounted: (id) => {
        const m = this.mounted.get(id);
        return m !== undefined && m.entry.item.kind === 'snippet' ? { snippet: m.entry.item, element: m.el } : undefined;
      },
    });
  }

  /** The view is moving: what is drawn may be scaled for the moment (the dot grid too). */
  get viewMoving(): boolean {
    return this.moving;
  }

  /** Mounted items (for tests and the board's focus handling). */
  get mountedCount(): number {
    return this.mounted.size;
  }

  element(id: string): ItemElement | undefined {
    return this.mounted.get(id)?.el;
  }

  /** Highlights items for `ms` milliseconds: those drawn now, and those mounted while it lasts. */
  flash(ids: readonly string[], ms: number): void {
    const until = performance.now() + ms;
    for (const id of ids) {
      this.flashing.set(id, until);
      this.element(id)?.classList.add('flash');
    }
    setTimeout(() => {
      const now = performance.now();
      for (const id of ids) {
        const end = this.flashing.get(id);
        if (end === undefined || end > now) continue;
        this.flashing.delete(id);
        this.element(id)?.classList.remove('flash');
      }
    }, ms);
  }

  pin(id: string | undefined, on: boolean): void {
    if (id === undefined) return;
    if (on) this.pinned.add(id);
    else this.pinned.delete(id);
  }

  setCamera(camera: Camera): void {
    if (camera.x === this.camera.x && camera.y === this.camera.y && camera.zoom === this.camera.zoom) return;
    this.camera = camera;
    // While the view moves, the world is its own compositor layer; once it rests it is drawn
    // again at the final scale (crisp text).
    this.world.classList.add('moving');
    this.moving = true;
    if (this.movingTimer !== undefined) clearTimeout(this.movingTimer);
    this.movingTimer = setTimeout(() => {
      this.world.classList.remove('moving');
      this.moving = false;
      // A scaled overview is drawn again sharp, the margin around the view fills in, and waiting
      // highlights get their turn.
      this.invalidate();
      this.highlights.schedule();
    }, SETTLE_MS);
    this.invalidate();
  }

  resize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.invalidate();
  }

  /** Schedules a frame. */
  invalidate(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Draws now (the first frame after a snapshot, so it paints with the items in it). */
  renderNow(): void {
    if (this.frame !== 0) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.render();
  }

  /** Everything was replaced: drops what is mounted and cached for items that are gone. */
  reset(): void {
    for (const id of [...this.mounted.keys()]) this.unmount(id);
    this.urls.releaseUnless((id) => this.model.entries.has(id));
    this.thumbnails.releaseUnless((id) => this.model.entries.has(id));
    this.highlights.forgetUnless((id) => this.model.entries.has(id));
    for (const id of [...this.expanded]) if (!this.model.entries.has(id)) this.expanded.delete(id);
    this.firstFrame = true;
    this.contentVersion += 1;
    this.invalidate();
  }

  /** An item was added or replaced: a mounted element is drawn again (keeping focus). */
  changed(item: BoardItem, previous: BoardItem | undefined): void {
    if (previous !== undefined && previous.kind === 'image' && item.kind === 'image' && !sameBytes(previous.bytes, item.bytes)) {
      this.urls.release(item.id);
      this.thumbnails.release(item.id);
    }
    const m = this.mounted.get(item.id);
    if (m !== undefined) {
      const entry = this.model.entries.get(item.id);
      if (entry === undefined) return;
      const hadFocus = m.el.contains(document.activeElement);
      const el = this.renderItem(entry);
      m.el.replaceWith(el);
      m.el = el;
      m.entry = entry;
      m.rankVersion = -1;
      m.measure = item.kind === 'note' || item.kind === 'snippet';
      if (hadFocus) el.focus({ preventScroll: true });
    }
    this.contentVersion += 1;
    this.invalidate();
  }

  removed(id: string): void {
    this.unmount(id);
    this.urls.release(id);
    this.thumbnails.release(id);
    this.highlights.forget(id);
    this.expanded.delete(id);
    this.pinned.delete(id);
    this.flashing.delete(id);
    this.contentVersion += 1;
    this.invalidate();
  }

  /** Shows a pending move of a mounted item without drawing it again. */
  applyPending(id: string): void {
    this.contentVersion += 1;
    const m = this.mounted.get(id);
    if (m === undefined) {
      this.invalidate();
      return;
    }
    this.position(m);
    this.invalidate();
  }

  /** The item's bounds on screen, relative to the viewport. */
  screenRect(id: string): Rect | undefined {
    const entry = this.model.entries.get(id);
    if (entry === undefined || this.model.isDeleting(id)) return undefined;
    const b = entry.bounds;
    const p = boardToScreen(this.camera, b.x, b.y);
    return { x: p.x, y: p.y, width: b.width * this.camera.zoom, height: b.height * this.camera.zoom };
  }

  private render(): void {
    const started = performance.now();
    const budget = this.firstFrame ? FIRST_FRAME_BUDGET_MS : MOUNT_BUDGET_MS;
    this.firstFrame = false;
    this.backlog = false;
    const { zoom } = this.camera;
    // Whole device pixels, so text stays sharp.
    const tx = Math.round(-this.camera.x * zoom);
    const ty = Math.round(-this.camera.y * zoom);
    const transform = `translate(${tx}px, ${ty}px) scale(${zoom})`;
    if (transform !== this.lastTransform) {
      this.world.style.transform = transform;
      this.lastTransform = transform;
    }
    this.model.ordered();
    if (this.width === 0 || this.height === 0) {
      this.hooks.afterRender();
      return;
    }
    const view = visibleRect(this.camera, this.width, this.height);
    const far = this.mode === 'overview' ? zoom < OVERVIEW_EXIT_ZOOM : zoom < OVERVIEW_ZOOM;
    const mode = far || this.model.search(view).length > MAX_MOUNTED ? 'overview' : 'dom';
    if (mode !== this.mode) {
      this.mode = mode;
      this.overview.hidden = mode !== 'overview';
      this.world.classList.toggle('overview', mode === 'overview');
      this.overviewDrawn = undefined;
    }
    if (mode === 'overview') {
      for (const id of [...this.mounted.keys()]) if (!this.pinned.has(id)) this.unmount(id);
      this.updateOverview(view);
    } else {
      this.updateMounted(view, started, budget);
    }
    this.hooks.afterRender();
    if (this.backlog) this.invalidate();
  }

  private updateMounted(view: Rect, started: number, budget: number): void {
    const margin = MOUNT_MARGIN_PX / this.camera.zoom;
    // While the view moves, only what comes into view is mounted (the work per frame stays even);
    // the margin fills in once it rests.
    const wanted = this.model.search(this.moving ? view : inflate(view, margin));
    const keep = inflate(view, 2 * margin);
    for (const [id, m] of this.mounted) {
      if (this.pinned.has(id)) continue;
      const b = m.entry.bounds;
      const gone = this.model.entries.get(id) !== m.entry || this.model.isDeleting(id);
      if (gone || b.x > keep.x + keep.width || b.y > keep.y + keep.height || b.x + b.width < keep.x || b.y + b.height < keep.y) this.unmount(id);
    }
    const rankVersion = this.model.rankVersion;
    for (const id of wanted) {
      if (this.mounted.has(id)) continue;
      if (performance.now() - started > budget) {
        this.backlog = true;
        break;
      }
      const entry = this.model.entries.get(id);
      if (entry === undefined) continue;
      const m: Mounted = { entry, el: this.renderItem(entry), rankVersion: -1, measure: entry.item.kind === 'note' || entry.item.kind === 'snippet' };
      this.mounted.set(id, m);
      this.position(m);
      this.world.append(m.el);
    }
    for (const m of this.mounted.values()) {
      if (m.rankVersion !== rankVersion) {
        m.el.style.zIndex = String(m.entry.rank);
        m.rankVersion = rankVersion;
      }
    }
    // Reads after all writes: one layout for every card mounted this frame.
    const sizes: Array<[Mounted, number, number]> = [];
    for (const m of this.mounted.values()) {
      if (!m.measure) continue;
      m.measure = false;
      const el = m.el as HTMLElement;
      sizes.push([m, el.offsetWidth, el.offsetHeight]);
    }
    for (const [m, width, height] of sizes) {
      if (width > 0 && height > 0) this.model.setMeasured(m.entry.item.id, { width, height });
    }
  }

  private position(m: Mounted): void {
    const item = m.entry.item;
    const move = this.model.pendingMove(item.id);
    const dx = move === undefined ? 0 : move.x - item.x;
    const dy = move === undefined ? 0 : move.y - item.y;
    m.el.style.translate = dx === 0 && dy === 0 ? '' : `${dx}px ${dy}px`;
    if (item.kind === 'image') {
      const width = move?.width ?? item.width;
      const height = move?.height ?? item.height;
      m.el.style.width = `${width}px`;
      const frame = m.el.querySelector<HTMLElement>('.image-frame');
      if (frame !== null) frame.style.height = `${height}px`;
    }
  }

  private unmount(id: string): void {
    const m = this.mounted.get(id);
    if (m === undefined) return;
    this.mounted.delete(id);
    m.el.remove();
  }

  private renderItem(entry: Entry): ItemElement {
    const id = entry.item.id;
    const el = renderBoardItem(entry.item, {
      expanded: this.expanded.has(id),
      onToggleExpanded: (expanded) => {
        if (expanded) this.expanded.add(id);
        else this.expanded.delete(id);
        const m = this.mounted.get(id);
        if (m !== undefined) m.measure = true;
        this.invalidate();
      },
      open: (itemId) => this.hooks.open(itemId),
      copy: (itemId) => this.hooks.copy(itemId),
      imageUrl: (image) => this.urls.url(image),
      codeLines: (snippet) => this.highlights.lines(snippet),
      snippetStatus: (itemId) => this.snippetStatuses.get(itemId),
    });
    if ((this.flashing.get(id) ?? 0) > performance.now()) el.classList.add('flash');
    return el;
  }

  /** Takes the host's statuses of snippet cards and fills the badges of those drawn, in place. */
  setSnippetStatuses(statuses: readonly SnippetStatus[]): void {
    for (const status of statuses) {
      this.snippetStatuses.set(status.id, status);
      const m = this.mounted.get(status.id);
      const badge = m?.el.querySelector<HTMLElement>('.snippet-status');
      if (m === undefined || badge === null || badge === undefined || m.entry.item.kind !== 'snippet') continue;
      fillSnippetBadge(badge, status, m.entry.item);
      m.measure = true;
    }
    this.invalidate();
  }

  // ---- Images ------------------------------------------------------------------------------

  // ---- Overview ----------------------------------------------------------------------------

  /**
   * Keeps the overview canvas over the view: it holds the view and a margin around it, drawn at
   * some zoom; panning and zooming only move and scale it (a CSS transform), until the view leaves
   * what it holds, the zoom drifts too far, the view rests at another zoom, or the content changes.
   */
  private updateOverview(view: Rect): void {
    const { zoom } = this.camera;
    const drawn = this.overviewDrawn;
    const ratio = drawn === undefined ? Infinity : Math.max(zoom / drawn.zoom, drawn.zoom / zoom);
    const stale =
      drawn === undefined ||
      drawn.version !== this.contentVersion ||
      !contains(drawn.rect, view) ||
      ratio > (this.moving ? OVERVIEW_REDRAW_ZOOM_RATIO_MOVING : OVERVIEW_REDRAW_ZOOM_RATIO) ||
      (!this.moving && (ratio > 1.0001 || (this.thumbnailsInPlace && !this.thumbnails.busy)));
    if (stale) {
      const rect = inflate(view, Math.max(view.width, view.height) * OVERVIEW_MARGIN);
      this.drawOverview(rect, this.model.search(rect));
      this.overviewDrawn = { rect, zoom, version: this.contentVersion };
    }
    const d = this.overviewDrawn!;
    const scale = zoom / d.zoom;
    const x = (d.rect.x - this.camera.x) * zoom;
    const y = (d.rect.y - this.camera.y) * zoom;
    this.overview.style.transform = `translate(${x.toFixed(2)}px, ${y.toFixed(2)}px) scale(${scale.toFixed(5)})`;
  }

  private drawOverview(rect: Rect, ids: readonly string[]): void {
    const canvas = this.overview;
    const dpr = window.devicePixelRatio || 1;
    const { zoom } = this.camera;
    const cssW = Math.ceil(rect.width * zoom);
    const cssH = Math.ceil(rect.height * zoom);
    const w = Math.round(cssW * dpr);
    const hgt = Math.round(cssH * dpr);
    if (canvas.width !== w || canvas.height !== hgt) {
      canvas.width = w;
      canvas.height = hgt;
      canvas.style.width = `${cssW}px`;
      canvas.style.height = `${cssH}px`;
    }
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    this.thumbnails.startDrawing();
    this.thumbnailsInPlace = false;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    const s = zoom * dpr;
    ctx.setTransform(s, 0, 0, s, -rect.x * s, -rect.y * s);
    const style = getComputedStyle(canvas);
    const card = style.getPropertyValue('--vscode-editorWidget-background').trim() || '#252526';
    const border = style.getPropertyValue('--vscode-editorWidget-border').trim() || '#454545';
    const ink = style.getPropertyValue('--vscode-editor-foreground').trim() || '#cccccc';
    const entries = ids.map((id) => this.model.entries.get(id)!).sort((a, b) => a.rank - b.rank);
    this.painter.paint(ctx, entries, zoom, { card, border, ink });
  }

  /**
   * Draws a thumbnail that has just been decoded into the overview as it stands, instead of drawing
   * the whole overview again for each one (which a zoom over hundreds of images would pay frame after
   * frame). It lands on top of whatever overlaps it until the overview is next drawn in order.
   */
  private drawThumbnailInPlace(image: BoardImage, bitmap: ImageBitmap): void {
    const drawn = this.overviewDrawn;
    const entry = this.model.entries.get(image.id);
    if (this.mode !== 'overview' || drawn === undefined || entry === undefined || entry.item !== image) return;
    const ctx = this.overview.getContext('2d');
    if (ctx === null) return;
    const s = drawn.zoom * (window.devicePixelRatio || 1);
    ctx.setTransform(s, 0, 0, s, -drawn.rect.x * s, -drawn.rect.y * s);
    const move = this.model.pendingMove(image.id);
    ctx.drawImage(bitmap, entry.bounds.x, entry.bounds.y, move?.width ?? image.width, move?.height ?? image.height);
    this.thumbnailsInPlace = true;
    // At rest, the overview is drawn again in order once the last one is in.
    if (!this.moving) this.invalidate();
  }
}
