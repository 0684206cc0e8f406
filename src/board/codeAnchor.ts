import { findBlock, fuzzyMatches, indexFile } from './anchorMatching';
import type { FuzzyMatch } from './anchorMatching';

/**
 * Code anchors: what a note pinned to a range of lines remembers about those lines, so that each
 * member can find them again in their own, differently edited, checkout (`relocate`, built on
 * `anchorMatching.ts`). Pure: no vscode, no Node, no DOM.
 */

/** Lines of context kept on each side of the anchored lines. */
export const ANCHOR_CONTEXT_LINES = 3;

/** Most lines one anchor may cover; a longer selection is refused rather than truncated. */
export const MAX_ANCHOR_LINES = 500;

/**
 * Most characters the anchored lines and their context hold together (64 KiB). Context lines that
 * would go past it are left out (the anchor then carries less context); anchored lines past it
 * refuse the anchor.
 */
export const MAX_ANCHOR_CHARS = 64 * 1024;

/** Longest anchor path, in characters. */
export const MAX_ANCHOR_PATH_LENGTH = 1024;

/** A range of lines of one file, with its text and a little context around it. */
export interface CodeAnchor {
  /** Path relative to the repository root, `/`-separated, never absolute and never with `..`. */
  readonly path: string;
  /** First anchored line, 1-based. */
  readonly startLine: number;
  /** Last anchored line, 1-based and inclusive: `endLine - startLine + 1 === lines.length`. */
  readonly endLine: number;
  /** The anchored lines' text, without line endings. */
  readonly lines: readonly string[];
  /** Up to {@link ANCHOR_CONTEXT_LINES} lines just above, nearest last. */
  readonly before: readonly string[];
  /** Up to {@link ANCHOR_CONTEXT_LINES} lines just below, nearest first. */
  readonly after: readonly string[];
  /** The commit the anchor was made on, when the file is in a git repository. */
  readonly commit?: string;
}

/** Stable codes of a refused anchor. */
export type AnchorErrorCode =
  /** The path is absolute, climbs out with `..`, or is otherwise not a plain relative path. */
  | 'ERR_ANCHOR_PATH'
  /** The line range is empty, reversed, past the end of the file, or too long. */
  | 'ERR_ANCHOR_RANGE'
  /** The anchor's fields do not hold together (an anchor that came from a peer, say). */
  | 'ERR_ANCHOR_SHAPE';

/** An anchor that cannot be made or used; `message` is safe to show (it quotes no file text). */
export class AnchorError extends Error {
  constructor(
    readonly code: AnchorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AnchorError';
  }
}

/**
 * A file's lines, whatever its line endings (`\r\n`, `\n` or a lone `\r` all end a line) and without
 * a byte order mark; a final line ending does not start one more, empty, line. So a file saved
 * with CRLF by one member and LF by another has the same lines.
 */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '' && /[\r\n]$/.test(body)) lines.pop();
  return lines;
}

/**
 * Why `path` cannot name a file in a repository, or `undefined` when it can: it must be relative,
 * `/`-separated, with no empty, `.` or `..` segment, no backslash, drive letter or control
 * character, at most {@link MAX_ANCHOR_PATH_LENGTH} characters. A pin's path comes from a peer:
 * this is what keeps it from opening anything outside the member's workspace.
 */
export function checkAnchorPath(path: string): string | undefined {
  if (typeof path !== 'string' || path === '') return 'the path is empty';
  if (path.length > MAX_ANCHOR_PATH_LENGTH) return `the path is longer than ${MAX_ANCHOR_PATH_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'the path holds a control character';
  if (path.includes('\\')) return 'the path holds a backslash; anchor paths are /-separated';
  if (path.startsWith('/')) return 'the path is absolute';
  // `C:`, `C:foo` and `file:` are absolute or drive-relative on Windows, or a URL scheme.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) return 'the path starts with a drive letter or a scheme';
  for (const segment of path.split('/')) {
    if (segment === '') return 'the path has an empty segment';
    if (segment === '.' || segment === '..') return `the path has a "${segment}" segment`;
  }
  return undefined;
}

/**
 * Why `anchor` does not hold together, or `undefined` when it does. Checks what `relocate` relies
 * on, for an anchor that came over the wire: the path, the range against the lines, no line
 * endings inside a line, the size bounds and the commit's form.
 */
export function checkAnchor(anchor: CodeAnchor): string | undefined {
  const pathProblem = checkAnchorPath(anchor.path);
  if (pathProblem !== undefined) return pathProblem;
  const { startLine, endLine, lines, before, after, commit } = anchor;
  if (!Number.isSafeInteger(startLine) || !Number.isSafeInteger(endLine) || startLine < 1) return 'the line numbers are not positive whole numbers';
  if (!Array.isArray(lines) || !Array.isArray(before) || !Array.isArray(after)) return 'the anchor has no lines';
  if (lines.length === 0) return 'the anchor covers no lines';
  if (lines.length > MAX_ANCHOR_LINES) return `the anchor covers more than ${MAX_ANCHOR_LINES} lines`;
  if (endLine - startLine + 1 !== lines.length) return 'the line range does not match the anchored lines';
  if (before.length > ANCHOR_CONTEXT_LINES || after.length > ANCHOR_CONTEXT_LINES) return 'the anchor has too much context';
  if (before.length > startLine - 1) return 'the anchor has more context above than lines above it';
  let chars = 0;
  for (const line of [...before, ...lines, ...after]) {
    if (typeof line !== 'string' || /[\r\n]/.test(line)) return 'an anchored line is not one line of text';
    chars += line.length;
  }
  if (chars > MAX_ANCHOR_CHARS) return `the anchor holds more than ${MAX_ANCHOR_CHARS} characters`;
  if (commit !== undefined && (typeof commit !== 'string' || !/^[0-9a-f]{7,64}$/.test(commit))) return 'the commit is not a hexadecimal commit id';
  return undefined;
}

/**
 * The anchor of lines `startLine`..`endLine` (1-based, inclusive) of `fileText` at `path`, with up
 * to {@link ANCHOR_CONTEXT_LINES} lines of context each side (fewer at the ends of the file, or
 * when the context would pass {@link MAX_ANCHOR_CHARS}).
 *
 * @throws {AnchorError} `ERR_ANCHOR_PATH` for a path {@link checkAnchorPath} refuses;
 *   `ERR_ANCHOR_RANGE` for a range that is empty, reversed, past the end of the file, longer than
 *   {@link MAX_ANCHOR_LINES} lines or {@link MAX_ANCHOR_CHARS} characters; `ERR_ANCHOR_SHAPE`
 *   for a commit that is not a hexadecimal id.
 */
export function makeAnchor(fileText: string, path: string, startLine: number, endLine: number, commit?: string): CodeAnchor {
  const pathProblem = checkAnchorPath(path);
  if (pathProblem !== undefined) throw new AnchorError('ERR_ANCHOR_PATH', `Cannot anchor this file: ${pathProblem}.`);
  const fileLines = splitLines(fileText);
  if (!Number.isSafeInteger(startLine) || !Number.isSafeInteger(endLine) || startLine < 1 || endLine < startLine) {
    throw new AnchorError('ERR_ANCHOR_RANGE', `Cannot anchor lines ${String(startLine)}-${String(endLine)}: not a range of lines.`);
  }
  if (endLine > fileLines.length) {
    throw new AnchorError('ERR_ANCHOR_RANGE', `Cannot anchor lines ${startLine}-${endLine}: the file has ${fileLines.length} lines.`);
  }
  if (endLine - startLine + 1 > MAX_ANCHOR_LINES) {
    throw new AnchorError('ERR_ANCHOR_RANGE', `Cannot anchor ${endLine - startLine + 1} lines: at most ${MAX_ANCHOR_LINES}.`);
  }
  if (commit !== undefined && !/^[0-9a-f]{7,64}$/.test(commit)) throw new AnchorError('ERR_ANCHOR_SHAPE', 'Cannot anchor: the commit is not a hexadecimal commit id.');
  const lines = fileLines.slice(startLine - 1, endLine);
  let budget = MAX_ANCHOR_CHARS - lines.reduce((sum, line) => sum + line.length, 0);
  if (budget < 0) throw new AnchorError('ERR_ANCHOR_RANGE', `Cannot anchor these lines: they hold more than ${MAX_ANCHOR_CHARS} characters.`);
  // Context is taken nearest first, alternating sides, so a long line on one side costs that side only.
  const before: string[] = [];
  const after: string[] = [];
  for (let distance = 1; distance <= ANCHOR_CONTEXT_LINES; distance += 1) {
    const above = fileLines[startLine - 1 - distance];
    if (above !== undefined && before.length === distance - 1 && above.length <= budget) {
      before.unshift(above);
      budget -= above.length;
    }
    const below = fileLines[endLine - 1 + distance];
    if (below !== undefined && after.length === distance - 1 && below.length <= budget) {
      after.push(below);
      budget -= below.length;
    }
  }
  return commit === undefined ? { path, startLine, endLine, lines, before, after } : { path, startLine, endLine, lines, before, after, commit };
}

/** A range of lines found for an anchor, 1-based and inclusive. */
export interface LineRange {
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * Where an anchor is in a member's version of its file:
 * - `exact`: the same lines, as they were, at the same line numbers;
 * - `moved`: the same lines, as they were, elsewhere (lines inserted or deleted above, the block moved);
 * - `changed`: lines found with edits inside, `confidence` 0..1 saying how sure; `whitespaceOnly`
 *   when the only edits are white space (indentation, tabs for spaces, trailing blanks);
 * - `ambiguous`: several places fit equally well, nearest the anchor's own place first; none is picked;
 * - `gone`: not found with enough confidence (deleted, rewritten, or the anchor does not hold together).
 */
export type Relocation =
  | ({ readonly status: 'exact' } & LineRange)
  | ({ readonly status: 'moved' } & LineRange)
  | ({ readonly status: 'changed'; readonly confidence: number; readonly whitespaceOnly: boolean } & LineRange)
  | { readonly status: 'ambiguous'; readonly candidates: readonly LineRange[] }
  | { readonly status: 'gone' };

/** Least confidence for `changed`; below it the anchor is `gone` rather than put on a doubtful line. */
export const CHANGED_CONFIDENCE_THRESHOLD = 0.5;

/** Fuzzy places within this much confidence of the best one make the answer `ambiguous`. */
export const AMBIGUITY_MARGIN = 0.05;

/** Most candidates an `ambiguous` answer lists. */
export const MAX_REPORTED_CANDIDATES = 20;

/** Fewest non-blank characters for a block to be found by its text alone, without any context agreeing. */
export const MIN_DISTINCTIVE_CHARS = 12;

/**
 * Finds `anchor` in `fileText`, a member's own version of the file, without ever putting it on a
 * wrong line silently. First the anchored lines as a whole block (white space normalised), each
 * place ranked by how much context agrees and then by being unchanged: a single best place is
 * `exact`, `moved` or a white-space-only `changed`; equally good places are `ambiguous`. A block
 * found nowhere, or only at places no context supports, goes to a diff-like fuzzy alignment
 * (`fuzzyMatches`), whose best region is `changed` when confident enough and clearly better than
 * the others. Bounded work: the file is indexed once (O(lines)), at most
 * {@link MAX_BLOCK_CANDIDATES} block places and {@link MAX_FUZZY_WINDOWS} alignments of a few
 * hundred lines are tried. Never throws: an anchor that does not hold together is `gone`.
 */
export function relocate(anchor: CodeAnchor, fileText: string): Relocation {
  if (checkAnchor(anchor) !== undefined) return { status: 'gone' };
  const index = indexFile(splitLines(fileText));
  const original = anchor.startLine - 1;
  const length = anchor.lines.length;
  const contextTotal = anchor.before.length + anchor.after.length;
  const range = (start: number, end = start + length - 1): LineRange => ({ startLine: start + 1, endLine: end + 1 });
  const byDistance = (a: number, b: number): number => Math.abs(a - original) - Math.abs(b - original) || a - b;
  const ambiguous = (starts: number[], ends?: number[]): Relocation => {
    const order = starts.map((start, k) => ({ start, end: ends?.[k] ?? start + length - 1 })).sort((a, b) => byDistance(a.start, b.start));
    return { status: 'ambiguous', candidates: order.slice(0, MAX_REPORTED_CANDIDATES).map(({ start, end }) => range(start, end)) };
  };

  const { matches, truncated } = findBlock(anchor, index);
  matches.sort((a, b) => b.context - a.context || Number(b.exact) - Number(a.exact) || byDistance(a.start, b.start));
  const best = matches[0];
  if (best !== undefined) {
    const equals = matches.filter((m) => m.context === best.context && m.exact === best.exact);
    // Past the cap an unchecked place could be as good as the best: say so rather than guess.
    if (equals.length > 1 || truncated) return ambiguous(equals.map((m) => m.start));
    const unsupported = contextTotal > 0 && best.telling === 0;
    if (!unsupported || (matches.length === 1 && distinctive(anchor.lines))) {
      if (unsupported) {
        // The text alone found it: an edited copy with its context intact elsewhere is as likely.
        const rival = fuzzyMatches(anchor, index).find((m) => m.telling > 0 && m.confidence >= CHANGED_CONFIDENCE_THRESHOLD && (m.end < best.start || m.start > best.start + length - 1));
        if (rival !== undefined) return ambiguous([best.start, rival.start], [best.start + length - 1, rival.end]);
      }
      if (best.exact) return { status: best.start === original ? 'exact' : 'moved', ...range(best.start) };
      const support = contextTotal === 0 ? 1 : best.context / contextTotal;
      return { status: 'changed', ...range(best.start), confidence: round(0.6 + 0.4 * support), whitespaceOnly: true };
    }
  }

  const found = distinctRegions(fuzzyMatches(anchor, index));
  const top = found[0];
  if (top === undefined || top.confidence < CHANGED_CONFIDENCE_THRESHOLD) return { status: 'gone' };
  // Without any of its context, only text with something to it is found by its text alone.
  if (top.telling === 0 && contextTotal > 0 && !distinctive(anchor.lines)) return { status: 'gone' };
  const rivals = found.filter((m) => m.confidence >= top.confidence - AMBIGUITY_MARGIN);
  if (rivals.length > 1) return ambiguous(rivals.map((m) => m.start), rivals.map((m) => m.end));
  return { status: 'changed', ...range(top.start, top.end), confidence: round(top.confidence), whitespaceOnly: false };
}

/** Enough non-blank text to tell the block apart from stray braces and blank lines. */
function distinctive(lines: readonly string[]): boolean {
  return lines.reduce((sum, line) => sum + line.replace(/\s+/g, '').length, 0) >= MIN_DISTINCTIVE_CHARS;
}

/** Regions best first, leaving out each that overlaps a better one. */
function distinctRegions(matches: readonly FuzzyMatch[]): FuzzyMatch[] {
  const kept: FuzzyMatch[] = [];
  for (const m of matches) if (kept.every((k) => m.end < k.start || m.start > k.end)) kept.push(m);
  return kept;
}

function round(confidence: number): number {
  return Math.round(confidence * 100) / 100;
}
