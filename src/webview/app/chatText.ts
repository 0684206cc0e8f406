/**
 * A chat message's text as DOM: http(s) URLs become links, mentions of the user's own name are
 * marked. Everything is text nodes and `createElement` (never an HTML parser), and only a URL that
 * passes {@link isOpenableLink} becomes a link: `javascript:`, `data:`, `file:` and the like stay text.
 */
import { mentionRanges } from '../../board/mentions';
import { isOpenableLink } from '../../board/links';
import { h } from './dom';

/** Something that looks like a URL: from `http://` or `https://` to the next space or quote-like character. */
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the URL it follows. */
const TRAILING = /[.,;:!?*_~]+$/;
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

interface Span {
  start: number;
  end: number;
  kind: 'link' | 'mention';
}

/** A URL without the punctuation after it: a sentence's full stop, or a closing bracket it did not open. */
function trimUrl(url: string): string {
  let out = url;
  for (;;) {
    const trimmed = out.replace(TRAILING, '');
    const last = trimmed.at(-1) ?? '';
    const opener = CLOSERS[last];
    if (opener !== undefined && trimmed.split(last).length > trimmed.split(opener).length) {
      out = trimmed.slice(0, -1);
      continue;
    }
    if (trimmed === out) return out;
    out = trimmed;
  }
}

/** Where the text's links are. */
export function findLinks(text: string): { start: number; end: number; url: string }[] {
  const links: { start: number; end: number; url: string }[] = [];
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const url = trimUrl(match[0]);
    if (isOpenableLink(url)) links.push({ start: match.index, end: match.index + url.length, url });
  }
  return links;
}

/**
 * The nodes for `text`: links (`a.chat-link`, the exact URL as `href`), `mark.chat-mention` for
 * mentions of `selfName` outside links, text between. `cut`: the text is a preview that ends
 * mid-message, so a URL running into its end is left as text (it may be only part of the address).
 */
export function chatTextNodes(text: string, selfName: string | undefined, cut = false): Node[] {
  const nodes: Node[] = [];
  const spans = findSpans(text, selfName, cut);
  let at = 0;
  for (const span of spans) {
    if (span.start > at) nodes.push(document.createTextNode(text.slice(at, span.start)));
    const part = text.slice(span.start, span.end);
    nodes.push(span.kind === 'link' ? h('a', { className: 'chat-link', attrs: { href: part, title: `Open ${part}` }, text: part }) : h('mark', { className: 'chat-mention', text: part }));
    at = span.end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

/** True when a message's text mentions `selfName` (outside its links). */
export function mentionsSelf(text: string, selfName: string | undefined): boolean {
  return findSpans(text, selfName).some((span) => span.kind === 'mention');
}

/** The links and the mentions outside them, in text order. */
function findSpans(text: string, selfName: string | undefined, cut = false): Span[] {
  const links = findLinks(text).filter((link) => !cut || link.end < text.length);
  const spans: Span[] = links.map(({ start, end }) => ({ start, end, kind: 'link' }));
  if (selfName !== undefined) {
    for (const m of mentionRanges(text, selfName)) {
      if (!links.some((l) => m.start < l.end && l.start < m.end)) spans.push({ ...m, kind: 'mention' });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}
