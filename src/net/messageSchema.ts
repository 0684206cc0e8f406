/**
 * The schema of the wire protocol's documents: the per-type table {@link SPECS} saying where each field
 * travels and when it must or may be present, and {@link CODECS}, compiled once from that table.
 * Encoding and decoding (`xmlCodec.ts`) apply the same rules, so we never send what a peer would
 * reject.
 */

import { pinAnchorProblem } from '../board/pinAnchor';
import { NetError } from './errors';
import { RELAY_WINDOW_BYTES } from './limits';
import type { Envelope, MemberInfo, Message, MessageOf, MessageType } from './messages';
import { ATTR, LIST_ELEMENTS } from './xmlScanner';
import { BYTES, CLOCK, COMMIT, IMAGE_OFFSET, COLOUR, COORD, DIGEST, DISPLAY_NAME, enumKind, ERROR_CODE, FONT, GROUP, GROUP_OR_EMPTY, HOST, ID, intKind, LANGUAGE, LINE, PATH, POINTS, PORT, RELAY_CHUNK, SEQ, SHA256, SIGNATURE, SIZE, textKind, TIMESTAMP, VERSION } from './messageKinds';
import { MAX_CHAT_TEXT, MAX_ERROR_TEXT, MAX_NOTE_TEXT, MAX_PIN_CODE, MAX_PIN_TEXT, MAX_PEERS_MEMBERS, MAX_SNIPPET_CODE, MAX_SYNC_AUTHORS, MAX_SYNC_PAGE } from './messageKinds';
import type { Kind } from './messageKinds';

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
  prev: attr(DIGEST),
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
    // A direct message is not in its author's log, so it has no previous message to name.
    check: (m) => (m.to !== undefined && m.prev !== undefined ? 'attribute "prev" is allowed only on a message to the group' : undefined),
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
  pin: {
    signed: true,
    fields: {
      op: attr(enumKind(['add', 'reply', 'resolve', 'reopen', 'delete'] as const)),
      item: ITEM,
      clock: CLOCK_FIELD,
      path: attr(PATH),
      startLine: attr(LINE),
      endLine: attr(LINE),
      above: attr(intKind(0, 3)),
      below: attr(intKind(0, 3)),
      commit: attr(COMMIT),
      code: element(textKind(0, MAX_PIN_CODE)),
      text: element(textKind(1, MAX_PIN_TEXT)),
    },
    presence: {
      add: { required: [...BOARD, 'path', 'startLine', 'endLine', 'above', 'below', 'code', 'text'], optional: ['commit'] },
      reply: { required: [...BOARD, 'text'] },
      resolve: { required: BOARD },
      reopen: { required: BOARD },
      delete: { required: BOARD },
    },
    // The anchor must hold together as `relocate` needs it (range against lines, context, sizes):
    // refused here, a malformed pin never reaches a member's fold or its editor.
    check: (m) => (m.op === 'add' ? pinAnchorProblem(m) : undefined),
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
  relay: {
    fields: {
      op: attr(enumKind(['connect', 'open', 'data', 'ack', 'close'] as const)),
      tunnel: attr(ID),
      peer: attr(ID),
      bytes: attr(intKind(1, RELAY_WINDOW_BYTES)),
      code: attr(ERROR_CODE),
      data: attr(RELAY_CHUNK),
    },
    presence: {
      connect: { required: ['op', 'tunnel', 'peer'] },
      open: { required: ['op', 'tunnel', 'peer'] },
      data: { required: ['op', 'tunnel', 'data'] },
      ack: { required: ['op', 'tunnel', 'bytes'] },
      close: { required: ['op', 'tunnel'], optional: ['code'] },
    },
  },
  blob: {
    fields: { op: attr(enumKind(['want', 'got'] as const)), sha256: attr(SHA256), at: attr(IMAGE_OFFSET) },
    presence: { want: { required: ['op', 'sha256', 'at'] }, got: { required: ['op', 'sha256', 'at'] } },
  },
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

/** Envelope fields every message carries; `sig` (required) and `prev` (optional) only the signed types. */
const ENVELOPE_NAMES = Object.keys(ENVELOPE).filter((name) => name !== 'sig' && name !== 'prev');

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
    presence.set(op, { required, allowed: new Set([...required, ...(spec.signed ? ['prev'] : []), ...(rule.optional ?? [])]) });
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

