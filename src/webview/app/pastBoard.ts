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
  private urls: string[] = [];

  constructor(private readonly restore: (id: string) => void) {
    this.world = h('div', { className: 'past-world' });
    this.empty = h('p', { className: 'past-empty', text: 'The board was empty at this point.' });
    this.element = h('div', { className: 'past-board', attrs: { role: 'region', 'aria-label': 'The board as it was' } }, this.world, this.empty);
  }

  /** Draws `items` (bottom first); `restorable` are the notes deleted since, which get "Restore this item". */
  render(items: readonly BoardItem[], restorable: ReadonlySet<string>): void {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.world.replaceChildren(...items.map((item) => this.itemElement(item, restorable.has(item.id))));
    this.empty.hidden = items.length > 0;
    this.fit(items);
  }

  /** Fits the items' bounds into the panel (never zooming in past 1). */
  fit(items: readonly BoardItem[]): void {
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
    const box = this.element.getBoundingClientRect();
    const zoom = Math.min(1, (box.width - 2 * MARGIN) / Math.max(1, right - left), (box.height - 2 * MARGIN) / Math.max(1, bottom - top));
    const scale = Number.isFinite(zoom) && zoom > 0 ? zoom : 1;
    this.world.style.transform = `translate(${MARGIN - left * scale}px, ${MARGIN - top * scale}px) scale(${scale})`;
  }

  private itemElement(item: BoardItem, restorable: boolean): HTMLElement | SVGSVGElement {
    const el = this.content(item);
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
    return el;
  }

  private content(item: BoardItem): HTMLElement | SVGSVGElement {
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
        if (decodable(item.bytes) !== undefined) {
          const url = URL.createObjectURL(new Blob([item.bytes.slice()], { type: item.mime }));
          this.urls.push(url);
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
