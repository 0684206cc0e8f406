/**
 * A pin's code anchor as it travels in a `pin` message: the anchored lines with their context in
 * one LF-joined `code` element, `above` and `below` saying how many of its lines are context. The
 * anchor's lines hold no line ends, so joining and splitting by LF give back the same lines. Pure.
 */
import type { PinMessage } from '../net/messages';
import { checkAnchor } from './codeAnchor';
import type { CodeAnchor } from './codeAnchor';

/** The anchor fields of a pin `add`. */
export type PinAnchorFields = Required<Pick<PinMessage, 'path' | 'startLine' | 'endLine' | 'above' | 'below' | 'code'>> & Pick<PinMessage, 'commit'>;

/** The wire fields of an anchor. */
export function pinAnchorFields(anchor: CodeAnchor): PinAnchorFields {
  const fields: PinAnchorFields = {
    path: anchor.path,
    startLine: anchor.startLine,
    endLine: anchor.endLine,
    above: anchor.before.length,
    below: anchor.after.length,
    code: [...anchor.before, ...anchor.lines, ...anchor.after].join('\n'),
  };
  if (anchor.commit !== undefined) fields.commit = anchor.commit;
  return fields;
}

/**
 * The anchor a pin `add` carries, or undefined when its fields are missing or do not add up (the
 * line count of `code` against the range and the context counts). Total for any input.
 */
export function anchorOfPin(fields: Partial<PinAnchorFields>): CodeAnchor | undefined {
  const { path, startLine, endLine, above, below, code, commit } = fields;
  if (path === undefined || startLine === undefined || endLine === undefined || above === undefined || below === undefined || code === undefined) return undefined;
  if (!Number.isSafeInteger(startLine) || !Number.isSafeInteger(endLine) || endLine < startLine) return undefined;
  const all = code.split('\n');
  const count = endLine - startLine + 1;
  if (all.length !== above + count + below) return undefined;
  const anchor: CodeAnchor = {
    path,
    startLine,
    endLine,
    before: all.slice(0, above),
    lines: all.slice(above, above + count),
    after: all.slice(above + count),
  };
  return commit === undefined ? anchor : { ...anchor, commit };
}

/** Why a pin `add`'s anchor is refused, or undefined when it holds together (`checkAnchor`). */
export function pinAnchorProblem(fields: Partial<PinAnchorFields>): string | undefined {
  const anchor = anchorOfPin(fields);
  if (anchor === undefined) return 'the lines of element <code> do not match startLine, endLine, above and below';
  const problem = checkAnchor(anchor);
  return problem === undefined ? undefined : `the code anchor does not hold together: ${problem}`;
}
