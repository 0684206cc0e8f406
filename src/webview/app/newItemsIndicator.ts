/**
 * A subtle pill at the top of the board for teammates' new items that arrived out of sight: "2 new
 * items" with an arrow towards the nearest. Activating it (click, Enter, Space) brings that item
 * into view; an item counts as seen once it is in view, and the pill goes when none is left.
 */
import type { Rect } from './camera';
import { intersects } from './camera';
import { h } from './dom';
import { formatCount } from './format';
import { icon } from './icons';

/** Most new items remembered (a catch-up may bring thousands; the count says "999+" past this). */
const MAX_TRACKED = 999;

type Direction = 'up' | 'down' | 'left' | 'right';

export class NewItemsIndicator {
  readonly element: HTMLButtonElement;
  private readonly label: HTMLElement;
  private readonly arrow: HTMLElement;
  /** Unseen items, oldest first, with their board bounds. */
  private readonly unseen = new Map<string, Rect>();
  private view: Rect | undefined;
  /** Set when the pill was to be drawn while held: {@link flush} draws it then. */
  private stale = false;

  /**
   * `held` is true while the board applies a batch of changes: the pill is drawn once at its end
   * ({@link flush}), since finding the nearest of up to {@link MAX_TRACKED} items after each of
   * thousands caught up at once would be quadratic.
   */
  constructor(
    private readonly show: (id: string) => void,
    private readonly held: () => boolean,
  ) {
    this.label = h('span', { className: 'new-items-label' });
    this.arrow = h('span', { className: 'new-items-arrow' }, icon('arrowUp'));
    this.element = h('button', { className: 'new-items', attrs: { type: 'button' } }, this.arrow, this.label);
    this.element.hidden = true;
    this.element.addEventListener('click', () => {
      const id = this.nearest();
      if (id !== undefined) this.show(id);
    });
  }

  /** How many new items are waiting to be seen. */
  get count(): number {
    return this.unseen.size;
  }

  /** A teammate's item arrived; it counts when it is out of view. */
  arrived(id: string, bounds: Rect): void {
    if (this.view !== undefined && intersects(this.view, bounds)) return;
    if (this.unseen.size >= MAX_TRACKED && !this.unseen.has(id)) return;
    this.unseen.set(id, bounds);
    this.render();
  }

  /** The item moved (its bounds) or went (undefined). */
  changed(id: string, bounds: Rect | undefined): void {
    if (!this.unseen.has(id)) return;
    if (bounds === undefined) this.unseen.delete(id);
    else this.unseen.set(id, bounds);
    this.seen(this.view);
  }

  /** The view moved: items now in it are seen. */
  seen(view: Rect | undefined): void {
    this.view = view;
    if (view !== undefined) for (const [id, bounds] of this.unseen) if (intersects(view, bounds)) this.unseen.delete(id);
    this.render();
  }

  /** Draws the pill if it changed while held (the end of a batch). */
  flush(): void {
    if (this.stale) this.render();
  }

  clear(): void {
    this.unseen.clear();
    this.render();
  }

  private nearest(): string | undefined {
    const view = this.view;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const [id, b] of this.unseen) {
      const d = view === undefined ? 0 : distance(view, b);
      if (d < bestDistance) {
        best = id;
        bestDistance = d;
      }
    }
    return best;
  }

  private render(): void {
    if (this.held()) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const n = this.unseen.size;
    this.element.hidden = n === 0;
    if (n === 0) return;
    const text = n >= MAX_TRACKED ? `${formatCount(MAX_TRACKED)}+ new items` : n === 1 ? '1 new item' : `${formatCount(n)} new items`;
    const id = this.nearest();
    const target = id === undefined ? undefined : this.unseen.get(id);
    const direction = this.view === undefined || target === undefined ? 'up' : directionOf(this.view, target);
    if (this.label.textContent !== text) this.label.textContent = text;
    this.arrow.dataset.direction = direction;
    const where = { up: 'above', down: 'below', left: 'to the left', right: 'to the right' }[direction];
    this.element.setAttribute('aria-label', `${text}, the nearest ${where}: show it`);
    this.element.title = 'Show the nearest new item';
  }
}

function centre(r: Rect): { x: number; y: number } {
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

function distance(view: Rect, b: Rect): number {
  const a = centre(view);
  const c = centre(b);
  return Math.hypot(c.x - a.x, c.y - a.y);
}

/** Which way the item lies from the view: the larger of the two offsets, in view sizes. */
function directionOf(view: Rect, b: Rect): Direction {
  const a = centre(view);
  const c = centre(b);
  const dx = (c.x - a.x) / Math.max(1, view.width);
  const dy = (c.y - a.y) / Math.max(1, view.height);
  if (Math.abs(dx) > Math.abs(dy)) return dx > 0 ? 'right' : 'left';
  return dy > 0 ? 'down' : 'up';
}
