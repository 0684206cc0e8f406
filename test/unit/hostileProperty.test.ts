/**
 * Hostile input as properties, on real sockets on 127.0.0.1: what any machine on the LAN can send a
 * live repository and a live peer, before the handshake and after it. After every run the attacked
 * connection must be closed with a coded error in the log (or, after the handshake, still work), no
 * side may fault locally (`ERR_LOCAL_FAULT`, a TypeError turned into a remote's fault), and the
 * honest members must still chat.
 *
 * Reproduce a failure with what fast-check prints: `FC_SEED=<seed> FC_PATH=<path>` (and `FC_SHRINK=1`
 * to shrink the counterexample, slow on sockets; `FC_RUNS=<n>` for more runs).
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describeErrorCode } from '../../src/net/errors';
import type { NetErrorCode } from '../../src/net/errors';
import { encodeFrame, FrameDecoder, FrameType } from '../../src/net/framing';
import { HandshakeInitiator, HandshakeResponder, MAX_HANDSHAKE_FRAME_BYTES, SUPPORTED_VERSIONS } from '../../src/net/handshake';
import { EnvelopeStamper, newItemId } from '../../src/net/ids';
import { MAX_BINARY_FRAME_BYTES, MAX_INTRO_FRAME_BYTES, MAX_XML_FRAME_BYTES } from '../../src/net/limits';
import { MemberKey } from '../../src/net/memberKey';
import type { Message, MessageBody } from '../../src/net/messages';
import type { PeerNode, PeerNodeOptions } from '../../src/net/peerNode';
import type { RepositoryServer, RepositoryServerOptions } from '../../src/net/repositoryServer';
import { SEAL_OVERHEAD_BYTES, SecureChannel } from '../../src/net/secureChannel';
import { cryptoReady } from '../../src/net/sodium';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';
import type { RawClient, RecordingLogger, SecureClient } from '../helpers/net';

// --- the setting ------------------------------------------------------------------------------

type Peer = PeerNode & { log: RecordingLogger };

/**
 * Short deadlines, so that a run whose bytes are a valid prefix (it waits for more) ends quickly, with
 * a code; long enough that an honest handshake and hello (a few ms) never miss them, even under load.
 */
const HANDSHAKE_DEADLINE_MS = 800;
const FRAME_DEADLINE_MS = 300;
/**
 * The attacker and the honest members all come from 127.0.0.1: the per-address guard would slow the
 * honest members down for the attacker's failed handshakes (as it should on a real LAN), so it is
 * opened wide here. Its own behaviour is tested elsewhere.
 */
const OPEN_GUARD = { freeFailures: 1_000_000, maxPendingHandshakes: 1_000, maxConnections: 1_000 };
const REPOSITORY_OPTIONS: RepositoryServerOptions = { handshakeDeadlineMs: HANDSHAKE_DEADLINE_MS, connection: { frameDeadlineMs: FRAME_DEADLINE_MS }, addressLimits: OPEN_GUARD };
const PEER_OPTIONS: Partial<PeerNodeOptions> = { timing: { handshakeDeadlineMs: HANDSHAKE_DEADLINE_MS }, connection: { frameDeadlineMs: FRAME_DEADLINE_MS }, addressLimits: OPEN_GUARD };
const PASSWORD = 'correct horse battery staple';
const MiB = 1024 * 1024;

/** fast-check parameters: bounded runs, no shrinking on sockets unless asked, a seed to replay. */
function params<T>(numRuns: number, examples: T[] = []): fc.Parameters<T> {
  const seed = process.env.FC_SEED;
  return {
    numRuns: process.env.FC_RUNS === undefined ? numRuns : Number(process.env.FC_RUNS),
    examples,
    endOnFailure: process.env.FC_SHRINK === undefined,
    ...(seed === undefined ? {} : { seed: Number(seed), ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }) }),
  };
}

const header = (length: number, type: number): Buffer => {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt32BE(length >>> 0, 0);
  bytes.writeUInt8(type & 0xff, 4);
  return bytes;
};

/** `pattern` repeated to `n` bytes (deterministic filler, so that a seed replays the same bytes). */
function fill(pattern: Uint8Array, n: number): Buffer {
  const out = Buffer.alloc(n);
  if (pattern.length === 0) return out.fill(0x41);
  for (let i = 0; i < n; i++) out[i] = pattern[i % pattern.length]!;
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- what the logs must and must not say --------------------------------------------------------

/**
 * What an engine error says. A local throw that a catch-all turned into "the remote's fault" (the
 * connection maps anything thrown while reading to `ERR_PROTOCOL`) would carry one of these.
 */
const ENGINE_ERROR = /TypeError|RangeError|ReferenceError|Cannot read propert|Cannot set propert|is not a function|is not iterable|is not defined|Maximum call stack|Invalid (?:typed )?array length|out of memory/;

const isKnownCode = (code: string): boolean => describeErrorCode(code as NetErrorCode) !== 'An error.';

/**
 * The code a connection was closed with, from the log lines after `from`: the connection's line names
 * its remote port (`127.0.0.1:<port>`, before it is a member) or its peer id (after).
 */
function closeCode(log: RecordingLogger, from: number, needles: string[]): { code: string; line: string } | undefined {
  for (const line of log.lines.slice(from)) {
    if (!line.startsWith('warn: Closed connection ')) continue;
    if (!needles.some((n) => line.includes(n))) continue;
    const match = /: (ERR_[A-Z_]+)(?: |$)/.exec(line);
    if (match !== null) return { code: match[1]!, line };
  }
  return undefined;
}

async function waitForCloseCode(log: RecordingLogger, from: number, needles: string[], what: string, timeoutMs = 2000): Promise<{ code: string; line: string }> {
  let found: { code: string; line: string } | undefined;
  try {
    await waitUntil(() => (found = closeCode(log, from, needles)) !== undefined, what, timeoutMs);
  } catch {
    assert.fail(`${what}: the connection closed without a coded error in the log. Log since the attack:\n${log.lines.slice(from).join('\n')}`);
  }
  assert.ok(isKnownCode(found!.code), `not a code of the protocol: ${found!.line}`);
  return found!;
}

const needlesFor = (port: number, id?: string): string[] => [`127.0.0.1:${port}: `, ...(id === undefined ? [] : [`(${id})`])];

const checkedLines = new WeakMap<RecordingLogger, number>();

/**
 * No local fault in any of these logs (the connection logs one at error level, `ERR_LOCAL_FAULT in a
 * listener…` or `Local fault: …`, or closes with the code; nothing else in src/net logs at error level
 * but a failed listener), and no connection closed on what looks like an engine error. Lines that
 * quote what a remote reported (`… reports ERR_X: text`) are the remote's words, not a fault here.
 */
function assertNoLocalFault(logs: [string, RecordingLogger][]): void {
  for (const [name, log] of logs) {
    // Only the lines not checked yet: a long property run must not slow down with its logs.
    const from = checkedLines.get(log) ?? 0;
    checkedLines.set(log, log.lines.length);
    for (const line of log.lines.slice(from)) {
      assert.ok(!line.startsWith('error: '), `${name} logged at error level (a local fault): ${line}`);
      if (line.startsWith('warn: Closed connection ')) assert.ok(!/: ERR_LOCAL_FAULT(?: |$)/.test(line), `${name} closed a connection on a local fault: ${line}`);
      if (line.includes('Closed connection') || line.includes('Cannot connect')) {
        assert.ok(!ENGINE_ERROR.test(line), `${name} closed a connection on what looks like a local throw, blamed on the remote: ${line}`);
      }
    }
  }
}

async function closedWithin(client: RawClient | SecureClient, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const outcome = await Promise.race([client.whenClosed.then(() => 'closed' as const), timeout]);
  clearTimeout(timer);
  assert.equal(outcome, 'closed', `${what}: the attacked connection was still open after ${ms} ms`);
}

/** Writes `bytes` in pieces cut at `cuts` (each piece its own write, a tick apart), until the other side closes. */
async function writeInPieces(client: RawClient | SecureClient, bytes: Buffer, cuts: number[]): Promise<void> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const point of [...points, bytes.length]) {
    if (point <= at) continue;
    if (client.socket.destroyed || client.closed) return;
    client.write(bytes.subarray(at, point));
    at = point;
    await sleep(1);
  }
}

// --- the group under attack ------------------------------------------------------------------------

interface Group {
  port: number;
  server: RepositoryServer;
  repoLog: RecordingLogger;
  alice: Peer;
  bob: Peer;
  logs: [string, RecordingLogger][];
}

let chats = 0;
let lastChatAt = 0;

/**
 * Bob reaches alice and alice reaches bob, and the repository still lists exactly the two of them.
 * They chat at most every 150 ms (the chat bucket allows 10 a second) and otherwise add a note (the
 * board bucket allows 60), so the check holds however many runs go by.
 */
async function assertHonestLinkWorks(g: Group): Promise<void> {
  const n = ++chats;
  const chat = performance.now() - lastChatAt > 150;
  const said = (m: Message, text: string): boolean => (m.type === 'chat' || m.type === 'note') && m.text === text;
  const atAlice = nextEvent(g.alice, 'message', (m: Message) => said(m, `bob ${n}`));
  const atBob = nextEvent(g.bob, 'message', (m: Message) => said(m, `alice ${n}`));
  for (const [who, name] of [[g.bob, 'bob'], [g.alice, 'alice']] as const) {
    if (chat) who.chat(`${name} ${n}`);
    else who.broadcast({ type: 'note', op: 'add', item: newItemId(), clock: who.nextClock(), text: `${name} ${n}`, font: 'sans-serif', size: 14, colour: '#ffcc00', x: n, y: 0 });
  }
  if (chat) lastChatAt = performance.now();
  try {
    await Promise.all([atAlice, atBob]);
  } catch (err) {
    const tail = (log: RecordingLogger): string => log.lines.filter((l) => !l.startsWith('trace')).slice(-15).join('\n');
    throw new Error(`The honest link failed (${String(err)}).\nalice:\n${tail(g.alice.log)}\nbob:\n${tail(g.bob.log)}`, { cause: err });
  }
  assert.deepEqual(g.server.members('team').map((m) => m.name).sort(), ['alice', 'bob']);
  await waitUntil(() => g.alice.members().length === 1 && g.bob.members().length === 1, 'only alice and bob connected to each other');
}

// --- generators: what a stranger sends before any handshake --------------------------------------

const MAX_HS = MAX_HANDSHAKE_FRAME_BYTES;

const lengthArb = fc.oneof(
  fc.constantFrom(
    0, 1, 4, 5, MAX_HS - 1, MAX_HS, MAX_HS + 1,
    MAX_INTRO_FRAME_BYTES + SEAL_OVERHEAD_BYTES, MAX_INTRO_FRAME_BYTES + SEAL_OVERHEAD_BYTES + 1,
    MAX_XML_FRAME_BYTES, MAX_XML_FRAME_BYTES + SEAL_OVERHEAD_BYTES + 1,
    MAX_BINARY_FRAME_BYTES, MAX_BINARY_FRAME_BYTES + SEAL_OVERHEAD_BYTES, MAX_BINARY_FRAME_BYTES + SEAL_OVERHEAD_BYTES + 1,
    0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
  ),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 6000 }),
);
const typeArb = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 }));
const flightArb = fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 255 }));
const handshakeLengthArb = fc.oneof(fc.constantFrom(0, 1, 2, 133, 137, MAX_HS - 1, MAX_HS, MAX_HS + 1, MAX_HS + 100), fc.integer({ min: 0, max: MAX_HS + 200 }));

const byteMutationArb = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);
type ByteMutation = typeof byteMutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutateBytes(input: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let bytes = Buffer.from(input);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + (m.op === 'insert' ? 1 : 0));
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) bytes[at % bytes.length]! ^= 1 << m.bit;
        break;
      case 'set':
        if (bytes.length > 0) bytes[at % bytes.length] = m.value;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.count)]);
        break;
    }
  }
  return bytes;
}

const strangerPieceArb = fc.oneof(
  // Random bytes.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 3000 }) }) },
  // A frame header of any type and declared length, then some bytes (fewer, as many or more than declared).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('frame' as const), type: typeArb, length: lengthArb, body: fc.uint8Array({ maxLength: 600 }) }) },
  // A handshake frame of random content, up to and beyond 4 KiB, declared right or wrong.
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant('handshake' as const),
    flight: flightArb,
    length: handshakeLengthArb,
    pattern: fc.uint8Array({ maxLength: 64 }),
    declared: fc.constantFrom('exact' as const, 'exact' as const, 'more' as const, 'less' as const),
    by: fc.integer({ min: 1, max: 300 }),
  }) },
  // A real offer (any group, password, versions, expected key), mutated or not, framed right or wrong.
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant('offer' as const),
    group: fc.oneof({ weight: 3, arbitrary: fc.constant('team') }, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })),
    password: fc.option(fc.constantFrom(PASSWORD, 'guess', ''), { nil: undefined }),
    versions: fc.oneof({ weight: 3, arbitrary: fc.constant([...SUPPORTED_VERSIONS]) }, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 16 })),
    expect: fc.constantFrom('target' as const, 'target' as const, 'none' as const, 'other' as const),
    // Often untouched: a valid offer is answered, and what follows it is read as the finish.
    mutations: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(byteMutationArb, { minLength: 1, maxLength: 4 })),
    declared: fc.constantFrom('exact' as const, 'exact' as const, 'exact' as const, 'more' as const, 'less' as const),
    by: fc.integer({ min: 1, max: 200 }),
    twice: fc.constantFrom(false, false, true),
  }) },
);
type StrangerPiece = typeof strangerPieceArb extends fc.Arbitrary<infer T> ? T : never;


/** A handshake frame whose header declares `declared` relative to the payload's real length. */
function handshakeFrame(payload: Buffer, declared: 'exact' | 'more' | 'less', by: number): Buffer {
  const length = declared === 'exact' ? payload.length : declared === 'more' ? payload.length + by : Math.max(0, payload.length - by);
  return Buffer.concat([header(length, FrameType.Handshake), payload]);
}

/** The bytes of a piece, aimed at the side whose id is `targetId` (an offer may expect it). */
function strangerBytes(piece: StrangerPiece, targetId: string): Buffer {
  switch (piece.kind) {
    case 'bytes':
      return Buffer.from(piece.bytes);
    case 'frame':
      return Buffer.concat([header(piece.length, piece.type), piece.body]);
    case 'handshake': {
      const payload = piece.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.of(piece.flight), fill(piece.pattern, piece.length - 1)]);
      return handshakeFrame(payload, piece.declared, piece.by);
    }
    case 'offer': {
      const expectedPeer = piece.expect === 'target' ? targetId : piece.expect === 'other' ? MemberKey.generate().id : undefined;
      let offer: Uint8Array;
      try {
        offer = new HandshakeInitiator({ key: MemberKey.generate(), group: piece.group, password: piece.password, versions: piece.versions, expectedPeer }).start();
      } catch {
        // A group name over 255 bytes: our own initiator refuses to build it, so build one that fits and let the mutations do the rest.
        offer = new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', versions: piece.versions, expectedPeer }).start();
      }
      const frame = handshakeFrame(mutateBytes(offer, piece.mutations), piece.declared, piece.by);
      return piece.twice ? Buffer.concat([frame, frame]) : frame;
    }
  }
}

// --- generators: what a member gone bad sends through the sealed channel ---------------------------

/** C0 and C1 controls, DEL, bidi embeddings, overrides and isolates, noncharacters, lone surrogates, line separators, BOM. */
const NASTY = [
  '\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u000e', '\u001b', '\u001f', '\u007f',
  '\u0080', '\u0085', '\u008d', '\u009b', '\u009f',
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c',
  '\ufffe', '\uffff', '\ufdd0', '\u{1fffe}', '\u{10ffff}',
  '\ud800', '\udbff', '\udc00', '\udfff',
  '\u2028', '\u2029', '\ufeff', '\t', '\n', '\r', '\r\n',
];
/** Markup and names that parsers, prototype chains and escaping get wrong. */
const MARKUP = [
  '<', '>', '&', '"', "'", '/', '=', ' ', ']]>', '<![CDATA[', '<!--', '-->', '<?', '?>', '<!DOCTYPE x>', '<!ENTITY a "b">',
  '&amp;', '&lt;', '&#0;', '&#x202e;', '&#65535;', '&a;', '<text>', '</text>', '<chat>', '</chat>', '<member/>', 'v="1"', 'v="2"',
  'xmlns="urn:x"', 'xmlns:x="urn:x"', 'x:y', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '#text', '#cdata', '@_v',
];
const nastyUnitArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.constantFrom(...MARKUP) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }) },
);
const nastyStringArb = fc.string({ unit: nastyUnitArb, maxLength: 60 });

/** UTF-8 that also encodes lone surrogates (WTF-8): bytes a strict UTF-8 decoder must refuse. */
function wtf8(s: string): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    if (c > 0xffff) i++;
    if (c >= 0xd800 && c <= 0xdfff) out.push(Buffer.of(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)));
    else out.push(Buffer.from(String.fromCodePoint(c)));
  }
  return Buffer.concat(out);
}

const encodeText = (s: string, encoding: 'utf8' | 'wtf8'): Buffer => (encoding === 'utf8' ? Buffer.from(s) : wtf8(s));

/** Values the schema's guards parse: numbers, ids, versions, hosts, colours, names of types and codes. */
const FIELD_VALUES = [
  '', '0', '-0', '1', '2', '9', '01', '1e3', '0x1F', '1.5', '-1', 'NaN', 'Infinity', '9007199254740993', '-9007199254740993', '1'.repeat(400),
  'true', 'ping', 'hello', 'chat', 'add', 'delete', 'snapshot', '#zzzzzz', '#fff', 'image/svg+xml', '../../etc/passwd', 'C:\\x', '::1', '0.0.0.0', 'localhost',
  'ERR_LOCAL_FAULT_NOT', 'A'.repeat(86), 'A'.repeat(43), '_'.repeat(43), '&amp;', '&quot;', '&#x22;', '&lt;x&gt;',
];
const fieldValueArb = fc.oneof(fc.constantFrom(...FIELD_VALUES), nastyStringArb);

const textMutationArb = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), s: nastyStringArb }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: nastyStringArb }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 30 }) }),
  // These keep the markup well-formed, so the schema's guards (not the parser) must refuse what changed.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('attribute' as const), which: fc.nat(), value: fieldValueArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('rename' as const),
      which: fc.nat(),
      name: fc.oneof(fc.constantFrom('v', 'id', 'from', 'group', 'seq', 'ts', 'sig', 'type', 'x', '__proto__', 'constructor', 'xmlns', 'xml:lang'), fc.string({ minLength: 1, maxLength: 8 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('root' as const),
      name: fc.oneof(fc.constantFrom('ping', 'chat', 'hello', 'bye', 'teleport', 'member', 'text', '__proto__', 'constructor', 'toString', 'x:chat', 'Chat'), fc.string({ minLength: 1, maxLength: 8 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('text' as const), s: fc.oneof(nastyStringArb, fc.constantFrom(']]>', ']]]]><![CDATA[>', 'x'.repeat(17_000))) }) },
);
type TextMutation = typeof textMutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutateText(doc: string, mutations: TextMutation[]): string {
  let s = doc;
  for (const m of mutations) {
    if (m.op === 'attribute' || m.op === 'rename') {
      const attributes = [...s.matchAll(/ ([^\s=<>"]+)="([^"]*)"/g)];
      if (attributes.length === 0) continue;
      const a = attributes[m.which % attributes.length]!;
      const replaced = m.op === 'attribute' ? ` ${a[1]}="${m.value.replace(/"/g, '&quot;')}"` : ` ${m.name}="${a[2]}"`;
      s = s.slice(0, a.index) + replaced + s.slice(a.index + a[0].length);
      continue;
    }
    if (m.op === 'root') {
      const root = /^<([^\s/>]+)/.exec(s)?.[1];
      if (root === undefined) continue;
      s = `<${m.name}${s.slice(1 + root.length)}`;
      if (s.endsWith(`</${root}>`)) s = `${s.slice(0, -(root.length + 3))}</${m.name}>`;
      continue;
    }
    if (m.op === 'text') {
      s = s.replace(/<!\[CDATA\[[\s\S]*?\]\]>/, `<![CDATA[${m.s}]]>`);
      continue;
    }
    const at = m.at % (s.length + 1);
    if (m.op === 'replace') s = s.slice(0, at) + m.s + s.slice(at + Math.max(1, [...m.s].length));
    else if (m.op === 'insert') s = s.slice(0, at) + m.s + s.slice(at);
    else s = s.slice(0, at) + s.slice(at + m.count);
  }
  return s;
}

/** Real messages of every type, as a member (or a would-be member) would send them; the codec of the day must encode them. */
function baseBodies(): MessageBody[] {
  const item = newItemId();
  return [
    { type: 'hello', name: 'mallory', port: 1 },
    { type: 'ping' },
    { type: 'pong', re: newItemId() },
    { type: 'bye' },
    { type: 'ack', re: newItemId() },
    { type: 'error', code: 'ERR_PROTOCOL', text: 'no' },
    { type: 'chat', text: 'hello <b>&amp;</b> ]]> there' },
    { type: 'chat', text: 'just you', to: MemberKey.generate().id },
    { type: 'note', op: 'add', item, clock: 1, text: 'todo', font: 'sans-serif', size: 14, colour: '#ffcc00', x: -12.25, y: 40 },
    { type: 'note', op: 'move', item, clock: 2, x: 1, y: 2 },
    { type: 'image', op: 'add', item, clock: 1, x: 10, y: 20, width: 64, height: 48, mime: 'image/png', bytes: 4, sha256: 'a'.repeat(64) },
    { type: 'image', op: 'delete', item, clock: 3 },
    { type: 'stroke', op: 'add', item, clock: 1, points: [{ x: 1, y: 2 }, { x: -3.5, y: 4.000001 }], width: 2, colour: '#112233' },
    { type: 'snippet', op: 'add', item, clock: 1, code: 'let a = 1;\n', language: 'typescript', path: 'src/a.ts', startLine: 1, endLine: 1, x: 0, y: 0 },
    {
      type: 'pin', op: 'add', item, clock: 1, path: 'src/a.ts', startLine: 2, endLine: 3, above: 1, below: 1,
      commit: 'ab12cd34ef56', code: 'function a() {\n  let a = 1;\n  return a;\n}', text: 'why <b>]]></b>?',
    },
    { type: 'pin', op: 'reply', item, clock: 2, text: 'because' },
    { type: 'pin', op: 'resolve', item, clock: 3 },
    { type: 'register', name: 'mallory', port: 1 },
    { type: 'peers', event: 'joined', members: [{ id: MemberKey.generate().id, name: 'eve', host: '10.0.0.9', port: 2 }] },
    { type: 'unregister' },
    { type: 'relay', op: 'connect', tunnel: newItemId(), peer: MemberKey.generate().id },
    { type: 'relay', op: 'data', tunnel: newItemId(), data: Buffer.from('tunnel bytes') },
    { type: 'relay', op: 'ack', tunnel: newItemId(), bytes: 12 },
    { type: 'relay', op: 'close', tunnel: newItemId(), code: 'ERR_RELAY' },
  ] as MessageBody[];
}

const sealedPayloadArb = fc.oneof(
  // Arbitrary strings of controls, bidi marks, noncharacters, surrogates and markup.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('string' as const), s: nastyStringArb, encoding: fc.constantFrom('utf8' as const, 'wtf8' as const) }) },
  // A real document with nasty text put into its element content or attributes, characters flipped, inserted, deleted.
  { weight: 5, arbitrary: fc.record({
    kind: fc.constant('document' as const),
    base: fc.nat(),
    // One mutation most often: a document broken in one place gets past the parser to the schema's guards.
    mutations: fc.oneof({ weight: 3, arbitrary: fc.tuple(textMutationArb) }, fc.array(textMutationArb, { minLength: 2, maxLength: 4 })),
    encoding: fc.constantFrom('utf8' as const, 'wtf8' as const),
  }) },
  // A real document with its bytes flipped, cut, spliced.
  fc.record({ kind: fc.constant('bytes' as const), base: fc.nat(), mutations: fc.array(byteMutationArb, { minLength: 1, maxLength: 3 }) }),
  // A real document, untouched: the ones that must keep working.
  fc.record({ kind: fc.constant('valid' as const), base: fc.nat() }),
  // A sealed binary frame (image bytes), announced by nothing or by the wrong image.
  fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
);
type SealedPayload = typeof sealedPayloadArb extends fc.Arbitrary<infer T> ? T : never;

/** The real documents an attacker can start from: each body stamped (and signed) by its own key, in its own group. */
function baseDocuments(client: SecureClient): string[] {
  const docs: string[] = [];
  for (const body of baseBodies()) {
    try {
      docs.push(encodeMessage(client.stamp(body)).toString('utf8'));
    } catch {
      // This body no longer fits the codec (it is being changed): the others still attack.
    }
  }
  assert.ok(docs.length >= 10, `only ${docs.length} of the base messages encode: the codec changed under the test`);
  return docs;
}

function sealedBytes(payload: SealedPayload, docs: string[]): Buffer {
  switch (payload.kind) {
    case 'string':
      return encodeText(payload.s, payload.encoding);
    case 'document':
      return encodeText(mutateText(docs[payload.base % docs.length]!, payload.mutations), payload.encoding);
    case 'bytes':
      return mutateBytes(Buffer.from(docs[payload.base % docs.length]!), payload.mutations);
    case 'valid':
      return Buffer.from(docs[payload.base % docs.length]!);
    case 'binary':
      return Buffer.from(payload.bytes);
  }
}

/** The message a payload decodes to on its own, if it does. */
function decodesTo(payload: Buffer): Message | undefined {
  try {
    return decodeMessage(payload);
  } catch {
    return undefined;
  }
}

// --- memory ---------------------------------------------------------------------------------------

/** `global.gc`, or the same function unlocked through V8's flags, or undefined. */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

async function settledMemory(gc: (() => void) | undefined): Promise<{ rss: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(20);
  }
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss, arrayBuffers };
}

/** One shared chunk: the attackers' writes reference it, so they cost this process nothing per connection. */
const CHUNK = Buffer.alloc(64 * 1024, 0x41);

/** Declares a frame of `length` bytes of `type`, then sends its payload (with backpressure) until the other side closes. */
async function declareAndPump(client: RawClient | SecureClient, type: number, length: number): Promise<number> {
  const socket: Socket = client.socket;
  client.write(header(length, type));
  let sent = 0;
  while (sent < length && !socket.destroyed && socket.writable && !client.closed) {
    const more = socket.write(CHUNK);
    sent += CHUNK.length;
    if (!more) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
  return sent;
}

// --- handshake flights --------------------------------------------------------------------------------

interface Field {
  name: string;
  start: number;
  end: number;
}

/** The fields of a real offer: flight, version count, versions, initiator key, expected key, nonce, share, group length, group. */
function offerFields(offer: Uint8Array): Field[] {
  const count = offer[1]!;
  const fields: [string, number][] = [['flight', 1], ['version count', 1], ['versions', 2 * count], ['initiator key', 32], ['expected key', 32], ['nonce', 32], ['share', 32], ['group length', 1]];
  const out: Field[] = [];
  let at = 0;
  for (const [name, size] of fields) {
    out.push({ name, start: at, end: at + size });
    at += size;
  }
  out.push({ name: 'group', start: at, end: offer.length });
  return out;
}

/** The fields of a real answer: flight, version, responder key, nonce, share, signature, confirmation, stream header. */
function answerFields(): Field[] {
  return fieldsOf([['flight', 1], ['version', 2], ['responder key', 32], ['nonce', 32], ['share', 32], ['signature', 64], ['confirmation', 32], ['stream header', 24]]);
}

/** The fields of a real finish: flight, signature, confirmation, stream header. */
function finishFields(): Field[] {
  return fieldsOf([['flight', 1], ['signature', 64], ['confirmation', 32], ['stream header', 24]]);
}

function fieldsOf(sizes: [string, number][]): Field[] {
  const out: Field[] = [];
  let at = 0;
  for (const [name, size] of sizes) {
    out.push({ name, start: at, end: at + size });
    at += size;
  }
  return out;
}

type FlightMutation = { kind: 'flip'; byte: number; bit: number } | { kind: 'truncate'; keep: number } | { kind: 'extend'; bytes: number };

/** The flight with one field mutated: a bit flipped in it, or the flight cut inside it, or bytes appended after the flight. */
function mutateFlight(flight: Uint8Array, field: Field, m: FlightMutation): Buffer {
  const out = Buffer.from(flight);
  if (m.kind === 'flip') {
    if (field.end > field.start) out[field.start + (m.byte % (field.end - field.start))]! ^= 1 << m.bit;
    return out;
  }
  if (m.kind === 'truncate') return out.subarray(0, field.start + (m.keep % Math.max(1, field.end - field.start)));
  return Buffer.concat([out, Buffer.alloc(m.bytes, 0x5a)]);
}

const flightMutationArb: fc.Arbitrary<FlightMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('flip' as const), byte: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), bytes: fc.integer({ min: 1, max: 64 }) }) },
);

/** The handshake frames a raw socket receives. */
class HandshakeProbe {
  readonly flights: Buffer[] = [];

  constructor(readonly client: RawClient) {
    const decoder = new FrameDecoder({ [FrameType.Handshake]: MAX_HANDSHAKE_FRAME_BYTES, [FrameType.SealedXml]: 1 << 20 });
    client.socket.on('data', (chunk: Buffer) => {
      try {
        decoder.pushEach(chunk, (frame) => {
          if (frame.type === FrameType.Handshake) this.flights.push(Buffer.from(frame.payload));
        });
      } catch {
        // Whatever else comes back is not what these tests assert on.
      }
    });
  }

  /** The next handshake flight, or undefined when the connection closes first. */
  async next(timeoutMs = 3000): Promise<Buffer | undefined> {
    await waitUntil(() => this.flights.length > 0 || this.client.closed, 'a handshake flight or the close', timeoutMs);
    return this.flights.shift();
  }
}

// --- the tests ---------------------------------------------------------------------------------------

describe('hostile input, as properties', function () {
  // Bounded runs finish well inside a minute; FC_RUNS asks for more, and for the time they take.
  this.timeout(process.env.FC_RUNS === undefined ? 60_000 : 0);
  const net = new TestNetwork();
  const servers: Server[] = [];
  const faults: unknown[] = [];
  const onFault = (err: unknown): void => {
    faults.push(err);
  };

  before(async () => {
    await cryptoReady();
    process.on('uncaughtException', onFault);
    process.on('unhandledRejection', onFault);
  });
  after(() => {
    process.off('uncaughtException', onFault);
    process.off('unhandledRejection', onFault);
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) server.close();
    await net.closeAll();
    assert.deepEqual(faults.splice(0), [], 'an uncaught exception or unhandled rejection');
  });

  async function group(options: Partial<PeerNodeOptions> = {}, repositoryOptions: RepositoryServerOptions = {}): Promise<Group> {
    const { port, server, logger } = await net.repository({ ...REPOSITORY_OPTIONS, ...repositoryOptions });
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { ...PEER_OPTIONS, ...options });
    return { port, server, repoLog: logger, alice: alice!, bob: bob!, logs: [['repository', logger], ['alice', alice!.log], ['bob', bob!.log]] };
  }

  /** A new peer joins and chats with `existing`: nothing outside the attacked connections was affected. */
  async function assertGroupStillWorks(g: Group, options: Partial<PeerNodeOptions> = {}): Promise<void> {
    const latecomer = net.peer(`late-${chats}`, g.port, { ...PEER_OPTIONS, ...options });
    await latecomer.join();
    await waitUntil(() => latecomer.members().some((m) => m.id === g.alice.id) && latecomer.members().some((m) => m.id === g.bob.id), 'latecomer connected to alice and bob');
    const heard = nextEvent(g.alice, 'message', (m: Message) => m.type === 'chat' && m.text === 'still fine');
    latecomer.chat('still fine');
    await heard;
    assertNoLocalFault([...g.logs, ['latecomer', latecomer.log]]);
    await latecomer.close();
  }

  it('a stranger\'s arbitrary bytes before any handshake: each connection closed with a coded error, nobody faults, the group chats', async () => {
    const g = await group();
    const seen = new Map<string, number>();
    type Ending = 'stay' | 'end' | 'reset';
    const attack = async (port: number, log: RecordingLogger, targetId: string, pieces: StrangerPiece[], cuts: number[], ending: Ending): Promise<void> => {
      const bytes = Buffer.concat(pieces.map((p) => strangerBytes(p, targetId)));
      const what = `${bytes.length} bytes to port ${port}, then ${ending}`;
      const from = log.lines.length;
      const client = await net.raw(port);
      const localPort = client.socket.localPort!;
      await writeInPieces(client, bytes, cuts);
      if (ending === 'end') client.socket.end(); // FIN: the stream ends where the bytes do
      if (ending === 'reset') {
        await sleep(5);
        client.socket.resetAndDestroy(); // RST
      }
      // A valid prefix waits for more: the frame or the handshake deadline ends it, with a code.
      await closedWithin(client, HANDSHAKE_DEADLINE_MS + 2000, what);
      if (ending !== 'stay') {
        // The other side notices the end or the reset, or had closed already: always with a code.
        await sleep(20);
      }
      const { code } = await waitForCloseCode(log, from, needlesFor(localPort), what);
      seen.set(code, (seen.get(code) ?? 0) + 1);
    };
    const endingArb = fc.constantFrom<Ending>('stay', 'stay', 'stay', 'end', 'reset');
    // Always run: a valid offer (answered, then waiting for a finish) left open, ended and reset.
    const validOffer: StrangerPiece = { kind: 'offer', group: 'team', password: undefined, versions: [...SUPPORTED_VERSIONS], expect: 'target', mutations: [], declared: 'exact', by: 1, twice: false };
    const strangerExamples: [StrangerPiece[], number[], Ending][] = [
      [[validOffer], [], 'stay'],
      [[validOffer], [], 'end'],
      [[validOffer], [], 'reset'],
      [[validOffer], [3, 60], 'end'],
      // A handshake frame declaring more than 4 KiB: the decoder's size check, in every run, not only when the generator happens on it.
      [[{ kind: 'frame', type: FrameType.Handshake, length: 64 * 1024, body: new Uint8Array(16) }], [], 'stay'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(strangerPieceArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 4 }), endingArb, async (pieces, cuts, ending) => {
        await Promise.all([attack(g.port, g.repoLog, g.server.id, pieces, cuts, ending), attack(g.alice.listenAddress!.port, g.alice.log, g.alice.id, pieces, cuts, ending)]);
        assertNoLocalFault(g.logs);
        await assertHonestLinkWorks(g);
      }),
      params(50, strangerExamples),
    );
    if (process.env.HOSTILE_VERBOSE !== undefined) console.log(`      outcomes: ${JSON.stringify([...seen])}`);
    // The generators reach the decoder's checks and the handshake's, not only one of them.
    if (process.env.FC_RUNS === undefined) {
      for (const code of ['ERR_FRAME_TYPE', 'ERR_FRAME_TOO_LARGE', 'ERR_AUTH_FAILED']) assert.ok(seen.has(code), `no run ended with ${code}: ${JSON.stringify([...seen])}`);
    }
    await assertGroupStillWorks(g);
  });

  it('a keyed stranger\'s and a member\'s arbitrary sealed XML: closed with a coded error or still working, nobody faults, the group chats', async () => {
    const g = await group();
    const outcomes = new Map<string, number>();
    /**
     * Sends the payloads, then a ping: either a pong comes back (everything sent was acceptable) or
     * the connection is closed, with a code unless a payload was a valid `bye` / `unregister`.
     */
    const attack = async (target: 'repository' | 'peer', introduce: boolean, payloads: SealedPayload[]): Promise<void> => {
      const log = target === 'repository' ? g.repoLog : g.alice.log;
      const port = target === 'repository' ? g.port : g.alice.listenAddress!.port;
      const client = await net.secure(port, target === 'repository' ? { group: 'evil' } : { expectedPeer: g.alice.id });
      const localPort = client.socket.localPort!;
      if (introduce) {
        const from = log.lines.length;
        const answer = target === 'repository' ? 'peers' : 'hello';
        client.send(client.stamp(target === 'repository' ? { type: 'register', name: 'mallory', port: 1 } : { type: 'hello', name: 'mallory', port: 1 }));
        await waitUntil(() => client.closed || client.received.some((m) => m.type === answer), `the ${answer} answering mallory`, 5000).catch(() => {});
        if (!client.received.some((m) => m.type === answer)) {
          const t = (l: string): boolean => !l.startsWith('trace') || l.includes(client.key.id);
          assert.fail(`${target} did not answer an honest introduction (closed: ${client.closed}); its log since:\n${log.lines.slice(from).filter(t).join('\n')}`);
        }
        await client.next(answer);
      }
      const docs = baseDocuments(client);
      const bytes = payloads.map((p) => sealedBytes(p, docs));
      const from = log.lines.length;
      payloads.forEach((p, i) => (p.kind === 'binary' ? client.sendPlain(FrameType.Binary, bytes[i]!) : client.sendXml(bytes[i]!)));
      client.send(client.stamp({ type: 'ping' }));
      await waitUntil(() => client.closed || client.received.some((m) => m.type === 'pong'), 'a pong or the close', 3000);
      if (!client.closed) {
        outcomes.set('still open', (outcomes.get('still open') ?? 0) + 1);
        client.socket.destroy();
        return;
      }
      const found = closeCode(log, from, needlesFor(localPort, client.key.id));
      if (found === undefined) {
        // A clean close is right only when the attacker said goodbye itself.
        const goodbye = bytes.some((b, i) => payloads[i]!.kind !== 'binary' && ['bye', 'unregister'].includes(decodesTo(b)?.type ?? ''));
        if (!goodbye) await waitForCloseCode(log, from, needlesFor(localPort, client.key.id), `${target}: sealed payloads ${JSON.stringify(bytes.map((b) => b.toString('latin1')))}`);
        outcomes.set('goodbye', (outcomes.get('goodbye') ?? 0) + 1);
        return;
      }
      assert.ok(isKnownCode(found.code), found.line);
      outcomes.set(found.code, (outcomes.get(found.code) ?? 0) + 1);
    };
    // Always run: the payloads that once ended the process (the decoder quoted them, the notice could not encode them).
    const once = (s: string): SealedPayload => ({ kind: 'string', s, encoding: 'utf8' });
    const sealedExamples: [boolean, SealedPayload[]][] = [
      [false, [once('<a\u0001/>')]],
      [true, [once('<a\u0001/>')]],
      [true, [once('<a\u202e/>')]],
      [true, [once('<a\ufffe/>')]],
      [true, [once('<a\u009b31m/>')]],
      [true, [{ kind: 'string', s: '<a\ud800/>', encoding: 'wtf8' }]],
    ];
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(sealedPayloadArb, { minLength: 1, maxLength: 4 }), async (introduce, payloads) => {
        await Promise.all([attack('repository', introduce, payloads), attack('peer', introduce, payloads)]);
        assertNoLocalFault(g.logs);
        await assertHonestLinkWorks(g);
      }),
      params(50, sealedExamples),
    );
    if (process.env.HOSTILE_VERBOSE !== undefined) console.log(`      outcomes: ${JSON.stringify([...outcomes])}`);
    if (process.env.FC_RUNS === undefined) {
      for (const code of ['ERR_BAD_XML', 'ERR_BAD_MESSAGE']) assert.ok(outcomes.has(code), `no run ended with ${code}: ${JSON.stringify([...outcomes])}`);
    }
    await assertGroupStillWorks(g);
  });

  it('20 connections declaring 8 MiB frames of every type and sending the bytes: memory stays bounded, all closed with coded errors', async () => {
    // The default deadlines: 80 connections each wait for the others' handshakes before they send.
    const g = await group({ timing: {}, connection: {} }, { handshakeDeadlineMs: undefined, connection: {} });
    const gc = findGc();
    const strangerTypes = [0, 1, 2, 3, 4, 5, 6, 0x7f, 0xff];
    const keyedTypes = [1, 2, 3, 4, 5];
    // Each type's expected code: before the handshake only small handshake frames are read, after it
    // (and before a hello or at the repository) only small sealed XML frames.
    const strangerCode = (type: number): string => (type === FrameType.Handshake ? 'ERR_FRAME_TOO_LARGE' : 'ERR_FRAME_TYPE');
    const keyedCode = (type: number): string => (type === FrameType.SealedXml ? 'ERR_FRAME_TOO_LARGE' : 'ERR_FRAME_TYPE');
    const targets = [
      { name: 'repository', port: g.port, log: g.repoLog, secure: { group: 'evil' } },
      { name: 'alice', port: g.alice.listenAddress!.port, log: g.alice.log, secure: { expectedPeer: g.alice.id } },
    ];
    const checks: { name: string; log: RecordingLogger; from: number; needles: string[]; code: string }[] = [];
    /** 20 strangers and 20 keyed strangers per target; `attack` false: they only connect (and shake hands) and leave. */
    const round = async (attack: boolean): Promise<void> => {
      for (const t of targets) {
        const from = t.log.lines.length;
        const keyed = await Promise.all(Array.from({ length: 20 }, () => net.secure(t.port, t.secure)));
        const strangers = await Promise.all(Array.from({ length: 20 }, () => net.raw(t.port)));
        // The local ports name the connections in the log; a closed socket no longer knows its own.
        const strangerPorts = strangers.map((c) => c.socket.localPort!);
        const keyedPorts = keyed.map((c) => c.socket.localPort!);
        if (!attack) {
          for (const c of [...strangers, ...keyed]) c.socket.destroy();
          await Promise.all([...strangers, ...keyed].map((c) => c.whenClosed));
          continue;
        }
        await Promise.all([
          ...strangers.map((c, i) => declareAndPump(c, strangerTypes[i % strangerTypes.length]!, 8 * MiB)),
          ...keyed.map((c, i) => declareAndPump(c, keyedTypes[i % keyedTypes.length]!, 8 * MiB + SEAL_OVERHEAD_BYTES)),
        ]);
        await Promise.all([...strangers, ...keyed].map((c) => closedWithin(c, 5000, `an 8 MiB frame to ${t.name}`)));
        strangers.forEach((_, i) => checks.push({ name: `stranger ${i} -> ${t.name}`, log: t.log, from, needles: needlesFor(strangerPorts[i]!), code: strangerCode(strangerTypes[i % strangerTypes.length]!) }));
        keyed.forEach((c, i) => checks.push({ name: `keyed ${i} -> ${t.name}`, log: t.log, from, needles: needlesFor(keyedPorts[i]!, c.key.id), code: keyedCode(keyedTypes[i % keyedTypes.length]!) }));
      }
    };
    // Warm up what the first 80 connections and handshakes allocate once (the WASM heap, JIT code, pools),
    // so that what is measured is the attack: the same connections, now declaring 8 MiB each.
    await round(false);
    const before = await settledMemory(gc);
    let peak = { ...before };
    const sampler = setInterval(() => {
      const { rss, arrayBuffers } = process.memoryUsage();
      peak = { rss: Math.max(peak.rss, rss), arrayBuffers: Math.max(peak.arrayBuffers, arrayBuffers) };
    }, 5);
    try {
      await round(true);
    } finally {
      clearInterval(sampler);
    }
    const after = await settledMemory(gc);
    for (const c of checks) {
      const { code, line } = await waitForCloseCode(c.log, c.from, c.needles, c.name);
      assert.equal(code, c.code, `${c.name}: ${line}`);
    }
    const bound = gc === undefined ? 64 * MiB : 16 * MiB;
    const mb = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
    const growth = `rss ${mb(before.rss)} -> peak ${mb(peak.rss)} -> ${mb(after.rss)}, arrayBuffers ${mb(before.arrayBuffers)} -> peak ${mb(peak.arrayBuffers)} -> ${mb(after.arrayBuffers)}`;
    if (process.env.HOSTILE_VERBOSE !== undefined) console.log(`      memory (gc ${gc === undefined ? 'unavailable' : 'available'}): ${growth}`);
    assert.ok(after.rss - before.rss < bound, `rss grew by more than ${mb(bound)}: ${growth}`);
    assert.ok(after.arrayBuffers - before.arrayBuffers < bound, `arrayBuffers grew by more than ${mb(bound)}: ${growth}`);
    // 80 connections that could each have made a side hold 8 MiB (640 MiB): even garbage not yet collected stays far below.
    assert.ok(peak.arrayBuffers - before.arrayBuffers < 4 * bound, `arrayBuffers peaked too high: ${growth}`);
    assert.ok(peak.rss - before.rss < 8 * bound, `rss peaked too high: ${growth}`);
    assertNoLocalFault(g.logs);
    await assertHonestLinkWorks(g);
    await assertGroupStillWorks(g);
  });

  describe('found while attacking (these fail until src/net is fixed)', () => {
    it('a stranger that takes the answer to its offer and hangs up cleanly is closed with a coded error: an online password guess leaves a trace', async () => {
      const g = await group({ password: PASSWORD });
      const missing: string[] = [];
      for (const [name, port, log, expectedPeer] of [
        ['alice', g.alice.listenAddress!.port, g.alice.log, g.alice.id],
        ['the repository', g.port, g.repoLog, undefined],
      ] as const) {
        // One guess: an offer under a guessed password; the answer's confirmation tag tells the guesser
        // whether it was right (here it is not), and the guesser hangs up with a FIN between frames.
        const guess = new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', password: 'guess', expectedPeer });
        const client = await net.raw(port);
        const localPort = client.socket.localPort!;
        const probe = new HandshakeProbe(client);
        const from = log.lines.length;
        client.write(encodeFrame(FrameType.Handshake, guess.start()));
        const answer = await probe.next();
        assert.ok(answer !== undefined && answer[0] === 2, `${name} answers the offer`);
        if (name === 'alice') assert.throws(() => guess.receive(answer), /Authentication failed/, 'the answer shows the guess was wrong');
        client.socket.end();
        await closedWithin(client, 2000, `${name}: a FIN after the answer`);
        await sleep(200);
        const found = closeCode(log, from, needlesFor(localPort));
        if (found === undefined) missing.push(`${name} (log after the offer: ${JSON.stringify(log.lines.slice(from).filter((l) => !l.startsWith('trace')))})`);
        else assert.ok(isKnownCode(found.code), found.line);
      }
      assert.deepEqual(missing, [], 'connections closed in the middle of their handshake without a coded error (Connection.onEnd: decoder.end() finds no partial frame, finish(undefined))');
      assertNoLocalFault(g.logs);
    });

    it('a listener of this side that throws on memberJoined is a local fault: logged as ERR_LOCAL_FAULT, the honest member kept, not blamed with ERR_PROTOCOL', async () => {
      const { port } = await net.repository(REPOSITORY_OPTIONS);
      const alice = net.peer('alice', port, PEER_OPTIONS);
      await alice.join();
      alice.once('memberJoined', () => {
        throw new Error('a bug in the application listener');
      });
      const bob = net.peer('bob', port, PEER_OPTIONS);
      await bob.join();
      await sleep(300);
      const blamed = alice.log.lines.filter((l) => l.includes('ERR_PROTOCOL'));
      assert.deepEqual(blamed, [], 'alice blamed bob for her own listener (PeerNode.awaitHello catches what addLink -> emit(memberJoined) throws and closes with ERR_PROTOCOL)');
      assert.ok(alice.log.has('ERR_LOCAL_FAULT'), 'the throw is logged as a local fault');
      assert.deepEqual(alice.members().map((m) => m.name), ['bob']);
    });
  });

  describe('mutated handshake flights (a password group)', () => {
    /** An honest flight first, to prove the harness: unmutated, the offer and finish make a member. */
    async function honestRun(g: Group): Promise<void> {
      const key = MemberKey.generate();
      const initiator = new HandshakeInitiator({ key, group: 'team', password: PASSWORD, expectedPeer: g.alice.id });
      const client = await net.raw(g.alice.listenAddress!.port);
      const probe = new HandshakeProbe(client);
      client.write(encodeFrame(FrameType.Handshake, initiator.start()));
      const step = initiator.receive((await probe.next())!);
      client.write(encodeFrame(FrameType.Handshake, step.send!));
      const channel = new SecureChannel(step.done!);
      client.write(channel.seal(FrameType.Xml, encodeMessage(new EnvelopeStamper(key.id, 'team').stamp({ type: 'hello', name: 'honest', port: 1 }))));
      await waitUntil(() => g.alice.members().some((m) => m.id === key.id), 'the honest flights made a member');
      client.socket.destroy();
      await waitUntil(() => !g.alice.members().some((m) => m.id === key.id), 'the honest member gone');
    }

    /**
     * One mutated offer or finish sent to alice. A mutated offer that alice still answers gets a finish
     * (our initiator's, if it could verify the answer, else a well-formed forgery); a mutated finish is
     * followed by a sealed hello on the channel the honest finish would have made.
     */
    async function mutatedRun(g: Group, flight: 'offer' | 'finish', fieldIndex: number, m: FlightMutation): Promise<{ field: string; code: string }> {
      const key = MemberKey.generate();
      const initiator = new HandshakeInitiator({ key, group: 'team', password: PASSWORD, expectedPeer: g.alice.id });
      const offer = initiator.start();
      const client = await net.raw(g.alice.listenAddress!.port);
      const localPort = client.socket.localPort!;
      const probe = new HandshakeProbe(client);
      const from = g.alice.log.lines.length;
      let field: Field;
      if (flight === 'offer') {
        const fields = offerFields(offer);
        field = fields[fieldIndex % fields.length]!;
        client.write(encodeFrame(FrameType.Handshake, mutateFlight(offer, field, m)));
        const answer = await probe.next();
        if (answer !== undefined && answer[0] === 2) {
          let finish: Uint8Array;
          try {
            finish = initiator.receive(answer).send!;
            assert.fail(`alice's answer to an offer with its ${field.name} mutated (${JSON.stringify(m)}) verified against the original offer`);
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            finish = Buffer.concat([Buffer.of(3), randomBytes(64 + 32 + 24)]);
          }
          client.write(encodeFrame(FrameType.Handshake, finish));
        }
      } else {
        client.write(encodeFrame(FrameType.Handshake, offer));
        const answer = await probe.next();
        assert.ok(answer !== undefined && answer[0] === 2, 'alice answers an honest offer');
        const step = initiator.receive(answer);
        const fields = finishFields();
        field = fields[fieldIndex % fields.length]!;
        client.write(encodeFrame(FrameType.Handshake, mutateFlight(step.send!, field, m)));
        const channel = new SecureChannel(step.done!);
        client.write(channel.seal(FrameType.Xml, encodeMessage(new EnvelopeStamper(key.id, 'team').stamp({ type: 'hello', name: 'mallory', port: 1 }))));
      }
      const what = `${flight} with its ${field.name} mutated (${JSON.stringify(m)})`;
      await closedWithin(client, HANDSHAKE_DEADLINE_MS + 2000, what);
      const { code, line } = await waitForCloseCode(g.alice.log, from, needlesFor(localPort, key.id), what);
      assert.ok(!g.alice.members().some((mm) => mm.id === key.id), `${what} made a member`);
      // A mutated version may honestly be "no version in common"; everything else is the one code.
      const allowed = flight === 'offer' && ['version count', 'versions'].includes(field.name) ? ['ERR_AUTH_FAILED', 'ERR_VERSION_MISMATCH'] : ['ERR_AUTH_FAILED'];
      assert.ok(allowed.includes(code), `${what}: ${line}`);
      return { field: field.name, code };
    }

    it('every field of a real offer and finish, each bit-flipped, cut inside or extended: closed with ERR_AUTH_FAILED, never a member, never a crash', async () => {
      const g = await group({ password: PASSWORD });
      await honestRun(g);
      const offerCount = offerFields(new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', password: PASSWORD }).start()).length;
      for (let f = 0; f < offerCount; f++) {
        for (const m of [{ kind: 'flip', byte: 0, bit: 0 }, { kind: 'flip', byte: 1_000, bit: 7 }, { kind: 'truncate', keep: 0 }] as FlightMutation[]) await mutatedRun(g, 'offer', f, m);
      }
      for (let f = 0; f < finishFields().length; f++) {
        for (const m of [{ kind: 'flip', byte: 0, bit: 0 }, { kind: 'flip', byte: 1_000, bit: 7 }, { kind: 'truncate', keep: 0 }] as FlightMutation[]) await mutatedRun(g, 'finish', f, m);
      }
      await mutatedRun(g, 'offer', 0, { kind: 'extend', bytes: 1 });
      await mutatedRun(g, 'finish', 0, { kind: 'extend', bytes: 1 });
      assertNoLocalFault(g.logs);
      await honestRun(g);
      await assertHonestLinkWorks(g);
    });

    it('random bit flips, cuts and extensions of real offers and finishes (property)', async () => {
      const g = await group({ password: PASSWORD });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('offer' as const, 'finish' as const), fc.nat(), flightMutationArb, async (flight, field, m) => {
          await mutatedRun(g, flight, field, m);
          assertNoLocalFault(g.logs);
        }),
        params(40),
      );
      await honestRun(g);
      await assertHonestLinkWorks(g);
      await assertGroupStillWorks(g, { password: PASSWORD });
    });

    it('a listed member that answers a joining peer with a mutated answer: refused with a coded error, the join still succeeds', async () => {
      const g = await group({ password: PASSWORD });
      const fields = answerFields();
      /** A member registered at the repository whose listener answers with `mutate(answer)`, then says hello. */
      async function fakeMember(mutate: (answer: Uint8Array) => Uint8Array): Promise<{ key: MemberKey; close: () => void }> {
        const key = MemberKey.generate();
        const sockets = new Set<Socket>();
        const server = createServer((socket) => {
          sockets.add(socket);
          socket.on('error', () => {});
          const decoder = new FrameDecoder({ [FrameType.Handshake]: MAX_HANDSHAKE_FRAME_BYTES, [FrameType.SealedXml]: 1 << 20, [FrameType.SealedBinary]: 1 << 20 });
          const responder = new HandshakeResponder({ key, password: PASSWORD, admit: () => undefined });
          socket.on('data', (chunk: Buffer) => {
            try {
              decoder.pushEach(chunk, (frame) => {
                if (frame.type !== FrameType.Handshake) return;
                const step = responder.receive(frame.payload);
                if (step.send !== undefined) socket.write(encodeFrame(FrameType.Handshake, mutate(step.send)));
                if (step.done !== undefined) {
                  const channel = new SecureChannel(step.done);
                  socket.write(channel.seal(FrameType.Xml, encodeMessage(new EnvelopeStamper(key.id, 'team').stamp({ type: 'hello', name: 'mallory', port: (server.address() as AddressInfo).port }))));
                }
              });
            } catch {
              socket.destroy();
            }
          });
        });
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const registration = await net.secure(g.port, { key });
        registration.send(registration.stamp({ type: 'register', name: 'mallory', port: (server.address() as AddressInfo).port }));
        await registration.next('peers');
        return {
          key,
          close: () => {
            registration.socket.destroy();
            for (const s of sockets) s.destroy();
            server.close();
          },
        };
      }
      let runs = 0;
      async function joinAgainst(mutate: (answer: Uint8Array) => Uint8Array, what: string): Promise<{ victim: Peer; mallory: MemberKey }> {
        const { key: mallory, close } = await fakeMember(mutate);
        const victim = net.peer(`victim-${++runs}`, g.port, { ...PEER_OPTIONS, password: PASSWORD });
        try {
          await victim.join();
          await waitUntil(() => victim.members().some((m) => m.id === g.alice.id) && victim.members().some((m) => m.id === g.bob.id), `${what}: the victim connected to alice and bob`);
          return { victim, mallory };
        } finally {
          close();
        }
      }
      // The harness first: an unmutated answer makes mallory a member of the victim.
      {
        const { victim, mallory } = await joinAgainst((a) => a, 'honest answer');
        assert.ok(victim.members().some((m) => m.id === mallory.id), 'an honest answer from the fake member is accepted');
        await victim.close();
      }
      const cases: [Field, FlightMutation][] = [];
      for (const field of fields) {
        cases.push([field, { kind: 'flip', byte: 0, bit: 0 }], [field, { kind: 'flip', byte: 1_000, bit: 7 }], [field, { kind: 'truncate', keep: 1 }]);
      }
      cases.push([fields[fields.length - 1]!, { kind: 'extend', bytes: 3 }]);
      for (const [field, m] of cases) {
        const what = `an answer with its ${field.name} mutated (${JSON.stringify(m)})`;
        const { victim, mallory } = await joinAgainst((a) => mutateFlight(a, field, m), what);
        assert.ok(!victim.members().some((mm) => mm.id === mallory.id), `${what} made mallory a member`);
        // A new victim each time: its whole log is about this one join.
        const { code, line } = await waitForCloseCode(victim.log, 0, [`(${mallory.id})`], what);
        assert.ok(['ERR_AUTH_FAILED', 'ERR_VERSION_MISMATCH', 'ERR_RATE_LIMITED'].includes(code), `${what}: ${line}`);
        assertNoLocalFault([['victim', victim.log]]);
        await victim.close();
      }
      assertNoLocalFault(g.logs);
      await assertHonestLinkWorks(g);
    });
  });
});
