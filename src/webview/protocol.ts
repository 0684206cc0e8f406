/**
 * The messages between the extension host and the board webview, both ways, as discriminated
 * unions on `type`. Host and webview import only from here. Everything a webview sends is checked
 * again by the host with {@link parseWebviewMessage}: the webview shows data that came from other
 * peers, so it is not trusted.
 */

/** What the panel shows about the session. */
export interface SessionView {
  state: 'idle' | 'joining' | 'joined';
  group?: string;
  /** This member. */
  self?: { id: string; name: string };
  /** `host:port` of the repository in use. */
  repository?: string;
}

export interface MemberView {
  id: string;
  name: string;
  /** Connected right now. */
  online: boolean;
}

export interface ChatEntry {
  /** Message id. */
  id: string;
  from: { id: string; name: string };
  text: string;
  /** Milliseconds since the Unix epoch. */
  ts: number;
  /** Sent by this member. */
  own: boolean;
  /** For a direct message: the one recipient (for own messages) or this member (for received ones). */
  to?: { id: string; name: string };
}

export interface BoardNote {
  kind: 'note';
  id: string;
  author: { id: string; name: string };
  text: string;
  font: string;
  size: number;
  colour: string;
  x: number;
  y: number;
}

export interface BoardSnippet {
  kind: 'snippet';
  id: string;
  author: { id: string; name: string };
  code: string;
  language: string;
  /** Workspace-relative path with forward slashes. */
  path: string;
  startLine: number;
  endLine: number;
  x: number;
  y: number;
}

export type BoardItem = BoardNote | BoardSnippet;

/** Host -> webview. `snapshot` answers `ready`; the others are deltas. */
export type HostToWebview =
  | { type: 'snapshot'; session: SessionView; members: MemberView[]; chat: ChatEntry[]; board: BoardItem[] }
  | { type: 'session'; session: SessionView }
  | { type: 'members'; members: MemberView[] }
  | { type: 'chat'; entry: ChatEntry }
  | { type: 'boardItem'; item: BoardItem }
  | { type: 'boardRemove'; id: string }
  /**
   * Something the user asked for failed; shown in the panel, next to what they typed. `unsent` is
   * the chat text that was not sent, handed back so that nothing the user typed is lost.
   */
  | { type: 'error'; message: string; unsent?: string };

/** Webview -> host. */
export type WebviewToHost =
  | { type: 'ready' }
  /** Chat to the group, or to one member when `to` (a member id) is set. */
  | { type: 'sendChat'; text: string; to?: string }
  /** Add a text note at a board position (the host picks font and colour defaults when absent). */
  | { type: 'addNote'; text: string; x: number; y: number }
  /** Run "Join Group…" (the panel shows a button when not joined). */
  | { type: 'joinGroup' };

/** Longest chat text the panel may send, in characters (the wire allows 16,000 code points). */
export const MAX_CHAT_INPUT = 16_000;
/** Longest note text the panel may send, in characters. */
export const MAX_NOTE_INPUT = 20_000;

const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isCoordinate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e9;

/**
 * Checks a message from the webview at run time. Returns it typed, or undefined (with the reason in
 * `onInvalid`) when it does not match the protocol.
 */
export function parseWebviewMessage(raw: unknown, onInvalid?: (reason: string) => void): WebviewToHost | undefined {
  const fail = (reason: string): undefined => {
    onInvalid?.(reason);
    return undefined;
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('not an object');
  const m = raw as Record<string, unknown>;
  const keys = Object.keys(m);
  const only = (...allowed: string[]): boolean => keys.every((k) => allowed.includes(k));
  switch (m.type) {
    case 'ready':
    case 'joinGroup':
      return only('type') ? { type: m.type } : fail(`unexpected fields in ${m.type}`);
    case 'sendChat':
      if (!only('type', 'text', 'to')) return fail('unexpected fields in sendChat');
      if (!isString(m.text, MAX_CHAT_INPUT) || m.text.trim() === '') return fail('sendChat.text must be 1 to 16,000 characters');
      if (m.to !== undefined && !isString(m.to, 64)) return fail('sendChat.to must be a member id');
      return m.to === undefined ? { type: 'sendChat', text: m.text } : { type: 'sendChat', text: m.text, to: m.to as string };
    case 'addNote':
      if (!only('type', 'text', 'x', 'y')) return fail('unexpected fields in addNote');
      if (!isString(m.text, MAX_NOTE_INPUT)) return fail('addNote.text must be at most 20,000 characters');
      if (!isCoordinate(m.x) || !isCoordinate(m.y)) return fail('addNote.x and .y must be finite numbers');
      return { type: 'addNote', text: m.text, x: m.x, y: m.y };
    default:
      return fail(`unknown message type ${JSON.stringify(m.type)}`);
  }
}

/** Compile-time exhaustiveness check for `switch (msg.type)`. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
