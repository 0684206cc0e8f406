/**
 * Stable error codes of the network layer. Tests assert the code, logs print it, and the CLI
 * reports it in `{"event":"error","code":...}`; the human-readable message may change, the code may not.
 */
export type NetErrorCode =
  /** A frame declared a length above the limit for its type. */
  | 'ERR_FRAME_TOO_LARGE'
  /** A frame carried a type byte this protocol does not define. */
  | 'ERR_FRAME_TYPE'
  /** The stream ended in the middle of a frame. */
  | 'ERR_TRUNCATED_FRAME'
  /** A frame was started but not completed within the frame deadline. */
  | 'ERR_FRAME_TIMEOUT'
  /** A binary frame arrived that no `image` message announced, or did not match it. */
  | 'ERR_UNEXPECTED_BINARY'
  /** An image's bytes stopped coming: no chunk of an open transfer within the transfer deadline. */
  | 'ERR_TRANSFER_TIMEOUT'
  /** A frame is not well-formed XML, or uses DOCTYPE, entities or processing instructions. */
  | 'ERR_BAD_XML'
  /** Well-formed XML that does not match the message schema. */
  | 'ERR_BAD_MESSAGE'
  /** A LAN discovery datagram that is not a beacon of the schema (`beacon.ts`). */
  | 'ERR_BAD_BEACON'
  /** LAN discovery cannot listen (its UDP port is taken by another program, or no permission). */
  | 'ERR_DISCOVERY'
  /** A message type this version does not know. */
  | 'ERR_UNKNOWN_TYPE'
  /** A protocol version this peer does not speak. */
  | 'ERR_UNSUPPORTED_VERSION'
  /** The peer did not introduce itself (register / hello) within the handshake deadline. */
  | 'ERR_HANDSHAKE_TIMEOUT'
  /** A message arrived that is not allowed at this point of the conversation. */
  | 'ERR_PROTOCOL'
  /** Nothing was received from the peer within the liveness timeout. */
  | 'ERR_PEER_TIMEOUT'
  /** The peer does not read what we send: the outbound queue hit its bound or never drained. */
  | 'ERR_SLOW_CONSUMER'
  /** The address, host or peer id is on the ban list. */
  | 'ERR_BANNED'
  /** The repository server could not be reached or went away. */
  | 'ERR_REPOSITORY_UNREACHABLE'
  /** An address such as `host:port` could not be parsed. */
  | 'ERR_BAD_ADDRESS'
  /** A display name, group name or other user input is not acceptable. */
  | 'ERR_BAD_INPUT'
  /** The socket failed (reset, refused, unreachable). */
  | 'ERR_SOCKET'
  /** The operation needs an open connection or a joined node, and it is closed. */
  | 'ERR_CLOSED'
  /** The repository is at another address now (a member answered in its place); followed by itself. */
  | 'ERR_MOVED'
  /** No member matches, or several do. */
  | 'ERR_UNKNOWN_MEMBER'
  /** An image is not a PNG, JPEG or GIF, or is too large, or could not be rendered. */
  | 'ERR_IMAGE'
  /** The handshake failed: a wrong or missing group password, a key that does not prove itself, a forged record. One code for all, on purpose. */
  | 'ERR_AUTH_FAILED'
  /** The other side speaks no protocol version this one does (a newer or older Team Notes). */
  | 'ERR_VERSION_MISMATCH'
  /** A signed message whose signature does not verify against its author's key. */
  | 'ERR_BAD_SIGNATURE'
  /** A member sends faster than its token bucket allows, or retries a failing handshake too often. */
  | 'ERR_RATE_LIMITED'
  /** A bound on connections, registrations or members was reached. */
  | 'ERR_LIMIT'
  /** A fault in this program (a listener threw): logged, never blamed on the remote side. */
  | 'ERR_LOCAL_FAULT'
  /** An edit or delete of a board item by a member other than its author. */
  | 'ERR_NOT_AUTHOR'
  /** A relay tunnel was refused or broke its rules (unknown or relayed target, a loop, too many, a window overrun). */
  | 'ERR_RELAY'
  /** The history on disk could not be read or written (a `log` that is a folder, unreadable, a failed write). */
  | 'ERR_STORE'
  /** Part of the history on disk was damaged (a torn last record, garbage) and was skipped. */
  | 'ERR_STORE_CORRUPT';

/**
 * A fixed, safe sentence per code: what an `error` notice carries to the other side. Never built
 * from the error's own message, which may quote what a remote sent.
 */
const CODE_TEXT: Record<NetErrorCode, string> = {
  ERR_FRAME_TOO_LARGE: 'A frame declared a length above the limit for its type.',
  ERR_FRAME_TYPE: 'A frame carried an unknown type byte.',
  ERR_TRUNCATED_FRAME: 'The stream ended in the middle of a frame.',
  ERR_FRAME_TIMEOUT: 'A frame was not completed in time.',
  ERR_UNEXPECTED_BINARY: 'A binary frame did not match the image message that announced it.',
  ERR_TRANSFER_TIMEOUT: 'The bytes of an image stopped coming.',
  ERR_BAD_XML: 'A message is not well-formed XML of the allowed subset.',
  ERR_BAD_MESSAGE: 'A message does not match the message schema.',
  ERR_BAD_BEACON: 'A LAN discovery datagram is not a beacon of the allowed schema.',
  ERR_DISCOVERY: 'LAN discovery cannot listen on its UDP port.',
  ERR_UNKNOWN_TYPE: 'A message type this version does not know.',
  ERR_UNSUPPORTED_VERSION: 'A protocol version this member does not speak.',
  ERR_HANDSHAKE_TIMEOUT: 'The handshake was not completed in time.',
  ERR_PROTOCOL: 'A message not allowed at this point of the conversation.',
  ERR_PEER_TIMEOUT: 'Nothing was received for too long.',
  ERR_SLOW_CONSUMER: 'The other side does not read what it is sent.',
  ERR_BANNED: 'Banned by this member.',
  ERR_REPOSITORY_UNREACHABLE: 'The repository could not be reached.',
  ERR_BAD_ADDRESS: 'An address could not be parsed.',
  ERR_BAD_INPUT: 'An input is not acceptable.',
  ERR_SOCKET: 'The connection failed.',
  ERR_CLOSED: 'The connection is closed.',
  ERR_MOVED: 'The repository is at another address now.',
  ERR_UNKNOWN_MEMBER: 'No such member.',
  ERR_IMAGE: 'The image is not acceptable.',
  ERR_AUTH_FAILED: 'Authentication failed.',
  ERR_VERSION_MISMATCH: 'No protocol version in common.',
  ERR_BAD_SIGNATURE: 'A signature does not verify.',
  ERR_RATE_LIMITED: 'Too many messages or attempts; slow down.',
  ERR_LIMIT: 'A limit was reached.',
  ERR_LOCAL_FAULT: 'An internal fault.',
  ERR_NOT_AUTHOR: 'Only the author of a board item may edit or delete it.',
  ERR_RELAY: 'A relay tunnel was refused or broke the relay rules.',
  ERR_STORE: 'The history on disk could not be read or written.',
  ERR_STORE_CORRUPT: 'Part of the history on disk was damaged and skipped.',
};

/** True when `code` (say, from a remote's message) is one of the {@link NetErrorCode}s. */
export function isNetErrorCode(code: string): code is NetErrorCode {
  return Object.prototype.hasOwnProperty.call(CODE_TEXT, code);
}

/** The fixed description of a code (see {@link CODE_TEXT}). */
export function describeErrorCode(code: NetErrorCode): string {
  return CODE_TEXT[code] ?? 'An error.';
}

/** An error of the network layer with a stable {@link NetErrorCode}. */
export class NetError extends Error {
  override readonly name = 'NetError';

  constructor(
    readonly code: NetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link NetError}, optionally with the given code. */
export function isNetError(err: unknown, code?: NetErrorCode): err is NetError {
  return err instanceof NetError && (code === undefined || err.code === code);
}

/** Wraps anything thrown by a socket or library into a {@link NetError}, keeping NetErrors as they are. */
export function toNetError(err: unknown, fallback: NetErrorCode = 'ERR_SOCKET'): NetError {
  if (err instanceof NetError) return err;
  return new NetError(fallback, describeThrown(err), { cause: err });
}

/** A message for anything thrown; never throws itself (an object without a prototype has no toString). */
function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/** The OS error code somewhere in an error's `cause` chain (`ECONNREFUSED`, `ETIMEDOUT`…). */
export function osErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9_]{2,30}$/.test(code) && !code.startsWith('ERR_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
