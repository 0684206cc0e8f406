/**
 * "Export Session as Markdown": a group's chat and board as one Markdown document, with the
 * board's images as files beside it (written by `src/net/exportFiles.ts`).
 *
 * Everything in the document that a member controls (names, chat and note text, code, paths,
 * language ids, the group name) comes out as literal text in any CommonMark / GFM renderer, even
 * one that passes raw HTML through: Markdown and HTML metacharacters are backslash-escaped, line
 * starts that would open a block (list, heading, quote, setext underline, indented code) are
 * neutralised, code goes into fences longer than any backtick run it contains, and control and
 * bidi-override characters are dropped.
 *
 * Pure: no Node, no DOM, no vscode.
 */
import type { ChatMessage, ImageMessage, NoteMessage, PinMessage, SnippetMessage, StrokeMessage } from '../net/messages';
import type { BoardItemState, BoardMessage } from './boardState';
import { BoardState, compareStamps } from './boardState';
import { sniffImage } from './imageInfo';
import { PinBoard } from './pins';
import { codeImageSource, readPngText } from './pngText';

export interface ExportInput {
  group: string;
  /** Every chat and board message of the group's history, in any order (they are sorted/folded here). */
  messages: readonly (ChatMessage | NoteMessage | ImageMessage | StrokeMessage | SnippetMessage | PinMessage)[];
  /** Display name by peer id (unknown ids are shown by a short form of the id). */
  names: ReadonlyMap<string, string>;
  /** This member's id: direct messages show "to you" / "to NAME". */
  self?: string;
  /** Image bytes by lower-case hex SHA-256, when kept. */
  imageBytes: (sha256: string) => Uint8Array | undefined;
  /** Base name for image files, e.g. "design-notes" gives "design-notes-images/…". */
  imageFolder: string;
  exportedAt: Date;
}

export interface ExportResult {
  markdown: string;
  /** One entry per distinct image file, paths relative to the .md file, with forward slashes. */
  images: { path: string; sha256: string }[];
}

/** Characters shown by a short form of an unknown peer id. */
const SHORT_ID_LENGTH = 8;

/** Language ids that may stand as a fence's info string; anything else gets a bare fence. */
const LANGUAGE_ID = /^[A-Za-z0-9_.+#-]+$/;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Dropped from all text: C0 controls except tab and LF (CR is turned into LF before), DEL, C1
 * controls, the Bidi_Control characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and
 * the non-characters U+FFFE / U+FFFF.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the whole point
const DROPPED = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/g;

/** A UTF-16 surrogate without its partner (not text; becomes U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Backslash-escaped wherever they appear in prose: every character that can start inline markup
 * (emphasis, code spans, links and images, raw HTML and autolinks, entity references, strike-through,
 * GFM tables, footnotes, math, attributes) or a block (headings, quotes, fences) in CommonMark, GFM
 * and the usual markdown-it plugins. CommonMark lets any ASCII punctuation be escaped, so the
 * escapes render as the bare character everywhere.
 */
const INLINE_META = /[\\`*_{}[\]<>#|~&$^]/g;

/**
 * Code: CR LF and lone CR become LF, then {@link DROPPED} goes (tab and LF stay), lone surrogates
 * become U+FFFD.
 */
function cleanCode(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(DROPPED, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Prose: like {@link cleanCode}, and NEL / U+2028 / U+2029 are line breaks, a tab is a space. */
function cleanText(text: string): string {
  return cleanCode(text.replace(/[\u0085\u2028\u2029]/g, '\n')).replace(/\t/g, ' ');
}

/** One line of prose (names, paths, ids): line breaks become spaces, runs of white space one space. */
function cleanLine(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

/** Escapes the inline metacharacters of one line, and breaks bare URLs that GFM would turn into links. */
function escapeInline(text: string): string {
  return text
    .replace(INLINE_META, '\\$&')
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/(www)\./gi, '$1\\.');
}

/**
 * One line of a paragraph, escaped: inline metacharacters, and whatever at the line's start would
 * open a block: a list item (`-`, `+`, `1.`, `1)`), a setext underline (`=`, `-`), a definition
 * (`:`), an indented code block (leading white space, kept as character references, which never
 * count as structure). Trailing white space goes (it would be a hard break or nothing).
 */
function escapeLine(line: string): string {
  const trimmed = line.trimEnd();
  const indent = /^ */.exec(trimmed)![0];
  let rest = escapeInline(trimmed.slice(indent.length));
  if (/^[-+=:]/.test(rest)) rest = `\\${rest}`;
  else rest = rest.replace(/^([0-9]+)([.)])/, '$1\\$2');
  return '&#32;'.repeat(indent.length) + rest;
}

/** Prose as paragraphs of escaped lines: blank lines separate paragraphs, none are empty. */
function paragraphs(text: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of cleanText(text).split('\n')) {
    if (line.trim() === '') {
      if (current.length > 0) out.push(current);
      current = [];
    } else {
      current.push(escapeLine(line));
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Prose as Markdown paragraphs, its line breaks kept as hard breaks (a backslash before the newline). */
function proseBlock(text: string, empty: string): string {
  const paras = paragraphs(text);
  if (paras.length === 0) return empty;
  return paras.map((lines) => lines.join('\\\n')).join('\n\n');
}

/** Prose as a blockquote: every line behind `> `, paragraphs separated by a bare `>`. */
function quoteBlock(text: string, empty: string): string {
  const paras = paragraphs(text);
  if (paras.length === 0) return `> ${empty}`;
  return paras.map((lines) => lines.map((line) => `> ${line}`).join('\\\n')).join('\n>\n');
}

/** The longest run of backticks in `text`. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** A fenced code block: a fence longer than any backtick run in the code, the language only if it is a plain id. */
function fencedCode(code: string, language: string): string {
  const body = cleanCode(code);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  const info = LANGUAGE_ID.test(language) ? language : '';
  const content = body === '' || body.endsWith('\n') ? body : `${body}\n`;
  return `${fence}${info}\n${content}${fence}`;
}

/** A code span: a backtick run longer than any in the text, padded when the text starts or ends with a backtick or space. */
function inlineCode(text: string): string {
  const ticks = '`'.repeat(longestBacktickRun(text) + 1);
  const pad = /^[` ]|[` ]$/.test(text) && text.trim() !== '' ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** `path`:start-end, the path in a code span. */
function location(path: string, startLine: number, endLine: number): string {
  const clean = cleanLine(path);
  const where = clean === '' ? '(no path)' : inlineCode(clean);
  const lines = Number.isSafeInteger(startLine) && Number.isSafeInteger(endLine) ? `:${startLine}-${endLine}` : '';
  return `${where}${lines}`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-12-01 14:03`, in UTC. */
function formatTime(ts: number): string {
  const d = new Date(ts);
  if (!Number.isFinite(d.getTime())) return 'unknown time';
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/**
 * The image folder's name: `<base>-images`, the base reduced to one plain path segment (no
 * separators, no `..`, no leading dot or dash).
 */
function folderName(base: string): string {
  let name = cleanLine(base)
    .replace(/[\\/:*?"<>|]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.-]+/, '')
    .trimEnd();
  if (name === '') name = 'export';
  return `${name}-images`;
}

/** One path segment as a URL path segment (parentheses and quotes too, so the link destination stays plain). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function extension(mime: string, bytes: Uint8Array): string {
  switch (sniffImage(bytes)?.mime ?? mime) {
    case 'image/jpeg':
      return 'jpg';
    case 'image/gif':
      return 'gif';
    default:
      return 'png';
  }
}

type HistoryMessage = ExportInput['messages'][number];

/** Drops messages of other groups and repeated copies of a message (same author and id). */
function distinct<T extends HistoryMessage>(messages: readonly T[], group: string): T[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    if (m.group !== group) return false;
    const key = `${m.from}\u0000${m.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function exportMarkdown(input: ExportInput): ExportResult {
  const nameOf = (id: string): string => {
    const known = input.names.get(id);
    const name = known === undefined ? '' : cleanLine(known);
    if (name !== '') return escapeInline(name);
    const short = cleanLine(id).slice(0, SHORT_ID_LENGTH);
    return escapeInline(short === '' ? 'unknown' : short);
  };
  const strongName = (id: string): string => `**${nameOf(id)}**`;

  const chat: ChatMessage[] = [];
  const board: BoardMessage[] = [];
  const pinMessages: PinMessage[] = [];
  for (const m of distinct(input.messages, input.group)) {
    if (m.type === 'chat') chat.push(m);
    else if (m.type === 'pin') pinMessages.push(m);
    else if (m.type === 'note' || m.type === 'image' || m.type === 'stroke' || m.type === 'snippet') board.push(m);
  }

  const out: string[] = [];
  const title = cleanLine(input.group);
  out.push(`# Team Notes — ${title === '' ? 'unnamed group' : escapeInline(title)}`);
  const when = Number.isFinite(input.exportedAt.getTime()) ? input.exportedAt.toISOString() : 'at an unknown time';
  out.push(`Exported ${when} (times below are UTC).`);

  // Chat, in time order.
  out.push('## Chat');
  chat.sort((a, b) => a.ts - b.ts || compareStrings(a.from, b.from) || a.seq - b.seq || compareStrings(a.id, b.id));
  if (chat.length === 0) out.push('No chat messages.');
  for (const m of chat) {
    let header = `${strongName(m.from)} · ${formatTime(m.ts)}`;
    if (m.to !== undefined) header += ` · (direct, to ${input.self !== undefined && m.to === input.self ? 'you' : nameOf(m.to)})`;
    out.push(header);
    out.push(proseBlock(m.text, '*(empty message)*'));
  }

  // The board, folded as every member folds it: (clock, sender) order.
  board.sort((a, b) => compareStamps({ clock: a.clock, peer: a.from }, { clock: b.clock, peer: b.from }) || a.seq - b.seq || compareStrings(a.id, b.id));
  const state = new BoardState();
  /** Which image each bytes object stands for (the fold hands back the very object it was given). */
  const imageOf = new Map<Uint8Array, { sha256: string; kept: boolean }>();
  for (const m of board) {
    let bytes: Uint8Array | undefined;
    if (m.type === 'image' && m.op === 'add') {
      const sha256 = typeof m.sha256 === 'string' ? m.sha256.toLowerCase() : '';
      const kept = SHA256_HEX.test(sha256) ? input.imageBytes(sha256) : undefined;
      // Without its bytes the image would never show in the fold; an empty stand-in keeps its place.
      bytes = kept ?? new Uint8Array(0);
      if (!imageOf.has(bytes)) imageOf.set(bytes, { sha256, kept: kept !== undefined });
    }
    state.apply(m, bytes);
  }
  const items = state.items().sort((a, b) => a.y - b.y || a.x - b.x || compareStamps(a.created, b.created));
  const ofKind = <K extends BoardItemState['kind']>(kind: K): Extract<BoardItemState, { kind: K }>[] =>
    items.filter((item): item is Extract<BoardItemState, { kind: K }> => item.kind === kind);

  out.push('## Board');

  out.push('### Notes');
  const notes = ofKind('note');
  if (notes.length === 0) out.push('No notes.');
  for (const note of notes) {
    out.push(`${strongName(note.author)}:`);
    out.push(quoteBlock(note.text, '*(empty note)*'));
  }

  out.push('### Code');
  const snippets = ofKind('snippet');
  if (snippets.length === 0) out.push('No code snippets.');
  for (const snippet of snippets) {
    out.push(`${location(snippet.path, snippet.startLine, snippet.endLine)} · shared by ${strongName(snippet.author)}`);
    out.push(fencedCode(snippet.code, cleanLine(snippet.language)));
  }

  out.push('### Images');
  const images = ofKind('image');
  if (images.length === 0) out.push('No images.');
  const folder = folderName(input.imageFolder);
  const files: ExportResult['images'] = [];
  /** File name by SHA-256; a second image whose hash shares the first 16 digits gets the full hash. */
  const fileOf = new Map<string, string>();
  const usedStems = new Set<string>();
  for (const image of images) {
    const info = imageOf.get(image.bytes);
    if (info === undefined || !info.kept) {
      out.push(`An image by ${nameOf(image.author)} is on the board; its bytes were not kept, so it is not exported.`);
      continue;
    }
    let file = fileOf.get(info.sha256);
    if (file === undefined) {
      const stem = usedStems.has(info.sha256.slice(0, 16)) ? info.sha256 : info.sha256.slice(0, 16);
      usedStems.add(stem);
      file = `${stem}.${extension(image.mime, image.bytes)}`;
      fileOf.set(info.sha256, file);
      files.push({ path: `${folder}/${file}`, sha256: info.sha256 });
    }
    out.push(`![image by ${nameOf(image.author)}](${encodeSegment(folder)}/${file})`);
    const source = codeImageSource(readPngText(image.bytes));
    if (source !== undefined) {
      out.push(`Code image of ${location(source.path, source.startLine, source.endLine)}:`);
      out.push(fencedCode(source.code, cleanLine(source.language)));
    }
  }

  // Pins, folded the same way, oldest first, each with its original code and its thread (a section
  // only when there are some: a group that never pinned exports as before).
  pinMessages.sort((a, b) => compareStamps({ clock: a.clock, peer: a.from }, { clock: b.clock, peer: b.from }) || a.seq - b.seq || compareStrings(a.id, b.id));
  const pinBoard = new PinBoard();
  for (const m of pinMessages) pinBoard.apply(m);
  const pins = pinBoard.pins();
  if (pins.length > 0) out.push('### Pinned to code');
  for (const pin of pins) {
    const { anchor } = pin;
    const commit = anchor.commit === undefined ? '' : ` at commit ${cleanLine(anchor.commit).slice(0, 12)}`;
    out.push(`${location(anchor.path, anchor.startLine, anchor.endLine)}${commit} · pinned by ${strongName(pin.author)} · ${formatTime(pin.ts)}${pin.resolved ? ' · resolved' : ''}`);
    out.push(fencedCode(anchor.lines.join('\n'), ''));
    out.push(quoteBlock(pin.text, '*(empty note)*'));
    for (const reply of pin.replies) {
      out.push(`${strongName(reply.author)} replied · ${formatTime(reply.ts)}:`);
      out.push(quoteBlock(reply.text, '*(empty reply)*'));
    }
  }

  const drawings = ofKind('stroke').length;
  if (drawings === 1) out.push('1 drawing is on the board; it is not exported.');
  else if (drawings > 1) out.push(`${drawings} drawings are on the board; they are not exported.`);

  return { markdown: `${out.join('\n\n')}\n`, images: files };
}
