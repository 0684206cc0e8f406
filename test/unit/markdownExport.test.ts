import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { PNG } from 'pngjs';
import type { ExportInput, ExportResult } from '../../src/board/markdownExport';
import { exportMarkdown } from '../../src/board/markdownExport';
import { addPngText, codeImageText } from '../../src/board/pngText';
import { isNetError } from '../../src/net/errors';
import { writeMarkdownExport } from '../../src/net/exportFiles';
import type { ChatMessage, Envelope, ImageMessage, NoteMessage, SnippetMessage, StrokeMessage } from '../../src/net/messages';

type Token = MarkdownIt.Token;
type HistoryMessage = ExportInput['messages'][number];

// The worst case for the export: raw HTML passes through.
const md = new MarkdownIt({ html: true });

const GROUP = 'design';
const ALICE = 'aliceAAAAAAAAAAA';
const BOB = 'bobBBBBBBBBBBBBB';
const EVE = 'eveEEEEEEEEEEEEE';
const NAMES = new Map([
  [ALICE, 'Alice'],
  [BOB, 'Bob'],
]);
const T0 = Date.UTC(2026, 11, 1, 14, 3, 0);

let counter = 0;
function envelope(from: string, ts: number): Envelope {
  counter += 1;
  return { v: '1', id: `msg${String(counter).padStart(8, '0')}`, from, group: GROUP, seq: counter, ts, sig: 'fake-signature' };
}

function chat(from: string, ts: number, text: string, to?: string): ChatMessage {
  return { ...envelope(from, ts), type: 'chat', text, ...(to === undefined ? {} : { to }) };
}

function noteAdd(from: string, clock: number, item: string, text: string, x: number, y: number): NoteMessage {
  return { ...envelope(from, T0), type: 'note', op: 'add', item, clock, text, font: 'sans-serif', size: 16, colour: '#ffee88', x, y };
}

function snippetAdd(from: string, clock: number, item: string, code: string, language: string, path: string, x: number, y: number): SnippetMessage {
  return { ...envelope(from, T0), type: 'snippet', op: 'add', item, clock, code, language, path, startLine: 3, endLine: 9, x, y };
}

function imageAdd(from: string, clock: number, item: string, bytes: Uint8Array, mime: ImageMessage['mime'], x: number, y: number): ImageMessage {
  return { ...envelope(from, T0), type: 'image', op: 'add', item, clock, x, y, width: 100, height: 50, mime, bytes: bytes.length, sha256: sha256(bytes) };
}

function strokeAdd(from: string, clock: number, item: string): StrokeMessage {
  return { ...envelope(from, T0), type: 'stroke', op: 'add', item, clock, points: [{ x: 1, y: 2 }, { x: 5, y: 9 }], width: 2, colour: '#000000' };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function tinyPng(seed = 1): Uint8Array {
  const png = new PNG({ width: 4, height: 3 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 31 + seed * 7) & 0xff;
  return new Uint8Array(PNG.sync.write(png));
}

function input(messages: HistoryMessage[], images: Uint8Array[] = [], extra: Partial<ExportInput> = {}): ExportInput {
  const bySha = new Map(images.map((bytes) => [sha256(bytes), bytes]));
  return {
    group: GROUP,
    messages,
    names: NAMES,
    self: ALICE,
    imageBytes: (hash) => bySha.get(hash),
    imageFolder: 'design-notes',
    exportedAt: new Date(Date.UTC(2026, 11, 2, 9, 30, 0)),
    ...extra,
  };
}

/** Every token, inline children included, in document order. */
function flatten(tokens: Token[]): Token[] {
  return tokens.flatMap((t) => [t, ...(t.children === null ? [] : flatten(t.children))]);
}

function countOf(tokens: Token[], type: string): number {
  return tokens.filter((t) => t.type === type).length;
}

/**
 * The literal text of an inline token: its text, with hard and soft breaks as line feeds. Only
 * the export's own emphasis (names in `**…**`, `*(empty message)*`) may appear, and is dropped;
 * any other markup throws. Tests that feed hostile text count the emphasis tokens separately.
 */
function literal(inline: Token): string {
  return inline
    .children!.map((c) => {
      if (c.type === 'text' || c.type === 'code_inline') return c.content;
      if (c.type === 'hardbreak' || c.type === 'softbreak') return '\n';
      if (c.type === 'strong_open' || c.type === 'strong_close' || c.type === 'em_open' || c.type === 'em_close') return '';
      throw new Error(`user text produced a ${c.type} token`);
    })
    .join('');
}

/** The block tokens between the `## title` (or `### title`) heading and the next heading of that level or above. */
function section(tokens: Token[], title: string): Token[] {
  const start = tokens.findIndex((t, i) => t.type === 'heading_open' && tokens[i + 1]?.content === title);
  assert.ok(start >= 0, `no heading ${title}`);
  const level = tokens[start]!.tag;
  let end = start + 3;
  while (end < tokens.length && !(tokens[end]!.type === 'heading_open' && tokens[end]!.tag <= level)) end++;
  return tokens.slice(start + 3, end);
}

/** The paragraphs of a section as their literal text. */
function paragraphTexts(blocks: Token[]): string[] {
  const out: string[] = [];
  blocks.forEach((t, i) => {
    if (t.type === 'paragraph_open') out.push(literal(blocks[i + 1]!));
  });
  return out;
}

/** What the export keeps of a text: the lines' trailing white space goes, blank lines separate paragraphs. */
function expectedParagraphs(text: string): string[] {
  const paras: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.length > 0) paras.push(current.join('\n'));
      current = [];
    } else current.push(line.trimEnd());
  }
  if (current.length > 0) paras.push(current.join('\n'));
  return paras;
}

const HOSTILE_TEXTS = [
  '<img src=x onerror=alert(1)>',
  '**bold** and __bold__ and *em* and _em_',
  '[link](javascript:alert(1))',
  '# heading',
  '1. list',
  '| table | x |\n| --- | --- |\n| a | b |',
  '<script>alert(1)</script>',
  '- item\n+ item\n* item\n2) item',
  'setext\n===',
  'setext\n---',
  '> quoted',
  '    indented code',
  '```\nfenced\n```',
  '~~~\nfenced\n~~~',
  '~~strike~~ and `code` and ![img](x.png)',
  '[ref]: https://example.com\n[ref]',
  '&lt;entity&gt; &amp; &#60;b&#62;',
  'back\\slash \\* \\',
  '<https://example.com> https://example.com www.example.com',
  '***\n\n___',
  'line one\nline two\n\nsecond paragraph',
  '<div>\n\nraw block\n\n</div>',
  '<!-- comment -->',
  '$x^2$ {.class} [^1]',
];

describe('exportMarkdown', () => {
  it('gives the title, the export time and every section, saying when one is empty', () => {
    const result = exportMarkdown(input([]));
    const tokens = md.parse(result.markdown, {});
    const headings = tokens.flatMap((t, i) => (t.type === 'heading_open' ? [`${t.tag} ${tokens[i + 1]!.content}`] : []));
    assert.deepEqual(headings, ['h1 Team Notes — design', 'h2 Chat', 'h2 Board', 'h3 Notes', 'h3 Code', 'h3 Images']);
    assert.match(result.markdown, /^Exported 2026-12-02T09:30:00\.000Z/m);
    for (const empty of ['No chat messages.', 'No notes.', 'No code snippets.', 'No images.']) assert.ok(result.markdown.includes(empty), empty);
    assert.deepEqual(result.images, []);
  });

  it('lists chat in time order (ts, then author, then seq), with names, times and direct marks', () => {
    const a = chat(BOB, T0 + 60_000, 'second');
    const b = chat(ALICE, T0, 'first');
    const c = chat(BOB, T0 + 60_000, 'third, same ts as second, later seq');
    const d = chat(ALICE, T0 + 60_000, 'same ts, Alice sorts before Bob');
    const e = chat(BOB, T0 + 120_000, 'just for you', ALICE);
    const f = chat(ALICE, T0 + 180_000, 'just for Bob', BOB);
    const g = chat(EVE, T0 + 240_000, 'from an unknown id');
    const result = exportMarkdown(input([g, f, e, c, a, d, b]));
    const chatBlocks = section(md.parse(result.markdown, {}), 'Chat');
    assert.deepEqual(paragraphTexts(chatBlocks), [
      'Alice · 2026-12-01 14:03',
      'first',
      'Alice · 2026-12-01 14:04',
      'same ts, Alice sorts before Bob',
      'Bob · 2026-12-01 14:04',
      'second',
      'Bob · 2026-12-01 14:04',
      'third, same ts as second, later seq',
      'Bob · 2026-12-01 14:05 · (direct, to you)',
      'just for you',
      'Alice · 2026-12-01 14:06 · (direct, to Bob)',
      'just for Bob',
      'eveEEEEE · 2026-12-01 14:07',
      'from an unknown id',
    ]);
  });

  it('skips messages of other groups and repeated copies', () => {
    const m = chat(ALICE, T0, 'once');
    const other = { ...chat(BOB, T0, 'elsewhere'), group: 'other' };
    const result = exportMarkdown(input([m, { ...m }, other]));
    assert.deepEqual(paragraphTexts(section(md.parse(result.markdown, {}), 'Chat')), ['Alice · 2026-12-01 14:03', 'once']);
  });

  it('renders hostile chat text as the same literal text, creating no markup', () => {
    const messages = HOSTILE_TEXTS.map((text, i) => chat(BOB, T0 + i * 1000, text));
    const result = exportMarkdown(input(messages));
    const tokens = md.parse(result.markdown, {});
    const all = flatten(tokens);
    for (const type of ['html_inline', 'html_block', 'image', 'link_open', 'heading_open', 'ordered_list_open', 'bullet_list_open', 'table_open', 's_open', 'em_open', 'code_block', 'fence', 'blockquote_open', 'hr', 'code_inline']) {
      const expected = type === 'heading_open' ? 6 : 0;
      assert.equal(countOf(all, type), expected, type);
    }
    // The only emphasis is the author's name at the start of each header.
    assert.equal(countOf(all, 'strong_open'), messages.length);
    for (const inline of all.filter((t) => t.type === 'inline' && t.children!.some((c) => c.type === 'strong_open'))) {
      const leading = inline.children!.filter((c) => !(c.type === 'text' && c.content === '')).slice(0, 3);
      assert.deepEqual(leading.map((c) => (c.type === 'text' ? c.content : c.type)), ['strong_open', 'Bob', 'strong_close']);
    }

    const texts = paragraphTexts(section(tokens, 'Chat'));
    const expected = HOSTILE_TEXTS.flatMap((text, i) => [`Bob · 2026-12-01 14:${String(3 + Math.floor(i / 60)).padStart(2, '0')}`, ...expectedParagraphs(text)]);
    // Headers hold the time to the minute; compare the user text, paragraph by paragraph.
    assert.deepEqual(texts.filter((t) => !t.startsWith('Bob · ')), expected.filter((t) => !t.startsWith('Bob · ')));

    const html = md.render(result.markdown);
    assert.ok(!/<(img|script|a|table|ol|ul|h[4-6]|div|del|s|em|blockquote)[\s>]/i.test(html), html);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('[link](javascript:alert(1))'));
  });

  it('keeps any text of Markdown-significant characters literal (property)', () => {
    const unit = fc.constantFrom(...'\\`*_{}[]()<>#+-=.!|~&$^:;"\'/@%?, \nab1 2xw'.split(''), 'www.', '://', '&amp;', '1.', '```', '<b>', '<!--');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }).map((parts) => parts.join('')), (text) => {
        const result = exportMarkdown(input([chat(ALICE, T0, text)]));
        const tokens = md.parse(result.markdown, {});
        const blocks = section(tokens, 'Chat');
        assert.deepEqual(
          blocks.map((t) => t.type),
          [...['paragraph_open', 'inline', 'paragraph_close'], ...expectedParagraphs(text).flatMap(() => ['paragraph_open', 'inline', 'paragraph_close']), ...(expectedParagraphs(text).length === 0 ? ['paragraph_open', 'inline', 'paragraph_close'] : [])],
        );
        const all = flatten(blocks);
        const paras = expectedParagraphs(text);
        // The header's name is the one strong; an empty message is the one emphasis.
        assert.equal(countOf(all, 'strong_open'), 1);
        assert.equal(countOf(all, 'em_open'), paras.length === 0 ? 1 : 0);
        assert.deepEqual(paragraphTexts(blocks).slice(1), paras.length === 0 ? ['(empty message)'] : paras);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps any note text, code and path literal (property)', () => {
    const unit = fc.constantFrom(...'\\`*_[]<>#+-=.|~&: \n\tab1'.split(''), '```', '~~~', '    ', '> ', '<b>');
    const text = fc.array(unit, { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, text, text, (noteText, code, path) => {
        const result = exportMarkdown(input([noteAdd(BOB, 1, 'n', noteText, 0, 0), snippetAdd(BOB, 2, 's', code, 'ts', path, 0, 1)]));
        const tokens = md.parse(result.markdown, {});
        const notes = section(tokens, 'Notes');
        assert.equal(countOf(notes, 'blockquote_open'), 1);
        const paras = expectedParagraphs(noteText.replace(/\t/g, ' '));
        assert.deepEqual(paragraphTexts(notes), ['Bob:', ...(paras.length === 0 ? ['(empty note)'] : paras)]);
        const codeBlocks = section(tokens, 'Code');
        const fences = codeBlocks.filter((t) => t.type === 'fence');
        assert.equal(fences.length, 1);
        assert.equal(fences[0]!.content, code === '' || code.endsWith('\n') ? code : `${code}\n`);
        const spans = flatten(codeBlocks).filter((t) => t.type === 'code_inline');
        const cleanPath = path.replace(/\s+/g, ' ').trim();
        if (cleanPath === '') assert.equal(spans.length, 0);
        else assert.deepEqual(spans.map((t) => t.content), [cleanPath]);
        const all = flatten(tokens);
        for (const type of ['html_inline', 'html_block', 'link_open', 'image', 'code_block', 'bullet_list_open', 'ordered_list_open', 'table_open', 's_open', 'hr']) {
          assert.equal(countOf(all, type), 0, type);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('escapes names and the group, and strips control and bidi characters', () => {
    const names = new Map([
      [ALICE, '**Eve** <b>x</b> [a](b) #1'],
      [BOB, 'Bo\u202Eb\u001b[31m\nLine'],
    ]);
    const group = '<b>team</b> *x*';
    const messages = [chat(ALICE, T0, 'hi \u2066there\u2069\u0007'), chat(BOB, T0 + 1, 'x', ALICE), noteAdd(ALICE, 1, 'n1', 'note', 0, 0)].map((m) => ({ ...m, group }));
    const result = exportMarkdown(input(messages, [], { names, group }));
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    assert.ok(!/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/.test(result.markdown));
    const tokens = md.parse(result.markdown, {});
    const all = flatten(tokens);
    assert.equal(countOf(all, 'html_inline') + countOf(all, 'link_open'), 0);
    assert.equal(tokens[1]!.content, 'Team Notes — \\<b\\>team\\</b\\> \\*x\\*');
    assert.equal(literal(tokens[1]!), 'Team Notes — <b>team</b> *x*');
    const strongs = all.flatMap((t, i) => (t.type === 'strong_open' ? [all[i + 1]!.content] : []));
    assert.deepEqual(strongs, ['**Eve** <b>x</b> [a](b) #1', 'Bob[31m Line', '**Eve** <b>x</b> [a](b) #1']);
    assert.deepEqual(paragraphTexts(section(tokens, 'Chat')).slice(0, 2), ['**Eve** <b>x</b> [a](b) #1 · 2026-12-01 14:03', 'hi there']);
  });

  it('exports snippets as one fenced block each, whose text is the code', () => {
    const codes = [
      { code: 'const a = 1;\nconst b = "<script>alert(1)</script>";\n', language: 'typescript', path: 'src/a.ts' },
      { code: 'Here is a fence:\n```\nnot the end\n```\nand ```` four', language: 'markdown', path: 'docs/has `ticks`.md' },
      { code: '\tindented with a tab\n    and spaces\n\n\nblank lines above', language: 'c#', path: '`starts with a tick' },
      { code: 'x', language: 'js onload=alert(1)', path: 'weird' },
      { code: '<script>alert(1)</script>', language: 'html', path: 'index.html' },
    ];
    const messages = codes.map((c, i) => snippetAdd(ALICE, i + 1, `s${i}`, c.code, c.language, c.path, 0, i * 100));
    const result = exportMarkdown(input(messages));
    const tokens = md.parse(result.markdown, {});
    const fences = tokens.filter((t) => t.type === 'fence');
    assert.equal(fences.length, codes.length);
    codes.forEach((c, i) => {
      assert.equal(fences[i]!.content, c.code.endsWith('\n') ? c.code : `${c.code}\n`);
      assert.equal(fences[i]!.info, i === 3 ? '' : c.language);
    });
    const paths = flatten(section(tokens, 'Code')).filter((t) => t.type === 'code_inline').map((t) => t.content);
    assert.deepEqual(paths, codes.map((c) => c.path));
    const html = md.render(result.markdown);
    assert.equal((html.match(/<pre><code/g) ?? []).length, codes.length);
    for (const language of ['typescript', 'markdown', 'c#', 'html']) {
      assert.equal((html.match(new RegExp(`<pre><code class="language-${language}">`, 'g')) ?? []).length, 1, language);
    }
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('<code>docs/has `ticks`.md</code>:3-9'));
  });

  it('exports images as files named by hash, code images with their source, and counts drawings', () => {
    const plain = tinyPng(1);
    const source = { code: 'function f() {\n  return "```<b>";\n}\n', language: 'typescript', path: 'src/f.ts', startLine: 4, endLine: 6 };
    const codeImage = addPngText(tinyPng(2), codeImageText(source));
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
    const lost = tinyPng(3);
    const messages: HistoryMessage[] = [
      imageAdd(BOB, 3, 'i-code', codeImage, 'image/png', 0, 200),
      imageAdd(ALICE, 1, 'i-plain', plain, 'image/png', 50, 10),
      imageAdd(EVE, 2, 'i-jpeg', jpeg, 'image/jpeg', 10, 10),
      imageAdd(ALICE, 4, 'i-lost', lost, 'image/png', 0, 300),
      imageAdd(ALICE, 5, 'i-again', plain, 'image/png', 0, 400),
      strokeAdd(ALICE, 6, 'st1'),
      strokeAdd(BOB, 7, 'st2'),
      strokeAdd(BOB, 8, 'st3'),
    ];
    const result = exportMarkdown(input(messages, [plain, codeImage, jpeg], { names: new Map([[ALICE, 'Al [ice]'], [BOB, 'Bob']]) }));
    assert.deepEqual(result.images, [
      { path: `design-notes-images/${sha256(jpeg).slice(0, 16)}.jpg`, sha256: sha256(jpeg) },
      { path: `design-notes-images/${sha256(plain).slice(0, 16)}.png`, sha256: sha256(plain) },
      { path: `design-notes-images/${sha256(codeImage).slice(0, 16)}.png`, sha256: sha256(codeImage) },
    ]);
    const tokens = md.parse(result.markdown, {});
    const images = flatten(tokens).filter((t) => t.type === 'image');
    // Reading order: y, then x; the same bytes twice are one file.
    assert.deepEqual(
      images.map((t) => [t.attrGet('src'), literal(t)]),
      [
        [result.images[0]!.path, 'image by eveEEEEE'],
        [result.images[1]!.path, 'image by Al [ice]'],
        [result.images[2]!.path, 'image by Bob'],
        [result.images[1]!.path, 'image by Al [ice]'],
      ],
    );
    const fences = tokens.filter((t) => t.type === 'fence');
    assert.equal(fences.length, 1);
    assert.equal(fences[0]!.content, source.code);
    assert.equal(fences[0]!.info, 'typescript');
    assert.ok(result.markdown.includes('Code image of `src/f.ts`:4-6:'));
    assert.ok(result.markdown.includes('An image by Al \\[ice\\] is on the board; its bytes were not kept, so it is not exported.'));
    assert.ok(result.markdown.includes('3 drawings are on the board; they are not exported.'));
    const html = md.render(result.markdown);
    assert.equal((html.match(/<img /g) ?? []).length, 4);
    assert.ok(!html.includes('<b>'));
  });

  it('folds the board: deleted items are gone, edits and moves show, reading order is y then x', () => {
    const messages: HistoryMessage[] = [
      noteAdd(ALICE, 1, 'n-deleted', 'I will be deleted', 0, 0),
      noteAdd(BOB, 2, 'n-moved', 'moved to the top', 0, 500),
      noteAdd(ALICE, 3, 'n-edited', 'old text', 100, 100),
      noteAdd(ALICE, 4, 'n-left', 'left of the edited one\n- not a list\n\n2. para', 0, 100),
      { ...envelope(ALICE, T0), type: 'note', op: 'delete', item: 'n-deleted', clock: 5 },
      { ...envelope(ALICE, T0), type: 'note', op: 'edit', item: 'n-edited', clock: 6, text: 'new <b>text</b>' },
      { ...envelope(ALICE, T0), type: 'note', op: 'move', item: 'n-moved', clock: 7, x: 0, y: -50 },
      // Refused by the fold: only the author may edit.
      { ...envelope(EVE, T0), type: 'note', op: 'edit', item: 'n-moved', clock: 8, text: 'hijacked' },
      snippetAdd(ALICE, 9, 's-deleted', 'gone()', 'js', 'gone.js', 0, 0),
      { ...envelope(ALICE, T0), type: 'snippet', op: 'delete', item: 's-deleted', clock: 10 },
      strokeAdd(ALICE, 11, 'st'),
    ];
    // Arrival order must not matter.
    const result = exportMarkdown(input([...messages].reverse()));
    assert.ok(!result.markdown.includes('deleted'));
    assert.ok(!result.markdown.includes('gone'));
    assert.ok(!result.markdown.includes('hijacked'));
    assert.ok(!result.markdown.includes('old text'));
    assert.ok(result.markdown.includes('1 drawing is on the board; it is not exported.'));
    assert.ok(result.markdown.includes('No code snippets.'));
    const tokens = md.parse(result.markdown, {});
    const notes = section(tokens, 'Notes');
    assert.equal(countOf(notes, 'blockquote_open'), 3);
    assert.equal(countOf(flatten(notes), 'bullet_list_open') + countOf(flatten(notes), 'ordered_list_open') + countOf(flatten(notes), 'html_inline'), 0);
    assert.deepEqual(paragraphTexts(notes), ['Bob:', 'moved to the top', 'Alice:', 'left of the edited one\n- not a list', '2. para', 'Alice:', 'new <b>text</b>']);
    assert.equal(exportMarkdown(input(messages)).markdown, result.markdown);
  });
});

describe('writeMarkdownExport', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'team-notes-export-'));
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  function sample(folder = 'design notes (v2)'): { result: ExportResult; bytes: Map<string, Uint8Array>; plain: Uint8Array; other: Uint8Array } {
    const plain = tinyPng(1);
    const other = tinyPng(9);
    const messages: HistoryMessage[] = [
      imageAdd(ALICE, 1, 'i1', plain, 'image/png', 0, 0),
      imageAdd(BOB, 2, 'i2', other, 'image/png', 0, 10),
      chat(ALICE, T0, 'hello'),
    ];
    const bytes = new Map([plain, other].map((b) => [sha256(b), b]));
    return { result: exportMarkdown(input(messages, [plain, other], { imageFolder: folder })), bytes, plain, other };
  }

  it('writes the images folder and the document; every <img> points at a written file with the right bytes', () => {
    const { result, bytes, plain, other } = sample();
    const outFile = join(dir, 'notes.md');
    writeFileSync(outFile, 'old contents');
    mkdirSync(join(dir, 'design notes (v2)-images'));
    writeFileSync(join(dir, 'design notes (v2)-images', `${sha256(plain).slice(0, 16)}.png`), 'stale');

    const written = writeMarkdownExport(outFile, result, (hash) => bytes.get(hash));
    assert.deepEqual(written, { file: outFile, images: 2 });
    assert.equal(readFileSync(outFile, 'utf8'), result.markdown);
    assert.deepEqual(readdirSync(dir).sort(), ['design notes (v2)-images', 'notes.md']); // no temporary file left

    const srcs = flatten(md.parse(readFileSync(outFile, 'utf8'), {}))
      .filter((t) => t.type === 'image')
      .map((t) => String(t.attrGet('src')));
    assert.equal(srcs.length, 2);
    assert.ok(srcs.every((src) => src.startsWith('design%20notes%20%28v2%29-images/')));
    const expected = [plain, other];
    srcs.forEach((src, i) => {
      const file = join(dir, ...decodeURIComponent(src).split('/'));
      assert.ok(existsSync(file), file);
      assert.deepEqual(new Uint8Array(readFileSync(file)), expected[i]);
    });
  });

  it('does not write an image whose bytes are gone or do not match their hash', () => {
    const { result, plain } = sample('x');
    const outFile = join(dir, 'x.md');
    const written = writeMarkdownExport(outFile, result, (hash) => (hash === sha256(plain) ? plain : new Uint8Array([1, 2, 3])));
    assert.equal(written.images, 1);
    assert.deepEqual(readdirSync(join(dir, 'x-images')), [`${sha256(plain).slice(0, 16)}.png`]);
  });

  it('reduces a hostile image folder name to one segment beside the document', () => {
    const { result, bytes } = sample('../../etc/passwd');
    assert.ok(result.images.every((image) => !image.path.includes('..') && image.path.split('/').length === 2));
    const written = writeMarkdownExport(join(dir, 'x.md'), result, (hash) => bytes.get(hash));
    assert.equal(written.images, 2);
    assert.deepEqual(readdirSync(dir).sort(), [result.images[0]!.path.split('/')[0], 'x.md'].sort());
  });

  it('refuses image paths that leave the folder', () => {
    const result: ExportResult = { markdown: '# x\n', images: [{ path: '../escape.png', sha256: '0'.repeat(64) }] };
    assert.throws(() => writeMarkdownExport(join(dir, 'x.md'), result, () => undefined), (err) => isNetError(err, 'ERR_BAD_INPUT'));
    assert.deepEqual(readdirSync(dir), []);
  });

  it('throws ERR_BAD_INPUT naming the path and the reason when it cannot write', () => {
    const { result, bytes } = sample('x');
    const get = (hash: string): Uint8Array | undefined => bytes.get(hash);

    // The folder of the document is a file.
    writeFileSync(join(dir, 'file'), '');
    const underFile = join(dir, 'file', 'notes.md');
    assert.throws(
      () => writeMarkdownExport(underFile, result, get),
      (err) => isNetError(err, 'ERR_BAD_INPUT') && err.message.includes(underFile) && err.message.includes('a part of the path is a file, not a folder'),
    );

    // The folder does not exist.
    const missing = join(dir, 'nope', 'notes.md');
    assert.throws(() => writeMarkdownExport(missing, result, get), (err) => isNetError(err, 'ERR_BAD_INPUT') && err.message.includes('the folder does not exist'));

    // The document is a folder.
    mkdirSync(join(dir, 'folder.md'));
    assert.throws(() => writeMarkdownExport(join(dir, 'folder.md'), result, get), (err) => isNetError(err, 'ERR_BAD_INPUT') && err.message.includes('it is a folder'));

    // A file stands where the images folder goes.
    writeFileSync(join(dir, 'x-images'), '');
    assert.throws(() => writeMarkdownExport(join(dir, 'x.md'), result, get), (err) => isNetError(err, 'ERR_BAD_INPUT') && err.message.includes('x-images'));
    assert.ok(!existsSync(join(dir, 'x.md')));

    // A folder without write permission (root may write anywhere, so only for other users).
    if (process.getuid?.() !== 0 && process.platform !== 'win32') {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      try {
        assert.throws(
          () => writeMarkdownExport(join(locked, 'x.md'), result, get),
          (err) => isNetError(err, 'ERR_BAD_INPUT') && err.message.includes('permission denied'),
        );
      } finally {
        chmodSync(locked, 0o700);
      }
    }
  });
});
