/**
 * A chat message's text as DOM, from the spans of src/board/chatMarkup.ts: http(s) URLs become
 * links, code locations (`path:line`) buttons that open the code, inline code and fenced blocks
 * (highlighted with the board's highlighter and token colours) code, and mentions of the user's own
 * name are marked. Everything is text nodes and `createElement` (never an HTML parser), and only a
 * URL that passes `isOpenableLink` becomes a link: `javascript:`, `data:`, `file:` stay text.
 */
import { chatSpans, fenceLanguage } from '../../board/chatMarkup';
import type { ChatSpan } from '../../board/chatMarkup';
import { highlight } from '../../board/highlight';
import { mentionRanges } from '../../board/mentions';
import { fillCode } from './boardItems';
import { h } from './dom';

export { findLinks } from '../../board/chatMarkup';

/** Longest fenced block highlighted (longer ones are shown plain), in characters. */
const MAX_FENCE_HIGHLIGHT = 20_000;
/** Time one fenced block's highlighting may take before it is shown plain, in ms (a log may hold many). */
const FENCE_HIGHLIGHT_MS = 20;

type Location = Extract<ChatSpan, { kind: 'location' }>;

/** The button of a code location; its data says what to open (the host checks it again). */
function locationButton(location: Location, shown: string): HTMLElement {
  const range = location.startLine === location.endLine ? `line ${location.startLine}` : `lines ${location.startLine}–${location.endLine}`;
  const title = `Open ${location.path}, ${range}, in your checkout`;
  const el = h('button', { className: `chat-code-location${location.inCode === true ? ' in-code' : ''}`, attrs: { type: 'button', title, 'aria-label': title }, text: shown });
  el.dataset.path = location.path;
  el.dataset.startLine = String(location.startLine);
  el.dataset.endLine = String(location.endLine);
  if (location.quote !== undefined) el.dataset.quote = location.quote;
  return el;
}

function fenceBlock(span: Extract<ChatSpan, { kind: 'fence' }>): HTMLElement {
  const language = fenceLanguage(span.language);
  const code = h('code');
  const lines = highlight(span.code, language, { maxChars: MAX_FENCE_HIGHLIGHT, timeBudgetMs: FENCE_HIGHLIGHT_MS });
  fillCode(code, lines);
  const pre = h('pre', { className: 'chat-fence', attrs: { tabindex: '0', ...(span.language !== '' && { 'data-language': span.language }) } }, code);
  return pre;
}

/** Text with the mentions of `selfName` marked. */
function textNodes(text: string, selfName: string | undefined, out: Node[]): void {
  let at = 0;
  if (selfName !== undefined) {
    for (const m of mentionRanges(text, selfName)) {
      if (m.start > at) out.push(document.createTextNode(text.slice(at, m.start)));
      out.push(h('mark', { className: 'chat-mention', text: text.slice(m.start, m.end) }));
      at = m.end;
    }
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
}

/**
 * The nodes for `text`: links (`a.chat-link`, the exact URL as `href`), code locations
 * (`button.chat-code-location`), inline code (`code.chat-code`), fenced blocks (`pre.chat-fence`),
 * `mark.chat-mention` for mentions of `selfName` in plain text, text between. `cut`: the text is a
 * preview that ends mid-message, so a URL or location running into its end is left as text.
 */
export function chatTextNodes(text: string, selfName: string | undefined, cut = false): Node[] {
  const nodes: Node[] = [];
  const spans = chatSpans(text, cut);
  spans.forEach((span, i) => {
    let part = text.slice(span.start, span.end);
    switch (span.kind) {
      case 'text':
        // A block stands on its own line: the line breaks around it are the block's edges.
        if (spans[i + 1]?.kind === 'fence') part = part.replace(/\r?\n$/, '');
        if (spans[i - 1]?.kind === 'fence') part = part.replace(/^\r?\n/, '');
        textNodes(part, selfName, nodes);
        return;
      case 'link':
        nodes.push(h('a', { className: 'chat-link', attrs: { href: span.url, title: `Open ${span.url}` }, text: part }));
        return;
      case 'code':
        nodes.push(h('code', { className: 'chat-code', text: span.text }));
        return;
      case 'location':
        nodes.push(locationButton(span, span.inCode === true ? part.slice(1, -1) : part));
        return;
      case 'fence':
        nodes.push(fenceBlock(span));
        return;
    }
  });
  return nodes;
}

/** True when a message's text mentions `selfName` (in its plain text, not in links or code). */
export function mentionsSelf(text: string, selfName: string | undefined): boolean {
  if (selfName === undefined) return false;
  return chatSpans(text).some((span) => span.kind === 'text' && mentionRanges(text.slice(span.start, span.end), selfName).length > 0);
}
