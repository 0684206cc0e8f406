/**
 * How each kind of board item looks. One renderer per `BoardItem['kind']`; the switch in
 * {@link renderBoardItem} is exhaustive, so a new kind (image, stroke…) does not compile until it
 * has a renderer. Positioning is the board's job, not the renderers'.
 */
import { assertNever } from '../protocol';
import type { BoardItem, BoardNote, BoardSnippet } from '../protocol';
import { h } from './dom';
import { expandableText } from './expandableText';
import { capText, clamp, formatCount, safeColour, safeFontFamily, textColourOn } from './format';

/** Characters of a note shown before "Show all". */
export const NOTE_PREVIEW_CHARS = 1000;
/** Characters of a snippet rendered at most; the rest is summarised (the host's editor has it all). */
export const SNIPPET_MAX_CHARS = 200_000;
/** Note font size range, in CSS pixels. */
const MIN_NOTE_FONT_PX = 8;
const MAX_NOTE_FONT_PX = 96;
const LANGUAGE = /^[A-Za-z0-9_.+#-]{1,64}$/;

/** What a renderer may know about the item's view state. */
export interface RenderContext {
  /** The user expanded this item's long text. */
  expanded: boolean;
  onToggleExpanded(expanded: boolean): void;
}

export function renderBoardItem(item: BoardItem, ctx: RenderContext): HTMLElement {
  let el: HTMLElement;
  switch (item.kind) {
    case 'note':
      el = renderNote(item, ctx);
      break;
    case 'snippet':
      el = renderSnippet(item);
      break;
    default:
      return assertNever(item);
  }
  el.classList.add('board-item');
  el.dataset.id = item.id;
  el.tabIndex = 0;
  return el;
}

function renderNote(note: BoardNote, ctx: RenderContext): HTMLElement {
  const el = h('article', { className: 'note', attrs: { 'aria-label': `Note by ${note.author.name}` } });
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

function lineRange(start: number, end: number): string {
  const a = Math.trunc(start);
  const b = Math.trunc(end);
  return a === b ? `${a}` : `${a}-${b}`;
}

function renderSnippet(snippet: BoardSnippet): HTMLElement {
  const range = lineRange(snippet.startLine, snippet.endLine);
  const slash = snippet.path.lastIndexOf('/');
  const dir = slash >= 0 ? snippet.path.slice(0, slash + 1) : '';
  const file = snippet.path.slice(slash + 1);
  const language = LANGUAGE.test(snippet.language) ? snippet.language : '';
  const where = `${snippet.path}:${range}`;

  const code = h('code');
  if (language !== '') code.className = `language-${language}`;
  const shown = capText(snippet.code, SNIPPET_MAX_CHARS);
  code.textContent = shown.text;
  const pre = h('pre', { className: 'snippet-code', attrs: { tabindex: '0', 'aria-label': `Code from ${where}` } }, code);

  return h(
    'article',
    { className: 'snippet', attrs: { 'aria-label': `Code from ${where}, shared by ${snippet.author.name}` } },
    h(
      'header',
      { className: 'snippet-header' },
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
      ),
    ),
    pre,
    shown.cut && h('p', { className: 'snippet-more', text: `${formatCount(snippet.code.length - shown.text.length)} more characters not shown` }),
  );
}
