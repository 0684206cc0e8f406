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
 * pan or zoom), and the result is cached; image bytes become `blob:` URLs when first mounted (the
 * least recently shown are released) and are revoked when the item goes.
 */
import { highlight } from '../../board/highlight';
import type { HighlightedLine } from '../../board/highlight';
import type { BoardImage, BoardItem, BoardSnippet, BoardStroke, SnippetStatus } from '../protocol';
import { fillSnippetBadge } from './snippetBadge';
import type { BoardModel, Entry } from './boardModel';
import { fillCode, renderBoardItem } from './boardItems';
import { MAX_DRAWN_STROKE_WIDTH } from './itemGeometry';
import type { ItemElement } from './boardItems';
import { boardToScreen, contains, inflate, visibleRect } from './camera';
import type { Camera, Rect } from './camera';
import { h } from './dom';
import { clamp, safeColour, textColourOn } from './format';
import { decodable, sameBytes } from './imageBytes';
import { OverviewThumbnails } from './overviewThumbnails';
import { thinEvenly } from './simplify';

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
/** Time one slice of snippet highlighting may take when the browser has no idle time to offer, in ms. */
const HIGHLIGHT_SLICE_MS = 8;
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
/** Snippets longer than this are shown without colours, in characters. */
const MAX_HIGHLIGHT_CHARS = 50_000;
/** Snippet highlights kept. */
const MAX_CACHED = 3000;
/** Image `blob:` URLs kept (each holds a copy of the bytes); the least recently shown unmounted ones go first. */
const MAX_IMAGE_URLS = 200;
/** Points of a stroke drawn in the overview: more for strokes that are large on screen. */
const OVERVIEW_STROKE_POINTS = [16, 64, 256] as const;

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
  private readonly urls = new Map<string, { bytes: Uint8Array; url: string | undefined }>();
  private readonly highlights = new Map<string, { code: string; language: string; lines: HighlightedLine[] }>();
  private readonly highlightQueue = new Set<string>();
  private highlightScheduled = false;
  private readonly thumbnails = new OverviewThumbnails((image, bitmap) => this.drawThumbnailInPlace(image, bitmap));
  /** Thumbnails were drawn over the overview as it stood (it is drawn again, in order, once they are all in and the view rests). */
  private thumbnailsInPlace = false;
  private readonly strokePaths = new WeakMap<ArrayLike<number>, Array<Path2D | undefined>>();
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
      this.scheduleHighlight();
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
    for (const id of [...this.urls.keys()]) if (!this.model.entries.has(id)) this.releaseImage(id);
    this.thumbnails.releaseUnless((id) => this.model.entries.has(id));
    for (const id of [...this.highlights.keys()]) if (!this.model.entries.has(id)) this.highlights.delete(id);
    for (const id of [...this.expanded]) if (!this.model.entries.has(id)) this.expanded.delete(id);
    this.firstFrame = true;
    this.contentVersion += 1;
    this.invalidate();
  }

  /** An item was added or replaced: a mounted element is drawn again (keeping focus). */
  changed(item: BoardItem, previous: BoardItem | undefined): void {
    if (previous !== undefined && previous.kind === 'image' && item.kind === 'image' && !sameBytes(previous.bytes, item.bytes)) {
      this.releaseImage(item.id);
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
    this.releaseImage(id);
    this.thumbnails.release(id);
    this.highlights.delete(id);
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
      imageUrl: (image) => this.imageUrl(image),
      codeLines: (snippet) => this.codeLines(snippet),
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

  private imageUrl(image: BoardImage): string | undefined {
    const cached = this.urls.get(image.id);
    if (cached !== undefined && (cached.bytes === image.bytes || sameBytes(cached.bytes, image.bytes))) {
      // Most recently used last.
      this.urls.delete(image.id);
      this.urls.set(image.id, cached);
      return cached.url;
    }
    this.releaseImage(image.id);
    if (this.urls.size >= MAX_IMAGE_URLS) {
      for (const id of this.urls.keys()) {
        if (this.urls.size < MAX_IMAGE_URLS) break;
        if (!this.mounted.has(id)) this.releaseImage(id);
      }
    }
    // The type comes from the bytes, never from the peer's claim; a header promising more pixels
    // than the board allows is never handed to the decoder (a small file can unpack to gigabytes).
    const info = decodable(image.bytes);
    const url = info === undefined ? undefined : URL.createObjectURL(new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: info.mime }));
    this.urls.set(image.id, { bytes: image.bytes, url });
    return url;
  }

  private releaseImage(id: string): void {
    const cached = this.urls.get(id);
    if (cached === undefined) return;
    this.urls.delete(id);
    if (cached.url !== undefined) URL.revokeObjectURL(cached.url);
  }

  // ---- Snippet highlighting ----------------------------------------------------------------

  private codeLines(snippet: BoardSnippet): HighlightedLine[] | undefined {
    const cached = this.highlights.get(snippet.id);
    if (cached !== undefined && cached.code === snippet.code && cached.language === snippet.language) return cached.lines;
    this.highlightQueue.add(snippet.id);
    this.scheduleHighlight();
    return undefined;
  }

  /** Highlights waiting cards when the browser is idle (never in the middle of a pan or zoom). */
  private scheduleHighlight(): void {
    if (this.highlightScheduled || this.highlightQueue.size === 0) return;
    this.highlightScheduled = true;
    const run = (deadline?: IdleDeadline): void => {
      this.highlightScheduled = false;
      if (this.moving) return; // the settle timer schedules again
      this.highlightSlice(deadline);
      this.scheduleHighlight();
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 500 });
    else setTimeout(run, 0);
  }

  private highlightSlice(deadline?: IdleDeadline): void {
    const started = performance.now();
    const left = (): boolean => (deadline !== undefined && !deadline.didTimeout ? deadline.timeRemaining() > 1 : performance.now() - started < HIGHLIGHT_SLICE_MS);
    for (const id of this.highlightQueue) {
      if (!left()) break;
      this.highlightQueue.delete(id);
      const m = this.mounted.get(id);
      const item = m?.entry.item;
      if (m === undefined || item === undefined || item.kind !== 'snippet') continue;
      const lines = highlight(item.code, item.language, { maxChars: MAX_HIGHLIGHT_CHARS, timeBudgetMs: 50 });
      this.highlights.set(id, { code: item.code, language: item.language, lines });
      if (this.highlights.size > MAX_CACHED) {
        const oldest = this.highlights.keys().next().value;
        if (oldest !== undefined) this.highlights.delete(oldest);
      }
      const code = m.el.querySelector<HTMLElement>('.snippet-code code');
      if (code !== null) fillCode(code, lines);
    }
  }

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
    const pixel = 1 / zoom;
    for (const entry of entries) {
      const item = entry.item;
      const move = this.model.pendingMove(item.id);
      const b = entry.bounds;
      switch (item.kind) {
        case 'note': {
          const colour = safeColour(item.colour) ?? card;
          ctx.fillStyle = colour;
          ctx.fillRect(b.x, b.y, b.width, b.height);
          const size = clamp(item.size, 8, 96);
          if (size * zoom >= 2) {
            ctx.globalAlpha = 0.35;
            ctx.fillStyle = safeColour(item.colour) !== undefined ? textColourOn(colour) : ink;
            const rows = Math.min(6, Math.max(1, Math.floor((b.height - 40) / (size * 1.4))));
            for (let i = 0; i < rows; i += 1) {
              const width = (b.width - 24) * (i === rows - 1 ? 0.55 : 0.9);
              ctx.fillRect(b.x + 12, b.y + 12 + i * size * 1.4, width, size * 0.55);
            }
            ctx.globalAlpha = 1;
          }
          break;
        }
        case 'snippet': {
          ctx.fillStyle = card;
          ctx.fillRect(b.x, b.y, b.width, b.height);
          if (zoom < 0.05) break;
          ctx.lineWidth = pixel;
          ctx.strokeStyle = border;
          ctx.strokeRect(b.x, b.y, b.width, b.height);
          ctx.fillStyle = border;
          ctx.fillRect(b.x, b.y + 50, b.width, pixel);
          if (zoom >= 0.1) {
            ctx.globalAlpha = 0.3;
            ctx.fillStyle = ink;
            const rows = Math.min(12, Math.floor((b.height - 66) / 19.5));
            for (let i = 0; i < rows; i += 1) ctx.fillRect(b.x + 10 + (i % 3) * 16, b.y + 62 + i * 19.5, (b.width - 60) * (0.35 + ((i * 37) % 50) / 100), 8);
            ctx.globalAlpha = 1;
          }
          break;
        }
        case 'image': {
          const width = move?.width ?? item.width;
          const height = move?.height ?? item.height;
          const bitmap = this.thumbnails.get(item);
          if (bitmap !== undefined) ctx.drawImage(bitmap, b.x, b.y, width, height);
          else {
            ctx.fillStyle = border;
            ctx.fillRect(b.x, b.y, width, height);
          }
          break;
        }
        case 'stroke': {
          const colour = safeColour(item.colour) ?? ink;
          ctx.strokeStyle = colour;
          ctx.lineWidth = Math.max(clamp(item.width, 0.5, MAX_DRAWN_STROKE_WIDTH), pixel);
          ctx.lineCap = 'round';
          ctx.lineJoin = 'round';
          const dx = move === undefined ? 0 : move.x - item.x;
          const dy = move === undefined ? 0 : move.y - item.y;
          const onScreen = Math.max(b.width, b.height) * zoom;
          if (dx !== 0 || dy !== 0) ctx.translate(dx, dy);
          ctx.stroke(this.strokePath(item, onScreen < 24 ? 0 : onScreen < 160 ? 1 : 2));
          if (dx !== 0 || dy !== 0) ctx.translate(-dx, -dy);
          break;
        }
      }
    }
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

  /** The stroke as a path of at most `OVERVIEW_STROKE_POINTS[level]` points (cached per level). */
  private strokePath(stroke: BoardStroke, level: 0 | 1 | 2): Path2D {
    let cached = this.strokePaths.get(stroke.points);
    if (cached === undefined) {
      cached = [];
      this.strokePaths.set(stroke.points, cached);
    }
    const hit = cached[level];
    if (hit !== undefined) return hit;
    const points = thinEvenly(stroke.points, OVERVIEW_STROKE_POINTS[level]);
    const path = new Path2D();
    path.moveTo(points[0] ?? 0, points[1] ?? 0);
    if (points.length === 2) path.lineTo((points[0] ?? 0) + 0.01, points[1] ?? 0);
    for (let i = 2; i + 1 < points.length; i += 2) path.lineTo(points[i]!, points[i + 1]!);
    cached[level] = path;
    return path;
  }
}
