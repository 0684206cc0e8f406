/**
 * How each kind of board item looks. One renderer per `BoardItem['kind']`; the switch in
 * {@link renderBoardItem} is exhaustive, so a new kind does not compile until it has a renderer.
 * Renderers place the element at the item's own board coordinates; moving it while a drag waits
 * for the host's echo, mounting and unmounting are the board's job.
 */
import type { HighlightedLine } from '../../board/highlight';
import { assertNever } from '../protocol';
import type { BoardImage, BoardItem, BoardNote, BoardSnippet, BoardStroke, SnippetStatus } from '../protocol';
import { snippetBadge } from './snippetBadge';
import { h } from './dom';
import { expandableText } from './expandableText';
import { capText, clamp, formatCount, safeColour, safeFontFamily, textColourOn } from './format';
import { SVG_NS, icon } from './icons';
import { MAX_DRAWN_STROKE_WIDTH, strokeBounds } from './itemGeometry';

/** Characters of a note shown before "Show all". */
export const NOTE_PREVIEW_CHARS = 1000;
/** Characters of a snippet rendered at most; the rest is summarised (the host's editor has it all). */
export const SNIPPET_MAX_CHARS = 200_000;
/** Note font size range, in CSS pixels. */
const MIN_NOTE_FONT_PX = 8;
const MAX_NOTE_FONT_PX = 96;
const LANGUAGE = /^[A-Za-z0-9_.+#-]{1,64}$/;

export type ItemElement = HTMLElement | SVGSVGElement;

/** What a renderer may know and do beyond the item itself. */
export interface RenderContext {
  /** The user expanded this item's long text. */
  expanded: boolean;
  onToggleExpanded(expanded: boolean): void;
  /** Open a snippet's file; copy an item's text (posted to the host). */
  open(id: string): void;
  copy(id: string): void;
  /** A `blob:` URL of the checked image bytes, or undefined when they are not a PNG, JPEG or GIF within the pixel limits. */
  imageUrl(image: BoardImage): string | undefined;
  /** The snippet's highlighted lines if ready; when undefined the code is shown plain for now. */
  codeLines(snippet: BoardSnippet): HighlightedLine[] | undefined;
  /** How the snippet's code stands in this member's checkout, when the host has said. */
  snippetStatus(id: string): SnippetStatus | undefined;
}

export function renderBoardItem(item: BoardItem, ctx: RenderContext): ItemElement {
  let el: ItemElement;
  switch (item.kind) {
    case 'note':
      el = renderNote(item, ctx);
      break;
    case 'snippet':
      el = renderSnippet(item, ctx);
      break;
    case 'image':
      el = renderImage(item, ctx);
      break;
    case 'stroke':
      el = renderStroke(item);
      break;
    default:
      return assertNever(item);
  }
  el.classList.add('board-item');
  el.dataset.id = item.id;
  el.dataset.kind = item.kind;
  el.tabIndex = 0;
  if (item.kind !== 'stroke') {
    el.style.left = `${item.x}px`;
    el.style.top = `${item.y}px`;
  }
  return el;
}

function renderNote(note: BoardNote, ctx: RenderContext): HTMLElement {
  const el = h('article', { className: 'note', attrs: { 'aria-label': `Note by ${note.author.name}`, 'aria-roledescription': 'note' } });
  const colour = safeColour(note.colour);
  if (colour !== undefined) {
    // Custom properties, so a high-contrast theme can still override the peer's colours in CSS.
    el.style.setProperty('--note-bg', colour);
    el.style.setProperty('--note-fg', textColourOn(colour));
    el.classList.add('coloured');
  }
  const text = expandableText(note.text, {
    previewChars: NOTE_PREVIEW_CHARS,
    className: 'note-text',
    expanded: ctx.expanded,
    onToggle: (expanded) => ctx.onToggleExpanded(expanded),
  });
  const family = safeFontFamily(note.font);
  const body = text.body;
  if (family !== undefined) body.style.fontFamily = family;
  if (Number.isFinite(note.size) && note.size > 0) body.style.fontSize = `${clamp(note.size, MIN_NOTE_FONT_PX, MAX_NOTE_FONT_PX)}px`;
  el.append(text.element, h('footer', { className: 'item-author' }, h('bdi', { text: note.author.name })));
  return el;
}

export function lineRange(start: number, end: number): string {
  const a = Math.trunc(start);
  const b = Math.trunc(end);
  return a === b ? `${a}` : `${a}-${b}`;
}

function smallButton(label: string, ariaLabel: string, iconName: 'open' | 'copy', onClick: () => void): HTMLButtonElement {
  const b = h('button', { className: 'item-button', attrs: { type: 'button', 'aria-label': ariaLabel, title: ariaLabel } });
  b.append(icon(iconName), h('span', { text: label }));
  b.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return b;
}

/** Fills `code` with highlighted lines: a span per coloured token (text only), plain text as text nodes. */
export function fillCode(code: HTMLElement, lines: readonly HighlightedLine[]): void {
  const fragment = document.createDocumentFragment();
  let plain = '';
  const flush = (): void => {
    if (plain !== '') fragment.append(plain);
    plain = '';
  };
  lines.forEach((line, i) => {
    if (i > 0) plain += '\n';
    for (const token of line) {
      if (token.kind === 'plain') {
        plain += token.text;
        continue;
      }
      flush();
      const span = document.createElement('span');
      span.className = `tok-${token.kind}`;
      span.textContent = token.text;
      fragment.append(span);
    }
  });
  flush();
  code.replaceChildren(fragment);
  code.dataset.highlighted = 'true';
}

function renderSnippet(snippet: BoardSnippet, ctx: RenderContext): HTMLElement {
  const range = lineRange(snippet.startLine, snippet.endLine);
  const slash = snippet.path.lastIndexOf('/');
  const dir = slash >= 0 ? snippet.path.slice(0, slash + 1) : '';
  const file = snippet.path.slice(slash + 1);
  const language = LANGUAGE.test(snippet.language) ? snippet.language : '';
  const where = `${snippet.path}:${range}`;

  const code = h('code');
  if (language !== '') code.className = `language-${language}`;
  const shown = capText(snippet.code, SNIPPET_MAX_CHARS);
  const lines = shown.cut ? undefined : ctx.codeLines(snippet);
  if (lines !== undefined) fillCode(code, lines);
  else code.textContent = shown.text;
  const pre = h('pre', { className: 'snippet-code', attrs: { tabindex: '0', 'aria-label': `Code from ${where}` } }, code);

  return h(
    'article',
    { className: 'snippet', attrs: { 'aria-label': `Code from ${where}, shared by ${snippet.author.name}`, 'aria-roledescription': 'code snippet' } },
    h(
      'header',
      { className: 'snippet-header' },
      h(
        'div',
        { className: 'snippet-title' },
        h(
          'div',
          { className: 'snippet-location', attrs: { title: where } },
          dir !== '' && h('span', { className: 'snippet-dir', text: dir }),
          h('span', { className: 'snippet-file', text: file }),
          h('span', { className: 'snippet-lines', text: `:${range}` }),
        ),
        h(
          'div',
          { className: 'snippet-meta' },
          language !== '' && h('span', { className: 'badge snippet-language', text: language }),
          h('bdi', { className: 'item-author', text: snippet.author.name }),
          snippetBadge(ctx.snippetStatus(snippet.id), snippet),
        ),
      ),
      h(
        'div',
        { className: 'snippet-actions' },
        smallButton('Open', `Open ${where}`, 'open', () => ctx.open(snippet.id)),
        smallButton('Copy', `Copy code from ${where}`, 'copy', () => ctx.copy(snippet.id)),
      ),
    ),
    pre,
    shown.cut && h('p', { className: 'snippet-more', text: `${formatCount(snippet.code.length - shown.text.length)} more characters not shown` }),
  );
}

function renderImage(image: BoardImage, ctx: RenderContext): HTMLElement {
  const url = ctx.imageUrl(image);
  const label = image.source !== undefined ? `Code image of ${image.source.path}, shared by ${image.author.name}` : `Image shared by ${image.author.name}`;
  const el = h('figure', { className: 'image', attrs: { 'aria-label': label, 'aria-roledescription': 'image' } });
  el.style.width = `${image.width}px`;
  const frame = h('div', { className: 'image-frame' });
  frame.style.height = `${image.height}px`;
  if (url !== undefined) {
    const img = h('img', { attrs: { alt: label, draggable: 'false', decoding: 'async' } });
    img.src = url;
    frame.append(img);
  } else {
    frame.classList.add('broken');
    frame.append(h('span', { text: 'This image cannot be shown: it is not a PNG, JPEG or GIF within the size limits.' }));
  }
  el.append(frame);
  const source = image.source;
  if (source !== undefined) {
    const where = `${source.path}:${lineRange(source.startLine, source.endLine)}`;
    el.classList.add('code-image');
    el.append(
      h(
        'figcaption',
        { className: 'image-caption' },
        h('span', { className: 'image-source', attrs: { title: where }, text: where }),
        smallButton('Copy Code', `Copy Code from ${where}`, 'copy', () => ctx.copy(image.id)),
      ),
    );
  }
  return el;
}

const pathCache = new WeakMap<ArrayLike<number>, string>();
const r = (v: number): number => Math.round(v * 100) / 100;

/** SVG path data through the points, smoothed with quadratic curves through the midpoints. */
export function strokePath(points: ArrayLike<number>): string {
  const cached = pathCache.get(points);
  if (cached !== undefined) return cached;
  const n = Math.floor(points.length / 2);
  const parts: string[] = [];
  if (n === 1) {
    parts.push(`M${r(points[0]!)} ${r(points[1]!)}l0.01 0`);
  } else if (n === 2) {
    parts.push(`M${r(points[0]!)} ${r(points[1]!)}L${r(points[2]!)} ${r(points[3]!)}`);
  } else if (n > 2) {
    parts.push(`M${r(points[0]!)} ${r(points[1]!)}`);
    for (let i = 1; i < n - 1; i += 1) {
      const x = points[2 * i]!;
      const y = points[2 * i + 1]!;
      const mx = (x + points[2 * i + 2]!) / 2;
      const my = (y + points[2 * i + 3]!) / 2;
      parts.push(`Q${r(x)} ${r(y)} ${r(mx)} ${r(my)}`);
    }
    parts.push(`L${r(points[2 * n - 2]!)} ${r(points[2 * n - 1]!)}`);
  }
  const d = parts.join('');
  pathCache.set(points, d);
  return d;
}

/** Extra width of the invisible line that takes a stroke's clicks, in board units. */
const STROKE_HIT_SLOP = 10;

function renderStroke(stroke: BoardStroke): SVGSVGElement {
  const b = strokeBounds(stroke);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', 'stroke');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Drawing by ${stroke.author.name}`);
  svg.setAttribute('aria-roledescription', 'drawing');
  const pad = STROKE_HIT_SLOP / 2;
  svg.setAttribute('viewBox', `${b.x - pad} ${b.y - pad} ${b.width + 2 * pad} ${b.height + 2 * pad}`);
  svg.style.left = `${b.x - pad}px`;
  svg.style.top = `${b.y - pad}px`;
  svg.style.width = `${b.width + 2 * pad}px`;
  svg.style.height = `${b.height + 2 * pad}px`;
  const d = strokePath(stroke.points);
  const width = String(clamp(stroke.width, 0.5, MAX_DRAWN_STROKE_WIDTH));
  const hit = document.createElementNS(SVG_NS, 'path');
  hit.setAttribute('class', 'stroke-hit');
  hit.setAttribute('d', d);
  hit.setAttribute('stroke-width', String(clamp(stroke.width, 0.5, MAX_DRAWN_STROKE_WIDTH) + STROKE_HIT_SLOP));
  const line = document.createElementNS(SVG_NS, 'path');
  line.setAttribute('class', 'stroke-line');
  line.setAttribute('d', d);
  line.setAttribute('stroke-width', width);
  const colour = safeColour(stroke.colour);
  // A style, not the `stroke` attribute: the stylesheet's default colour would win over an attribute.
  if (colour !== undefined) line.style.stroke = colour;
  svg.append(hit, line);
  return svg;
}
