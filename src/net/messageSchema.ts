/**
 * The schema of the wire protocol's documents: the value kinds (hand-written guards that both read
 * a wire string and write a typed value), the per-type table {@link SPECS} saying where each field
 * travels and when it must or may be present, and {@link CODECS}, compiled once from that table.
 * Encoding and decoding (`xmlCodec.ts`) apply the same rules, so we never send what a peer would
 * reject.
 */

import { isIPv4, isIPv6 } from 'node:net';
import { NetError } from './errors';
import { MAX_BINARY_FRAME_BYTES } from './limits';
import { PROTOCOL_VERSION } from './messages';
import type { Envelope, MemberInfo, Message, MessageOf, MessageType, Point } from './messages';
import { ATTR, LIST_ELEMENTS } from './xmlScanner';

// ---------------------------------------------------------------------------------------------
// Schema limits
// ---------------------------------------------------------------------------------------------

/** Chat text, in Unicode code points (after line-end normalisation). */
export const MAX_CHAT_TEXT = 16_000;
/** Note text, in code points; a note may be empty. */
export const MAX_NOTE_TEXT = 20_000;
/** Snippet code, in code points; the encoded message must still fit `MAX_XML_FRAME_BYTES` (limits.ts). */
export const MAX_SNIPPET_CODE = 50_000;
/** Error text, in code points. */
export const MAX_ERROR_TEXT = 1_000;
/** Members listed in one `peers` message. */
export const MAX_PEERS_MEMBERS = 1_000;
/** Authors listed in one `sync` message. */
export const MAX_SYNC_AUTHORS = 500;
/** Logged messages in one catch-up page. */
export const MAX_SYNC_PAGE = 500;
/** Points in one stroke. */
export const MAX_STROKE_POINTS = 10_000;

// ---------------------------------------------------------------------------------------------
// Character rules
// ---------------------------------------------------------------------------------------------

// Free text: no C0 controls but tab, LF and CR; no DEL or C1 controls; no bidi overrides or
// isolates; no U+FFFE/U+FFFF; no unpaired surrogates.
// eslint-disable-next-line no-control-regex
const BAD_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Names, paths and other single-line strings: no control characters at all.
// eslint-disable-next-line no-control-regex
const BAD_IN_NAME = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINE_ENDS = /\r\n?/g;

/** Length in Unicode code points of a string without unpaired surrogates. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** True when `s` (without unpaired surrogates) has between `min` and `max` code points. */
function lengthWithin(s: string, min: number, max: number): boolean {
  // A string of n UTF-16 units has between n/2 and n code points: count only when that matters.
  if (s.length >= min && s.length <= max) return true;
  const n = codePoints(s);
  return n >= min && n <= max;
}

// ---------------------------------------------------------------------------------------------
// Field kinds: hand-written guards shared by encode (typed value -> wire string) and decode
// (wire string -> typed value). Both return undefined for a value that breaks the rule; the
// caller names the field in the error.
// ---------------------------------------------------------------------------------------------

interface Kind<V> {
  /** What a valid value looks like, for error messages. */
  readonly rule: string;
  read(raw: string): V | undefined;
  write(value: unknown): string | undefined;
}

function patternKind(rule: string, pattern: RegExp): Kind<string> {
  const check = (s: unknown): string | undefined => (typeof s === 'string' && pattern.test(s) ? s : undefined);
  return { rule, read: check, write: check };
}

function enumKind<V extends string>(values: readonly V[]): Kind<V> {
  const check = (s: unknown): V | undefined => (typeof s === 'string' && (values as readonly string[]).includes(s) ? (s as V) : undefined);
  return { rule: `one of ${values.map((v) => `"${v}"`).join(', ')}`, read: check, write: check };
}

const UINT = /^(?:0|[1-9][0-9]{0,15})$/;

/** An integer in [min, max] written in decimal without sign, leading zeros or exponent. */
function intKind(min: number, max: number): Kind<number> {
  return {
    rule: `an integer from ${min} to ${max} (decimal digits, no sign or leading zeros)`,
    read(raw) {
      if (!UINT.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
    write(value) {
      return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? String(value) : undefined;
    },
  };
}

const DECIMAL = /^-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?$/;
const DECIMAL_LIMIT = 1e9;

/** Rounds a board number to the six decimals the wire carries; undefined when out of range. */
function formatDecimal(value: unknown, positive: boolean): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  // Integer arithmetic: String() of a fraction costs ~10 times more than of an integer. |k| < 1e15,
  // so k is exact, and "int.frac" reads back as the same double as Math.round(value * 1e6) / 1e6.
  const k = Math.round(value * 1e6);
  const a = Math.abs(k);
  if (a >= DECIMAL_LIMIT * 1e6 || (positive && k <= 0)) return undefined;
  if (k === 0) return '0';
  const whole = Math.floor(a / 1e6);
  const frac = a - whole * 1e6;
  let s = k < 0 ? `-${whole}` : `${whole}`;
  if (frac !== 0) {
    let digits = String(frac + 1e6).slice(1);
    while (digits.charCodeAt(digits.length - 1) === 0x30) digits = digits.slice(0, -1);
    s += `.${digits}`;
  }
  return s;
}

function parseDecimal(raw: string, positive: boolean): number | undefined {
  if (!DECIMAL.test(raw)) return undefined;
  const n = Number(raw);
  if (positive && n <= 0) return undefined;
  return n === 0 ? 0 : n; // no -0
}

/**
 * A board coordinate or size: at most 9 integer digits and 6 decimals. Encoding rounds to 6 decimals,
 * so a sent value may differ from the local one by less than 0.000001.
 */
function decimalKind(positive: boolean): Kind<number> {
  return {
    rule: positive
      ? 'a positive decimal number (at most 9 integer digits and 6 decimals)'
      : 'a decimal number (optional "-", at most 9 integer digits and 6 decimals)',
    read: (raw) => parseDecimal(raw, positive),
    write: (value) => formatDecimal(value, positive),
  };
}

const POINT = /^(-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?),(-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?)$/;

/** Stroke points as `x,y x,y …`: single spaces between points, each number a board decimal. */
const POINTS: Kind<Point[]> = {
  rule: `1 to ${MAX_STROKE_POINTS} points "x,y" (board decimals) separated by single spaces`,
  read(raw) {
    const parts = raw.split(' ');
    if (parts.length > MAX_STROKE_POINTS) return undefined;
    const points: Point[] = new Array<Point>(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const m = POINT.exec(parts[i]!);
      if (m === null) return undefined;
      points[i] = { x: parseDecimal(m[1]!, false)!, y: parseDecimal(m[2]!, false)! };
    }
    return points;
  },
  write(value) {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_STROKE_POINTS) return undefined;
    let out = '';
    for (let i = 0; i < value.length; i++) {
      const p: unknown = value[i];
      if (typeof p !== 'object' || p === null) return undefined;
      const x = formatDecimal((p as Point).x, false);
      const y = formatDecimal((p as Point).y, false);
      if (x === undefined || y === undefined) return undefined;
      out += i === 0 ? `${x},${y}` : ` ${x},${y}`;
    }
    return out;
  },
};

/**
 * Free text carried as CDATA. XML turns every CR LF and lone CR into LF on parsing, so encoding
 * does the same up front: what arrives is exactly what was sent, with LF line ends.
 */
function textKind(min: number, max: number): Kind<string> {
  const ok = (s: string): string | undefined => (!BAD_IN_TEXT.test(s) && lengthWithin(s, min, max) ? s : undefined);
  return {
    rule: `${min} to ${max} characters of text (tab and line feed are the only control characters; no bidi overrides or unpaired surrogates)`,
    read: ok,
    write: (value) => (typeof value === 'string' ? ok(value.includes('\r') ? value.replace(LINE_ENDS, '\n') : value) : undefined),
  };
}

/** A display name: 1–64 code points, no control characters, no leading or trailing whitespace. */
export const DISPLAY_NAME: Kind<string> = (() => {
  const check = (s: unknown): string | undefined =>
    typeof s === 'string' && !BAD_IN_NAME.test(s) && lengthWithin(s, 1, 64) && s.trim() === s ? s : undefined;
  return { rule: '1 to 64 characters without control characters or leading/trailing spaces', read: check, write: check };
})();

/**
 * A member's address: an IPv4 or IPv6 literal, never a name. A name a member chose would make every
 * receiver look it up in DNS: a stranger's way to make members query (and trust) any resolver.
 */
const HOST: Kind<string> = (() => {
  const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
  const check = (s: unknown): string | undefined => {
    if (typeof s !== 'string' || s.length === 0 || s.length > 64) return undefined;
    if (s.includes(':')) return IPV6.test(s) && isIPv6(s) ? s : undefined;
    return /^[0-9.]+$/.test(s) && isIPv4(s) ? s : undefined;
  };
  return { rule: 'an IPv4 or IPv6 address (not a host name)', read: check, write: check };
})();

/** A workspace-relative path: `/`-separated segments, none empty, `.` or `..`; no `\`, no drive. */
const PATH: Kind<string> = (() => {
  const check = (s: unknown): string | undefined => {
    if (typeof s !== 'string' || BAD_IN_NAME.test(s) || !lengthWithin(s, 1, 1024)) return undefined;
    if (s.includes('\\') || /^[A-Za-z]:/.test(s)) return undefined;
    for (const segment of s.split('/')) if (segment === '' || segment === '.' || segment === '..') return undefined;
    return s;
  };
  return {
    rule: 'a workspace-relative path of 1 to 1024 characters with "/" separators (no leading "/", no "\\", no empty, "." or ".." segments, no control characters)',
    read: check,
    write: check,
  };
})();

const ID = patternKind('8 to 64 characters of A-Z a-z 0-9 _ -', /^[A-Za-z0-9_-]{8,64}$/);
export const GROUP = patternKind(
  '1 to 64 letters, digits, spaces, ".", "_" or "-", not starting or ending with a space',
  /^(?! )[\p{L}\p{N} ._-]{1,64}(?<! )$/u,
);
/** The `group` of an `error` message: empty when the sender does not know the group yet. */
const GROUP_OR_EMPTY: Kind<string> = {
  rule: `empty (an error sent before the group is known) or ${GROUP.rule}`,
  read: (raw) => (raw === '' ? raw : GROUP.read(raw)),
  write: (value) => (value === '' ? value : GROUP.write(value)),
};
const VERSION = patternKind(`"${PROTOCOL_VERSION}"`, new RegExp(`^${PROTOCOL_VERSION}$`));
const SEQ = intKind(1, Number.MAX_SAFE_INTEGER);
const TIMESTAMP = intKind(0, Number.MAX_SAFE_INTEGER);
const CLOCK = intKind(0, Number.MAX_SAFE_INTEGER);
const PORT = intKind(1, 65_535);
const LINE = intKind(1, Number.MAX_SAFE_INTEGER);
const BYTES = intKind(1, MAX_BINARY_FRAME_BYTES);
const COORD = decimalKind(false);
const SIZE = decimalKind(true);
const COLOUR = patternKind('"#rrggbb" (six hex digits)', /^#[0-9a-fA-F]{6}$/);
const FONT = patternKind(`1 to 64 characters of A-Z a-z 0-9 space , ' " _ -`, /^[A-Za-z0-9 ,'"_-]{1,64}$/);
const LANGUAGE = patternKind('1 to 64 characters of A-Z a-z 0-9 _ . + # -', /^[A-Za-z0-9_.+#-]{1,64}$/);
const SHA256 = patternKind('64 lower-case hex digits', /^[0-9a-f]{64}$/);
/** An Ed25519 signature: 64 bytes as unpadded URL-safe base64 (86 characters). */
const SIGNATURE = patternKind('an Ed25519 signature (86 characters of URL-safe base64)', /^[A-Za-z0-9_-]{85}[AQgw]$/);
const ERROR_CODE = patternKind('1 to 64 characters of A-Z and _', /^[A-Z_]{1,64}$/);

// ---------------------------------------------------------------------------------------------
// Per-type schema table
// ---------------------------------------------------------------------------------------------

export type AttrSpec<V> = { readonly at: 'attribute'; readonly kind: Kind<V> };
export type TextSpec<V> = { readonly at: 'element'; readonly kind: Kind<V> };
type ListSpec<V> = V extends readonly (infer T)[]
  ? { readonly at: 'list'; readonly element: string; readonly max: number; readonly fields: AttrFields<T> }
  : never;
type FieldSpec<V> = AttrSpec<V> | TextSpec<V> | ListSpec<V>;

type AttrFields<T> = { readonly [K in keyof T]-?: AttrSpec<NonNullable<T[K]>> };

/** A message's own fields, without the envelope and `type`. */
type Body<M> = Omit<M, keyof Envelope | 'type'>;
type BodyKey<M> = keyof Body<M> & string;
/** Where and how every body field of `M` travels; a field missing here is a compile error. */
type Fields<M> = { readonly [K in BodyKey<M>]-?: FieldSpec<NonNullable<M[K]>> };

interface Presence<M> {
  readonly required: readonly BodyKey<M>[];
  readonly optional?: readonly BodyKey<M>[];
}
type OpOf<M> = M extends { op: infer O extends string } ? O : never;
/** Which fields must and may be present: one rule, or one per `op`. */
type PresenceRules<M> = [OpOf<M>] extends [never] ? Presence<M> : { readonly [O in OpOf<M>]: Presence<M> };

interface TypeSpec<M extends Message> {
  /** True for the types their author signs (`sig` required); `sig` is not allowed on the others. */
  readonly signed?: true;
  /** Envelope fields whose rule differs for this type. */
  readonly envelope?: Partial<AttrFields<Envelope>>;
  readonly fields: Fields<M>;
  readonly presence: PresenceRules<M>;
  /** A rule across fields; returns what is wrong, or undefined. */
  readonly check?: (msg: M) => string | undefined;
}

const attr = <V>(kind: Kind<V>): AttrSpec<V> => ({ at: 'attribute', kind });
const element = (kind: Kind<string>): TextSpec<string> => ({ at: 'element', kind });

const ENVELOPE: AttrFields<Envelope> = {
  v: attr(VERSION),
  id: attr(ID),
  from: attr(ID),
  group: attr(GROUP),
  seq: attr(SEQ),
  ts: attr(TIMESTAMP),
  sig: attr(SIGNATURE),
};

const MEMBER: AttrFields<MemberInfo> = { id: attr(ID), name: attr(DISPLAY_NAME), host: attr(HOST), port: attr(PORT) };

const BOARD = ['op', 'item', 'clock'] as const;
const ITEM = attr(ID);
const CLOCK_FIELD = attr(CLOCK);
/** The item, clock and position of a note, image or snippet; spread right after `op` (document order). */
const PLACED = { item: ITEM, clock: CLOCK_FIELD, x: attr(COORD), y: attr(COORD) };

/** Every message type's schema: adding a type to the union without an entry here does not compile. */
const SPECS: { readonly [T in MessageType]: TypeSpec<MessageOf<T>> } = {
  register: {
    fields: { name: attr(DISPLAY_NAME), port: attr(PORT), host: attr(HOST) },
    presence: { required: ['name', 'port'], optional: ['host'] },
  },
  peers: {
    fields: {
      event: attr(enumKind(['snapshot', 'joined', 'left'] as const)),
      more: attr(enumKind(['true'] as const)),
      members: { at: 'list', element: 'member', max: MAX_PEERS_MEMBERS, fields: MEMBER },
    },
    presence: { required: ['event', 'members'], optional: ['more'] },
    // Only a snapshot comes in pages; `more` on a change would leave the receiver waiting for a page.
    check: (m) => (m.more !== undefined && m.event !== 'snapshot' ? 'attribute "more" is allowed only on event="snapshot"' : undefined),
  },
  unregister: { fields: {}, presence: { required: [] } },
  hello: {
    fields: { name: attr(DISPLAY_NAME), port: attr(PORT) },
    presence: { required: ['name', 'port'] },
  },
  bye: { fields: {}, presence: { required: [] } },
  ping: { fields: {}, presence: { required: [] } },
  pong: { fields: { re: attr(ID) }, presence: { required: ['re'] } },
  chat: {
    signed: true,
    fields: { to: attr(ID), text: element(textKind(1, MAX_CHAT_TEXT)) },
    presence: { required: ['text'], optional: ['to'] },
  },
  note: {
    signed: true,
    fields: {
      op: attr(enumKind(['add', 'move', 'edit', 'delete'] as const)),
      ...PLACED,
      font: attr(FONT),
      size: attr(SIZE),
      colour: attr(COLOUR),
      text: element(textKind(0, MAX_NOTE_TEXT)),
    },
    presence: {
      add: { required: [...BOARD, 'text', 'font', 'size', 'colour', 'x', 'y'] },
      move: { required: [...BOARD, 'x', 'y'] },
      edit: { required: BOARD, optional: ['text', 'font', 'size', 'colour'] },
      delete: { required: BOARD },
    },
    check: (m) =>
      m.op === 'edit' && m.text === undefined && m.font === undefined && m.size === undefined && m.colour === undefined
        ? 'an edit changes at least one of text, font, size, colour'
        : undefined,
  },
  image: {
    signed: true,
    fields: {
      op: attr(enumKind(['add', 'move', 'delete'] as const)),
      ...PLACED,
      width: attr(SIZE),
      height: attr(SIZE),
      mime: attr(enumKind(['image/png', 'image/jpeg', 'image/gif'] as const)),
      bytes: attr(BYTES),
      sha256: attr(SHA256),
    },
    presence: {
      add: { required: [...BOARD, 'x', 'y', 'width', 'height', 'mime', 'bytes', 'sha256'] },
      move: { required: [...BOARD, 'x', 'y'], optional: ['width', 'height'] },
      delete: { required: BOARD },
    },
    check: (m) => ((m.width === undefined) !== (m.height === undefined) ? 'width and height go together' : undefined),
  },
  stroke: {
    signed: true,
    fields: {
      op: attr(enumKind(['add', 'delete'] as const)),
      item: ITEM,
      clock: CLOCK_FIELD,
      width: attr(SIZE),
      colour: attr(COLOUR),
      points: attr(POINTS),
    },
    presence: {
      add: { required: [...BOARD, 'points', 'width', 'colour'] },
      delete: { required: BOARD },
    },
  },
  snippet: {
    signed: true,
    fields: {
      op: attr(enumKind(['add', 'move', 'delete'] as const)),
      ...PLACED,
      language: attr(LANGUAGE),
      path: attr(PATH),
      startLine: attr(LINE),
      endLine: attr(LINE),
      code: element(textKind(1, MAX_SNIPPET_CODE)),
    },
    presence: {
      add: { required: [...BOARD, 'code', 'language', 'path', 'startLine', 'endLine', 'x', 'y'] },
      move: { required: [...BOARD, 'x', 'y'] },
      delete: { required: BOARD },
    },
    check: (m) =>
      m.startLine !== undefined && m.endLine !== undefined && m.startLine > m.endLine ? 'startLine must not be after endLine' : undefined,
  },
  ack: {
    fields: { upTo: attr(SEQ), re: attr(ID) },
    presence: { required: [], optional: ['upTo', 're'] },
    check: (m) => ((m.upTo === undefined) === (m.re === undefined) ? 'an ack carries exactly one of upTo and re' : undefined),
  },
  sync: {
    fields: {
      op: attr(enumKind(['have', 'page'] as const)),
      count: attr(intKind(0, MAX_SYNC_PAGE)),
      more: attr(enumKind(['true'] as const)),
      have: { at: 'list', element: 'have', max: MAX_SYNC_AUTHORS, fields: { a: attr(ID), n: attr(intKind(0, Number.MAX_SAFE_INTEGER)) } },
      authors: { at: 'list', element: 'author', max: MAX_SYNC_AUTHORS, fields: { id: attr(ID), name: attr(DISPLAY_NAME) } },
    },
    presence: {
      have: { required: ['op', 'have'], optional: ['authors'] },
      page: { required: ['op', 'count'], optional: ['more', 'have', 'authors'] },
    },
    check: (m) => (m.op === 'page' && m.have.length > 0 ? 'a page lists no have entries' : undefined),
  },
  moved: { fields: { host: attr(HOST), port: attr(PORT) }, presence: { required: ['port'], optional: ['host'] } },
  error: {
    // The repository answers a connection that never registered (handshake timeout, wrong first
    // message) before it knows any group.
    envelope: { group: attr(GROUP_OR_EMPTY) },
    fields: { code: attr(ERROR_CODE), text: element(textKind(0, MAX_ERROR_TEXT)) },
    presence: { required: ['code', 'text'] },
  },
};

// ---------------------------------------------------------------------------------------------
// The compiled table: SPECS as field lists and lookups, built once
// ---------------------------------------------------------------------------------------------

type AnySpec = AttrSpec<unknown> | TextSpec<unknown> | { readonly at: 'list'; readonly element: string; readonly max: number; readonly fields: AttrFields<unknown> };

export interface CompiledField {
  readonly name: string;
  /** Key in the parsed / built object: `@_name` for an attribute, the element name otherwise. */
  readonly key: string;
  /** `attribute "x"` or `element <x>`, for errors. */
  readonly label: string;
  readonly spec: AnySpec;
  /** For a list: its item attributes, by key. */
  readonly items?: ReadonlyMap<string, CompiledField>;
}

interface CompiledPresence {
  readonly required: readonly string[];
  readonly allowed: ReadonlySet<string>;
}

/** One message type's codec: fields in document order, and a lookup from parsed key to field. */
export interface TypeCodec {
  readonly type: MessageType;
  readonly fields: readonly CompiledField[];
  readonly byKey: ReadonlyMap<string, CompiledField>;
  /** Presence rule by op (types with `op`), or under the key "" (types without). */
  readonly presence: ReadonlyMap<string, CompiledPresence>;
  readonly hasOp: boolean;
  readonly check?: (msg: never) => string | undefined;
}

function compileFields(specs: Record<string, AnySpec>): CompiledField[] {
  for (const spec of Object.values(specs)) {
    // The parser makes a list of these elements even when one is present; one it does not know would read as malformed.
    if (spec.at === 'list' && !LIST_ELEMENTS.has(spec.element)) throw new Error(`List element <${spec.element}> is missing from LIST_ELEMENTS`);
  }
  return Object.entries(specs).map(([name, spec]) =>
    spec.at === 'attribute'
      ? { name, key: ATTR + name, label: `attribute "${name}"`, spec }
      : spec.at === 'element'
        ? { name, key: name, label: `element <${name}>`, spec }
        : { name, key: spec.element, label: `element <${spec.element}>`, spec, items: byKey(compileFields(spec.fields as Record<string, AnySpec>)) },
  );
}

function byKey(fields: readonly CompiledField[]): Map<string, CompiledField> {
  return new Map(fields.map((f) => [f.key, f]));
}

/** Envelope fields every message carries; `sig` only the signed types. */
const ENVELOPE_NAMES = Object.keys(ENVELOPE).filter((name) => name !== 'sig');

function compile<T extends MessageType>(type: T, spec: TypeSpec<MessageOf<T>>): TypeCodec {
  const envelope = compileFields({ ...ENVELOPE, ...spec.envelope } as Record<string, AnySpec>);
  const fields = [...envelope, ...compileFields(spec.fields as Record<string, AnySpec>)];
  const presence = new Map<string, CompiledPresence>();
  const hasOp = 'op' in spec.fields;
  type LoosePresence = { readonly required: readonly string[]; readonly optional?: readonly string[] };
  const rules: [string, LoosePresence][] = hasOp
    ? Object.entries(spec.presence as Record<string, LoosePresence>)
    : [['', spec.presence as LoosePresence]];
  for (const [op, rule] of rules) {
    const required = [...ENVELOPE_NAMES, ...(spec.signed ? ['sig'] : []), ...rule.required];
    presence.set(op, { required, allowed: new Set([...required, ...(rule.optional ?? [])]) });
  }
  return { type, fields, byKey: byKey(fields), presence, hasOp, check: spec.check as TypeCodec['check'] };
}

/** The codec of every message type, by root element name (a Map: no prototype keys). */
export const CODECS: ReadonlyMap<string, TypeCodec> = new Map(
  (Object.keys(SPECS) as MessageType[]).map((type) => [type, compile(type, SPECS[type] as unknown as TypeSpec<MessageOf<typeof type>>)]),
);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export function badMessage(message: string): NetError {
  return new NetError('ERR_BAD_MESSAGE', message);
}

export function context(codec: TypeCodec, msg: Record<string, unknown>): string {
  return codec.hasOp && typeof msg.op === 'string' ? `${codec.type} op="${msg.op}"` : codec.type;
}

// ---------------------------------------------------------------------------------------------
// Presence rules (shared by encode and decode)
// ---------------------------------------------------------------------------------------------

export function checkPresence(codec: TypeCodec, msg: Record<string, unknown>, unsigned = false): void {
  let rule = codec.presence.get('');
  if (codec.hasOp) {
    const op = msg.op;
    if (op === undefined) throw badMessage(`${codec.type}: missing attribute "op"`);
    rule = typeof op === 'string' ? codec.presence.get(op) : undefined;
    if (rule === undefined) throw badMessage(`${codec.type}: attribute "op" must be ${(codec.byKey.get(`${ATTR}op`)!.spec as AttrSpec<string>).kind.rule}`);
  }
  const { required, allowed } = rule!;
  for (const name of required) {
    if (unsigned && name === 'sig') continue;
    if (msg[name] === undefined) throw badMessage(`${context(codec, msg)}: missing ${codec.fields.find((f) => f.name === name)!.label}`);
  }
  for (const f of codec.fields) {
    if (msg[f.name] !== undefined && !allowed.has(f.name)) throw badMessage(`${context(codec, msg)}: ${f.label} is not allowed`);
  }
}

export function checkRules(codec: TypeCodec, msg: Record<string, unknown>): void {
  const problem = codec.check?.(msg as never);
  if (problem !== undefined) throw badMessage(`${context(codec, msg)}: ${problem}`);
}

