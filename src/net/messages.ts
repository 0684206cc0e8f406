/**
 * The typed messages of the Team Notes wire protocol. `xmlCodec.ts` turns them into XML documents
 * and back; everything above the codec works only with these types. `docs/protocol.md` shows each
 * one as it travels.
 */

/** The protocol version this code speaks. */
export const PROTOCOL_VERSION = '1';

/** Fields every message carries. */
export interface Envelope {
  /** Protocol version, {@link PROTOCOL_VERSION}. */
  v: string;
  /** Unique id of this message (URL-safe base64, 8–64 characters). */
  id: string;
  /** Peer id of the sender (URL-safe base64, 8–64 characters). The repository uses its own id. */
  from: string;
  /** Group name. */
  group: string;
  /**
   * On chat and board messages to the group: the author's log number, 1 for its first such message
   * in the group and +1 for each one after, for ever (across restarts), so that (`from`, `seq`)
   * names one message. On every other message: a per-session counter with no meaning beyond order.
   */
  seq: number;
  /** When the sender created the message, in milliseconds since the Unix epoch. */
  ts: number;
  /**
   * On chat and board messages to the group: the SHA-256 of the canonical bytes of the author's
   * message numbered `seq - 1` (absent on the first, and when the author no longer holds it). The
   * signature covers it, so one verified signature proves the author's earlier messages as a chain
   * (see `signing.ts`).
   */
  prev?: string;
  /**
   * The author's Ed25519 signature over the message's canonical bytes (see `signing.ts`), as URL-safe
   * base64. Present on chat and board messages, absent on the rest.
   */
  sig?: string;
}

/** A member as the repository describes it: where other members reach it. */
export interface MemberInfo {
  id: string;
  name: string;
  /** Host or IP address other members connect to. */
  host: string;
  /** TCP port of the member's listener. */
  port: number;
}

/** A point on the board, in board units (CSS pixels at zoom 1). */
export interface Point {
  x: number;
  y: number;
}

/** Peer -> repository: join `group` under `name`, reachable on `port` (and `host`, when given). */
export interface RegisterMessage extends Envelope {
  type: 'register';
  name: string;
  port: number;
  /** Host other members should use; when absent the repository uses the address it saw. */
  host?: string;
}

/** Repository -> peer: the members of the group: the full list, or who joined or left. */
export interface PeersMessage extends Envelope {
  type: 'peers';
  /** `snapshot`: the answer to `register` (members other than the newcomer); `joined` / `left`: a change. */
  event: 'snapshot' | 'joined' | 'left';
  /** On a snapshot page: more pages follow (a long member list travels in as many frames as it needs). */
  more?: 'true';
  members: MemberInfo[];
}

/** Peer -> repository: leave the group. */
export interface UnregisterMessage extends Envelope {
  type: 'unregister';
}

/** Peer -> peer, first message on a new member connection, answered by the receiver's own hello. */
export interface HelloMessage extends Envelope {
  type: 'hello';
  name: string;
  /** TCP port of the sender's listener. */
  port: number;
}

/** Peer -> peer: the sender leaves the group. */
export interface ByeMessage extends Envelope {
  type: 'bye';
}

/** Liveness probe on a quiet connection. */
export interface PingMessage extends Envelope {
  type: 'ping';
}

/** Answer to a ping. */
export interface PongMessage extends Envelope {
  type: 'pong';
  /** Id of the ping answered. */
  re: string;
}

/** A chat message to the group, or to one member when `to` is set. */
export interface ChatMessage extends Envelope {
  type: 'chat';
  text: string;
  /** Peer id of the one recipient of a direct message. */
  to?: string;
}

/** Lamport clock and item id shared by every board message. */
export interface BoardItemFields {
  /** Id of the board item this message adds or changes. */
  item: string;
  /** Lamport clock of the change; ties are broken by the sender's peer id. */
  clock: number;
}

/** Add, move, edit or delete a text note. Fields not relevant to `op` are absent. */
export interface NoteMessage extends Envelope, BoardItemFields {
  type: 'note';
  op: 'add' | 'move' | 'edit' | 'delete';
  text?: string;
  /** CSS font family name, e.g. `sans-serif`. */
  font?: string;
  /** Font size in board units. */
  size?: number;
  /** `#rrggbb`. */
  colour?: string;
  x?: number;
  y?: number;
}

/** MIME types of board images. */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif';

/**
 * Add, move or delete an image. On `add` the image's bytes follow in the next frame, a binary
 * frame of exactly `bytes` bytes whose SHA-256 is `sha256`.
 */
export interface ImageMessage extends Envelope, BoardItemFields {
  type: 'image';
  op: 'add' | 'move' | 'delete';
  x?: number;
  y?: number;
  /** Displayed size in board units. */
  width?: number;
  height?: number;
  mime?: ImageMime;
  /** Length of the binary frame that follows, in bytes. */
  bytes?: number;
  /** Lower-case hex SHA-256 of those bytes. */
  sha256?: string;
}

/** Add or delete a freehand stroke. */
export interface StrokeMessage extends Envelope, BoardItemFields {
  type: 'stroke';
  op: 'add' | 'delete';
  points?: Point[];
  /** Pen width in board units. */
  width?: number;
  /** `#rrggbb`. */
  colour?: string;
}

/** Add, move or delete a code snippet card. */
export interface SnippetMessage extends Envelope, BoardItemFields {
  type: 'snippet';
  op: 'add' | 'move' | 'delete';
  code?: string;
  /** VS Code language id, e.g. `typescript`. */
  language?: string;
  /** Workspace-relative path with forward slashes. */
  path?: string;
  /** First and last line, 1-based, inclusive. */
  startLine?: number;
  endLine?: number;
  x?: number;
  y?: number;
}

/**
 * A note pinned to lines of code, and its thread (`docs/anchors.md`). `add` carries the note and
 * the code anchor: the repository-relative `path`, the anchored `startLine`..`endLine` and `code`,
 * the anchored lines with `above` lines of context before them and `below` after, joined by LF
 * (the anchor's lines hold no line ends, so the split is exact); `commit` when the file is in git.
 * `reply` adds `text` to the thread of pin `item` (by any member; the reply is named by its message
 * id); `resolve` / `reopen` set the thread's state (any member, last writer wins); `delete` removes
 * the pin (its author only).
 */
export interface PinMessage extends Envelope, BoardItemFields {
  type: 'pin';
  op: 'add' | 'reply' | 'resolve' | 'reopen' | 'delete';
  path?: string;
  startLine?: number;
  endLine?: number;
  /** Lines of context before the anchored lines in `code`, 0 to 3. */
  above?: number;
  /** Lines of context after the anchored lines in `code`, 0 to 3. */
  below?: number;
  /** Lower-case hex commit id the pin was made on. */
  commit?: string;
  code?: string;
  /** The note (`add`) or the reply (`reply`). */
  text?: string;
}

/**
 * Acknowledges receipt, to the author: `upTo` says "I hold every message of your log up to this
 * number"; `re` acknowledges one direct message (direct messages are not in the group's log).
 * Exactly one of the two is present.
 */
export interface AckMessage extends Envelope {
  type: 'ack';
  upTo?: number;
  re?: string;
}

/** What a member holds of one author's log: every message numbered 1 to `n`. */
export interface LogHave {
  /** The author's peer id. */
  a: string;
  n: number;
}

/** A display name for an author whose messages travel in a catch-up page. */
export interface AuthorName {
  id: string;
  name: string;
}

/**
 * History catch-up. `have`: "this is what I hold" (per author, the highest number held without a
 * gap); the receiver answers with a `page`: the header says that the next `count` frames are logged
 * messages (anyone's, signed by their authors) the asker lacks, and `more` that another page would
 * follow a new `have`. A member answers one `have` at a time, at its own pace.
 */
export interface SyncMessage extends Envelope {
  type: 'sync';
  op: 'have' | 'page';
  /** On `have`: per author, the highest number held without a gap (authors not listed: none held). Empty on a page. */
  have: LogHave[];
  /** On `page`: how many logged messages follow this header. */
  count?: number;
  more?: 'true';
  /** On `page`: the names of the authors in it (a label only; signatures prove who wrote what). */
  authors: AuthorName[];
}

/**
 * Where the group's repository is now. A member answers a `register` with it when it is not the
 * repository itself; the member that takes over as repository when the repository went away (or
 * hands back when it returns) tells every member over their links. `host` absent: the sender's own
 * address, as the receiver knows it.
 */
export interface MovedMessage extends Envelope {
  type: 'moved';
  host?: string;
  port: number;
}

/**
 * A tunnel through a member (the *relay*) between two members that cannot reach each other
 * directly; `relay.ts` speaks it. `connect` (asker -> relay): "carry a tunnel to member `peer`";
 * `open` (relay -> that member): "member `peer` opens a tunnel to you"; `data`: opaque bytes of the
 * end-to-end connection, handshake included; `ack`: "I have taken `bytes` more bytes of this
 * tunnel" (flow control); `close`: the tunnel is gone, with the code of why when it failed.
 * `tunnel` names the tunnel on both links of the relay.
 */
export interface RelayMessage extends Envelope {
  type: 'relay';
  op: 'connect' | 'open' | 'data' | 'ack' | 'close';
  tunnel: string;
  peer?: string;
  /** On `ack`: bytes taken since the last ack. */
  bytes?: number;
  /** On `close`: why, when the tunnel failed. */
  code?: string;
  /** On `data`: 1 to `MAX_RELAY_CHUNK_BYTES` bytes, as unpadded URL-safe base64 on the wire. */
  data?: Uint8Array;
}

/**
 * Flow of an image's bytes on one link (see `imageIncoming.ts`). The receiver of an image `add`
 * whose bytes it lacks answers `want`: "send the bytes of `sha256` from offset `at`" (0, or what it
 * kept of an interrupted transfer from this member); it acknowledges chunks with `got`: "I hold
 * the bytes before `at`", which opens the sender's window for more.
 */
export interface BlobMessage extends Envelope {
  type: 'blob';
  op: 'want' | 'got';
  sha256: string;
  at: number;
}

/** Tells the other side why the connection is about to close. */
export interface ErrorMessage extends Envelope {
  type: 'error';
  code: string;
  text: string;
}

/** Every message of the protocol, discriminated on `type`. */
export type Message =
  | RegisterMessage
  | PeersMessage
  | UnregisterMessage
  | HelloMessage
  | ByeMessage
  | PingMessage
  | PongMessage
  | ChatMessage
  | NoteMessage
  | ImageMessage
  | StrokeMessage
  | SnippetMessage
  | PinMessage
  | AckMessage
  | SyncMessage
  | MovedMessage
  | RelayMessage
  | BlobMessage
  | ErrorMessage;

/** The `type` of every message. */
export type MessageType = Message['type'];

/** The message of a given type. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** A message without its envelope: what a caller fills in before the node stamps it. */
export type MessageBody<T extends MessageType = MessageType> = T extends MessageType
  ? Omit<MessageOf<T>, keyof Envelope>
  : never;

/** Compile-time exhaustiveness check for `switch (msg.type)`. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
