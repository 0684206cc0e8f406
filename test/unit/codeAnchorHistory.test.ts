import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_ANCHOR_LINES, makeAnchor, relocate, splitLines } from '../../src/board/codeAnchor';
import type { Relocation } from '../../src/board/codeAnchor';

/**
 * Relocation on real edits: versions of four of this project's own source files, copied from its
 * history into fixtures/anchors/<file>/<n>-<commit>.ts.txt (oldest first). Functions and methods
 * (whole, their signature line, three lines of their middle) anchored in an older version must be
 * found in a newer one where their code went, or be said ambiguous or gone. Where the code went is
 * told by the lines unique to both versions, not by relocate's own means; a function's code may
 * have gone to another function (extracted, renamed), and following it there is right.
 */
const fixtures = join(__dirname, 'fixtures', 'anchors');

/** A function or method: its name and its lines, 1-based and inclusive, from signature to closing brace. */
interface FunctionSpan {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'constructor']);

/**
 * The top-level functions and class methods of a TypeScript file written in this project's style
 * (two-space indentation, closing brace alone on its line at the signature's indentation).
 */
function functionsOf(lines: readonly string[]): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  let inClass = false;
  lines.forEach((line, i) => {
    if (/^(export )?(abstract )?class /.test(line)) inClass = true;
    else if (line === '}') inClass = false;
    const top = /^(?:export )?(?:async )?function\*? (\w+)/.exec(line);
    const method = inClass ? /^ {2}(?:(?:private|public|protected|static|async|override|readonly) )*(?:(get|set) )?(\w+)\(.*\{$/.exec(line) : null;
    const name = top?.[1] ?? (method && !KEYWORDS.has(method[2] ?? '') ? `${method[1] ?? ''}${method[2] ?? ''}` : undefined);
    if (name === undefined) return;
    const closing = top ? '}' : '  }';
    const end = lines.findIndex((other, j) => j > i && other === closing);
    if (end > i) spans.push({ name, start: i + 1, end: end + 1 });
  });
  return spans;
}

interface Version {
  readonly commit: string;
  readonly text: string;
  readonly lines: string[];
  readonly functions: FunctionSpan[];
}

function versionsOf(file: string): Version[] {
  return readdirSync(join(fixtures, file))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((name) => {
      const text = readFileSync(join(fixtures, file, name), 'utf8');
      const lines = splitLines(text);
      return { commit: name.replace(/^\d+-|\.ts\.txt$/g, ''), text, lines, functions: functionsOf(lines) };
    });
}

const tally = { exact: 0, moved: 0, changed: 0, ambiguous: 0, gone: 0 };

/**
 * Where the lines of `older` went in `newer`, as far as can be told without guessing: a line with
 * enough text found exactly once in each version, with a neighbour that went along, is the same
 * line (patience diff's anchors). Line numbers are 1-based; lines it cannot tell are left out.
 */
function uniqueLineMoves(older: Version, newer: Version): Map<number, number> {
  const once = (lines: readonly string[]): Map<string, number> => {
    const seen = new Map<string, number>();
    lines.forEach((line, i) => seen.set(line, seen.has(line) ? -1 : i + 1));
    return seen;
  };
  const inNewer = once(newer.lines);
  const unique = new Map<number, number>();
  for (const [line, at] of once(older.lines)) {
    const to = inNewer.get(line);
    if (at > 0 && to !== undefined && to > 0 && line.trim().length >= 12) unique.set(at, to);
  }
  // A common line (a loop over the links) may be unique only by chance: kept only when a line
  // next to it went along with it.
  const alongside = (at: number, to: number, step: number): boolean => older.lines[at - 1 + step] !== undefined && older.lines[at - 1 + step] === newer.lines[to - 1 + step];
  return new Map([...unique].filter(([at, to]) => alongside(at, to, -1) || alongside(at, to, 1)));
}

/**
 * Checks one relocation of the lines `from`..`to` of `fn` in `older`, found in `newer`, against
 * what the lines unique to both versions say: the place found holds at least one of the anchored
 * lines that is there, and none of the lines that were outside the anchored ones.
 */
function checkFound(found: Relocation, fn: FunctionSpan, from: number, to: number, older: Version, newer: Version, moves: Map<number, number>): void {
  tally[found.status] += 1;
  const where = `${fn.name} lines ${from}-${to} of ${older.commit} in ${newer.commit}: ${JSON.stringify(found)}`;
  const oldText = older.lines.slice(from - 1, to);
  const occurrences = newer.lines.map((_, i) => i + 1).filter((i) => newer.lines.slice(i - 1, i - 1 + oldText.length).join('\n') === oldText.join('\n'));
  if (occurrences.length === 1) assert.ok(found.status === 'exact' || found.status === 'moved' || found.status === 'ambiguous', `unchanged lines not found: ${where}`);
  if (found.status === 'ambiguous' || found.status === 'gone') return;
  if (found.status !== 'changed') {
    assert.deepEqual(newer.lines.slice(found.startLine - 1, found.endLine), oldText, where);
    assert.ok(occurrences.includes(found.startLine), where);
  }
  const inFound = (line: number): boolean => line >= found.startLine && line <= found.endLine;
  const anchoredThere = [...moves].filter(([at]) => at >= from && at <= to).map(([, there]) => there);
  if (anchoredThere.length > 0) assert.ok(anchoredThere.some(inFound), `none of the anchored lines still there is in the place found: ${where}`);
  // A function anchored whole, whose signature line is still there, is found starting from it,
  // unless its lines went to several functions (split), when either part is an honest answer.
  const signature = moves.get(fn.start);
  const functionsHit = new Set(anchoredThere.map((line) => newer.functions.find((other) => line >= other.start && line <= other.end)?.start));
  if (from === fn.start && to > from && signature !== undefined && functionsHit.size === 1) assert.equal(found.startLine, signature, `not from the signature: ${where}`);
  for (const [at, there] of moves) {
    if ((at < from || at > to) && inFound(there)) assert.fail(`line ${at} from outside the anchored lines, now ${there}, is in the place found: ${where}`);
  }
}

describe('codeAnchor on this project\'s history', () => {
  for (const file of ['peerNode', 'historySync', 'repositoryServer', 'session']) {
    const versions = versionsOf(file);
    const pairs = versions.slice(1).map((newer, k) => [versions[k], newer] as const);
    const first = versions[0];
    const last = versions[versions.length - 1];
    if (first !== undefined && last !== undefined) pairs.push([first, last]);
    for (const [older, newer] of pairs) {
      if (older === undefined || newer === undefined) continue;
      it(`follows the functions of ${file}.ts from ${older.commit} to ${newer.commit}`, () => {
        assert.ok(older.functions.length >= 5, `only ${older.functions.length} functions found in ${file} ${older.commit}`);
        const moves = uniqueLineMoves(older, newer);
        for (const fn of older.functions) {
          const end = Math.min(fn.end, fn.start + MAX_ANCHOR_LINES - 1);
          const middle = Math.floor((fn.start + fn.end) / 2);
          // The whole function, its signature line alone, and three lines from its middle.
          for (const [from, to] of [[fn.start, end], [fn.start, fn.start], [Math.max(fn.start, middle - 1), Math.min(fn.end, middle + 1)]] as const) {
            const anchor = makeAnchor(older.text, `src/${file}.ts`, from, to, older.commit.padEnd(7, '0'));
            checkFound(relocate(anchor, newer.text), fn, from, to, older, newer, moves);
          }
        }
      });
    }
  }

  after(() => {
    // The history must exercise more than one answer, or the checks above prove little.
    assert.ok(tally.exact > 0 && tally.moved > 0 && tally.changed > 0, JSON.stringify(tally));
  });
});
