import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { splitLines } from '../../src/board/codeAnchor';
import { anchorFromCode, locateCode, placeRange } from '../../src/board/codeLocation';

const file = [
  "import { strict as assert } from 'node:assert';",
  '',
  'export function add(a: number, b: number): number {',
  '  const sum = a + b;',
  '  return sum;',
  '}',
  '',
  'export function twice(n: number): number {',
  '  return add(n, n);',
  '}',
].join('\n');
const lines = file.split('\n');
const code = lines.slice(2, 6).join('\n'); // lines 3-6, the function add
const target = { path: 'src/math.ts', startLine: 3, endLine: 6, code };

describe('finding shared code in a member\'s file', () => {
  it('is exact where the code is as shared', () => {
    assert.deepEqual(locateCode(target, file), { status: 'exact', startLine: 3, endLine: 6 });
  });

  it('is moved, at the new lines, when lines were added above', () => {
    const edited = ['// a header', '// more', file].join('\n');
    assert.deepEqual(locateCode(target, edited), { status: 'moved', startLine: 5, endLine: 8 });
  });

  it('is changed, with a confidence, when a line of the code was edited', () => {
    const edited = file.replace('const sum = a + b;', 'const sum = b + a; // commutes');
    const place = locateCode(target, edited);
    assert.equal(place.status, 'changed');
    assert.deepEqual(placeRange(place), { startLine: 3, endLine: 6 });
  });

  it('is gone when the code was deleted', () => {
    const edited = lines.slice(0, 2).concat(lines.slice(6)).join('\n');
    assert.equal(locateCode(target, edited).status, 'gone');
  });

  it('is ambiguous, picking no line, when the code appears a thousand times', () => {
    const block = ['  if (ready) {', '    start(everything, now);', '  }'];
    const many = Array.from({ length: 1000 }, () => block.join('\n')).join('\n');
    const started = performance.now();
    const place = locateCode({ path: 'a.ts', startLine: 4, endLine: 6, code: block.join('\n') }, many);
    assert.equal(place.status, 'ambiguous');
    assert.equal(placeRange(place), undefined);
    assert.ok(performance.now() - started < 2000);
  });

  it('finds a selection that started and ended mid-line, as it is and moved', () => {
    const partial = ['function add(a: number, b: number): number {', '  const sum = a + b;', '  return sum;', '}'].join('\n');
    assert.deepEqual(locateCode({ ...target, code: partial }, file), { status: 'exact', startLine: 3, endLine: 6 });
    const midEnd = ['  const sum = a + b;', '  return sum;', '}', '', 'export function'].join('\n');
    assert.deepEqual(locateCode({ path: 'src/math.ts', startLine: 4, endLine: 8, code: midEnd }, `// one more\n${file}`), { status: 'moved', startLine: 5, endLine: 9 });
  });

  it('opens a bare path:line as it is, and says when it is past the end of the file', () => {
    assert.deepEqual(locateCode({ path: 'src/math.ts', startLine: 4, endLine: 5 }, file), { status: 'unanchored', pastEnd: false, startLine: 4, endLine: 5 });
    assert.deepEqual(locateCode({ path: 'src/math.ts', startLine: 40, endLine: 41 }, file), { status: 'unanchored', pastEnd: true, startLine: 10, endLine: 10 });
  });

  it('makes no anchor from blank or oversized code', () => {
    assert.equal(anchorFromCode({ path: 'a.ts', startLine: 1, endLine: 1, code: '  \n ' }), undefined);
    assert.equal(anchorFromCode({ path: 'a.ts', startLine: 1, endLine: 600, code: 'x\n'.repeat(600) }), undefined);
    assert.equal(anchorFromCode({ path: '../a.ts', startLine: 1, endLine: 1, code: 'x' }), undefined);
  });

  it('finds unchanged shared code, without context, where it is in a later version of this project\'s files', () => {
    const fixtures = join(__dirname, 'fixtures', 'anchors');
    const squash = (line: string): string => line.trim().replace(/\s+/g, ' ');
    const tally = { found: 0, unchangedOnce: 0, otherwise: 0 };
    for (const file of readdirSync(fixtures)) {
      const names = readdirSync(join(fixtures, file)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
      const older = splitLines(readFileSync(join(fixtures, file, names[0] ?? ''), 'utf8'));
      const newerText = readFileSync(join(fixtures, file, names.at(-1) ?? ''), 'utf8');
      const newer = splitLines(newerText).map(squash);
      for (let start = 0; start + 6 <= older.length; start += 7) {
        const window = older.slice(start, start + 6);
        if (window.join('').replace(/\s+/g, '').length < 12) continue;
        const wanted = window.map(squash);
        const places: number[] = [];
        for (let at = 0; at + wanted.length <= newer.length; at += 1) if (wanted.every((line, k) => newer[at + k] === line)) places.push(at + 1);
        const place = locateCode({ path: `${file}.ts`, startLine: start + 1, endLine: start + 6, code: window.join('\n') }, newerText);
        if (places.length === 1) {
          tally.unchangedOnce += 1;
          // Unchanged and found once: there, or (white space aside) changed there; never elsewhere.
          const range = placeRange(place);
          assert.ok(range !== undefined && range.startLine === places[0], `${file} lines ${start + 1}-${start + 6}: ${JSON.stringify(place)}, expected line ${places[0]}`);
          if (place.status === 'exact' || place.status === 'moved') tally.found += 1;
        } else if (places.length === 0) {
          tally.otherwise += 1;
          // Not in the newer version as it was: never said to be there unchanged, except as a mid-line selection.
          if (place.status === 'exact' || place.status === 'moved') {
            const inner = wanted.slice(1, -1);
            assert.ok(inner.every((line, k) => newer[place.startLine + k] === line), `${file} lines ${start + 1}-${start + 6}: ${JSON.stringify(place)}`);
          }
        }
      }
    }
    assert.ok(tally.unchangedOnce > 50, JSON.stringify(tally));
    assert.equal(tally.found, tally.unchangedOnce);
  });
});
