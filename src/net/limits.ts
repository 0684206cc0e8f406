/**
 * Named limits of the wire protocol. They are sized for a team on one LAN or VPN; every one is
 * checked before the memory or time it guards is spent.
 */

/** Largest XML message frame payload, in bytes (64 KiB). Checked on the declared length. */
export const MAX_XML_FRAME_BYTES = 64 * 1024;

/** Largest binary frame payload (the bytes of one image), in bytes (8 MiB). */
export const MAX_BINARY_FRAME_BYTES = 8 * 1024 * 1024;

/** Bytes of the frame header: 4-byte big-endian payload length, then 1 type byte. */
export const FRAME_HEADER_BYTES = 5;

/** Time allowed from the first byte of a frame to its last, in milliseconds (15 s). */
export const FRAME_DEADLINE_MS = 15_000;

/** Time allowed for a new connection to introduce itself (`register` or `hello`), in ms (10 s). */
export const HANDSHAKE_DEADLINE_MS = 10_000;

/** Interval between pings on an otherwise quiet connection, in milliseconds (15 s). */
export const PING_INTERVAL_MS = 15_000;

/** A connection on which nothing arrives for this long is closed, in milliseconds (45 s). */
export const PEER_TIMEOUT_MS = 45_000;

/** Bytes that may wait in one connection's outbound queue before it is closed as a slow consumer (16 MiB). */
export const MAX_OUTBOUND_QUEUE_BYTES = 16 * 1024 * 1024;

/** Frames that may wait in one connection's outbound queue before it is closed as a slow consumer. */
export const MAX_OUTBOUND_QUEUE_FRAMES = 20_000;

/** A connection whose socket does not drain for this long is closed, in milliseconds (30 s). */
export const DRAIN_TIMEOUT_MS = 30_000;

/** Listen backlog: at least 511 so that many peers joining at once see no SYN retries. */
export const LISTEN_BACKLOG = 511;

/** Time allowed to open a TCP connection to a member or the repository, in milliseconds (5 s). */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Default TCP port of the repository server. */
export const DEFAULT_REPOSITORY_PORT = 46800;
