/**
 * Where a pin's thread goes in a member's version of its file and what it says about it, from the
 * answer of `relocate` (the table in docs/anchors.md). Pure, no vscode: the rule that a pin never
 * lands on a wrong line silently lives here, apart from the Comments API plumbing.
 */
import type { CodeAnchor, LineRange, Relocation } from '../board/codeAnchor';

/** Below this confidence a `changed` pin says it is "probably here". */
export const PROBABLY_HERE_CONFIDENCE = 0.75;

export interface PinPlacement {
  /** 1-based, inclusive, within the file. */
  startLine: number;
  endLine: number;
  /** The thread's label; undefined when the code is as pinned. */
  label?: string;
  /** Quote the original code in the thread (the code here differs, or the pin's place is uncertain). */
  quoteOriginal: boolean;
  /** The code is gone: the thread is outdated, shown where the lines used to be. */
  outdated: boolean;
  /** When several places match: all of them, nearest the pin's own place first (the member may choose). */
  candidates?: readonly LineRange[];
}

function lines(range: { startLine: number; endLine: number }): string {
  return range.startLine === range.endLine ? `line ${range.startLine}` : `lines ${range.startLine}–${range.endLine}`;
}

/**
 * The thread of `anchor` placed after `relocation` in a file of `lineCount` lines. `chosen` is the
 * place this member picked among ambiguous candidates: the candidate nearest it is used, still
 * labelled as a choice.
 */
export function placePin(anchor: CodeAnchor, relocation: Relocation, lineCount: number, chosen?: LineRange): PinPlacement {
  const clamp = (line: number): number => Math.max(1, Math.min(line, Math.max(lineCount, 1)));
  switch (relocation.status) {
    case 'exact':
    case 'moved':
      return { startLine: relocation.startLine, endLine: relocation.endLine, quoteOriginal: false, outdated: false };
    case 'changed': {
      const { startLine, endLine } = relocation;
      if (relocation.whitespaceOnly) return { startLine, endLine, quoteOriginal: false, outdated: false };
      const probably = relocation.confidence < PROBABLY_HERE_CONFIDENCE ? ' — probably here' : '';
      return { startLine, endLine, label: `Changed since pinned${probably} (${Math.round(relocation.confidence * 100)}% sure)`, quoteOriginal: true, outdated: false };
    }
    case 'ambiguous': {
      // Not placed as if known: at the candidate nearest the pin's own place, saying it is one of several.
      const { candidates } = relocation;
      if (chosen !== undefined && candidates.length > 0) {
        const nearest = [...candidates].sort((a, b) => Math.abs(a.startLine - chosen.startLine) - Math.abs(b.startLine - chosen.startLine))[0]!;
        return { ...nearest, label: `Placed where you chose: ${candidates.length} places match`, quoteOriginal: true, outdated: false, candidates };
      }
      const [first] = candidates;
      const others = relocation.candidates.slice(1, 6).map(lines).join(', ');
      const where = first ?? { startLine: clamp(anchor.startLine), endLine: clamp(anchor.startLine) };
      const label = `Not sure where: ${relocation.candidates.length} places match; shown at one of them${others === '' ? '' : ` (others: ${others}${relocation.candidates.length > 6 ? ', …' : ''})`}`;
      return { startLine: where.startLine, endLine: where.endLine, label, quoteOriginal: true, outdated: false, candidates };
    }
    case 'gone': {
      const line = clamp(anchor.startLine);
      return { startLine: line, endLine: line, label: `Outdated: the code pinned at ${lines(anchor)} is gone`, quoteOriginal: true, outdated: true };
    }
  }
}
