/**
 * Where the board looks: the camera over the viewport, its first position (the stored centre,
 * else the top-left of the content at 100%), zooming and fitting. Every change is stored as view state
 * and reported to `changed` (the toolbar's zoom level, the host's view report).
 */
import type { BoardModel } from './boardModel';
import type { BoardScene } from './boardScene';
import type { Point } from './boardSurface';
import { OVERVIEW_ZOOM } from './boardScene';
import { contains, fitRect, sanitizeCamera, screenToBoard, stepZoom, visibleRect, zoomAround } from './camera';
import type { Camera, Rect } from './camera';
import type { ViewStateStore } from './viewState';

/** Room around the content when fitting it into view, in pixels. */
const FIT_PADDING_PX = 48;
/** Room left of and above the content in a first view, in board units. */
const FIRST_VIEW_PADDING = 40;
/** The host hears where the board looks once panning and zooming rest this long, in ms. */
const REPORT_DELAY_MS = 250;

/** Where the board looks, for the host: the board rectangle in view and the zoom. */
export type ViewReport = Rect & { zoom: number };

export class BoardCamera {
  private current: Camera = { x: 0, y: 0, zoom: 1 };
  /** The first camera is set once the board has a size (from the stored view or the content). */
  private placed = false;
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last size the board had (a hidden board has none), to keep its centre across a resize. */
  private lastSize: { width: number; height: number } | undefined;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly scene: BoardScene,
    private readonly model: BoardModel,
    private readonly store: ViewStateStore,
    private readonly changed: (camera: Camera) => void,
    private readonly report: (view: ViewReport) => void,
  ) {}

  get camera(): Camera {
    return this.current;
  }

  /** The camera has been placed: the board has had a size. */
  get ready(): boolean {
    return this.placed;
  }

  size(): { width: number; height: number } {
    return { width: this.viewport.clientWidth, height: this.viewport.clientHeight };
  }

  /** The board rectangle in view, or undefined while the board has no size. */
  visible(): Rect | undefined {
    const { width, height } = this.size();
    return width > 0 && height > 0 ? visibleRect(this.current, width, height) : undefined;
  }

  /**
   * After a resize: places the first camera once the board has a size (at the stored centre, else
   * the top-left of the content at 100%); later, keeps the board point at the centre of the view
   * where it was. The panel moving beside the editor (narrower) or back keeps in sight what the
   * user was looking at, and what was just placed near the centre of the view the host last heard of.
   */
  layout(): void {
    const { width, height } = this.size();
    this.scene.resize(width, height);
    const previous = this.lastSize;
    if (width > 0 && height > 0) this.lastSize = { width, height };
    if (this.placed && previous !== undefined && width > 0 && height > 0 && (previous.width !== width || previous.height !== height)) {
      const { x, y, zoom } = this.current;
      this.set({ x: x + (previous.width - width) / 2 / zoom, y: y + (previous.height - height) / 2 / zoom, zoom });
    }
    if (!this.placed && width > 0 && height > 0) {
      this.placed = true;
      const stored = this.store.current.centre;
      if (stored !== null) {
        const { x, y, zoom } = sanitizeCamera(stored);
        this.set({ x: x - width / 2 / zoom, y: y - height / 2 / zoom, zoom }, false);
      } else {
        // A first look starts at the top-left of the content (or the board origin), at 100%.
        const bounds = this.model.contentBounds();
        const x = bounds === undefined ? 0 : Math.min(0, Math.floor(bounds.x) - FIRST_VIEW_PADDING);
        const y = bounds === undefined ? 0 : Math.min(0, Math.floor(bounds.y) - FIRST_VIEW_PADDING);
        this.set({ x, y, zoom: 1 }, false);
      }
    }
    this.scheduleReport();
    this.scene.invalidate();
  }

  /**
   * Before the first view only: where the host says this board looked when it was last open (the
   * centre and the zoom). The page's own stored view, when it has one, wins (it is the more recent).
   */
  offer(centre: Camera): void {
    if (this.placed || this.store.current.centre !== null) return;
    this.store.update({ centre: sanitizeCamera(centre) });
  }

  /** Moves the camera; `save` stores its centre as the view to come back to (false for a first view). */
  set(camera: Camera, save = true): void {
    const next = sanitizeCamera(camera);
    this.current = next;
    this.scene.setCamera(next);
    const { width, height } = this.size();
    if (save && width > 0 && height > 0) this.store.updateCentre({ x: next.x + width / 2 / next.zoom, y: next.y + height / 2 / next.zoom, zoom: next.zoom });
    this.changed(next);
    this.scheduleReport();
  }

  private scheduleReport(): void {
    if (!this.placed) return;
    if (this.reportTimer !== undefined) clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      const view = this.visible();
      if (view !== undefined) this.report({ ...view, zoom: this.current.zoom });
    }, REPORT_DELAY_MS);
  }

  zoomStep(direction: 1 | -1): void {
    this.zoomTo(stepZoom(this.current.zoom, direction));
  }

  /** Zooms around a viewport point (the centre when absent). */
  zoomTo(zoom: number, at?: Point): void {
    const { width, height } = this.size();
    const p = at ?? { x: width / 2, y: height / 2 };
    this.set(zoomAround(this.current, zoom, p.x, p.y));
  }

  /** Shows `bounds` whole (everything when absent), at 100% at most. */
  fit(bounds = this.model.contentBounds()): void {
    const { width, height } = this.size();
    if (bounds === undefined || width === 0) {
      this.set({ x: 0, y: 0, zoom: 1 });
      return;
    }
    this.set(fitRect(bounds, width, height, FIT_PADDING_PX, 1));
  }

  /** Brings `bounds` into view when it is not, or when zoomed out to the overview. */
  bringIntoView(bounds: Rect): void {
    const { width, height } = this.size();
    if (width <= 0 || height <= 0) return;
    if (!contains(visibleRect(this.current, width, height), bounds) || this.current.zoom < OVERVIEW_ZOOM) {
      // Zoomed out: in to at most 100%; zoomed in: no further than now.
      this.set(fitRect(bounds, width, height, FIT_PADDING_PX, Math.max(1, this.current.zoom)));
    }
  }

  centre(): Point {
    const { width, height } = this.size();
    return screenToBoard(this.current, width / 2, height / 2);
  }
}
