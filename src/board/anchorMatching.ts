/**
 * The pieces `relocate` (in `codeAnchor.ts`) is made of: an index of a file's lines, the search
 * for an anchor's lines as a block, and the fuzzy search that aligns the anchor with regions of the
 * file the way a diff does. Pure: no vscode, no Node, no DOM.
 */
import type { CodeAnchor } from './codeAnchor';

/** Most places checked for the anchored block as a whole; more means the text says nothing about where the anchor is. */
export const MAX_BLOCK_CANDIDATES = 1000;

/** A line found more often than this in the file does not vote for where the anchor is (a `}`, a blank line). */
export const MAX_VOTES_PER_LINE = 50;

/** Most regions of the file aligned with the anchor by the fuzzy search. */
export const MAX_FUZZY_WINDOWS = 8;

/** A line's text for comparison: white space at either end dropped, runs of it inside made one space. */
export function normaliseLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/** A file's lines with their normalised text as small integers, and where each text occurs. */
export interface FileIndex {
  readonly lines: readonly string[];
  /** `keys[i]` is the id of line i's normalised text. */
  readonly keys: Int32Array;
  /** Id of each normalised text seen in the file. */
  readonly ids: ReadonlyMap<string, number>;
  /** Line indexes (0-based, ascending) of each id. */
  readonly positions: readonly number[][];
}

export function indexFile(lines: readonly string[]): FileIndex {
  const ids = new Map<string, number>();
  const positions: number[][] = [];
  const keys = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const text = normaliseLine(line);
    let id = ids.get(text);
    if (id === undefined) {
      id = positions.length;
      ids.set(text, id);
      positions.push([]);
    }
    keys[i] = id;
    positions[id]?.push(i);
  });
  return { lines, keys, ids, positions };
}

/** Ids of `lines` in `index`; a text the file does not have gets -1, which matches nothing. */
export function keysOf(index: FileIndex, lines: readonly string[]): number[] {
  return lines.map((line) => index.ids.get(normaliseLine(line)) ?? -1);
}

/** The anchored block found whole (its normalised lines equal) at `start` (0-based). */
export interface BlockMatch {
  readonly start: number;
  /** How many of the anchor's context lines agree with the lines around this place. */
  readonly context: number;
  /** How many of those have enough text to say something (not blank, not a lone brace). */
  readonly telling: number;
  /** The lines are equal as they are, not only once white space is normalised. */
  readonly exact: boolean;
}

/**
 * Every place (up to {@link MAX_BLOCK_CANDIDATES}, nearest the anchor's own place first) where the
 * anchored lines occur whole, white space normalised. The search starts from the anchored line
 * the file has fewest of, so a block made of common lines still costs one pass per occurrence of
 * its rarest line. `truncated` says there were more places than were checked.
 */
export function findBlock(anchor: CodeAnchor, index: FileIndex): { matches: BlockMatch[]; truncated: boolean } {
  const blockKeys = keysOf(index, anchor.lines);
  let pivot = 0;
  let fewest = Infinity;
  blockKeys.forEach((key, k) => {
    const count = key < 0 ? 0 : (index.positions[key]?.length ?? 0);
    if (count < fewest) [pivot, fewest] = [k, count];
  });
  const pivotKey = blockKeys[pivot] ?? -1;
  if (pivotKey < 0) return { matches: [], truncated: false };
  const original = anchor.startLine - 1;
  const length = blockKeys.length;
  const starts = (index.positions[pivotKey] ?? []).map((i) => i - pivot).filter((start) => start >= 0 && start + length <= index.lines.length);
  starts.sort((a, b) => Math.abs(a - original) - Math.abs(b - original) || a - b);
  const matches: BlockMatch[] = [];
  for (const start of starts.slice(0, MAX_BLOCK_CANDIDATES)) {
    if (!blockKeys.every((key, k) => index.keys[start + k] === key)) continue;
    const exact = anchor.lines.every((line, k) => index.lines[start + k] === line);
    matches.push({ start, ...contextAgreement(anchor, index, start, start + length - 1), exact });
  }
  return { matches, truncated: starts.length > MAX_BLOCK_CANDIDATES };
}

/** Fewest characters (white space normalised) of a context line whose agreement says something. */
export const TELLING_LINE_CHARS = 4;

/**
 * How many context lines of the anchor equal (normalised) the lines just above `start` and just
 * below `end` (0-based, inclusive), and how many of those are telling (at least
 * {@link TELLING_LINE_CHARS} characters): a blank line or a `}` agrees with half the file.
 */
export function contextAgreement(anchor: CodeAnchor, index: FileIndex, start: number, end: number): { context: number; telling: number } {
  let context = 0;
  let telling = 0;
  const agree = (line: string, at: number): void => {
    if (at < 0 || at >= index.lines.length || index.keys[at] !== (index.ids.get(normaliseLine(line)) ?? -1)) return;
    context += 1;
    if (normaliseLine(line).length >= TELLING_LINE_CHARS) telling += 1;
  };
  anchor.before.forEach((line, k) => agree(line, start - (anchor.before.length - k)));
  anchor.after.forEach((line, k) => agree(line, end + 1 + k));
  return { context, telling };
}

/** A region of the file the fuzzy search aligned with the anchor. */
export interface FuzzyMatch {
  /** First and last line of the region taken for the anchored lines, 0-based, inclusive. */
  readonly start: number;
  readonly end: number;
  /** 0..1: how alike the anchored text and this region's text are, weighed by the context found around it. */
  readonly confidence: number;
  /** How many context lines the alignment kept. */
  readonly context: number;
  /** How many of those are telling (see {@link contextAgreement}). */
  readonly telling: number;
}

/**
 * Regions of the file that look like the anchor with edits inside, best first. Each anchored and
 * context line the file has (and has at most {@link MAX_VOTES_PER_LINE} times) votes for where the
 * block would start; the most voted places (and the anchor's own place) are aligned with the anchor
 * and its context by a longest common subsequence of normalised lines, as a diff does, and the
 * anchored lines' place read off the alignment (`blockRange`) is the candidate. Its confidence is
 * half the character-bigram similarity of its text and the anchored text, half the share of
 * anchored lines kept, scaled down to 0.6 of that when none of the context was found around it.
 */
export function fuzzyMatches(anchor: CodeAnchor, index: FileIndex): FuzzyMatch[] {
  const sequence = keysOf(index, [...anchor.before, ...anchor.lines, ...anchor.after]);
  const blockFirst = anchor.before.length;
  const blockLast = blockFirst + anchor.lines.length - 1;
  const contextTotal = anchor.before.length + anchor.after.length;
  const fileLength = index.lines.length;
  const original = anchor.startLine - 1;

  const votes = new Map<number, number>();
  sequence.forEach((key, i) => {
    const where = key < 0 ? undefined : index.positions[key];
    if (where === undefined || where.length > MAX_VOTES_PER_LINE || index.lines[where[0] ?? 0]?.trim() === '') return;
    for (const j of where) votes.set(j - (i - blockFirst), (votes.get(j - (i - blockFirst)) ?? 0) + 1);
  });
  const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1] || Math.abs(a[0] - original) - Math.abs(b[0] - original)).map(([start]) => start);
  const radius = Math.max(2, Math.floor(anchor.lines.length / 2));
  const windows: number[] = original < fileLength ? [original] : [];
  for (const start of ranked) {
    if (windows.length >= MAX_FUZZY_WINDOWS) break;
    if (windows.every((chosen) => Math.abs(chosen - start) > radius)) windows.push(start);
  }

  // Room for as many lines inserted among the anchored ones as there are of them: a region cut
  // short would make a part of the block look like all of it.
  const slack = anchor.lines.length + 3;
  const anchoredText = anchor.lines.map(normaliseLine).join('\n');
  /** The alignment of the anchor with the region around lines `first`..`last` (0-based). */
  const alignAround = (first: number, last: number): FuzzyMatch | undefined => {
    const low = Math.max(0, first - blockFirst - slack);
    const high = Math.min(fileLength, last + 1 + anchor.after.length + slack);
    if (high <= low) return undefined;
    const pairs = alignKeys(sequence, index.keys.subarray(low, high)).map(([i, j]) => [i, j + low] as const);
    const range = blockRange(pairs, sequence, blockFirst, blockLast, anchor, index);
    if (range === undefined) return undefined;
    const contextKept = pairs.filter(([i]) => i < blockFirst || i > blockLast);
    const context = contextKept.length;
    const telling = contextKept.filter(([, j]) => normaliseLine(index.lines[j] ?? '').length >= TELLING_LINE_CHARS).length;
    const kept = pairs.length - context;
    // Cut at twice the anchored text: a longer region is unlike it anyway, and a minified line of
    // megabytes must not cost more than the anchor itself.
    const regionText = index.lines.slice(range.start, range.end + 1).map(normaliseLine).join('\n').slice(0, 2 * anchoredText.length + 2);
    // Text similarity alone would favour a part of the block over all of it with lines inserted
    // inside; the share of anchored lines kept as they were evens that out.
    const similarity = 0.5 * bigramSimilarity(anchoredText, regionText) + 0.5 * (kept / anchor.lines.length);
    const support = contextTotal === 0 ? 1 : context / contextTotal;
    return { ...range, context, telling, confidence: similarity * (0.6 + 0.4 * support) };
  };
  const found: FuzzyMatch[] = [];
  for (const start of windows) {
    const guess = alignAround(start, start + anchor.lines.length - 1);
    // Aligned again around what was found: a window placed by the context may have cut off part of the block.
    const match = guess === undefined ? undefined : (alignAround(guess.start, guess.end) ?? guess);
    if (match !== undefined) found.push(match);
  }
  return found.sort((a, b) => b.confidence - a.confidence || Math.abs(a.start - original) - Math.abs(b.start - original));
}

/** Least bigram similarity for a line next to the block to be taken as an anchored line edited. */
export const EDGE_LINE_SIMILARITY = 0.7;

/**
 * Where the anchored lines lie in an alignment: from the first anchored line kept to the last,
 * widened over the anchored lines not kept at either end where the lines next door look like them
 * edited and context was kept beyond them. Without an anchored line kept, the lines between the context kept above and below.
 * Undefined when nothing bounds the range, or the context closes over nothing (the lines were deleted).
 */
function blockRange(pairs: readonly (readonly [number, number])[], sequence: readonly number[], blockFirst: number, blockLast: number, anchor: CodeAnchor, index: FileIndex): { start: number; end: number } | undefined {
  let above = -1;
  let below = index.lines.length;
  let first: readonly [number, number] | undefined;
  let last: readonly [number, number] | undefined;
  for (const pair of pairs) {
    const [i, j] = pair;
    if (i < blockFirst) above = j;
    else if (i > blockLast) below = Math.min(below, j);
    else {
      first ??= pair;
      last = pair;
    }
  }
  if (first === undefined || last === undefined) {
    const bounded = pairs.some(([i]) => i < blockFirst) && pairs.some(([i]) => i > blockLast);
    return bounded && above + 1 <= below - 1 ? { start: above + 1, end: below - 1 } : undefined;
  }
  // A line next to the block is one of its lines edited only if it looks like the missing line and
  // is none of the anchor's other lines (the context, moved next to it): taking in a line that
  // was inserted there, or moved there, would put the note on a wrong line.
  // And only between the block and context kept on that side: with no context there, the line
  // next door is as likely one that came to be next to the block by a move.
  const known = new Set(sequence);
  const editedLine = (j: number, anchored: string | undefined): boolean =>
    j > above && j < below && anchored !== undefined && !known.has(index.keys[j] ?? -1) && bigramSimilarity(normaliseLine(index.lines[j] ?? ''), normaliseLine(anchored)) >= EDGE_LINE_SIMILARITY;
  // And only where the lines between that context and the block could all be anchored lines
  // edited: more lines there than the block lost at that end were inserted or moved there, and the
  // one next to the block is as likely one of them, however much it looks like the lost line.
  let start = first[1];
  const roomAbove = first[1] - above - 1 <= first[0] - blockFirst;
  if (above >= 0 && roomAbove) for (let i = first[0] - 1; i >= blockFirst && editedLine(start - 1, anchor.lines[i - blockFirst]); i -= 1) start -= 1;
  let end = last[1];
  const roomBelow = below - last[1] - 1 <= blockLast - last[0];
  if (below < index.lines.length && roomBelow) for (let i = last[0] + 1; i <= blockLast && editedLine(end + 1, anchor.lines[i - blockFirst]); i += 1) end += 1;
  return { start, end };
}

/** Index pairs `[i, j]` of a longest common subsequence of `a` and `b`, in order. O(|a|·|b|) time and memory. */
export function alignKeys(a: readonly number[], b: Int32Array): (readonly [number, number])[] {
  const width = b.length + 1;
  // lengths[i * width + j]: LCS length of a[i..] and b[j..], so the walk below goes forwards.
  const lengths = new Int32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i * width + j] = a[i] === b[j] ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  const pairs: (readonly [number, number])[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i += 1;
      j += 1;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) i += 1;
    else j += 1;
  }
  return pairs;
}

/**
 * Dice similarity (0..1) of the multisets of character pairs of `a` and `b`: 1 for equal texts,
 * near 1 for a changed identifier, near 0 for unrelated code. Equal texts shorter than a pair count as alike.
 */
export function bigramSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const counts = new Map<string, number>();
  for (let i = 0; i + 1 < a.length; i += 1) {
    const pair = a.slice(i, i + 2);
    counts.set(pair, (counts.get(pair) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i + 1 < b.length; i += 1) {
    const pair = b.slice(i, i + 2);
    const left = counts.get(pair) ?? 0;
    if (left > 0) {
      shared += 1;
      counts.set(pair, left - 1);
    }
  }
  return (2 * shared) / (a.length - 1 + b.length - 1);
}
