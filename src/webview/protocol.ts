/**
 * The messages between the extension host and the board webview, both ways, as discriminated
 * unions on `type`. Host and webview import only from here. Everything a webview sends is checked
 * again by the host with {@link parseWebviewMessage}: the webview shows data that came from other
 * peers, so it is not trusted.
 */
import {
  BOARD_EXTENT,
  COLOUR_PATTERN,
  FONT_PATTERN,
  MAX_IMAGE_BYTES,
  MAX_ITEM_SIZE,
  MAX_NOTE_SIZE,
  MAX_NOTE_TEXT,
  MAX_PEN_WIDTH,
  MAX_STROKE_POINTS,
  MIN_NOTE_SIZE,
  MIN_PEN_WIDTH,
} from '../board/limits';

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

/** Fields every board item has. */
export interface BoardItemBase {
  id: string;
  /** Who added the item. */
  author: { id: string; name: string };
  /** Board position of the item's top-left corner, in board units (CSS pixels at zoom 1). */
  x: number;
  y: number;
  /**
   * Stacking order, the same on every member's board: items with a larger `order` are drawn on
   * top. (The Lamport clock of the item's addition, ties broken by author id.)
   */
  order: number;
}

export interface BoardNote extends BoardItemBase {
  kind: 'note';
  text: string;
  /** CSS font family list of plain names, e.g. `sans-serif`. */
  font: string;
  /** Font size in board units. */
  size: number;
  /** `#rrggbb`. */
  colour: string;
}

export interface BoardSnippet extends BoardItemBase {
  kind: 'snippet';
  code: string;
  /** VS Code language id. */
  language: string;
  /** Workspace-relative path with forward slashes. */
  path: string;
  startLine: number;
  endLine: number;
}

/** The source a "Share Selection as Image" PNG carries in its text chunks. */
export interface CodeImageSource {
  code: string;
  language: string;
  path: string;
  startLine: number;
  endLine: number;
}

export interface BoardImage extends BoardItemBase {
  kind: 'image';
  mime: 'image/png' | 'image/jpeg' | 'image/gif';
  /** Displayed size in board units. */
  width: number;
  height: number;
  /** The checked image bytes (shown through a `blob:` URL). */
  bytes: Uint8Array;
  /** Present when the image is shared code: the text can be copied back out. */
  source?: CodeImageSource;
}

export interface BoardStroke extends BoardItemBase {
  kind: 'stroke';
  /** Points relative to the board origin, flat: x0, y0, x1, y1, … (`x`/`y` is the top-left of their bounds). */
  points: number[];
  /** Pen width in board units. */
  width: number;
  /** `#rrggbb`. */
  colour: string;
}

export type BoardItem = BoardNote | BoardSnippet | BoardImage | BoardStroke;

/** Host -> webview. `snapshot` answers `ready`; the others are deltas. */
export type HostToWebview =
  | { type: 'snapshot'; session: SessionView; members: MemberView[]; chat: ChatEntry[]; board: BoardItem[] }
  | { type: 'session'; session: SessionView }
  | { type: 'members'; members: MemberView[] }
  | { type: 'chat'; entry: ChatEntry }
  /** Adds an item, or replaces the item with the same id. */
  | { type: 'boardItem'; item: BoardItem }
  | { type: 'boardRemove'; id: string }
  /**
   * Something the user asked for failed; shown in the panel, next to what they typed. `unsent` is
   * the chat text that was not sent, handed back so that nothing the user typed is lost.
   * `context` says where to show it: under the chat input, or on the board (a failed board action).
   */
  | { type: 'error'; message: string; unsent?: string; context?: 'chat' | 'board' }
  /**
   * Render highlighted code to a PNG (for "Share Selection as Image"); answered by `codeImage` or
   * `codeImageFailed` with the same `requestId`. Rendering happens in the webview because it has
   * real fonts and a canvas; the system clipboard is never involved.
   */
  | { type: 'renderCodeImage'; requestId: string; source: CodeImageSource; theme: 'dark' | 'light' }
  /** Scroll and zoom so that the item is in view (after "Open" elsewhere, or a search). */
  | { type: 'reveal'; id: string };

/** Webview -> host. */
export type WebviewToHost =
  | { type: 'ready' }
  /** Chat to the group, or to one member when `to` (a member id) is set. */
  | { type: 'sendChat'; text: string; to?: string }
  /** Add a text note at a board position (the host picks font, size and colour defaults when absent). */
  | { type: 'addNote'; text: string; x: number; y: number; font?: string; size?: number; colour?: string }
  /** Change a note's text and/or style. */
  | { type: 'editNote'; id: string; text?: string; font?: string; size?: number; colour?: string }
  /** Move an item (and, for images, resize it). Strokes cannot be moved: the wire has no stroke move. */
  | { type: 'moveItem'; id: string; x: number; y: number; width?: number; height?: number }
  | { type: 'deleteItem'; id: string }
  /**
   * Add an image the user pasted or dropped, already checked and downscaled by the panel (the
   * host checks again: type from magic bytes, size and pixel dimensions).
   */
  | { type: 'addImage'; bytes: Uint8Array; x: number; y: number; width: number; height: number }
  /** A finished freehand stroke: flat absolute board points x0, y0, x1, y1, … */
  | { type: 'addStroke'; points: number[]; width: number; colour: string }
  /** Open the snippet's file at its lines in this member's own workspace. */
  | { type: 'openSnippet'; id: string }
  /** Copy an item's text to the clipboard: a note's text, a snippet's code, a code image's source. */
  | { type: 'copyText'; id: string }
  /** The PNG asked for by `renderCodeImage`. */
  | { type: 'codeImage'; requestId: string; png: Uint8Array }
  | { type: 'codeImageFailed'; requestId: string; message: string }
  /** Run "Join Group…" (the panel shows a button when not joined). */
  | { type: 'joinGroup' };

/** Longest chat text the panel may send, in characters (the wire allows 16,000 code points). */
export const MAX_CHAT_INPUT = 16_000;
/** Longest note text the panel may send, in characters. */
export const MAX_NOTE_INPUT = MAX_NOTE_TEXT;
/** Longest id the panel may send. */
const MAX_ID = 128;

const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID;
const isCoordinate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= BOARD_EXTENT;
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_ITEM_SIZE;

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
  const only = (...allowed: string[]): boolean => keys.every((k) => k === 'type' || allowed.includes(k));
  const style = (): { font?: string; size?: number; colour?: string } | string => {
    const out: { font?: string; size?: number; colour?: string } = {};
    if (m.font !== undefined) {
      if (typeof m.font !== 'string' || !FONT_PATTERN.test(m.font)) return 'font must be a plain font family name';
      out.font = m.font;
    }
    if (m.size !== undefined) {
      if (typeof m.size !== 'number' || !(m.size >= MIN_NOTE_SIZE && m.size <= MAX_NOTE_SIZE)) return `size must be ${MIN_NOTE_SIZE} to ${MAX_NOTE_SIZE}`;
      out.size = m.size;
    }
    if (m.colour !== undefined) {
      if (typeof m.colour !== 'string' || !COLOUR_PATTERN.test(m.colour)) return 'colour must be #rrggbb';
      out.colour = m.colour;
    }
    return out;
  };
  switch (m.type) {
    case 'ready':
    case 'joinGroup':
      return only() ? { type: m.type } : fail(`unexpected fields in ${m.type}`);
    case 'sendChat':
      if (!only('text', 'to')) return fail('unexpected fields in sendChat');
      if (!isString(m.text, MAX_CHAT_INPUT) || m.text.trim() === '') return fail('sendChat.text must be 1 to 16,000 characters');
      if (m.to !== undefined && !isId(m.to)) return fail('sendChat.to must be a member id');
      return m.to === undefined ? { type: 'sendChat', text: m.text } : { type: 'sendChat', text: m.text, to: m.to };
    case 'addNote': {
      if (!only('text', 'x', 'y', 'font', 'size', 'colour')) return fail('unexpected fields in addNote');
      if (!isString(m.text, MAX_NOTE_INPUT)) return fail('addNote.text must be at most 20,000 characters');
      if (!isCoordinate(m.x) || !isCoordinate(m.y)) return fail('addNote.x and .y must be finite board coordinates');
      const s = style();
      if (typeof s === 'string') return fail(`addNote.${s}`);
      return { type: 'addNote', text: m.text, x: m.x, y: m.y, ...s };
    }
    case 'editNote': {
      if (!only('id', 'text', 'font', 'size', 'colour')) return fail('unexpected fields in editNote');
      if (!isId(m.id)) return fail('editNote.id must be an item id');
      if (m.text !== undefined && !isString(m.text, MAX_NOTE_INPUT)) return fail('editNote.text must be at most 20,000 characters');
      const s = style();
      if (typeof s === 'string') return fail(`editNote.${s}`);
      return m.text === undefined ? { type: 'editNote', id: m.id, ...s } : { type: 'editNote', id: m.id, text: m.text as string, ...s };
    }
    case 'moveItem': {
      if (!only('id', 'x', 'y', 'width', 'height')) return fail('unexpected fields in moveItem');
      if (!isId(m.id) || !isCoordinate(m.x) || !isCoordinate(m.y)) return fail('moveItem needs an id and board coordinates');
      if ((m.width === undefined) !== (m.height === undefined)) return fail('moveItem.width and .height go together');
      if (m.width !== undefined && (!isSize(m.width) || !isSize(m.height))) return fail('moveItem.width and .height must be positive sizes');
      const move: WebviewToHost = { type: 'moveItem', id: m.id, x: m.x, y: m.y };
      if (m.width !== undefined) Object.assign(move, { width: m.width, height: m.height });
      return move;
    }
    case 'deleteItem':
    case 'openSnippet':
    case 'copyText':
      if (!only('id') || !isId(m.id)) return fail(`${m.type} needs exactly an item id`);
      return { type: m.type, id: m.id };
    case 'addImage':
      if (!only('bytes', 'x', 'y', 'width', 'height')) return fail('unexpected fields in addImage');
      if (!(m.bytes instanceof Uint8Array) || m.bytes.length === 0 || m.bytes.length > MAX_IMAGE_BYTES) return fail(`addImage.bytes must be 1 byte to ${MAX_IMAGE_BYTES} bytes`);
      if (!isCoordinate(m.x) || !isCoordinate(m.y) || !isSize(m.width) || !isSize(m.height)) return fail('addImage needs board coordinates and a positive size');
      return { type: 'addImage', bytes: m.bytes, x: m.x, y: m.y, width: m.width, height: m.height };
    case 'addStroke': {
      if (!only('points', 'width', 'colour')) return fail('unexpected fields in addStroke');
      const points = m.points;
      if (!Array.isArray(points) || points.length < 2 || points.length % 2 !== 0 || points.length > MAX_STROKE_POINTS * 2) {
        return fail(`addStroke.points must hold 1 to ${MAX_STROKE_POINTS} x, y pairs`);
      }
      if (!points.every(isCoordinate)) return fail('addStroke.points must be board coordinates');
      if (typeof m.width !== 'number' || !(m.width >= MIN_PEN_WIDTH && m.width <= MAX_PEN_WIDTH)) return fail(`addStroke.width must be ${MIN_PEN_WIDTH} to ${MAX_PEN_WIDTH}`);
      if (typeof m.colour !== 'string' || !COLOUR_PATTERN.test(m.colour)) return fail('addStroke.colour must be #rrggbb');
      return { type: 'addStroke', points: points as number[], width: m.width, colour: m.colour };
    }
    case 'codeImage':
      if (!only('requestId', 'png') || !isId(m.requestId)) return fail('codeImage needs a requestId and png');
      if (!(m.png instanceof Uint8Array) || m.png.length === 0 || m.png.length > MAX_IMAGE_BYTES) return fail(`codeImage.png must be 1 byte to ${MAX_IMAGE_BYTES} bytes`);
      return { type: 'codeImage', requestId: m.requestId, png: m.png };
    case 'codeImageFailed':
      if (!only('requestId', 'message') || !isId(m.requestId) || !isString(m.message, 1000)) return fail('codeImageFailed needs a requestId and a message');
      return { type: 'codeImageFailed', requestId: m.requestId, message: m.message };
    default:
      return fail(`unknown message type ${JSON.stringify(m.type)}`);
  }
}

/** Compile-time exhaustiveness check for `switch (msg.type)`. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
