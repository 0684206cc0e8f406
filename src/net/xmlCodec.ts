/**
 * The XML codec of the wire protocol: {@link Message} <-> the UTF-8 XML document carried in one XML
 * frame. It owns the only fast-xml-parser parser and builder instances. Every document goes through
 * a markup scan, `XMLValidator`, the parser and then hand-written guards into the typed union; every
 * message goes through the same guards before it is built, so we never send what a peer would reject.
 * `docs/protocol.md` describes the documents for implementers of compatible peers.
 *
 * Document shape: the root element is the message type, the envelope and short scalar fields are
 * attributes, free text (chat and note text, snippet code, error text) is a child element holding
 * CDATA sections only, and `peers` lists its members as `<member>` child elements:
 *
 * `<chat v="1" id="…" from="…" group="…" seq="3" ts="1732190000000"><text><![CDATA[hello]]></text></chat>`
 *
 * Measured on the development machine (2 cores, Node 20, shared): a 245-byte chat message encodes
 * in 6–9 µs and decodes in 14–28 µs (the parser about 12 µs, the validator 5 µs of that); a stroke
 * of 1,000 points (12 KB) 150–270 µs / 410–550 µs, most of it the validator's character loop.
 */

import { isIPv4, isIPv6 } from 'node:net';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { X2jOptions, XmlBuilderOptions } from 'fast-xml-parser';
import { NetError } from './errors';
import { MAX_BINARY_FRAME_BYTES, MAX_XML_FRAME_BYTES } from './limits';
import { PROTOCOL_VERSION } from './messages';
import type { Envelope, MemberInfo, Message, MessageOf, MessageType, Point } from './messages';

// ---------------------------------------------------------------------------------------------
// Schema limits
// ---------------------------------------------------------------------------------------------

/** Chat text, in Unicode code points (after line-end normalisation). */
export const MAX_CHAT_TEXT = 16_000;
/** Note text, in code points; a note may be empty. */
export const MAX_NOTE_TEXT = 20_000;
/** Snippet code, in code points; the encoded message must still fit {@link MAX_XML_FRAME_BYTES}. */
export const MAX_SNIPPET_CODE = 50_000;
/** Error text, in code points. */
export const MAX_ERROR_TEXT = 1_000;
/** Members listed in one `peers` message. */
export const MAX_PEERS_MEMBERS = 1_000;
/** Points in one stroke. */
export const MAX_STROKE_POINTS = 10_000;

/** Element depth of the schema: the root and its children (`<text>`, `<member>`). */
const SCHEMA_DEPTH = 2;

// ---------------------------------------------------------------------------------------------
// The one parser, builder and UTF-8 decoder
// ---------------------------------------------------------------------------------------------

const ATTR = '@_';
const CDATA = '#cdata';
const TEXT = '#text';

const identity = <V>(_name: string, value: V): V => value;

const PARSER_OPTIONS: Required<Omit<X2jOptions, 'entityDecoder'>> & Pick<X2jOptions, 'entityDecoder'> = {
  preserveOrder: false,
  // Attributes and child elements live in one object; the prefix keeps `<chat v="1">` and a child
  // `<v>` apart, so an element can never stand in for an attribute.
  attributeNamePrefix: ATTR,
  attributesGroupName: false,
  textNodeName: TEXT,
  ignoreAttributes: false,
  removeNSPrefix: false,
  allowBooleanAttributes: false,
  // Values stay strings: the guards parse numbers with strict patterns ("007", "1e3", "0x1F").
  parseTagValue: false,
  parseAttributeValue: false,
  // Keeps the whitespace of code snippets.
  trimValues: false,
  // CDATA sections arrive as an array under `#cdata`, separate from plain text, so the guards can
  // insist that free text is CDATA only (plain text would carry entity references we do not expand).
  cdataPropName: CDATA,
  commentPropName: false,
  tagValueProcessor: identity,
  attributeValueProcessor: identity,
  numberParseOptions: { hex: false, leadingZeros: false, eNotation: false },
  stopNodes: [],
  unpairedTags: [],
  alwaysCreateTextNode: false,
  // Repeated paths are always arrays, so one item and many have the same shape.
  isArray: (name, _matcher, _isLeaf, isAttribute) => !isAttribute && (name === 'member' || name === CDATA),
  // The documented defence against entity expansion; the builder escapes the five XML entities in
  // attribute values and `decodeAttribute` below undoes exactly those five.
  processEntities: false,
  htmlEntities: false,
  // The built-in decoder; inert while processEntities is false.
  entityDecoder: undefined,
  // Declarations, processing instructions and DOCTYPE are rejected before parsing anyway.
  ignoreDeclaration: true,
  ignorePiTags: true,
  transformTagName: false,
  transformAttributeName: false,
  updateTag: (tagName) => tagName,
  captureMetaData: false,
  // The library counts the ancestors of an opening tag, so this admits the schema's two levels and
  // one more; `scanMarkup` enforces the exact depth before the parser runs.
  maxNestedTags: SCHEMA_DEPTH,
  // `__proto__`, `constructor`, `prototype` and the parser's own key names as tag names throw.
  strictReservedNames: true,
  // Callbacks get the matcher instead of a path string built for every node.
  jPath: false,
  // Names such as `toString` or `hasOwnProperty` are rejected outright instead of renamed.
  onDangerousProperty: (name) => {
    throw new Error(`Reserved name "${name}"`);
  },
};

// `jPath` and `sanitizeName` are fast-xml-builder options missing from fast-xml-parser's typings.
const BUILDER_OPTIONS: Required<Omit<XmlBuilderOptions, 'arrayNodeName'>> & { jPath: boolean; sanitizeName: false } = {
  attributeNamePrefix: ATTR,
  attributesGroupName: false,
  textNodeName: TEXT,
  ignoreAttributes: false,
  // A value under `#cdata` becomes `<![CDATA[…]]>`; the builder splits `]]>` across two sections
  // (`]]]]><![CDATA[>`) and the decoder joins the sections again.
  cdataPropName: CDATA,
  commentPropName: false,
  format: false,
  indentBy: '',
  suppressEmptyNode: true,
  suppressUnpairedNode: true,
  // The default writes an attribute whose value is the string "true" as a bare name: a display name
  // "true" would become `<hello name>`, which the parser (allowBooleanAttributes false) rejects.
  suppressBooleanAttributes: false,
  preserveOrder: false,
  unpairedTags: [],
  stopNodes: [],
  tagValueProcessor: identity,
  attributeValueProcessor: identity,
  // Escapes & < > " ' in attribute values. CDATA content is never escaped.
  processEntities: true,
  oneListGroup: false,
  // The builder counts the CDATA node as a level.
  maxNestedTags: SCHEMA_DEPTH + 1,
  jPath: true,
  // Tag and attribute names are this module's constants.
  sanitizeName: false,
};

const PARSER = new XMLParser(PARSER_OPTIONS);
const BUILDER = new XMLBuilder(BUILDER_OPTIONS);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

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
const XML_SPACE = /^[ \t\r\n]*$/;

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
const DISPLAY_NAME: Kind<string> = (() => {
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
const GROUP = patternKind(
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

type AttrSpec<V> = { readonly at: 'attribute'; readonly kind: Kind<V> };
type TextSpec<V> = { readonly at: 'element'; readonly kind: Kind<V> };
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
      item: ITEM,
      clock: CLOCK_FIELD,
      x: attr(COORD),
      y: attr(COORD),
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
      item: ITEM,
      clock: CLOCK_FIELD,
      x: attr(COORD),
      y: attr(COORD),
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
      item: ITEM,
      clock: CLOCK_FIELD,
      x: attr(COORD),
      y: attr(COORD),
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
  ack: { fields: { re: attr(ID) }, presence: { required: ['re'] } },
  error: {
    // The repository answers a connection that never registered (handshake timeout, wrong first
    // message) before it knows any group.
    envelope: { group: attr(GROUP_OR_EMPTY) },
    fields: { code: attr(ERROR_CODE), text: element(textKind(0, MAX_ERROR_TEXT)) },
    presence: { required: ['code', 'text'] },
  },
};

// ---------------------------------------------------------------------------------------------
// The codec table, compiled once from SPECS
// ---------------------------------------------------------------------------------------------

type XmlObject = Record<string, unknown>;
type AnySpec = AttrSpec<unknown> | TextSpec<unknown> | { readonly at: 'list'; readonly element: string; readonly max: number; readonly fields: AttrFields<unknown> };

interface CompiledField {
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
interface TypeCodec {
  readonly type: MessageType;
  readonly fields: readonly CompiledField[];
  readonly byKey: ReadonlyMap<string, CompiledField>;
  /** Presence rule by op (types with `op`), or under the key "" (types without). */
  readonly presence: ReadonlyMap<string, CompiledPresence>;
  readonly hasOp: boolean;
  readonly check?: (msg: never) => string | undefined;
  encode(msg: Message, unsigned: boolean): XmlObject;
  decode(node: XmlObject): Message;
}

function compileFields(specs: Record<string, AnySpec>): CompiledField[] {
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
  const codec: TypeCodec = {
    type,
    fields,
    byKey: byKey(fields),
    presence,
    hasOp,
    check: spec.check as TypeCodec['check'],
    encode: (msg, unsigned) => encodeFields(codec, msg, unsigned),
    decode: (node) => decodeFields(codec, node),
  };
  return codec;
}

/** The codec of every message type, by root element name (a Map: no prototype keys). */
const CODECS: ReadonlyMap<string, TypeCodec> = new Map(
  (Object.keys(SPECS) as MessageType[]).map((type) => [type, compile(type, SPECS[type] as TypeSpec<MessageOf<typeof type>>)]),
);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

function badXml(message: string, cause?: unknown): NetError {
  return new NetError('ERR_BAD_XML', message, cause === undefined ? undefined : { cause });
}

function badMessage(message: string): NetError {
  return new NetError('ERR_BAD_MESSAGE', message);
}

function context(codec: TypeCodec, msg: Record<string, unknown>): string {
  return codec.hasOp && typeof msg.op === 'string' ? `${codec.type} op="${msg.op}"` : codec.type;
}

// ---------------------------------------------------------------------------------------------
// Presence rules (shared by encode and decode)
// ---------------------------------------------------------------------------------------------

function checkPresence(codec: TypeCodec, msg: Record<string, unknown>, unsigned = false): void {
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

function checkRules(codec: TypeCodec, msg: Record<string, unknown>): void {
  const problem = codec.check?.(msg as never);
  if (problem !== undefined) throw badMessage(`${context(codec, msg)}: ${problem}`);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function writeAttribute(where: string, f: CompiledField, value: unknown): string {
  const s = (f.spec as AttrSpec<unknown>).kind.write(value);
  if (s === undefined) throw badMessage(`${where}: ${f.label} must be ${(f.spec as AttrSpec<unknown>).kind.rule}`);
  return s;
}

function encodeFields(codec: TypeCodec, msg: Message, unsigned: boolean): XmlObject {
  const m = msg as unknown as Record<string, unknown>;
  checkPresence(codec, m, unsigned);
  const where = context(codec, m);
  const out: XmlObject = {};
  for (const f of codec.fields) {
    const value = m[f.name];
    if (value === undefined || (unsigned && f.name === 'sig')) continue;
    const spec = f.spec;
    if (spec.at === 'attribute') {
      out[f.key] = writeAttribute(where, f, value);
    } else if (spec.at === 'element') {
      const s = spec.kind.write(value);
      if (s === undefined) throw badMessage(`${where}: ${f.label} must be ${spec.kind.rule}`);
      out[f.key] = { [CDATA]: s };
    } else {
      if (!Array.isArray(value) || value.length > spec.max) throw badMessage(`${where}: ${f.name} must be a list of at most ${spec.max} items`);
      if (value.length === 0) continue;
      out[f.key] = value.map((item: unknown) => {
        if (typeof item !== 'object' || item === null) throw badMessage(`${where}: every ${f.label} must be an object`);
        const el: XmlObject = {};
        for (const sub of f.items!.values()) {
          const v = (item as Record<string, unknown>)[sub.name];
          if (v === undefined) throw badMessage(`${where}: ${f.label} is missing ${sub.label}`);
          el[sub.key] = writeAttribute(`${where} ${f.label}`, sub, v);
        }
        return el;
      });
    }
  }
  checkRules(codec, m);
  return out;
}

/**
 * Encodes a message as the UTF-8 bytes of its XML document (no XML declaration).
 *
 * Free text has CR LF and lone CR turned into LF (XML parsers do this anyway) and board decimals
 * are rounded to 6 decimals; everything else is sent exactly as given or rejected.
 *
 * @throws NetError `ERR_BAD_MESSAGE` when the message breaks the schema a receiver applies, or its
 * document exceeds {@link MAX_XML_FRAME_BYTES}.
 */
export function encodeMessage(msg: Message): Buffer {
  return encode(msg, false);
}

/**
 * The canonical bytes a signature covers: the message encoded as {@link encodeMessage} would, without
 * its `sig`. The encoder is deterministic (attributes in schema order, fixed escaping), so the
 * author and every receiver get the same bytes from the same fields.
 */
export function encodeForSigning(msg: Message): Buffer {
  return encode(msg, true);
}

function encode(msg: Message, unsigned: boolean): Buffer {
  const codec = typeof msg === 'object' && msg !== null && typeof msg.type === 'string' ? CODECS.get(msg.type) : undefined;
  if (codec === undefined) throw badMessage(`Cannot encode a message of unknown type`);
  const root = codec.encode(msg, unsigned);
  let xml: string;
  try {
    xml = BUILDER.build({ [codec.type]: root });
  } catch (err) {
    throw new NetError('ERR_BAD_MESSAGE', `${codec.type}: the XML builder failed: ${(err as Error).message}`, { cause: err });
  }
  const bytes = Buffer.from(xml, 'utf8');
  if (bytes.length > MAX_XML_FRAME_BYTES) {
    throw badMessage(`${codec.type}: encoded size ${bytes.length} bytes exceeds the ${MAX_XML_FRAME_BYTES}-byte XML frame limit`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

const ENTITY = /&(?:(amp)|(lt)|(gt)|(quot)|(apos));|[&<]/g;
const ENTITY_TEXT = ['', '&', '<', '>', '"', "'"];

/**
 * Undoes the builder's attribute escaping: exactly the five predefined XML entities. A bare `&`, a
 * character reference (`&#38;`), any other entity and a raw `<` give undefined.
 */
function decodeAttribute(raw: string): string | undefined {
  if (raw.indexOf('&') === -1 && raw.indexOf('<') === -1) return raw;
  let bad = false;
  const out = raw.replace(ENTITY, (match: string, ...groups: unknown[]) => {
    for (let i = 0; i < 5; i++) if (groups[i] !== undefined) return ENTITY_TEXT[i + 1]!;
    bad = true;
    return match;
  });
  return bad ? undefined : out;
}

function readAttribute(where: string, f: CompiledField, raw: unknown): unknown {
  const kind = (f.spec as AttrSpec<unknown>).kind;
  const s = typeof raw === 'string' ? decodeAttribute(raw) : undefined;
  const value = s === undefined ? undefined : kind.read(s);
  if (value === undefined) throw badMessage(`${where}: ${f.label} must be ${kind.rule}`);
  return value;
}

/** A free-text element, checked by its kind. */
function readText(where: string, f: CompiledField, node: unknown): string {
  const kind = (f.spec as TextSpec<string>).kind;
  const value = kind.read(textContent(where, f, node));
  if (value === undefined) throw badMessage(`${where}: ${f.label} must be ${kind.rule}`);
  return value;
}

/** The content of a free-text element: CDATA sections only, joined; `<x/>` and `<x></x>` are empty. */
function textContent(where: string, f: CompiledField, node: unknown): string {
  if (node === '') return '';
  if (Array.isArray(node)) throw badMessage(`${where}: ${f.label} appears more than once`);
  if (typeof node === 'object' && node !== null) {
    let sections: unknown;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (key !== CDATA) throw badMessage(`${where}: ${f.label} must contain only CDATA sections`);
      sections = (node as XmlObject)[key];
    }
    if (Array.isArray(sections)) {
      if (sections.length === 1 && typeof sections[0] === 'string') return sections[0];
      if (sections.every((s) => typeof s === 'string')) return sections.join('');
    }
  }
  throw badMessage(`${where}: ${f.label} must contain only CDATA sections`);
}

function readList(where: string, f: CompiledField, node: unknown): unknown[] {
  const spec = f.spec as { readonly max: number };
  if (!Array.isArray(node)) throw badMessage(`${where}: ${f.label} is malformed`);
  if (node.length > spec.max) throw badMessage(`${where}: more than ${spec.max} of ${f.label}`);
  return node.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw badMessage(`${where}: ${f.label} must have attributes ${[...f.items!.values()].map((s) => s.name).join(', ')}`);
    const out: Record<string, unknown> = {};
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      const raw = (item as XmlObject)[key];
      const sub = f.items!.get(key);
      if (sub === undefined) {
        if (key === TEXT && typeof raw === 'string' && XML_SPACE.test(raw)) continue;
        throw badMessage(`${where}: ${f.label} has ${describeKey(key)}`);
      }
      out[sub.name] = readAttribute(`${where} ${f.label}`, sub, raw);
    }
    for (const sub of f.items!.values()) {
      if (out[sub.name] === undefined) throw badMessage(`${where}: ${f.label} is missing ${sub.label}`);
    }
    return out;
  });
}

function describeKey(key: string): string {
  if (key.startsWith(ATTR)) return `unknown attribute "${key.slice(ATTR.length)}"`;
  if (key === TEXT) return 'text content outside an element';
  if (key === CDATA) return 'a CDATA section outside a text element';
  return `unknown element <${key}>`;
}

function decodeFields(codec: TypeCodec, node: XmlObject): Message {
  const msg: Record<string, unknown> = { type: codec.type };
  const where = codec.type;
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    const raw = node[key];
    const f = codec.byKey.get(key);
    if (f === undefined) {
      if (key === TEXT && typeof raw === 'string' && XML_SPACE.test(raw)) continue;
      // An attribute a newer version added: ignored, so that versions can grow optional fields.
      // (An unknown element is still an error: elements carry content this version would lose.)
      if (key.startsWith(ATTR)) continue;
      throw badMessage(`${where}: ${describeKey(key)}`);
    }
    const at = f.spec.at;
    if (at === 'attribute') msg[f.name] = readAttribute(where, f, raw);
    else if (at === 'element') msg[f.name] = readText(where, f, raw);
    else msg[f.name] = readList(where, f, raw);
  }
  for (const f of codec.fields) if (f.spec.at === 'list' && msg[f.name] === undefined) msg[f.name] = [];
  checkPresence(codec, msg);
  checkRules(codec, msg);
  return msg as unknown as Message;
}

/**
 * Rejects what the parser would otherwise tolerate, before it runs: markup declarations (DOCTYPE,
 * ENTITY), comments, processing instructions and XML declarations; text or CDATA outside the root;
 * more than one root; nesting deeper than the schema. CDATA content is skipped, so chat text such
 * as `<!DOCTYPE html>` or `<?php` is fine.
 */
function scanMarkup(xml: string): void {
  const n = xml.length;
  let depth = 0;
  let rootClosed = false;
  let i = 0;
  for (;;) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (depth === 0 && textEnd > i && !XML_SPACE.test(xml.slice(i, textEnd))) throw badXml('Text outside the root element');
    if (lt === -1) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      if (!xml.startsWith('<![CDATA[', lt)) {
        if (xml.startsWith('<!DOCTYPE', lt) || xml.startsWith('<!ENTITY', lt)) throw badXml('DOCTYPE and ENTITY declarations are not allowed');
        if (xml.startsWith('<!--', lt)) throw badXml('Comments are not allowed');
        throw badXml('Markup declarations are not allowed');
      }
      if (depth === 0) throw badXml('CDATA outside the root element');
      const end = xml.indexOf(']]>', lt + 9);
      if (end === -1) throw badXml('Unterminated CDATA section');
      i = end + 3;
      continue;
    }
    if (c === 0x3f /* ? */) throw badXml('Processing instructions and XML declarations are not allowed');
    // Find the tag's closing '>' outside quoted attribute values.
    let j = lt + 1;
    for (;;) {
      if (j >= n) throw badXml('Unterminated tag');
      const ch = xml.charCodeAt(j);
      if (ch === 0x22 || ch === 0x27) {
        j = xml.indexOf(ch === 0x22 ? '"' : "'", j + 1);
        if (j === -1) throw badXml('Unterminated attribute value');
        j++;
      } else if (ch === 0x3e /* > */) {
        break;
      } else if (ch === 0x3c /* < */) {
        throw badXml("'<' inside a tag");
      } else {
        j++;
      }
    }
    if (c === 0x2f /* / */) {
      depth--;
      if (depth < 0) throw badXml('Closing tag without an opening tag');
      if (depth === 0) rootClosed = true;
    } else {
      if (rootClosed) throw badXml('More than one root element');
      if (depth >= SCHEMA_DEPTH) throw badXml(`Elements nested deeper than ${SCHEMA_DEPTH} levels`);
      if (xml.charCodeAt(j - 1) === 0x2f /* / */) {
        if (depth === 0) rootClosed = true;
      } else {
        depth++;
      }
    }
    i = j + 1;
  }
  if (!rootClosed) throw badXml(depth > 0 ? 'Unclosed element' : 'No root element');
}

/**
 * Decodes the payload of one XML frame into a message, strictly.
 *
 * @throws NetError, and only NetError:
 * - `ERR_FRAME_TOO_LARGE` when the payload exceeds {@link MAX_XML_FRAME_BYTES};
 * - `ERR_BAD_XML` for invalid UTF-8, DOCTYPE / ENTITY / comments / processing instructions, markup
 *   that is not well-formed, more than one root, nesting deeper than the schema;
 * - `ERR_UNSUPPORTED_VERSION` when the root's `v` attribute is not {@link PROTOCOL_VERSION}
 *   (checked before the type, so a newer peer's new type reads as a version problem);
 * - `ERR_UNKNOWN_TYPE` when the root element is not a message type;
 * - `ERR_BAD_MESSAGE` when the document breaks the type's schema; the message names the field.
 */
export function decodeMessage(payload: Buffer | Uint8Array): Message {
  if (!(payload instanceof Uint8Array)) throw badXml('The payload is not bytes');
  if (payload.length > MAX_XML_FRAME_BYTES) {
    throw new NetError('ERR_FRAME_TOO_LARGE', `XML payload of ${payload.length} bytes exceeds ${MAX_XML_FRAME_BYTES}`);
  }
  let xml: string;
  try {
    xml = UTF8.decode(payload);
  } catch (err) {
    throw badXml('The payload is not valid UTF-8', err);
  }
  scanMarkup(xml);
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false, unpairedTags: [] });
  if (valid !== true) throw badXml(`Malformed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  let doc: unknown;
  try {
    doc = PARSER.parse(xml);
  } catch (err) {
    throw badXml(`Malformed XML: ${(err as Error).message}`, err);
  }
  if (typeof doc !== 'object' || doc === null) throw badXml('No root element');
  const keys = Object.keys(doc);
  if (keys.length !== 1) throw badXml(keys.length === 0 ? 'No root element' : 'More than one root element');
  const type = keys[0]!;
  let root = (doc as XmlObject)[type];
  if (Array.isArray(root)) throw badXml('More than one root element');
  if (root === '') root = {};
  const version = typeof root === 'object' && root !== null ? (root as XmlObject)[`${ATTR}v`] : undefined;
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    throw new NetError('ERR_UNSUPPORTED_VERSION', `Protocol version ${JSON.stringify(String(version).slice(0, 16))} is not supported (this peer speaks ${PROTOCOL_VERSION})`);
  }
  const codec = CODECS.get(type);
  if (codec === undefined) throw new NetError('ERR_UNKNOWN_TYPE', `Unknown message type <${type.slice(0, 64)}>`);
  if (typeof root !== 'object' || root === null) throw badMessage(`${type}: text content outside an element`);
  return codec.decode(root as XmlObject);
}

/** Why `name` cannot be a group name, or undefined when it can (for validating user input early). */
export function groupNameProblem(name: string): string | undefined {
  return GROUP.read(name) === undefined ? `A group name must be ${GROUP.rule}.` : undefined;
}

/** Why `name` cannot be a display name, or undefined when it can (for validating user input early). */
export function displayNameProblem(name: string): string | undefined {
  return DISPLAY_NAME.read(name) === undefined ? `A display name must be ${DISPLAY_NAME.rule}.` : undefined;
}
