/**
 * The board as it was at one step of its history, drawn read-only over the live board while the
 * history view is open (historyView.ts). It is a picture, not the live board: no item takes a
 * click, a drag or a key, so nothing done here can post a change; the one action is "Restore this
 * item" on a note that was deleted since.
 *
 * Drawn fitted to the panel (the past's items can be anywhere), with the same checked fonts and
 * colours as the live board and peer text only through `textContent`. The live board's own scene
 * (boardScene.ts) is not reused: it is built around editing, pending changes and the camera the
 * user is working in, and the past must not disturb any of them.
 */
import type { BoardItem } from '../protocol';
import { button, h } from './dom';
import { capText, safeColour, safeFontFamily, textColourOn } from './format';
import { decodable } from './imageBytes';

/** Longest text drawn on a past note or snippet, in characters (the live board caps them the same way). */
const MAX_PAST_TEXT = 2000;
/** Size assumed for a note or snippet card when fitting the view, in board units. */
const CARD = { width: 240, height: 120 };
/** Room kept around the fitted items, in CSS pixels. */
const MARGIN = 24;

export class PastBoard {
  readonly element: HTMLElement;
  private readonly world: HTMLElement;
  private readonly empty: HTMLElement;
  /** The panel's size in CSS pixels, as last observed. */
  private size = { width: 0, height: 0 };
  /** The items drawn, fitted again when the panel changes size. */
  private items: readonly BoardItem[] = [];
  /** What is drawn, by item id: a step changes one item, so the rest are kept rather than built again. */
  private drawn = new Map<string, { item: BoardItem; restorable: boolean; el: HTMLElement | SVGSVGElement; url?: string }>();

  constructor(private readonly restore: (id: string) => void) {
    this.world = h('div', { className: 'past-world' });
    this.empty = h('p', { className: 'past-empty', text: 'The board was empty at this point.' });
    this.element = h('div', { className: 'past-board', attrs: { role: 'region', 'aria-label': 'The board as it was', tabindex: '-1' } }, this.world, this.empty);
    // The panel's size from the observer, not read after drawing: reading it then would force a
    // layout of every item at once, seconds on a board of 20,000.
    new ResizeObserver(([entry]) => {
      if (entry === undefined) return;
      this.size = { width: entry.contentRect.width, height: entry.contentRect.height };
      this.fit(this.items);
    }).observe(this.element);
  }

  /** Draws `items` (bottom first); `restorable` are the notes deleted since, which get "Restore this item". */
  render(items: readonly BoardItem[], restorable: ReadonlySet<string>): void {
    const drawn = new Map<string, { item: BoardItem; restorable: boolean; el: HTMLElement | SVGSVGElement; url?: string }>();
    for (const item of items) {
      const wasDrawn = this.drawn.get(item.id);
      const isRestorable = restorable.has(item.id);
      if (wasDrawn !== undefined && wasDrawn.restorable === isRestorable && sameItem(wasDrawn.item, item)) {
        drawn.set(item.id, wasDrawn);
        this.drawn.delete(item.id);
      } else {
        drawn.set(item.id, this.itemElement(item, isRestorable));
      }
    }
    // What is left was not at this step (or changed): it goes, and its image URL is let go.
    for (const gone of this.drawn.values()) {
      gone.el.remove();
      if (gone.url !== undefined) URL.revokeObjectURL(gone.url);
    }
    this.drawn = drawn;
    // In stacking order, touching only what changed: a step adds, changes or removes one item, and
    // re-inserting 20,000 elements would cost seconds of style and layout.
    let at = this.world.firstChild;
    for (const { el } of drawn.values()) {
      if (at === el) at = at.nextSibling;
      else this.world.insertBefore(el, at);
    }
    this.empty.hidden = items.length > 0;
    this.fit(items);
  }

  /** Fits the items' bounds into the panel (never zooming in past 1). */
  private fit(items: readonly BoardItem[]): void {
    this.items = items;
    if (items.length === 0) return;
    let left = Infinity;
    let top = Infinity;
    let right = -Infinity;
    let bottom = -Infinity;
    for (const item of items) {
      const { width, height } = extent(item);
      left = Math.min(left, item.x);
      top = Math.min(top, item.y);
      right = Math.max(right, item.x + width);
      bottom = Math.max(bottom, item.y + height);
    }
    const box = this.size;
    const zoom = Math.min(1, (box.width - 2 * MARGIN) / Math.max(1, right - left), (box.height - 2 * MARGIN) / Math.max(1, bottom - top));
    const scale = Number.isFinite(zoom) && zoom > 0 ? zoom : 1;
    this.world.style.transform = `translate(${MARGIN - left * scale}px, ${MARGIN - top * scale}px) scale(${scale})`;
  }

  private itemElement(item: BoardItem, restorable: boolean): { item: BoardItem; restorable: boolean; el: HTMLElement | SVGSVGElement; url?: string } {
    const url = item.kind === 'image' && decodable(item.bytes) !== undefined ? URL.createObjectURL(new Blob([item.bytes.slice()], { type: item.mime })) : undefined;
    const el = this.content(item, url);
    el.classList.add('past-item', `past-${item.kind}`);
    el.dataset.id = item.id;
    el.dataset.author = item.author.id;
    if (item.kind !== 'stroke') {
      el.style.left = `${item.x}px`;
      el.style.top = `${item.y}px`;
    }
    if (restorable && el instanceof HTMLElement) {
      el.classList.add('past-deleted');
      el.append(
        h('span', { className: 'past-deleted-label', text: 'Deleted since' }),
        button('Restore this item', () => this.restore(item.id), { className: 'button past-restore', ariaLabel: `Restore this item: ${capText(item.kind === 'note' ? item.text : '', 60).text}` }),
      );
    }
    return { item, restorable, el, ...(url !== undefined && { url }) };
  }

  private content(item: BoardItem, url: string | undefined): HTMLElement | SVGSVGElement {
    switch (item.kind) {
      case 'note': {
        const el = h('div', { attrs: { title: `Note by ${item.author.name}` } }, h('div', { className: 'past-text', text: capText(item.text, MAX_PAST_TEXT).text }));
        const colour = safeColour(item.colour);
        if (colour !== undefined) {
          el.style.setProperty('--note-bg', colour);
          el.style.setProperty('--note-fg', textColourOn(colour));
        }
        const font = safeFontFamily(item.font);
        if (font !== undefined) el.style.fontFamily = font;
        if (Number.isFinite(item.size)) el.style.fontSize = `${Math.min(96, Math.max(8, item.size))}px`;
        return el;
      }
      case 'snippet':
        return h('div', { attrs: { title: `${item.path}:${item.startLine}-${item.endLine}` } }, h('div', { className: 'past-caption', text: `${item.path}:${item.startLine}` }), h('pre', { text: capText(item.code, MAX_PAST_TEXT).text }));
      case 'image': {
        const el = h('div', {});
        el.style.width = `${item.width}px`;
        el.style.height = `${item.height}px`;
        if (url !== undefined) {
          const img = h('img', { attrs: { alt: `Image by ${item.author.name}` } });
          img.src = url;
          el.append(img);
        }
        return el;
      }
      case 'stroke':
        return strokeElement(item);
    }
  }
}

function strokeElement(item: Extract<BoardItem, { kind: 'stroke' }>): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(ns, 'polyline');
  const pairs: string[] = [];
  for (let i = 0; i + 1 < item.points.length; i += 2) pairs.push(`${item.points[i]},${item.points[i + 1]}`);
  line.setAttribute('points', pairs.join(' '));
  line.setAttribute('stroke', safeColour(item.colour) ?? 'currentColor');
  line.setAttribute('stroke-width', String(item.width));
  svg.append(line);
  return svg;
}

/** True when two versions of an item draw alike (an image's bytes never change under one id: its add carries them). */
function sameItem(a: BoardItem, b: BoardItem): boolean {
  if (a.kind !== b.kind || a.x !== b.x || a.y !== b.y || a.order !== b.order || a.author.name !== b.author.name) return false;
  switch (a.kind) {
    case 'note':
      return b.kind === 'note' && a.text === b.text && a.font === b.font && a.size === b.size && a.colour === b.colour;
    case 'snippet':
      return b.kind === 'snippet' && a.code === b.code && a.path === b.path && a.startLine === b.startLine && a.endLine === b.endLine;
    case 'image':
      return b.kind === 'image' && a.width === b.width && a.height === b.height && a.bytes.byteLength === b.bytes.byteLength;
    case 'stroke':
      return b.kind === 'stroke' && a.points.length === b.points.length && a.width === b.width && a.colour === b.colour;
  }
}

/** The room an item takes, in board units (cards are estimated: the past is not measured). */
function extent(item: BoardItem): { width: number; height: number } {
  switch (item.kind) {
    case 'image':
      return { width: item.width, height: item.height };
    case 'stroke': {
      let right = item.x;
      let bottom = item.y;
      for (let i = 0; i + 1 < item.points.length; i += 2) {
        right = Math.max(right, item.points[i]!);
        bottom = Math.max(bottom, item.points[i + 1]!);
      }
      return { width: right - item.x, height: bottom - item.y };
    }
    default:
      return CARD;
  }
}
