import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ANCHOR_CONTEXT_LINES, AnchorError, MAX_ANCHOR_LINES, checkAnchor, checkAnchorPath, makeAnchor, relocate, splitLines } from '../../src/board/codeAnchor';
import type { CodeAnchor } from '../../src/board/codeAnchor';

/** A small source file, one function after another, each line different. */
const source = [
  "import { strict as assert } from 'node:assert';", // 1
  '', // 2
  'export function add(a: number, b: number): number {', // 3
  '  const sum = a + b;', // 4
  '  return sum;', // 5
  '}', // 6
  '', // 7
  'export function scale(value: number, factor: number): number {', // 8
  '  if (factor === 0) return 0;', // 9
  '  const scaled = value * factor;', // 10
  '  return scaled;', // 11
  '}', // 12
  '', // 13
  'export function greet(name: string): string {', // 14
  '  return `hello ${name}`;', // 15
  '}', // 16
  '', // 17
  'export const answer = 42;', // 18
];
const text = (lines: readonly string[]): string => lines.join('\n') + '\n';
const withLines = (edit: (lines: string[]) => void): string => {
  const lines = [...source];
  edit(lines);
  return text(lines);
};
/** The body of `scale`, lines 9-11. */
const scaleBody = makeAnchor(text(source), 'src/math.ts', 9, 11);

describe('codeAnchor', () => {
  describe('makeAnchor', () => {
    it('keeps the anchored lines and up to three lines of context each side', () => {
      assert.deepEqual(scaleBody, {
        path: 'src/math.ts',
        startLine: 9,
        endLine: 11,
        lines: ['  if (factor === 0) return 0;', '  const scaled = value * factor;', '  return scaled;'],
        before: ['}', '', 'export function scale(value: number, factor: number): number {'],
        after: ['}', '', 'export function greet(name: string): string {'],
      });
    });

    it('keeps less context at the ends of the file, and the commit when given', () => {
      const first = makeAnchor(text(source), 'a.ts', 1, 1, 'abc1234');
      assert.deepEqual([first.before, first.after.length, first.commit], [[], ANCHOR_CONTEXT_LINES, 'abc1234']);
      const last = makeAnchor(text(source), 'a.ts', 18, 18);
      assert.deepEqual(last.after, []);
    });

    it('refuses a path outside the repository with ERR_ANCHOR_PATH', () => {
      assert.throws(() => makeAnchor(text(source), '../secrets.txt', 1, 1), (e: unknown) => e instanceof AnchorError && e.code === 'ERR_ANCHOR_PATH');
    });

    it('refuses an empty, reversed, too long or out-of-file range with ERR_ANCHOR_RANGE', () => {
      const refused = (start: number, end: number, file = text(source)): boolean => {
        try {
          makeAnchor(file, 'a.ts', start, end);
          return false;
        } catch (e) {
          return e instanceof AnchorError && e.code === 'ERR_ANCHOR_RANGE';
        }
      };
      assert.ok(refused(0, 1), 'line 0');
      assert.ok(refused(5, 4), 'reversed');
      assert.ok(refused(19, 19), 'start past the end');
      assert.ok(refused(17, 40), 'end past the end');
      assert.ok(refused(1, 1, ''), 'empty file');
      assert.ok(refused(1.5, 2), 'not a whole number');
      assert.ok(refused(1, MAX_ANCHOR_LINES + 1, 'x\n'.repeat(MAX_ANCHOR_LINES + 1)), 'too many lines');
      assert.ok(refused(1, 1, 'x'.repeat(70_000)), 'too many characters');
    });

    it('reads CRLF, LF and CR files as the same lines', () => {
      const crlf = makeAnchor(source.join('\r\n'), 'src/math.ts', 9, 11);
      assert.deepEqual(crlf, scaleBody);
      assert.deepEqual(splitLines('a\rb\r\n\r\nc'), ['a', 'b', '', 'c']);
      assert.deepEqual(splitLines('\uFEFFa\n'), ['a']);
      assert.deepEqual(splitLines(''), []);
    });
  });

  describe('checkAnchorPath', () => {
    it('accepts a plain relative path', () => {
      assert.equal(checkAnchorPath('src/net/peerNode.ts'), undefined);
      assert.equal(checkAnchorPath('README.md'), undefined);
      assert.equal(checkAnchorPath('a/.hidden/b..c'), undefined);
    });

    it('gives a reason for absolute paths, drive letters, .. and other escapes', () => {
      for (const path of ['', '/etc/passwd', '../x', 'a/../../x', 'a/..', './a', 'a//b', 'a/', 'C:/Windows', 'C:foo', 'file:///etc', 'a\\..\\b', '\\\\server\\share', 'a\u0000b', 'x'.repeat(2000)]) {
        const reason = checkAnchorPath(path);
        assert.equal(typeof reason, 'string', JSON.stringify(path));
        assert.ok((reason ?? '').length > 0);
      }
    });
  });

  describe('checkAnchor', () => {
    it('accepts what makeAnchor makes and refuses anchors whose fields do not hold together', () => {
      assert.equal(checkAnchor(scaleBody), undefined);
      const broken: CodeAnchor[] = [
        { ...scaleBody, lines: [] },
        { ...scaleBody, endLine: 12 },
        { ...scaleBody, startLine: 0, endLine: 2 },
        { ...scaleBody, lines: ['a\nb', 'c', 'd'] },
        { ...scaleBody, path: '/abs' },
        { ...scaleBody, before: ['a', 'b', 'c', 'd'] },
        { ...scaleBody, startLine: 1, endLine: 3 },
        { ...scaleBody, commit: 'not hex' },
      ];
      for (const anchor of broken) assert.equal(typeof checkAnchor(anchor), 'string', JSON.stringify(anchor));
      assert.deepEqual(relocate({ ...scaleBody, lines: [] }, text(source)), { status: 'gone' });
    });
  });

  describe('relocate', () => {
    it('finds unchanged lines exactly where they were', () => {
      assert.deepEqual(relocate(scaleBody, text(source)), { status: 'exact', startLine: 9, endLine: 11 });
    });

    it('treats CRLF and LF versions of a file alike', () => {
      assert.deepEqual(relocate(scaleBody, source.join('\r\n') + '\r\n'), { status: 'exact', startLine: 9, endLine: 11 });
    });

    it('follows lines inserted above', () => {
      const file = withLines((lines) => lines.splice(1, 0, '// a new comment', "import { other } from './other';"));
      assert.deepEqual(relocate(scaleBody, file), { status: 'moved', startLine: 11, endLine: 13 });
    });

    it('follows lines deleted above', () => {
      const file = withLines((lines) => lines.splice(2, 5));
      assert.deepEqual(relocate(scaleBody, file), { status: 'moved', startLine: 4, endLine: 6 });
    });

    it('follows the block moved to another place in the file', () => {
      const file = withLines((lines) => {
        const scale = lines.splice(7, 6);
        lines.push('', ...scale);
      });
      assert.deepEqual(relocate(scaleBody, file), { status: 'moved', startLine: 15, endLine: 17 });
    });

    it('says changed, at the same lines, when a line inside was edited', () => {
      const file = withLines((lines) => (lines[9] = '  const scaled = value * factor * 2;'));
      const found = relocate(scaleBody, file);
      assert.equal(found.status, 'changed');
      assert.ok(found.status === 'changed' && found.startLine === 9 && found.endLine === 11 && !found.whitespaceOnly && found.confidence >= 0.8, JSON.stringify(found));
    });

    it('follows a line inserted inside and lines inserted above together', () => {
      const file = withLines((lines) => {
        lines.splice(9, 0, '  if (!Number.isFinite(value)) return NaN;');
        lines.splice(0, 0, '// header');
      });
      const found = relocate(scaleBody, file);
      assert.ok(found.status === 'changed' && found.startLine === 10 && found.endLine === 13, JSON.stringify(found));
    });

    it('says changed, white space only, for re-indentation, tabs for spaces and trailing blanks', () => {
      const file = withLines((lines) => {
        lines[8] = '\tif (factor === 0) return 0;';
        lines[9] = '    const  scaled = value * factor;   ';
      });
      const found = relocate(scaleBody, file);
      assert.deepEqual(found, { status: 'changed', startLine: 9, endLine: 11, confidence: 1, whitespaceOnly: true });
      const moved = relocate(scaleBody, '\n\n' + file);
      assert.ok(moved.status === 'changed' && moved.whitespaceOnly && moved.startLine === 11, JSON.stringify(moved));
    });

    it('says gone when the lines were deleted', () => {
      const file = withLines((lines) => lines.splice(8, 3));
      assert.deepEqual(relocate(scaleBody, file), { status: 'gone' });
    });

    it('says gone when the function was rewritten beyond recognition', () => {
      const file = withLines((lines) => lines.splice(8, 3, '  return Math.imul(value, factor) | 0;'));
      assert.deepEqual(relocate(scaleBody, file), { status: 'gone' });
    });

    it('says gone for an empty file, or one where nothing of it is left', () => {
      assert.deepEqual(relocate(scaleBody, ''), { status: 'gone' });
      assert.deepEqual(relocate(scaleBody, 'completely\ndifferent\ncontent\n'), { status: 'gone' });
    });

    it('does not put a lone brace on another brace once its context is gone', () => {
      const brace = makeAnchor(text(source), 'src/math.ts', 6, 6);
      const other = text(['class Other {', '  run(): void {', '    go();', '  }', '}', '', 'function more(): void {', '  go();', '}']);
      assert.deepEqual(relocate(brace, other), { status: 'gone' });
      const shifted = relocate(brace, text(['// header', ...source]));
      assert.deepEqual(shifted, { status: 'moved', startLine: 7, endLine: 7 });
    });

    it('follows a pin on a blank line by its context', () => {
      const blank = makeAnchor(text(source), 'src/math.ts', 7, 7);
      assert.deepEqual(relocate(blank, withLines((lines) => lines.splice(0, 0, '// header', ''))), { status: 'moved', startLine: 9, endLine: 9 });
      // With `add` deleted, the blank line above `scale` is the one: as a diff would see it.
      assert.deepEqual(relocate(blank, withLines((lines) => lines.splice(2, 5))), { status: 'moved', startLine: 2, endLine: 2 });
      assert.deepEqual(relocate(blank, text(['a();', '', 'b();'])), { status: 'gone' });
    });

    it('uses the context to choose between copies of the anchored lines', () => {
      const file = withLines((lines) => lines.splice(0, 0, '  if (factor === 0) return 0;', '  const scaled = value * factor;', '  return scaled;', ''));
      assert.deepEqual(relocate(scaleBody, file), { status: 'moved', startLine: 13, endLine: 15 });
    });

    it('says ambiguous, listing the copies nearest first, when the context does not decide', () => {
      const copy = ['export function scale(value: number, factor: number): number {', ...scaleBody.lines, '}', ''];
      // The first copy lacks the context above; the other three have as much of it as each other.
      const file = text([...copy, ...copy, ...source.slice(7, 13), ...copy]);
      const found = relocate(scaleBody, file);
      assert.equal(found.status, 'ambiguous');
      assert.ok(found.status === 'ambiguous' && found.candidates.length === 3, JSON.stringify(found));
      assert.deepEqual(found.candidates, [{ startLine: 8, endLine: 10 }, { startLine: 14, endLine: 16 }, { startLine: 20, endLine: 22 }]);
    });

    it('says ambiguous when the lines were copied elsewhere and edited where their context still is', () => {
      const file = withLines((lines) => {
        lines[9] = '  const scaled = value * factor * 2;';
        lines.push('', '// kept for reference:', ...scaleBody.lines);
      });
      assert.deepEqual(relocate(scaleBody, file), { status: 'ambiguous', candidates: [{ startLine: 9, endLine: 11 }, { startLine: 21, endLine: 23 }] });
    });

    it('stays quick for the largest anchor in a large file where it is gone', () => {
      const lines = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? '' : `  total += weigh(item${i % 997}, ${i % 13});`));
      const anchor = makeAnchor(text(lines), 'big.ts', 20_001, 20_000 + MAX_ANCHOR_LINES);
      const rewritten = lines.map((line, i) => (i >= 19_000 && i < 21_000 ? `  other(${i});` : line));
      const started = performance.now();
      const found = relocate(anchor, text(rewritten));
      const elapsed = performance.now() - started;
      assert.ok(found.status === 'ambiguous' || found.status === 'gone', JSON.stringify(found).slice(0, 200));
      assert.ok(elapsed < 2000, `${elapsed.toFixed(0)} ms`);
    });

    it('stays quick and refuses to guess when the anchored text appears a thousand times', () => {
      const block = ['  retry();', '  retry();'];
      const lines = Array.from({ length: 50_000 }, (_, i) => (i % 50 < 2 ? block[i % 2] ?? '' : `  step(${i % 50});`));
      const anchor = makeAnchor(text(lines), 'loop.ts', 501, 502);
      const shifted = text(['// one more line', ...lines]);
      const started = performance.now();
      const found = relocate(anchor, shifted);
      const elapsed = performance.now() - started;
      assert.equal(found.status, 'ambiguous');
      assert.ok(found.status === 'ambiguous' && found.candidates.length > 1 && found.candidates.length <= 20);
      assert.ok(elapsed < 1000, `${elapsed.toFixed(0)} ms`);
    });

    it('stays quick next to a line of megabytes', () => {
      const huge = 'x'.repeat(8 * 1024 * 1024);
      const file = withLines((lines) => (lines[9] = huge));
      const started = performance.now();
      const found = relocate(scaleBody, file);
      // A line of garbage in the middle leaves too little of the text to be sure; either answer is honest.
      assert.ok(found.status === 'gone' || (found.status === 'changed' && found.startLine === 9 && found.endLine === 11), JSON.stringify(found));
      assert.ok(performance.now() - started < 1000);
    });

    it('does not take in a line moved next to the block that looks like its deleted first line', () => {
      // Found by the random-edit property below: the first anchored line deleted, and 23 lines from
      // further down moved between the block and the context above it; the last of them looks like
      // the deleted line ("const.list(50)" against "list.const(5)", 0.8 alike), but it was never one.
      const words = ['const', 'value', 'return', 'render', 'item', 'list', 'await', 'count', 'next', 'node'];
      const lines = Array.from({ length: 60 }, (_, i) => `${words[i % 10]}.${words[Math.floor(i / 10) % 10]}(${i});`);
      const anchor = makeAnchor(text(lines), 'moved.ts', 6, 28);
      const moved = lines.slice(28, 51);
      const edited = [...lines.slice(0, 5), ...moved, ...lines.slice(6, 28), ...lines.slice(51)];
      const found = relocate(anchor, text(edited));
      assert.ok(found.status === 'changed', JSON.stringify(found));
      assert.ok(found.status === 'changed' && found.startLine === 5 + moved.length + 1 && found.endLine === 5 + moved.length + 22, JSON.stringify(found));
    });

    it('finds one function among fifty thousand lines quickly', () => {
      const lines = Array.from({ length: 50_000 }, (_, i) => `  const value${i} = compute(${i});`);
      const anchor = makeAnchor(text(lines), 'big.ts', 40_000, 40_010);
      const edited = [...lines];
      edited.splice(100, 30);
      edited[39_975] = '  const value40005 = computeAgain(40005);';
      const started = performance.now();
      const found = relocate(anchor, text(edited));
      const elapsed = performance.now() - started;
      assert.ok(found.status === 'changed' && found.startLine === 39_970 && found.endLine === 39_980, JSON.stringify(found));
      assert.ok(elapsed < 1000, `${elapsed.toFixed(0)} ms`);
    });
  });

  describe('relocate on random edits', () => {
    /**
     * A file line; `anchored` marks the anchored lines and the lines edited or inserted among them,
     * `fresh` the lines written by an edit (inserted, replaced or changed).
     */
    interface Entry {
      readonly text: string;
      readonly anchored: boolean;
      readonly fresh?: boolean;
    }
    const words = ['const', 'value', 'return', 'render', 'item', 'list', 'await', 'count', 'next', 'node'];
    /** Different for each id, yet alike (same words, close numbers), so fuzzy matching is tested against near misses. */
    const lineText = (id: number): string => `${words[id % 10] ?? ''}.${words[Math.floor(id / 10) % 10] ?? ''}(${id});`;
    const span = (entries: readonly Entry[]): { first: number; last: number } => ({
      first: entries.findIndex((e) => e.anchored),
      last: entries.length - 1 - [...entries].reverse().findIndex((e) => e.anchored),
    });
    const pick = <T>(choices: readonly T[], at: number): T | undefined => choices[at % Math.max(1, choices.length)];
    const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);

    const fileArbitrary = fc.record({ size: fc.integer({ min: 1, max: 200 }), at: fc.nat(), length: fc.integer({ min: 1, max: 30 }) });
    const aroundArbitrary = fc.array(fc.record({ kind: fc.constantFrom('insert', 'delete', 'move'), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }), { maxLength: 12 });
    const insideArbitrary = fc.array(fc.record({ kind: fc.constantFrom('replace', 'tweak', 'deleteLine', 'insertLine'), at: fc.nat() }), { minLength: 1, maxLength: 8 });

    /** A file of `size` lines with lines `start`..`start + length - 1` (0-based) anchored. */
    const build = (file: { size: number; at: number; length: number }): { entries: Entry[]; anchor: CodeAnchor; nextId: number } => {
      const length = Math.min(file.length, file.size);
      const start = file.at % (file.size - length + 1);
      const entries = range(0, file.size).map((id) => ({ text: lineText(id), anchored: id >= start && id < start + length }));
      const anchor = makeAnchor(text(entries.map((e) => e.text)), 'src/random.ts', start + 1, start + length);
      return { entries, anchor, nextId: file.size };
    };

    /** Inserts, deletes and moves that leave the anchored lines whole and in one piece. */
    const editAround = (entries: Entry[], edits: readonly { kind: string; at: number; count: number }[], fresh: () => string): void => {
      for (const edit of edits) {
        const { first, last } = span(entries);
        if (edit.kind === 'insert') {
          const gap = pick([...range(0, first + 1), ...range(last + 1, entries.length + 1)], edit.at) ?? 0;
          entries.splice(gap, 0, ...range(0, edit.count).map(() => ({ text: fresh(), anchored: false, fresh: true })));
        } else if (edit.kind === 'delete') {
          const from = pick([...range(0, first), ...range(last + 1, entries.length)], edit.at);
          if (from === undefined) continue;
          entries.splice(from, Math.min(edit.count, from < first ? first - from : entries.length - from));
        } else {
          const block = entries.splice(first, last - first + 1);
          entries.splice(edit.at % (entries.length + 1), 0, ...block);
        }
      }
    };

    /** Edits among the anchored lines: a line replaced, changed a little, deleted, or one inserted between two. */
    const editInside = (entries: Entry[], edits: readonly { kind: string; at: number }[], fresh: () => string): void => {
      let edited = false;
      for (const edit of edits) {
        const { first, last } = span(entries);
        const line = first + (edit.at % (last - first + 1));
        const old = entries[line];
        if (old === undefined) continue;
        if (edit.kind === 'replace') entries[line] = { text: fresh(), anchored: true, fresh: true };
        else if (edit.kind === 'tweak') entries[line] = { text: `${old.text.slice(0, -2)} + 1);`, anchored: true, fresh: true };
        else if (edit.kind === 'deleteLine' && last > first) entries.splice(line, 1);
        else if (edit.kind === 'insertLine' && last > first) entries.splice(first + 1 + (edit.at % (last - first)), 0, { text: fresh(), anchored: true, fresh: true });
        else continue;
        edited = true;
      }
      const { first } = span(entries);
      const head = entries[first];
      if (!edited && head !== undefined) entries[first] = { text: `${head.text} // edited`, anchored: true, fresh: true };
    };

    it('finds the lines exactly, or moved to exactly where they went, after edits around them', () => {
      fc.assert(
        fc.property(fileArbitrary, aroundArbitrary, (file, edits) => {
          const { entries, anchor, nextId } = build(file);
          let id = nextId;
          editAround(entries, edits, () => lineText(id++));
          const { first } = span(entries);
          const expected = { status: first + 1 === anchor.startLine ? 'exact' : 'moved', startLine: first + 1, endLine: first + anchor.lines.length };
          assert.deepEqual(relocate(anchor, text(entries.map((e) => e.text))), expected);
        }),
        { numRuns: 2000 },
      );
    });

    it('is not taken by a copy of the lines pasted elsewhere: finds them where they went, or says ambiguous', () => {
      fc.assert(
        fc.property(fileArbitrary, aroundArbitrary, fc.boolean(), (file, edits, atTop) => {
          const { entries, anchor, nextId } = build(file);
          let id = nextId;
          editAround(entries, edits, () => lineText(id++));
          const { first } = span(entries);
          // Four new lines each side: the copy has none of the anchor's context.
          const padding = (): string[] => range(0, 4).map(() => lineText(id++));
          const copy = [...padding(), ...anchor.lines, ...padding()];
          const lines = entries.map((e) => e.text);
          const truth = atTop ? first + 1 + copy.length : first + 1;
          const found = relocate(anchor, text(atTop ? [...copy, ...lines] : [...lines, ...copy]));
          if (found.status === 'ambiguous') assert.ok(found.candidates.some((c) => c.startLine === truth), JSON.stringify(found));
          else assert.deepEqual(found, { status: truth === anchor.startLine ? 'exact' : 'moved', startLine: truth, endLine: truth + anchor.lines.length - 1 });
        }),
        { numRuns: 1000 },
      );
    });

    it('after edits among the lines, says changed over them and no line from outside, ambiguous or gone, never exact or moved', () => {
      fc.assert(
        fc.property(fileArbitrary, aroundArbitrary, insideArbitrary, (file, around, inside) => {
          const { entries, anchor, nextId } = build(file);
          let id = nextId;
          editAround(entries, around, () => lineText(id++));
          editInside(entries, inside, () => lineText(id++));
          // An inserted line deleted again leaves the lines as they were: the property above covers that.
          fc.pre(entries.filter((e) => e.anchored).map((e) => e.text).join('\n') !== anchor.lines.join('\n'));
          const found = relocate(anchor, text(entries.map((e) => e.text)));
          const where = JSON.stringify({ found, file: entries });
          assert.ok(found.status !== 'exact' && found.status !== 'moved', where);
          if (found.status === 'changed') {
            assert.equal(found.whitespaceOnly, false, where);
            // Where a line was replaced at the edge of the block, the file cannot tell whether it is an
            // anchored line edited or a line inserted next to the block: either answer is right. A
            // line that was there before outside the block, or an anchored line left as it was, decides.
            entries.forEach((entry, i) => {
              const inRange = i + 1 >= found.startLine && i + 1 <= found.endLine;
              if (entry.anchored && entry.fresh !== true) assert.ok(inRange, `line ${i + 1} was left out: ${where}`);
              if (!entry.anchored && entry.fresh !== true) assert.ok(!inRange, `line ${i + 1} was taken in: ${where}`);
            });
          }
          if (found.status === 'ambiguous') assert.ok(found.candidates.length > 1, where);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
