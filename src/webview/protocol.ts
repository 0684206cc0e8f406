/**
 * The messages between the extension host and the board webview, both ways, as discriminated
 * unions on `type`. Host and webview import their shapes only from here. Everything a webview sends
 * is checked again by the host (`webviewMessageChecks.ts`): the webview shows data that came from
 * other peers, so it is not trusted.
 */
import { MAX_NOTE_TEXT } from '../board/limits';
import type { CodeTheme } from '../board/codeTheme';

/** What the panel shows about the session. */
export interface SessionView {
  state: 'idle' | 'joining' | 'joined';
  group?: string;
  /** This member. */
  self?: { id: string; name: string };
  /** `host:port` of the repository in use. */
  repository?: string;
  /**
   * Set while joined: `password` when the group has a password; `open` when it has none (links are
   * still encrypted, but anyone on the network who knows the group name can join).
   */
  security?: 'password' | 'open';
  /** While history is being caught up from the members: how many messages have arrived so far. */
  catchUp?: { received: number };
}

export interface MemberView {
  id: string;
  name: string;
  /** Short fingerprint of the member's key (`xxxx-xxxx`): tells two members of one name apart. */
  fingerprint?: string;
  /** Connected right now. */
  online: boolean;
  /** Not connected, and being dialed again (its link dropped without a goodbye). */
  reconnecting?: boolean;
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
  /**
   * On own messages: how many of the members it was sent to hold it (`of` is how many there were).
   * Shown as "delivered to 3 of 4", then a check once `delivered === of`.
   */
  delivery?: ChatDelivery;
}

/**
 * A line in the chat that is not a message: a member joined, left, or was lost (reconnecting gave
 * up). Made by this member's host from the member list, never sent on the wire; its id is not a
 * wire id (it holds a `:`), so it can never be mistaken for a message.
 */
export interface PresenceLine {
  id: string;
  member: { id: string; name: string };
  change: 'joined' | 'left' | 'lost';
  /** Milliseconds since the Unix epoch. */
  ts: number;
}

/** How far an own chat message has reached. */
export interface ChatDelivery {
  delivered: number;
  of: number;
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
  /**
   * Points relative to the board origin, flat: x0, y0, x1, y1, … (`x`/`y` is the top-left of their
   * bounds). A typed array: posting a message copies one in a single step, where an array of
   * numbers costs a step per number (20,000 items hold about two million of them).
   */
  points: Float64Array;
  /** Pen width in board units. */
  width: number;
  /** `#rrggbb`. */
  colour: string;
}

export type BoardItem = BoardNote | BoardSnippet | BoardImage | BoardStroke;

/** Host -> webview. `snapshot` answers `ready`; the others are deltas. */
export type HostToWebview =
  | { type: 'snapshot'; session: SessionView; members: MemberView[]; chat: ChatEntry[]; board: BoardItem[]; presence?: PresenceLine[]; view?: ViewCamera }
  | { type: 'session'; session: SessionView }
  | { type: 'members'; members: MemberView[] }
  /** A chat entry to add, in time order (catch-up brings older ones); an entry whose id is already shown is ignored. */
  | { type: 'chat'; entry: ChatEntry }
  /** A member joined or left since this member joined: a line in the chat, in time order. */
  | { type: 'presence'; line: PresenceLine }
  /** An own message reached more members. */
  | { type: 'chatDelivery'; id: string; delivery: ChatDelivery }
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
   * real fonts and a canvas; the system clipboard is never involved. `theme` is the editor's theme
   * kind, whose default theme's colours the image is drawn in.
   */
  | { type: 'renderCodeImage'; requestId: string; source: CodeImageSource; theme: CodeTheme }
  /** Scroll and zoom so that the item is in view (after "Open" elsewhere, or a search). */
  /** `confirmation`, when set, is shown briefly on the board (the host's words: "Shared to the board"). */
  | { type: 'reveal'; id: string; confirmation?: string }
  /** Fit the view to the member's items and highlight them; the board says so when there are none. */
  | { type: 'showMember'; member: { id: string; name: string } }
  /**
   * Deltas that came in a burst (a catch-up page, a busy class), applied in order and drawn once: one
   * message instead of one per item, so a newcomer's thousands of items do not queue up as thousands
   * of messages between the extension host and the board.
   */
  | { type: 'batch'; messages: BatchedDelta[] }
  /** Answers `historyOpen`: how many steps the board's history has, and whose they are (docs/history.md, *Time travel*). */
  | { type: 'historyTimeline'; timeline: HistoryTimelineView }
  /** Answers `historyAt`: the board as it was after that step. */
  | { type: 'historyState'; state: HistoryStateView }
  /**
   * How snippet cards' code stands in this member's own checkout, for the cards listed (a card not
   * listed keeps its last status). Sent once the files are checked: after a snapshot, when a card
   * arrives, when the member's files change.
   */
  | { type: 'snippetStatus'; statuses: SnippetStatus[] };

/** The board's history as the time-travel slider needs it: its length and the authors of its items. */
export interface HistoryTimelineView {
  /** Steps: the slider runs from 0 (the empty board) to `steps` (the board when the history was opened). */
  steps: number;
  /** When the first and the last step were made (ms since the Unix epoch, the authors' clocks); absent for an empty history. */
  first?: number;
  last?: number;
  /** Every member who added an item in the history, for the layer checkboxes. */
  authors: { id: string; name: string; fingerprint: string }[];
}

/** The board after one step of the history. */
export interface HistoryStateView {
  step: number;
  /** The message of the step (absent at step 0): who did what, and when by the author's clock (ms since the Unix epoch). */
  change?: { author: { id: string; name: string }; ts: number; kind: BoardItem['kind']; op: 'add' | 'move' | 'edit' | 'delete' };
  /** The items then, in stacking order (all authors: the panel hides layers itself). */
  items: BoardItem[];
  /** Ids of the notes among `items` that are deleted now: the ones "Restore this item" may bring back. */
  restorable: string[];
}

/**
 * A snippet card's code in this member's checkout: `same` (as shared, perhaps at other lines),
 * `changed` (edited since shared), `ambiguous` (several places fit), `gone` (not found in the file),
 * `missing` (no such file in the workspace), `unreadable` (refused: too big, binary, outside).
 * `startLine`/`endLine`: where it is now, when it is in one place.
 */
export interface SnippetStatus {
  id: string;
  status: 'same' | 'changed' | 'ambiguous' | 'gone' | 'missing' | 'unreadable';
  startLine?: number;
  endLine?: number;
}

/** The host messages a batch may carry: the deltas of the session's state. */
export type BatchedDelta = Extract<HostToWebview, { type: 'session' | 'members' | 'chat' | 'presence' | 'chatDelivery' | 'boardItem' | 'boardRemove' }>;

/** Most deltas in one batch; the host sends a longer burst as several. */
export const MAX_BATCH_MESSAGES = 1000;

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
  | { type: 'joinGroup' }
  /** Open a link from a chat message (http or https only), through VS Code's opener and its confirmation. */
  | { type: 'openLink'; url: string }
  /**
   * Open a code location from a chat message (`path:line`, `path:start-end`) in this member's own
   * checkout; `code` is the quoted block after it, when there was one, to find the code where it is now.
   */
  | { type: 'openCode'; path: string; startLine: number; endLine: number; code?: string }
  /**
   * The board rectangle in view (board units) and the zoom, once panning and zooming settle: the
   * host places items it adds where the user is looking, and opens the board there again.
   */
  | { type: 'viewport'; x: number; y: number; width: number; height: number; zoom: number }
  /** Open the board's history (answered by `historyTimeline`); the host holds it until `historyClose`. */
  | { type: 'historyOpen' }
  /** The board after `step` of the opened history (answered by `historyState`). */
  | { type: 'historyAt'; step: number }
  | { type: 'historyClose' }
  /** Bring back a note deleted since `step`: added again now, as a new note of this member, with the content it had then. */
  | { type: 'restoreItem'; step: number; id: string };

/** Longest chat text the panel may send, in characters (the wire allows 16,000 code points). */
export const MAX_CHAT_INPUT = 16_000;
/** Longest note text the panel may send, in characters. */
export const MAX_NOTE_INPUT = MAX_NOTE_TEXT;
/** Longest reason a failed code image may carry (the panel cuts its reason to this). */
export const MAX_FAILURE_TEXT = 1000;
/** The board's zoom range: screen pixels per board unit. */
export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 4;

/**
 * Where the board looks: the board point at the centre of the viewport, and the zoom. The centre
 * rather than a corner: a panel opened again at another size shows the same things.
 */
export interface ViewCamera {
  x: number;
  y: number;
  zoom: number;
}
/**
 * Ids the panel sends back (items, members, code image requests): the wire's id rule
 * (src/net/xmlCodec.ts), so an id the network would refuse never gets as far as the session.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** Compile-time exhaustiveness check for `switch (msg.type)`. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
