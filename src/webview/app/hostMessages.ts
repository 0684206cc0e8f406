/**
 * Run-time checks on what the host posts. The host is trusted code, but what it forwards came
 * from other peers and a version mismatch is possible: anything that does not match the protocol
 * is dropped here (reported through `onInvalid`), so rendering never throws on bad data. Each
 * accepted value is rebuilt from its known fields only.
 */
import { MAX_BOARD_ITEMS } from '../../board/boardState';
import { isCodeTheme } from '../../board/codeTheme';
import { MAX_IMAGE_BYTES, MAX_ITEM_SIZE, MAX_STROKE_POINTS } from '../../board/limits';
import { MAX_BATCH_MESSAGES } from '../protocol';
import type { BatchedDelta, BoardImage, BoardItem, BoardNote, BoardSnippet, BoardStroke, ChatDelivery, ChatEntry, CodeImageSource, HostToWebview, MemberView, PresenceLine, SessionView, SnippetStatus } from '../protocol';
import { readCamera } from './camera';
import { parseHistoryState, parseHistoryTimeline } from './historyMessages';
import { pointCount, simplifyStroke } from './simplify';

/** Longest id, name and short field accepted, in characters. */
const MAX_ID = 128;
const MAX_NAME = 256;
const MAX_SHORT = 1024;
/** Longest path accepted, in characters (the wire allows 1,024 code points). */
const MAX_PATH = 4096;
/** Longest chat, note or code text accepted, in characters; display caps it further. */
const MAX_TEXT = 1_000_000;
/** Largest image accepted from the host, in bytes: the wire's 8 MiB binary frame (the host checks its own limit). */
export const MAX_IMAGE_BYTES_ACCEPTED = 2 * MAX_IMAGE_BYTES;
/**
 * Most stroke points accepted from the host; more than {@link MAX_STROKE_POINTS} are simplified
 * here (a peer on another version, or a bug), beyond this the stroke is dropped unread.
 */
export const MAX_STROKE_POINTS_ACCEPTED = 2_000_000;
/** Tolerance used to simplify an over-long stroke from the host, in board units. */
const STROKE_TOLERANCE = 0.5;
/** Most members and board items one snapshot may carry (a board holds at most `MAX_BOARD_ITEMS`); the rest is ignored. */
export const MAX_SNAPSHOT_MEMBERS = 10_000;
export const MAX_SNAPSHOT_ITEMS = MAX_BOARD_ITEMS;
/** Chat entries kept from a snapshot (the newest, by time: the list may be out of order). */
export const MAX_SNAPSHOT_CHAT = 1_000;
/**
 * Chat entries of a snapshot looked at, from the end: the list may be out of time order, so more
 * than {@link MAX_SNAPSHOT_CHAT} are read to find the newest; beyond this they are ignored unread.
 */
export const MAX_SNAPSHOT_CHAT_SCANNED = 10 * MAX_SNAPSHOT_CHAT;
/** Largest member count a delivery or a catch-up count may carry. */
export const MAX_COUNT = 1_000_000_000;

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isId = (v: unknown): v is string => isStr(v, MAX_ID) && v.length > 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A whole number from 0 to {@link MAX_COUNT}. */
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT;

function person(v: unknown): { id: string; name: string } | undefined {
  if (!isRecord(v) || !isId(v.id) || !isStr(v.name, MAX_NAME)) return undefined;
  return { id: v.id, name: v.name };
}

export function parseSession(v: unknown): SessionView | undefined {
  if (!isRecord(v)) return undefined;
  if (v.state !== 'idle' && v.state !== 'joining' && v.state !== 'joined') return undefined;
  const session: SessionView = { state: v.state };
  if (isStr(v.group, MAX_NAME)) session.group = v.group;
  const self = person(v.self);
  if (self !== undefined) session.self = self;
  if (isStr(v.repository, MAX_SHORT)) session.repository = v.repository;
  // Anything but the two known values (a newer host, a bug) shows no badge rather than a wrong one.
  if (v.security === 'password' || v.security === 'open') session.security = v.security;
  // A malformed count shows no catch-up line rather than a wrong one.
  if (isRecord(v.catchUp) && isCount(v.catchUp.received)) session.catchUp = { received: v.catchUp.received };
  return session;
}

export function parseMember(v: unknown): MemberView | undefined {
  if (!isRecord(v) || !isId(v.id) || !isStr(v.name, MAX_NAME) || typeof v.online !== 'boolean') return undefined;
  const member: MemberView = { id: v.id, name: v.name, online: v.online };
  if (typeof v.fingerprint === 'string' && /^[0-9a-f]{4}-[0-9a-f]{4}$/.test(v.fingerprint)) member.fingerprint = v.fingerprint;
  // Only meaningful for a member that is not connected; anything but `true` is left out.
  if (v.reconnecting === true && !v.online) member.reconnecting = true;
  return member;
}

/** Whole counts with `delivered <= of`. */
export function parseDelivery(v: unknown): ChatDelivery | undefined {
  if (!isRecord(v) || !isCount(v.delivered) || !isCount(v.of) || v.delivered > v.of) return undefined;
  return { delivered: v.delivered, of: v.of };
}

export function parseChatEntry(v: unknown): ChatEntry | undefined {
  if (!isRecord(v) || !isId(v.id) || !isStr(v.text, MAX_TEXT) || !isNum(v.ts) || typeof v.own !== 'boolean') return undefined;
  const from = person(v.from);
  if (from === undefined) return undefined;
  const entry: ChatEntry = { id: v.id, from, text: v.text, ts: v.ts, own: v.own };
  if (v.to !== undefined) {
    const to = person(v.to);
    if (to === undefined) return undefined;
    entry.to = to;
  }
  // Only own messages have one; a malformed one loses the label, not the message.
  if (entry.own && v.delivery !== undefined) {
    const delivery = parseDelivery(v.delivery);
    if (delivery !== undefined) entry.delivery = delivery;
  }
  return entry;
}

/** A "joined" or "left" line; one with a change this panel does not know is dropped. */
export function parsePresenceLine(v: unknown): PresenceLine | undefined {
  if (!isRecord(v) || !isId(v.id) || !isNum(v.ts) || (v.change !== 'joined' && v.change !== 'left' && v.change !== 'lost')) return undefined;
  const member = person(v.member);
  return member === undefined ? undefined : { id: v.id, member, change: v.change, ts: v.ts };
}

const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/gif']);

function parseSource(v: unknown): CodeImageSource | undefined {
  if (!isRecord(v) || !isStr(v.code, MAX_TEXT) || !isStr(v.language, MAX_SHORT) || !isStr(v.path, MAX_PATH)) return undefined;
  if (!isNum(v.startLine) || !isNum(v.endLine)) return undefined;
  return { code: v.code, language: v.language, path: v.path, startLine: v.startLine, endLine: v.endLine };
}

/** Image bytes as the host posts them (a Uint8Array; an ArrayBuffer is accepted too). */
function parseBytes(v: unknown): Uint8Array | undefined {
  const bytes = v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : undefined;
  if (bytes === undefined || bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES_ACCEPTED) return undefined;
  return bytes;
}

/**
 * Flat finite points (a Float64Array as the host posts them; an array of numbers is accepted too),
 * simplified to the wire's limit when there are more.
 */
function parsePoints(v: unknown): Float64Array | undefined {
  if (!(v instanceof Float64Array) && !Array.isArray(v)) return undefined;
  const values = v as ArrayLike<unknown>;
  if (values.length < 2 || values.length % 2 !== 0 || values.length > MAX_STROKE_POINTS_ACCEPTED * 2) return undefined;
  for (let i = 0; i < values.length; i += 1) if (!isNum(values[i])) return undefined;
  const points = values as ArrayLike<number>;
  if (pointCount(points) > MAX_STROKE_POINTS) return Float64Array.from(simplifyStroke(points, STROKE_TOLERANCE, MAX_STROKE_POINTS));
  // A typed array came out of the message's structured clone: nothing else holds it, so it is kept
  // as it is (a view on a buffer shared with other strokes included).
  return points instanceof Float64Array ? points : Float64Array.from(points);
}

const isSize = (v: unknown): v is number => isNum(v) && v > 0;

export function parseBoardItem(v: unknown): BoardItem | undefined {
  if (!isRecord(v) || !isId(v.id) || !isNum(v.x) || !isNum(v.y)) return undefined;
  // `order` came with images and strokes; an item from a host without it is drawn first.
  if (v.order !== undefined && !isNum(v.order)) return undefined;
  const author = person(v.author);
  if (author === undefined) return undefined;
  const base = { id: v.id, author, x: v.x, y: v.y, order: isNum(v.order) ? v.order : 0 };
  switch (v.kind) {
    case 'note': {
      // Font, size and colour are checked again where they are used, with a default for bad values:
      // a note with an odd colour is still worth showing.
      if (!isStr(v.text, MAX_TEXT) || !isStr(v.font, MAX_SHORT) || !isNum(v.size) || !isStr(v.colour, MAX_SHORT)) return undefined;
      const note: BoardNote = { kind: 'note', ...base, text: v.text, font: v.font, size: v.size, colour: v.colour };
      return note;
    }
    case 'snippet': {
      if (!isStr(v.code, MAX_TEXT) || !isStr(v.language, MAX_SHORT) || !isStr(v.path, MAX_PATH)) return undefined;
      if (!isNum(v.startLine) || !isNum(v.endLine)) return undefined;
      const snippet: BoardSnippet = {
        kind: 'snippet',
        ...base,
        code: v.code,
        language: v.language,
        path: v.path,
        startLine: v.startLine,
        endLine: v.endLine,
      };
      return snippet;
    }
    case 'image': {
      const bytes = parseBytes(v.bytes);
      if (bytes === undefined || typeof v.mime !== 'string' || !IMAGE_MIMES.has(v.mime) || !isSize(v.width) || !isSize(v.height)) return undefined;
      const image: BoardImage = {
        kind: 'image',
        ...base,
        mime: v.mime as BoardImage['mime'],
        width: Math.min(v.width, MAX_ITEM_SIZE),
        height: Math.min(v.height, MAX_ITEM_SIZE),
        bytes,
      };
      // A malformed source only loses the "Copy Code" button, not the image.
      const source = v.source === undefined ? undefined : parseSource(v.source);
      if (source !== undefined) image.source = source;
      return image;
    }
    case 'stroke': {
      const points = parsePoints(v.points);
      if (points === undefined || !isSize(v.width) || !isStr(v.colour, MAX_SHORT)) return undefined;
      const stroke: BoardStroke = { kind: 'stroke', ...base, points, width: v.width, colour: v.colour };
      return stroke;
    }
    default:
      // A kind from a newer host is skipped, not an error.
      return undefined;
  }
}

/** Keeps the valid entries of an array, at most `max` (from the end when `newest`). */
export function parseList<T>(v: unknown, parse: (x: unknown) => T | undefined, max: number, newest = false): T[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: T[] = [];
  const source = newest ? v.slice(-max) : v.slice(0, max);
  for (const x of source) {
    const parsed = parse(x);
    if (parsed !== undefined) out.push(parsed);
  }
  return out;
}

/**
 * A snapshot's chat: the valid entries in time order (ties keep their order in the list), the
 * newest {@link MAX_SNAPSHOT_CHAT} of them.
 */
function parseChat(v: unknown): ChatEntry[] | undefined {
  const entries = parseList(v, parseChatEntry, MAX_SNAPSHOT_CHAT_SCANNED, true);
  if (entries === undefined) return undefined;
  // `sort` is stable, so entries of one time stay in the order they came.
  entries.sort((a, b) => a.ts - b.ts);
  return entries.slice(-MAX_SNAPSHOT_CHAT);
}

/** Checks one message from the host; undefined (with the reason) when it does not match. */
export function parseHostMessage(raw: unknown, onInvalid?: (reason: string) => void): HostToWebview | undefined {
  const fail = (reason: string): undefined => {
    onInvalid?.(reason);
    return undefined;
  };
  if (!isRecord(raw)) return fail('not an object');
  switch (raw.type) {
    case 'snapshot': {
      const session = parseSession(raw.session);
      const members = parseList(raw.members, parseMember, MAX_SNAPSHOT_MEMBERS);
      const chat = parseChat(raw.chat);
      const board = parseList(raw.board, parseBoardItem, MAX_SNAPSHOT_ITEMS);
      if (session === undefined || members === undefined || chat === undefined || board === undefined) return fail('bad snapshot');
      // From a host without join and leave lines there are none; a bad list loses the lines, not the snapshot.
      const presence = raw.presence === undefined ? [] : (parseList(raw.presence, parsePresenceLine, MAX_SNAPSHOT_CHAT, true) ?? []);
      // Where the board was looking when it was last open: an unusable one is left out.
      const view = readCamera(raw.view);
      return { type: 'snapshot', session, members, chat, board, presence, ...(view !== undefined && { view }) };
    }
    case 'session': {
      const session = parseSession(raw.session);
      return session === undefined ? fail('bad session') : { type: 'session', session };
    }
    case 'members': {
      const members = parseList(raw.members, parseMember, MAX_SNAPSHOT_MEMBERS);
      return members === undefined ? fail('bad members') : { type: 'members', members };
    }
    case 'chat': {
      const entry = parseChatEntry(raw.entry);
      return entry === undefined ? fail('bad chat entry') : { type: 'chat', entry };
    }
    case 'presence': {
      const line = parsePresenceLine(raw.line);
      return line === undefined ? fail('bad presence line') : { type: 'presence', line };
    }
    case 'chatDelivery': {
      const delivery = parseDelivery(raw.delivery);
      if (!isId(raw.id) || delivery === undefined) return fail('bad chatDelivery');
      return { type: 'chatDelivery', id: raw.id, delivery };
    }
    case 'boardItem': {
      const item = parseBoardItem(raw.item);
      return item === undefined ? fail('bad board item') : { type: 'boardItem', item };
    }
    case 'boardRemove':
      return isId(raw.id) ? { type: 'boardRemove', id: raw.id } : fail('bad boardRemove');
    case 'error': {
      if (!isStr(raw.message, MAX_TEXT)) return fail('bad error');
      if (raw.unsent !== undefined && !isStr(raw.unsent, MAX_TEXT)) return fail('bad error.unsent');
      const error: Extract<HostToWebview, { type: 'error' }> = { type: 'error', message: raw.message };
      if (raw.unsent !== undefined) error.unsent = raw.unsent as string;
      if (raw.context === 'chat' || raw.context === 'board') error.context = raw.context;
      return error;
    }
    case 'renderCodeImage': {
      const source = parseSource(raw.source);
      if (!isId(raw.requestId) || source === undefined || !isCodeTheme(raw.theme)) return fail('bad renderCodeImage');
      return { type: 'renderCodeImage', requestId: raw.requestId, source, theme: raw.theme };
    }
    case 'reveal':
      if (!isId(raw.id) || (raw.confirmation !== undefined && !isStr(raw.confirmation, MAX_NAME))) return fail('bad reveal');
      return { type: 'reveal', id: raw.id, ...(typeof raw.confirmation === 'string' && { confirmation: raw.confirmation }) };
    case 'showMember': {
      const member = person(raw.member);
      return member === undefined ? fail('bad showMember') : { type: 'showMember', member };
    }
    case 'snippetStatus': {
      if (!Array.isArray(raw.statuses) || raw.statuses.length > MAX_SNAPSHOT_ITEMS) return fail('bad snippetStatus');
      const statuses = (raw.statuses as unknown[]).map(parseSnippetStatus).filter((s) => s !== undefined);
      return { type: 'snippetStatus', statuses };
    }
    case 'batch': {
      if (!Array.isArray(raw.messages) || raw.messages.length > MAX_BATCH_MESSAGES) return fail('bad batch');
      // Each delta is checked as if it came alone: a bad one is dropped, the rest apply.
      const messages: BatchedDelta[] = [];
      for (const inner of raw.messages as unknown[]) {
        if (!isRecord(inner) || !BATCHED_TYPES.has(inner.type)) {
          fail('a batch may carry only session deltas');
          continue;
        }
        const delta = parseHostMessage(inner, onInvalid);
        if (delta !== undefined) messages.push(delta as BatchedDelta);
      }
      return { type: 'batch', messages };
    }
    case 'historyTimeline': {
      const timeline = parseHistoryTimeline(raw.timeline);
      return timeline === undefined ? fail('bad historyTimeline') : { type: 'historyTimeline', timeline };
    }
    case 'historyState': {
      const state = parseHistoryState(raw.state);
      return state === undefined ? fail('bad historyState') : { type: 'historyState', state };
    }
    default:
      return fail('unknown message type');
  }
}

const SNIPPET_STATUSES: ReadonlySet<unknown> = new Set<SnippetStatus['status']>(['same', 'changed', 'ambiguous', 'gone', 'missing', 'unreadable']);

/** One card's status; a bad one is dropped, not the message. */
function parseSnippetStatus(raw: unknown): SnippetStatus | undefined {
  if (!isRecord(raw) || !isId(raw.id) || !SNIPPET_STATUSES.has(raw.status)) return undefined;
  const status: SnippetStatus = { id: raw.id, status: raw.status as SnippetStatus['status'] };
  if (isCount(raw.startLine) && isCount(raw.endLine) && raw.startLine >= 1 && raw.endLine >= raw.startLine) {
    status.startLine = raw.startLine;
    status.endLine = raw.endLine;
  }
  return status;
}

const BATCHED_TYPES: ReadonlySet<unknown> = new Set<BatchedDelta['type']>(['session', 'members', 'chat', 'presence', 'chatDelivery', 'boardItem', 'boardRemove']);
