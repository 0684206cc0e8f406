/**
 * Run-time checks on the time-travel messages from the host (`historyTimeline`, `historyState`),
 * like the rest of hostMessages.ts: each accepted value is rebuilt from its known fields, and what
 * does not match is dropped so that the slider never renders bad data.
 */
import type { BoardItem, HistoryStateView, HistoryTimelineView } from '../protocol';
import { MAX_SNAPSHOT_ITEMS, MAX_SNAPSHOT_MEMBERS, parseBoardItem, parseList } from './hostMessages';

/** Most steps a history may have as the panel sees it (the host keeps at most 200,000 messages). */
export const MAX_HISTORY_STEPS = 1_000_000;

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStep = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_HISTORY_STEPS;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isShort = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const KINDS: ReadonlySet<unknown> = new Set<BoardItem['kind']>(['note', 'snippet', 'image', 'stroke']);
const OPS: ReadonlySet<unknown> = new Set(['add', 'move', 'edit', 'delete']);

function parseAuthor(v: unknown): HistoryTimelineView['authors'][number] | undefined {
  if (!isRecord(v) || !isShort(v.id, 128) || typeof v.name !== 'string' || v.name.length > 256 || !isShort(v.fingerprint, 64)) return undefined;
  return { id: v.id, name: v.name, fingerprint: v.fingerprint };
}

export function parseHistoryTimeline(v: unknown): HistoryTimelineView | undefined {
  if (!isRecord(v) || !isStep(v.steps)) return undefined;
  const authors = parseList(v.authors, parseAuthor, MAX_SNAPSHOT_MEMBERS);
  if (authors === undefined) return undefined;
  const timeline: HistoryTimelineView = { steps: v.steps, authors };
  if (isTime(v.first) && isTime(v.last)) Object.assign(timeline, { first: v.first, last: v.last });
  return timeline;
}

export function parseHistoryState(v: unknown): HistoryStateView | undefined {
  if (!isRecord(v) || !isStep(v.step)) return undefined;
  const items = parseList(v.items, parseBoardItem, MAX_SNAPSHOT_ITEMS);
  const restorable = parseList(v.restorable, (id) => (isShort(id, 128) ? id : undefined), MAX_SNAPSHOT_ITEMS);
  if (items === undefined || restorable === undefined) return undefined;
  const state: HistoryStateView = { step: v.step, items, restorable };
  const change = v.change;
  if (change !== undefined) {
    if (!isRecord(change) || !isRecord(change.author) || !isShort(change.author.id, 128) || typeof change.author.name !== 'string' || change.author.name.length > 256) return undefined;
    if (!isTime(change.ts) || !KINDS.has(change.kind) || !OPS.has(change.op)) return undefined;
    state.change = { author: { id: change.author.id, name: change.author.name }, ts: change.ts, kind: change.kind as BoardItem['kind'], op: change.op as 'add' };
  }
  return state;
}
