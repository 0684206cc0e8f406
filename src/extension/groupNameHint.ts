/**
 * Why a typed group name cannot be used, short enough for one row of the group picker (a quick
 * pick row does not wrap): what is wrong on the label, the rule on the line below. Pure.
 */
import { groupNameProblem } from '../net/xmlCodec';

/** Longest group name, in characters (the wire schema's limit). */
const MAX_GROUP_NAME_CHARS = 64;
/** Characters quoted on the label at most; the rest are summed up. */
const MAX_QUOTED_CHARS = 3;

export interface GroupNameHint {
  /** What is wrong, a few words. */
  label: string;
  /** The rule, one short line. */
  detail: string;
}

const RULE = 'Use letters, digits, spaces, ".", "_" or "-", at most 64 in all.';

/** Undefined when `typed` (already trimmed) is a usable group name. */
export function groupNameHint(typed: string): GroupNameHint | undefined {
  if (groupNameProblem(typed) === undefined) return undefined;
  const chars = Array.from(typed);
  const refused = [...new Set(chars.filter((c) => c !== ' ' && groupNameProblem(c) !== undefined))];
  if (refused.length > 0) {
    const quoted = refused.slice(0, MAX_QUOTED_CHARS).map((c) => JSON.stringify(c));
    const more = refused.length > MAX_QUOTED_CHARS ? ` and ${refused.length - MAX_QUOTED_CHARS} more` : '';
    return { label: `${quoted.join(' ')}${more} cannot be in a group name`, detail: RULE };
  }
  if (chars.length > MAX_GROUP_NAME_CHARS) return { label: `Too long: ${chars.length} characters`, detail: RULE };
  return { label: 'Not a valid group name', detail: RULE };
}
