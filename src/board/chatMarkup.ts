/**
 * The little markup of chat messages, as spans of the text: fenced code blocks (with an optional
 * language), inline code, http(s) links and code locations (`path:line`, `path:start-end`). Pure
 * (no DOM, no Node): the webview draws the spans with text nodes only, the tests feed it anything.
 * The rules are written down in docs/anchors.md ("Chat markup and code locations").
 *
 * Bounded work on any input: one pass over the lines, each backtick looks for its partner only up
 * to the end of its line (so at most one unpaired backtick per line is scanned past), and a code
 * location is found from its `:` by walking back over at most {@link MAX_ANCHOR_PATH_LENGTH}
 * characters, stopping at the previous `:`. Never throws.
 */
import { checkAnchorPath, MAX_ANCHOR_LINES, MAX_ANCHOR_PATH_LENGTH } from './codeAnchor';
import { isOpenableLink } from './links';

/** A part of a message's text; `start`/`end` are offsets in it (the spans cover it, in order, without gaps). */
export type ChatSpan =
  | { kind: 'text'; start: number; end: number }
  /** `code`, between single backticks on one line. `text` is what is between them. */
  | { kind: 'code'; start: number; end: number; text: string }
  /** A fenced block: a line of three backticks (and a language), the code, a closing line of three backticks (or the end of the text). */
  | { kind: 'fence'; start: number; end: number; language: string; code: string }
  | { kind: 'link'; start: number; end: number; url: string }
  /**
   * `path:line` or `path:start-end` (an optional `:column` after it is kept in the span, not used).
   * `inCode`: written as inline code (`` `src/a.ts:3` ``). `quote`: the code of a fenced block that
   * follows it with only white space between: the code the location points at, to find it by.
   */
  | { kind: 'location'; start: number; end: number; path: string; startLine: number; endLine: number; inCode?: boolean; quote?: string };

/** Largest line number a location may name. */
export const MAX_LOCATION_LINE = 9_999_999;

/** An opening fence: three backticks, optionally a language id, nothing else on the line. */
const FENCE_OPEN = /^```([A-Za-z0-9_.+#-]{0,32})[ \t]*\r?$/;
const FENCE_CLOSE = /^```[ \t]*\r?$/;
/** Something that looks like a URL: from `http://` or `https://` to the next space or quote-like character. */
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the URL it follows. */
const TRAILING = /[.,;:!?*_~]+$/;
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
/** After a location's `:`: the line, an optional `-end`, an optional `:column`. */
const LINE_PART = /^(\d{1,7})(?:-(\d{1,7}))?(?::\d{1,7})?/;
/** Characters of a path in chat text (wider forms, such as spaces, are not recognised). */
const PATH_CHAR = /[A-Za-z0-9_.\-/]/;
/**
 * Extensions a bare file name (no `/`) needs to be taken for a file: without the list, host names
 * with ports (`example.com:8080`) would be links. A path with a `/` needs no extension at all.
 */
const CODE_EXTENSIONS = new Set(
  'ts tsx js jsx mjs cjs json md py rb go rs java kt kts c h cc cpp hpp cs fs swift m mm php pl sh bash zsh ps1 sql html htm css scss less vue svelte xml yaml yml toml ini cfg txt lua r dart scala clj ex exs erl hs ml elm zig nim gradle make cmake dockerfile proto graphql gql tf lock'.split(' '),
);

/** A URL without the punctuation after it: a sentence's full stop, or a closing bracket it did not open. */
export function trimUrl(url: string): string {
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

/** Where the text's openable links are. */
export function findLinks(text: string): { start: number; end: number; url: string }[] {
  const links: { start: number; end: number; url: string }[] = [];
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const url = trimUrl(match[0]);
    if (isOpenableLink(url)) links.push({ start: match.index, end: match.index + url.length, url });
  }
  return links;
}

/** True when `path` may be a code location's path: the form rule above, and {@link checkAnchorPath}. */
export function isLocationPath(path: string): boolean {
  if (path === '' || checkAnchorPath(path) !== undefined) return false;
  const slash = path.lastIndexOf('/');
  if (slash >= 0) return slash < path.length - 1;
  const dot = path.lastIndexOf('.');
  return dot > 0 && CODE_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

type Location = Extract<ChatSpan, { kind: 'location' }>;

/** The code location whose `:` is at `colon` in `text`, or undefined. */
function locationAt(text: string, colon: number, floor: number): Location | undefined {
  let start = colon;
  while (start > floor && colon - start < MAX_ANCHOR_PATH_LENGTH && PATH_CHAR.test(text[start - 1] ?? '')) start -= 1;
  // Part of something longer: an address (`git@host:`), a URL, a word running into it.
  const before = text[start - 1];
  if (start === colon || (before !== undefined && /[@:\\\w]/.test(before))) return undefined;
  const path = text.slice(start, colon).replace(/[.]+$/, '');
  if (path.length !== colon - start || !isLocationPath(path)) return undefined;
  const m = LINE_PART.exec(text.slice(colon + 1, colon + 25));
  if (m === null) return undefined;
  const end = colon + 1 + m[0].length;
  const after = text.slice(end, end + 2);
  // `a.ts:10x`, `a.ts:10/…`, `a.ts:10:…` (not a column), `a.ts:1.5`: not a location.
  if (/^[\w/:\\]/.test(after) || /^[.-]\d/.test(after)) return undefined;
  const startLine = Number(m[1]);
  const endLine = m[2] === undefined ? startLine : Number(m[2]);
  if (startLine < 1 || endLine < startLine || endLine > MAX_LOCATION_LINE || endLine - startLine >= MAX_ANCHOR_LINES) return undefined;
  return { kind: 'location', start, end, path, startLine, endLine };
}

/** Links and code locations in `text` between `from` and `to` (plain text, no code), in order. */
function inlineSpans(text: string, from: number, to: number, cut: boolean): ChatSpan[] {
  const part = text.slice(from, to);
  const links = findLinks(part);
  const found: ChatSpan[] = links
    .filter((link) => !cut || to < text.length || link.end < part.length)
    .map((link) => ({ kind: 'link', start: from + link.start, end: from + link.end, url: link.url }));
  let floor = 0;
  let next = 0; // the first link that does not end before the colon: links are in order
  for (let colon = part.indexOf(':'); colon >= 0; colon = part.indexOf(':', colon + 1)) {
    while (next < links.length && (links[next]?.end ?? 0) <= colon) next += 1;
    const link = links[next];
    if (link !== undefined && colon >= link.start) continue; // a URL's own colon
    const location = locationAt(part, colon, floor);
    floor = colon + 1;
    if (location === undefined || (cut && to === text.length && location.end === part.length)) continue;
    found.push({ ...location, start: from + location.start, end: from + location.end });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Adds `spans` between `from` and `to` to `out`, with text spans filling the gaps. */
function fill(out: ChatSpan[], spans: readonly ChatSpan[], from: number, to: number): void {
  let at = from;
  for (const span of spans) {
    if (span.start > at) out.push({ kind: 'text', start: at, end: span.start });
    out.push(span);
    at = span.end;
  }
  if (to > at) out.push({ kind: 'text', start: at, end: to });
}

/** Spans of a stretch of text outside fences: inline code, then links and locations between. */
function proseSpans(text: string, from: number, to: number, cut: boolean, out: ChatSpan[]): void {
  let at = from;
  let search = from;
  while (search < to) {
    const open = text.indexOf('`', search);
    if (open < 0 || open >= to) break;
    const lineEnd = text.indexOf('\n', open);
    const limit = lineEnd < 0 || lineEnd > to ? to : lineEnd;
    const close = text.indexOf('`', open + 1);
    if (close < 0 || close >= limit) {
      search = limit; // no partner on this line: nothing after it on the line can pair either
      continue;
    }
    if (close === open + 1) {
      search = close + 1; // an empty pair is two backticks of text
      continue;
    }
    fill(out, inlineSpans(text, at, open, false), at, open);
    const inner = text.slice(open + 1, close);
    const location = locationAt(inner, inner.indexOf(':'), 0);
    out.push(location !== undefined && location.start === 0 && location.end === inner.length ? { ...location, start: open, end: close + 1, inCode: true } : { kind: 'code', start: open, end: close + 1, text: inner });
    at = close + 1;
    search = at;
  }
  fill(out, inlineSpans(text, at, to, cut), at, to);
}

/**
 * The spans of a chat message's text. `cut`: the text is a preview that ends mid-message, so a link
 * or location running into its end is left as text (it may be only part of it). Never throws.
 */
export function chatSpans(text: string, cut = false): ChatSpan[] {
  const out: ChatSpan[] = [];
  let prose = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    const open = FENCE_OPEN.exec(text.slice(lineStart, Math.min(lineEnd, lineStart + 40)));
    if (open !== null && lineEnd - lineStart < 40) {
      let closeStart = -1;
      let scan = nl < 0 ? text.length + 1 : nl + 1;
      while (scan <= text.length) {
        const next = text.indexOf('\n', scan);
        const end = next < 0 ? text.length : next;
        if (end - scan < 8 && FENCE_CLOSE.test(text.slice(scan, end))) {
          closeStart = scan;
          break;
        }
        scan = end + 1;
      }
      const codeStart = Math.min(lineEnd + 1, text.length);
      const codeEnd = closeStart < 0 ? text.length : Math.max(codeStart, closeStart - 1);
      const spanEnd = closeStart < 0 ? text.length : (text.indexOf('\n', closeStart) < 0 ? text.length : text.indexOf('\n', closeStart));
      proseSpans(text, prose, lineStart, cut, out);
      out.push({ kind: 'fence', start: lineStart, end: spanEnd, language: open[1] ?? '', code: text.slice(codeStart, codeEnd).replace(/\r$/, '') });
      prose = spanEnd;
      lineStart = spanEnd + 1;
      continue;
    }
    lineStart = lineEnd + 1;
  }
  proseSpans(text, prose, text.length, cut, out);
  attachQuotes(text, out);
  return out;
}

/** Gives a location the code of a fenced block right after it (only white space between). */
function attachQuotes(text: string, spans: ChatSpan[]): void {
  for (let i = 0; i < spans.length; i += 1) {
    const span = spans[i];
    if (span?.kind !== 'location') continue;
    let j = i + 1;
    const gap = spans[j];
    if (gap?.kind === 'text' && text.slice(gap.start, gap.end).trim() === '') j += 1;
    const fence = spans[j];
    if (fence?.kind === 'fence' && fence.code !== '') span.quote = fence.code;
  }
}

/**
 * The chat text "Share Selection to Chat" sends: the location as inline code, then the code as a
 * fenced block with its language. A fence inside the code would end the block early, so code with a
 * line of three backticks is refused by the caller ({@link quotableCode}).
 */
export function codeShareText(path: string, startLine: number, endLine: number, language: string, code: string): string {
  const range = startLine === endLine ? `${startLine}` : `${startLine}-${endLine}`;
  const lang = /^[A-Za-z0-9_.+#-]{1,32}$/.test(language) && language !== 'plaintext' ? language : '';
  return `\`${path}:${range}\`\n\`\`\`${lang}\n${code.replace(/\r\n?/g, '\n').replace(/\n$/, '')}\n\`\`\``;
}

/** True when `code` can be quoted in a fenced block without ending it early. */
export function quotableCode(code: string): boolean {
  return !code.split(/\r\n?|\n/).some((line) => /^\s*```/.test(line));
}

/** Short names people write after a fence, as the VS Code language ids the highlighter knows. */
const FENCE_ALIASES: Readonly<Record<string, string>> = {
  ts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  jsx: 'javascriptreact',
  mjs: 'javascript',
  cjs: 'javascript',
  py: 'python',
  rb: 'ruby',
  rs: 'rust',
  sh: 'shellscript',
  bash: 'shellscript',
  shell: 'shellscript',
  zsh: 'shellscript',
  ps1: 'powershell',
  yml: 'yaml',
  md: 'markdown',
  cs: 'csharp',
  'c++': 'cpp',
  kt: 'kotlin',
  htm: 'html',
};

/** The VS Code language id of a fence's language (`ts` is `typescript`); unknown ones as they are. */
export function fenceLanguage(language: string): string {
  const lower = language.toLowerCase();
  return Object.hasOwn(FENCE_ALIASES, lower) ? (FENCE_ALIASES[lower] ?? lower) : lower;
}
