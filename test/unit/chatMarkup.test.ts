import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { chatSpans, codeShareText, isLocationPath, quotableCode } from '../../src/board/chatMarkup';
import type { ChatSpan } from '../../src/board/chatMarkup';

/** The spans with the text each covers, for readable expectations. */
function parts(text: string): [string, string][] {
  return chatSpans(text).map((span) => [span.kind, text.slice(span.start, span.end)]);
}
const locations = (text: string): Extract<ChatSpan, { kind: 'location' }>[] => chatSpans(text).filter((s) => s.kind === 'location');

describe('chat markup', () => {
  it('finds path:line and path:start-end, with an optional column', () => {
    assert.deepEqual(locations('see src/net/peerNode.ts:40-52, then README.md:3 and src/a.ts:10:5.').map(({ path, startLine, endLine }) => [path, startLine, endLine]), [
      ['src/net/peerNode.ts', 40, 52],
      ['README.md', 3, 3],
      ['src/a.ts', 10, 10],
    ]);
  });

  it('takes a path with a slash without an extension, and a bare file name only with a code extension', () => {
    assert.deepEqual(locations('docs/Makefile:3 Makefile:3 notes.txt:4').map((l) => l.path), ['docs/Makefile', 'notes.txt']);
  });

  it('does not take times, versions, host names with ports, URLs or git remotes for code locations', () => {
    for (const text of ['at 10:30', '12:30:45', 'v1.2:3', 'example.com:8080', 'localhost:3000', 'https://example.com/src/a.ts:10', 'git@github.com:org/repo.ts:3', 'a.ts:1.5', 'a.ts:10x', 'a.ts:0', 'a.ts:9-3', 'user@host.ts:3']) {
      assert.deepEqual(locations(text), [], text);
    }
  });

  it('refuses paths that checkAnchorPath refuses: .., absolute, backslash', () => {
    for (const text of ['../secret.ts:3', 'src/../../etc/passwd:1', '/etc/hosts.txt:1', 'C:/x/a.ts:1', 'a\\b.ts:1', 'src/./a.ts:3', 'src//a.ts:3']) {
      assert.deepEqual(locations(text), [], text);
    }
    assert.equal(isLocationPath('src/a.ts'), true);
    assert.equal(isLocationPath('src/'), false);
  });

  it('refuses a range longer than an anchor may be', () => {
    assert.deepEqual(locations('src/a.ts:1-500').length, 1);
    assert.deepEqual(locations('src/a.ts:1-501'), []);
  });

  it('finds inline code, and a location written as inline code', () => {
    assert.deepEqual(parts('run `npm test` in `src/a.ts:3`'), [
      ['text', 'run '],
      ['code', '`npm test`'],
      ['text', ' in '],
      ['location', '`src/a.ts:3`'],
    ]);
    assert.equal(locations('`src/a.ts:3`')[0]?.inCode, true);
  });

  it('finds nothing inside inline code but the code', () => {
    assert.deepEqual(parts('`https://example.com a.ts:3`'), [['code', '`https://example.com a.ts:3`']]);
  });

  it('leaves a backtick without a partner on its line, and an empty pair, as text', () => {
    assert.deepEqual(parts('a ` b\nc ` d'), [['text', 'a ` b\nc ` d']]);
    assert.deepEqual(parts('a `` b'), [['text', 'a `` b']]);
  });

  it('finds a fenced block with its language, closed or running to the end', () => {
    const spans = chatSpans('look:\n```ts\nconst a = 1;\nconst b = 2;\n```\nok');
    assert.deepEqual(
      spans.map((s) => s.kind),
      ['text', 'fence', 'text'],
    );
    assert.deepEqual(spans[1], { kind: 'fence', start: 6, end: 41, language: 'ts', code: 'const a = 1;\nconst b = 2;' });
    assert.deepEqual(chatSpans('```\nopen')[0], { kind: 'fence', start: 0, end: 8, language: '', code: 'open' });
  });

  it('finds no links or locations inside a fenced block', () => {
    assert.deepEqual(parts('```\nsrc/a.ts:3 https://example.com\n```').map(([k]) => k), ['fence']);
  });

  it('gives a location the code of the fenced block right after it', () => {
    const text = codeShareText('src/a.ts', 3, 4, 'typescript', 'const a = 1;\nconst b = 2;\n');
    assert.equal(text, '`src/a.ts:3-4`\n```typescript\nconst a = 1;\nconst b = 2;\n```');
    const [location] = locations(text);
    assert.deepEqual([location?.path, location?.startLine, location?.endLine, location?.quote], ['src/a.ts', 3, 4, 'const a = 1;\nconst b = 2;']);
    assert.equal(locations('src/a.ts:3 and then words\n```\nx\n```')[0]?.quote, undefined);
  });

  it('says when code cannot be quoted in a fence', () => {
    assert.equal(quotableCode('a\n```\nb'), false);
    assert.equal(quotableCode('a `b` c'), true);
  });

  it('leaves a link or location running into the end of a cut preview as text', () => {
    assert.deepEqual(chatSpans('see src/a.ts:12', true).map((s) => s.kind), ['text']);
    assert.deepEqual(chatSpans('see src/a.ts:12 ok', true).map((s) => s.kind), ['text', 'location', 'text']);
    assert.deepEqual(chatSpans('go https://example.com/x', true).map((s) => s.kind), ['text']);
  });

  it('covers any text with spans in order, without gaps, and never throws', () => {
    const piece = fc.constantFrom('`', '```', '```ts', '\n', '\r\n', ':', '-', '/', '..', '.ts', 'a', '12', ' ', 'https://x.io/', '@', 'src/a.ts:3', '\\', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.boolean(), (pieces, cut) => {
        const text = pieces.join('');
        const spans = chatSpans(text, cut);
        let at = 0;
        for (const span of spans) {
          assert.equal(span.start, at);
          assert.ok(span.end > span.start || (span.kind === 'fence' && span.end >= span.start));
          if (span.kind === 'location') assert.ok(isLocationPath(span.path) && span.startLine >= 1 && span.endLine >= span.startLine);
          at = span.end;
        }
        assert.equal(at, text.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays fast on hostile text: 10,000 backticks, colons, fences, locations', () => {
    for (const text of ['`'.repeat(16_000), ':'.repeat(16_000), '```\n'.repeat(4000), 'a/b.ts:1 '.repeat(1800), `${'a'.repeat(16_000)}:1`, '`a\n'.repeat(5000), 'https://x.io/'.repeat(1200)]) {
      const started = performance.now();
      chatSpans(text);
      assert.ok(performance.now() - started < 500, `${text.slice(0, 12)}… took too long`);
    }
  });
});
