/**
 * Finding the code a snippet card or a chat code location points at in this member's own version
 * of the file. Pure: the caller reads the file (and refuses big and binary ones) and opens the
 * editor. A snippet card and a quoted chat location carry the code itself, which is anchored with no
 * context lines (see docs/anchors.md); a bare `path:line` carries nothing to find, so its line is
 * opened as it is.
 */
import { checkAnchor, relocate, splitLines } from './codeAnchor';
import type { CodeAnchor, LineRange, Relocation } from './codeAnchor';

/** What points at code: a path, the lines as they were, and the code when it was quoted. */
export interface CodeTarget {
  path: string;
  startLine: number;
  endLine: number;
  /** The code of those lines as shared (a snippet's code, a quoted block), when there is one. */
  code?: string;
}

/** Where the target is in this file: a relocation, or `unanchored` (no code to find it by: the lines as named). */
export type CodePlace = Relocation | ({ readonly status: 'unanchored'; readonly pastEnd: boolean } & LineRange);

/** An anchor from shared code alone: its lines are the code's, with no context around them. */
export function anchorFromCode(target: CodeTarget): CodeAnchor | undefined {
  if (target.code === undefined || target.code.trim() === '') return undefined;
  const lines = splitLines(target.code);
  const anchor: CodeAnchor = { path: target.path, startLine: target.startLine, endLine: target.startLine + lines.length - 1, lines, before: [], after: [] };
  return checkAnchor(anchor) === undefined ? anchor : undefined;
}

const squash = (line: string): string => line.trim().replace(/\s+/g, ' ');

/**
 * Finds `target` in `fileText`. With code, by {@link relocate}. A shared selection may start or end
 * mid-line, so its first and last lines are only the end and the start of the file's lines: when the
 * whole block is not found as it is, its inner lines are looked for, and taken when found as they
 * are with the file's neighbouring lines ending with the first line and starting with the last.
 */
export function locateCode(target: CodeTarget, fileText: string): CodePlace {
  const anchor = anchorFromCode(target);
  if (anchor === undefined) {
    const count = splitLines(fileText).length;
    const startLine = Math.min(target.startLine, Math.max(count, 1));
    return { status: 'unanchored', pastEnd: target.startLine > count, startLine, endLine: Math.max(startLine, Math.min(target.endLine, count)) };
  }
  const whole = relocate(anchor, fileText);
  if (whole.status === 'exact' || whole.status === 'moved' || anchor.lines.length < 3) return whole;
  const inner: CodeAnchor = { ...anchor, startLine: anchor.startLine + 1, endLine: anchor.endLine - 1, lines: anchor.lines.slice(1, -1) };
  if (checkAnchor(inner) !== undefined) return whole;
  const found = relocate(inner, fileText);
  if (found.status !== 'exact' && found.status !== 'moved') return whole;
  const file = splitLines(fileText);
  const first = squash(anchor.lines[0] ?? '');
  const last = squash(anchor.lines.at(-1) ?? '');
  const above = squash(file[found.startLine - 2] ?? '');
  const below = squash(file[found.endLine] ?? '');
  if (first === '' || last === '' || !above.endsWith(first) || !below.startsWith(last)) return whole;
  const startLine = found.startLine - 1;
  return { status: startLine === anchor.startLine ? 'exact' : 'moved', startLine, endLine: found.endLine + 1 };
}

/** The range to open for a place, or undefined when there is no one place (ambiguous, gone). */
export function placeRange(place: CodePlace): LineRange | undefined {
  return place.status === 'ambiguous' || place.status === 'gone' ? undefined : { startLine: place.startLine, endLine: place.endLine };
}

/** Lines as a reader says them: `12` or `12–14`. */
export function lineRangeText(range: LineRange): string {
  return range.startLine === range.endLine ? `${range.startLine}` : `${range.startLine}–${range.endLine}`;
}
