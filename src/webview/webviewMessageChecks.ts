/**
 * The host's checks of what the board webview sends (the messages of `protocol.ts`): the
 * webview shows data that came from other peers, so nothing it posts is trusted. Each message
 * type has a table of fields with their rules; a refusal carries a stable code and never a value
 * from the message.
 */
import {
  BOARD_EXTENT,
  COLOUR_PATTERN,
  FONT_PATTERN,
  MAX_IMAGE_BYTES,
  MAX_ITEM_SIZE,
  MAX_NOTE_SIZE,
  MAX_PEN_WIDTH,
  MAX_STROKE_POINTS,
  MIN_NOTE_SIZE,
  MIN_PEN_WIDTH,
} from '../board/limits';
import { isOpenableLink, MAX_LINK_LENGTH } from '../board/links';
import { checkAnchorPath, MAX_ANCHOR_PATH_LENGTH } from '../board/codeAnchor';
import { MAX_LOCATION_LINE } from '../board/chatMarkup';
import { groupDigits } from '../board/numberText';
import { MAX_HISTORY_MESSAGES } from '../net/limits';

import { ID_PATTERN, MAX_CHAT_INPUT, MAX_FAILURE_TEXT, MAX_NOTE_INPUT, MAX_ZOOM, MIN_ZOOM } from './protocol';
import type { WebviewToHost } from './protocol';

/**
 * Why the host refused a message from the webview. Stable: logs print it and tests assert it; the
 * words in {@link WebviewRejection.rule} may change.
 */
export type WebviewRejectionCode =
  /** Not a plain object of data properties: null, a string, an array, a class instance, a getter. */
  | 'ERR_WEBVIEW_NOT_OBJECT'
  /** `type` is absent or not a webview-to-host type (`__proto__`, `constructor` and the like included). */
  | 'ERR_WEBVIEW_UNKNOWN_TYPE'
  /** A key the message type does not have (`__proto__` and symbol keys included). */
  | 'ERR_WEBVIEW_UNEXPECTED_FIELD'
  /** A required field is absent, or a pair of fields is incomplete. */
  | 'ERR_WEBVIEW_MISSING_FIELD'
  /** A field of the wrong JavaScript type. */
  | 'ERR_WEBVIEW_FIELD_TYPE'
  /** A number out of range or not finite; a string, byte array or list of the wrong length. */
  | 'ERR_WEBVIEW_FIELD_RANGE'
  /** A string that does not match its pattern (an id, a colour, a font) or a blank chat text. */
  | 'ERR_WEBVIEW_FIELD_FORMAT';

/** A refused message: what is wrong, in terms of the protocol. Never holds a value from the message. */
export interface WebviewRejection {
  code: WebviewRejectionCode;
  /** The message type, once it is known to be one. */
  type?: WebviewToHost['type'];
  /** The key at fault (printable: a key that is not a plain name is described, not echoed). */
  field?: string;
  /** The rule the message breaks, in words. */
  rule: string;
}

/** One log line for a refused message: code, then where and why. */
export function describeRejection(r: WebviewRejection): string {
  const where = r.type === undefined ? '' : r.field === undefined ? `${r.type}: ` : `${r.type}.${r.field}: `;
  return `${r.code} ${where}${r.rule}`;
}

/**
 * A refusal from a field check. A class, so that `instanceof` tells it apart from any value a
 * check returns (a string, a number, a byte array, a list).
 */
class Problem {
  constructor(
    readonly code: WebviewRejectionCode,
    readonly rule: string,
  ) {}
}

/** One field's rule: returns the value to keep (a fresh copy where it is mutable) or the problem. */
interface Kind<V> {
  check(value: unknown): V | Problem;
}

/** Rules are written when this module loads (the extension's activation): no `toLocaleString` there. */
const count = groupDigits;

function textKind(min: number, max: number, options: { notBlank?: boolean } = {}): Kind<string> {
  const length = min === 0 ? `at most ${count(max)} characters` : `${count(min)} to ${count(max)} characters`;
  return {
    check(value) {
      if (typeof value !== 'string') return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be a string of ${length}`);
      if (value.length < min || value.length > max) return new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be ${length}`);
      if (options.notBlank === true && value.trim() === '') return new Problem('ERR_WEBVIEW_FIELD_FORMAT', 'must not be blank');
      return value;
    },
  };
}

function patternKind(pattern: RegExp, rule: string): Kind<string> {
  return {
    check(value) {
      if (typeof value !== 'string') return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be a string: ${rule}`);
      return pattern.test(value) ? value : new Problem('ERR_WEBVIEW_FIELD_FORMAT', `must be ${rule}`);
    },
  };
}

/** A finite number in [min, max], or in (min, max] when `aboveMin`. */
function numberKind(min: number, max: number, aboveMin = false): Kind<number> {
  const rule = `a finite number ${aboveMin ? `above ${count(min)} and up to` : `from ${count(min)} to`} ${count(max)}`;
  return {
    check(value) {
      if (typeof value !== 'number') return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be ${rule}`);
      // NaN fails every comparison, so it is refused here along with the infinities.
      const inRange = Number.isFinite(value) && (aboveMin ? value > min : value >= min) && value <= max;
      return inRange ? value : new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be ${rule}`);
    },
  };
}

function bytesKind(max: number): Kind<Uint8Array> {
  const rule = `a Uint8Array of 1 to ${count(max)} bytes`;
  return {
    check(value) {
      if (!(value instanceof Uint8Array)) return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be ${rule}`);
      return value.length >= 1 && value.length <= max ? value : new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be ${rule}`);
    },
  };
}

const ID: Kind<string> = patternKind(ID_PATTERN, 'an id of 8 to 64 characters A-Z a-z 0-9 _ -');
const COORDINATE = numberKind(-BOARD_EXTENT, BOARD_EXTENT);
const ITEM_SIZE = numberKind(0, MAX_ITEM_SIZE, true);
const NOTE_SIZE = numberKind(MIN_NOTE_SIZE, MAX_NOTE_SIZE);
const PEN_WIDTH = numberKind(MIN_PEN_WIDTH, MAX_PEN_WIDTH);
const COLOUR = patternKind(COLOUR_PATTERN, '"#rrggbb"');
const FONT = patternKind(FONT_PATTERN, 'a plain font family list of 1 to 64 characters A-Z a-z 0-9 space , \' " _ -');
const NOTE_TEXT = textKind(0, MAX_NOTE_INPUT);
/** A step of the board's history: a whole number, at most the most messages a history keeps. */
const STEP: Kind<number> = {
  check(value) {
    const rule = `a whole number from 0 to ${count(MAX_HISTORY_MESSAGES)}`;
    if (typeof value !== 'number') return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be ${rule}`);
    return Number.isSafeInteger(value) && value >= 0 && value <= MAX_HISTORY_MESSAGES ? value : new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be ${rule}`);
  },
};
/** A width or height of the board in view: the whole board's at most. */
const VIEW_SPAN = numberKind(0, 2 * BOARD_EXTENT, true);

/** A link to open: a string of bounded length, then http or https only (no javascript:, data:, file:, command:). */
const LINK: Kind<string> = {
  check(value) {
    const rule = `an http or https URL of 1 to ${count(MAX_LINK_LENGTH)} characters`;
    if (typeof value !== 'string') return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be ${rule}`);
    if (value.length === 0 || value.length > MAX_LINK_LENGTH) return new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be ${rule}`);
    return isOpenableLink(value) ? value : new Problem('ERR_WEBVIEW_FIELD_FORMAT', `must be ${rule}`);
  },
};

/** A code location's path: what `checkAnchorPath` takes (relative, no `..`, no backslash, no control characters). */
const CODE_PATH: Kind<string> = {
  check(value) {
    const rule = `a relative path of 1 to ${count(MAX_ANCHOR_PATH_LENGTH)} characters without "..", "\\" or control characters`;
    if (typeof value !== 'string') return new Problem('ERR_WEBVIEW_FIELD_TYPE', `must be ${rule}`);
    if (value.length === 0 || value.length > MAX_ANCHOR_PATH_LENGTH) return new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be ${rule}`);
    return checkAnchorPath(value) === undefined ? value : new Problem('ERR_WEBVIEW_FIELD_FORMAT', `must be ${rule}`);
  },
};

/** A whole number in [min, max]. */
function integerKind(min: number, max: number): Kind<number> {
  const range = numberKind(min, max);
  return {
    check(value) {
      const checked = range.check(value);
      return checked instanceof Problem || Number.isInteger(checked) ? checked : new Problem('ERR_WEBVIEW_FIELD_RANGE', `must be a whole number from ${count(min)} to ${count(max)}`);
    },
  };
}
const LINE = integerKind(1, MAX_LOCATION_LINE);

/** Flat x, y pairs of board coordinates, copied into a fresh dense array. */
const POINTS: Kind<number[]> = {
  check(value) {
    const rule = `must be 1 to ${count(MAX_STROKE_POINTS)} x, y pairs of board coordinates`;
    if (!Array.isArray(value)) return new Problem('ERR_WEBVIEW_FIELD_TYPE', rule);
    if (value.length < 2 || value.length % 2 !== 0 || value.length > MAX_STROKE_POINTS * 2) return new Problem('ERR_WEBVIEW_FIELD_RANGE', rule);
    // An index loop, not `every`: `every` skips the holes of a sparse array, and a hole would reach
    // the session as `undefined`.
    const points = new Array<number>(value.length);
    for (let i = 0; i < value.length; i += 1) {
      const checked = COORDINATE.check(value[i]);
      if (checked instanceof Problem) return new Problem(checked.code, rule);
      points[i] = checked;
    }
    return points;
  },
};

/** A field of a message type: its rule and whether it may be absent. */
interface Field<V, Optional extends boolean> {
  readonly kind: Kind<V>;
  readonly optional: Optional;
}
const req = <V>(kind: Kind<V>): Field<V, false> => ({ kind, optional: false });
const opt = <V>(kind: Kind<V>): Field<V, true> => ({ kind, optional: true });

type IsOptional<M, K extends keyof M> = Partial<Pick<M, K>> extends Pick<M, K> ? true : false;
/** Every field of `M` but `type`, each marked optional exactly when `M` has it optional. */
type Fields<M> = { readonly [K in Exclude<keyof M, 'type'>]-?: Field<NonNullable<M[K]>, IsOptional<M, K>> };
type MessageOf<T extends WebviewToHost['type']> = Extract<WebviewToHost, { type: T }>;

interface Spec<M> {
  readonly fields: Fields<M>;
  /** A rule across fields, checked once each field passed its own. */
  readonly check?: (message: M) => Problem | undefined;
}

/**
 * The rules of every webview-to-host message. Adding a type or a field to {@link WebviewToHost}
 * without a rule here does not compile, and a field marked optional here must be optional there.
 */
const SPECS: { readonly [T in WebviewToHost['type']]: Spec<MessageOf<T>> } = {
  ready: { fields: {} },
  sendChat: { fields: { text: req(textKind(1, MAX_CHAT_INPUT, { notBlank: true })), to: opt(ID) } },
  addNote: { fields: { text: req(NOTE_TEXT), x: req(COORDINATE), y: req(COORDINATE), font: opt(FONT), size: opt(NOTE_SIZE), colour: opt(COLOUR) } },
  editNote: {
    fields: { id: req(ID), text: opt(NOTE_TEXT), font: opt(FONT), size: opt(NOTE_SIZE), colour: opt(COLOUR) },
    check: (m) =>
      m.text === undefined && m.font === undefined && m.size === undefined && m.colour === undefined
        ? new Problem('ERR_WEBVIEW_MISSING_FIELD', 'an edit changes at least one of text, font, size, colour')
        : undefined,
  },
  moveItem: {
    fields: { id: req(ID), x: req(COORDINATE), y: req(COORDINATE), width: opt(ITEM_SIZE), height: opt(ITEM_SIZE) },
    check: (m) => ((m.width === undefined) !== (m.height === undefined) ? new Problem('ERR_WEBVIEW_MISSING_FIELD', 'width and height go together') : undefined),
  },
  deleteItem: { fields: { id: req(ID) } },
  addImage: { fields: { bytes: req(bytesKind(MAX_IMAGE_BYTES)), x: req(COORDINATE), y: req(COORDINATE), width: req(ITEM_SIZE), height: req(ITEM_SIZE) } },
  addStroke: { fields: { points: req(POINTS), width: req(PEN_WIDTH), colour: req(COLOUR) } },
  openSnippet: { fields: { id: req(ID) } },
  copyText: { fields: { id: req(ID) } },
  codeImage: { fields: { requestId: req(ID), png: req(bytesKind(MAX_IMAGE_BYTES)) } },
  codeImageFailed: { fields: { requestId: req(ID), message: req(textKind(0, MAX_FAILURE_TEXT)) } },
  joinGroup: { fields: {} },
  openLink: { fields: { url: req(LINK) } },
  historyOpen: { fields: {} },
  historyAt: { fields: { step: req(STEP) } },
  historyClose: { fields: {} },
  restoreItem: { fields: { step: req(STEP), id: req(ID) } },
  openCode: {
    fields: { path: req(CODE_PATH), startLine: req(LINE), endLine: req(LINE), code: opt(textKind(1, MAX_CHAT_INPUT)) },
    check: (m) => (m.endLine < m.startLine ? new Problem('ERR_WEBVIEW_FIELD_RANGE', 'endLine is not before startLine') : undefined),
  },
  viewport: { fields: { x: req(COORDINATE), y: req(COORDINATE), width: req(VIEW_SPAN), height: req(VIEW_SPAN), zoom: req(numberKind(MIN_ZOOM, MAX_ZOOM)) } },
};

/** SPECS seen without its per-type typing, for the one loop that reads any of them. */
interface AnySpec {
  readonly fields: Readonly<Record<string, Field<unknown, boolean>>>;
  readonly check?: (message: WebviewToHost) => Problem | undefined;
}

/** A key as a log may show it: plain names as they are, anything else described. */
function printableKey(key: string | symbol): string {
  if (typeof key === 'symbol') return '(a symbol key)';
  return /^[A-Za-z_$][A-Za-z0-9_$]{0,31}$/.test(key) ? key : '(a key that is not a plain name)';
}

/**
 * The message's own properties, each read once from its descriptor: no getter runs, nothing is
 * read through the prototype, and a value cannot change between its check and its use.
 */
function ownData(raw: unknown): Map<string | symbol, unknown> | Problem {
  const notPlain = new Problem('ERR_WEBVIEW_NOT_OBJECT', 'a message must be a plain object');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return notPlain;
  // A plain object's prototype is Object.prototype (whose own prototype is null) or null; asking
  // for that, rather than comparing with this realm's Object.prototype, also accepts another realm's.
  const proto: unknown = Object.getPrototypeOf(raw);
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return notPlain;
  const fields = new Map<string | symbol, unknown>();
  for (const key of Reflect.ownKeys(raw)) {
    const descriptor = Object.getOwnPropertyDescriptor(raw, key);
    if (descriptor === undefined || !('value' in descriptor)) return new Problem('ERR_WEBVIEW_NOT_OBJECT', 'a message holds data properties only (no getters or setters)');
    fields.set(key, descriptor.value);
  }
  return fields;
}

/**
 * Checks a message from the webview at run time against {@link SPECS}: the type, every field's
 * type, length, range and pattern, no field the type does not have. Returns a fresh message built
 * from the checked values, or the reason it was refused. Never throws.
 */
export function checkWebviewMessage(raw: unknown): { ok: true; message: WebviewToHost } | { ok: false; rejection: WebviewRejection } {
  const refuse = (rejection: WebviewRejection): { ok: false; rejection: WebviewRejection } => ({ ok: false, rejection });
  let fields: Map<string | symbol, unknown> | Problem;
  try {
    fields = ownData(raw);
  } catch {
    // Only an exotic object (a proxy whose traps throw) gets here; the webview cannot post one.
    return refuse({ code: 'ERR_WEBVIEW_NOT_OBJECT', rule: 'a message must be a plain object that can be read' });
  }
  if (fields instanceof Problem) return refuse({ code: fields.code, rule: fields.rule });
  const type = fields.get('type');
  // `Object.hasOwn`, not `in` or a lookup: `__proto__`, `constructor` or `toString` must not find
  // something on the prototype of SPECS.
  if (typeof type !== 'string' || !Object.hasOwn(SPECS, type)) {
    return refuse({ code: 'ERR_WEBVIEW_UNKNOWN_TYPE', rule: `type must be one of ${Object.keys(SPECS).join(', ')}` });
  }
  const known = type as WebviewToHost['type'];
  const spec = SPECS[known] as unknown as AnySpec;
  for (const key of fields.keys()) {
    if (key === 'type') continue;
    if (typeof key !== 'string' || !Object.hasOwn(spec.fields, key)) {
      return refuse({ code: 'ERR_WEBVIEW_UNEXPECTED_FIELD', type: known, field: printableKey(key), rule: `${known} has no such field` });
    }
  }
  const message: Record<string, unknown> = { type: known };
  for (const [name, field] of Object.entries(spec.fields)) {
    const value = fields.get(name);
    if (value === undefined) {
      if (!field.optional) return refuse({ code: 'ERR_WEBVIEW_MISSING_FIELD', type: known, field: name, rule: 'is required' });
      continue;
    }
    const checked = field.kind.check(value);
    if (checked instanceof Problem) return refuse({ code: checked.code, type: known, field: name, rule: checked.rule });
    message[name] = checked;
  }
  const typed = message as unknown as WebviewToHost;
  const across = spec.check?.(typed);
  if (across !== undefined) return refuse({ code: across.code, type: known, rule: across.rule });
  return { ok: true, message: typed };
}

/** {@link checkWebviewMessage} for callers that only log the refusal: the message, or undefined. */
export function parseWebviewMessage(raw: unknown, onInvalid?: (rejection: WebviewRejection) => void): WebviewToHost | undefined {
  const result = checkWebviewMessage(raw);
  if (result.ok) return result.message;
  onInvalid?.(result.rejection);
  return undefined;
}

