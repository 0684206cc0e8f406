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
  /** A frame is not well-formed XML, or uses DOCTYPE, entities or processing instructions. */
  | 'ERR_BAD_XML'
  /** Well-formed XML that does not match the message schema. */
  | 'ERR_BAD_MESSAGE'
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
  /** No member matches, or several do. */
  | 'ERR_UNKNOWN_MEMBER'
  /** An image is not a PNG, JPEG or GIF, or is too large, or could not be rendered. */
  | 'ERR_IMAGE';

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
  const message = err instanceof Error ? err.message : String(err);
  return new NetError(fallback, message, { cause: err });
}
