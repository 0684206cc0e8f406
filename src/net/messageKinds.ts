/**
 * The value kinds of the wire protocol: hand-written guards that both read a wire string and
 * write a typed value (numbers, points, text, names, hosts, paths, ids), and the character rules
 * of free text and names. `messageSchema.ts` says which field of which message has which kind.
 */

import { isIPv4, isIPv6 } from 'node:net';
import { MAX_IMAGE_BYTES, MAX_RELAY_CHUNK_BYTES } from './limits';
import { PROTOCOL_VERSION } from './messages';
import type { Point } from './messages';

// ---------------------------------------------------------------------------------------------
// Schema limits
// ---------------------------------------------------------------------------------------------

/** Chat text, in Unicode code points (after line-end normalisation). */
export const MAX_CHAT_TEXT = 16_000;
/** Note text, in code points; a note may be empty. */
export const MAX_NOTE_TEXT = 20_000;
/** Snippet code, in code points; the encoded message must still fit `MAX_XML_FRAME_BYTES` (limits.ts). */
export const MAX_SNIPPET_CODE = 50_000;
/**
 * A pin's anchored code with its context, in code points: well under `MAX_XML_FRAME_BYTES` for
 * ASCII code, so a pin with its note still fits one frame (a larger one is refused when encoded).
 */
export const MAX_PIN_CODE = 32_000;
/** A pin's note or one reply, in code points. */
export const MAX_PIN_TEXT = 8_000;
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
export const BAD_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Names, paths and other single-line strings: no control characters at all.
// eslint-disable-next-line no-control-regex
export const BAD_IN_NAME = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const LINE_ENDS = /\r\n?/g;

/** Length in Unicode code points of a string without unpaired surrogates. */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** True when `s` (without unpaired surrogates) has between `min` and `max` code points. */
export function lengthWithin(s: string, min: number, max: number): boolean {
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

export interface Kind<V> {
  /** What a valid value looks like, for error messages. */
  readonly rule: string;
  read(raw: string): V | undefined;
  write(value: unknown): string | undefined;
}

export function patternKind(rule: string, pattern: RegExp): Kind<string> {
  const check = (s: unknown): string | undefined => (typeof s === 'string' && pattern.test(s) ? s : undefined);
  return { rule, read: check, write: check };
}

export function enumKind<V extends string>(values: readonly V[]): Kind<V> {
  const check = (s: unknown): V | undefined => (typeof s === 'string' && (values as readonly string[]).includes(s) ? (s as V) : undefined);
  return { rule: `one of ${values.map((v) => `"${v}"`).join(', ')}`, read: check, write: check };
}

export const UINT = /^(?:0|[1-9][0-9]{0,15})$/;

/** An integer in [min, max] written in decimal without sign, leading zeros or exponent. */
export function intKind(min: number, max: number): Kind<number> {
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

export const DECIMAL = /^-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?$/;
export const DECIMAL_LIMIT = 1e9;

/** Rounds a board number to the six decimals the wire carries; undefined when out of range. */
export function formatDecimal(value: unknown, positive: boolean): string | undefined {
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

export function parseDecimal(raw: string, positive: boolean): number | undefined {
  if (!DECIMAL.test(raw)) return undefined;
  const n = Number(raw);
  if (positive && n <= 0) return undefined;
  return n === 0 ? 0 : n; // no -0
}

/**
 * A board coordinate or size: at most 9 integer digits and 6 decimals. Encoding rounds to 6 decimals,
 * so a sent value may differ from the local one by less than 0.000001.
 */
export function decimalKind(positive: boolean): Kind<number> {
  return {
    rule: positive
      ? 'a positive decimal number (at most 9 integer digits and 6 decimals)'
      : 'a decimal number (optional "-", at most 9 integer digits and 6 decimals)',
    read: (raw) => parseDecimal(raw, positive),
    write: (value) => formatDecimal(value, positive),
  };
}

export const POINT = /^(-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?),(-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?)$/;

/** Stroke points as `x,y x,y …`: single spaces between points, each number a board decimal. */
export const POINTS: Kind<Point[]> = {
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
export function textKind(min: number, max: number): Kind<string> {
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
export const HOST: Kind<string> = (() => {
  const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
  const check = (s: unknown): string | undefined => {
    if (typeof s !== 'string' || s.length === 0 || s.length > 64) return undefined;
    if (s.includes(':')) return IPV6.test(s) && isIPv6(s) ? s : undefined;
    return /^[0-9.]+$/.test(s) && isIPv4(s) ? s : undefined;
  };
  return { rule: 'an IPv4 or IPv6 address (not a host name)', read: check, write: check };
})();

/** A workspace-relative path: `/`-separated segments, none empty, `.` or `..`; no `\`, no drive. */
export const PATH: Kind<string> = (() => {
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

export const ID = patternKind('8 to 64 characters of A-Z a-z 0-9 _ -', /^[A-Za-z0-9_-]{8,64}$/);
export const GROUP = patternKind(
  '1 to 64 letters, digits, spaces, ".", "_" or "-", not starting or ending with a space',
  /^(?! )[\p{L}\p{N} ._-]{1,64}(?<! )$/u,
);
/** The `group` of an `error` message: empty when the sender does not know the group yet. */
export const GROUP_OR_EMPTY: Kind<string> = {
  rule: `empty (an error sent before the group is known) or ${GROUP.rule}`,
  read: (raw) => (raw === '' ? raw : GROUP.read(raw)),
  write: (value) => (value === '' ? value : GROUP.write(value)),
};
export const VERSION = patternKind(`"${PROTOCOL_VERSION}"`, new RegExp(`^${PROTOCOL_VERSION}$`));
export const SEQ = intKind(1, Number.MAX_SAFE_INTEGER);
export const TIMESTAMP = intKind(0, Number.MAX_SAFE_INTEGER);
export const CLOCK = intKind(0, Number.MAX_SAFE_INTEGER);
export const PORT = intKind(1, 65_535);
export const LINE = intKind(1, Number.MAX_SAFE_INTEGER);
export const BYTES = intKind(1, MAX_IMAGE_BYTES);
/** An offset into an image's bytes: 0 up to its size. */
export const IMAGE_OFFSET = intKind(0, MAX_IMAGE_BYTES);
export const COORD = decimalKind(false);
export const SIZE = decimalKind(true);
export const COLOUR = patternKind('"#rrggbb" (six hex digits)', /^#[0-9a-fA-F]{6}$/);
export const FONT = patternKind(`1 to 64 characters of A-Z a-z 0-9 space , ' " _ -`, /^[A-Za-z0-9 ,'"_-]{1,64}$/);
export const LANGUAGE = patternKind('1 to 64 characters of A-Z a-z 0-9 _ . + # -', /^[A-Za-z0-9_.+#-]{1,64}$/);
/** A git commit id: 7 to 64 lower-case hex digits (SHA-1 or SHA-256, full or abbreviated). */
export const COMMIT = patternKind('7 to 64 lower-case hex digits', /^[0-9a-f]{7,64}$/);
export const SHA256 = patternKind('64 lower-case hex digits', /^[0-9a-f]{64}$/);
/** A SHA-256 digest as unpadded URL-safe base64 (43 characters, the last one's padding bits zero). */
export const DIGEST = patternKind('a SHA-256 digest (43 characters of URL-safe base64)', /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/);
/** An Ed25519 signature: 64 bytes as unpadded URL-safe base64 (86 characters). */
export const SIGNATURE = patternKind('an Ed25519 signature (86 characters of URL-safe base64)', /^[A-Za-z0-9_-]{85}[AQgw]$/);
export const ERROR_CODE = patternKind('1 to 64 characters of A-Z and _', /^[A-Z_]{1,64}$/);

/**
 * Tunnel bytes: 1 to {@link MAX_RELAY_CHUNK_BYTES} bytes as unpadded URL-safe base64, canonical
 * (one spelling per value, so the length check is exact).
 */
export const RELAY_CHUNK: Kind<Buffer> = (() => {
  const maxChars = Math.ceil((MAX_RELAY_CHUNK_BYTES * 4) / 3);
  const BASE64URL = /^[A-Za-z0-9_-]+$/;
  return {
    rule: `1 to ${MAX_RELAY_CHUNK_BYTES} bytes as canonical unpadded URL-safe base64`,
    read(raw) {
      if (raw.length === 0 || raw.length > maxChars || raw.length % 4 === 1 || !BASE64URL.test(raw)) return undefined;
      const bytes = Buffer.from(raw, 'base64url');
      return bytes.length <= MAX_RELAY_CHUNK_BYTES && bytes.toString('base64url') === raw ? bytes : undefined;
    },
    write(value) {
      if (!(value instanceof Uint8Array) || value.length === 0 || value.length > MAX_RELAY_CHUNK_BYTES) return undefined;
      return Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64url');
    },
  };
})();
