/**
 * Named limits of the wire protocol. They are sized for a team on one LAN or VPN; every one is
 * checked before the memory or time it guards is spent.
 */

/** Largest XML message frame payload, in bytes (64 KiB). Checked on the declared length. */
export const MAX_XML_FRAME_BYTES = 64 * 1024;

/** Largest image, in bytes (8 MiB): the `bytes` an image message may announce. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** Image bytes in one chunk frame a receiver takes, at most, in bytes (64 KiB). */
export const IMAGE_CHUNK_BYTES = 64 * 1024;

/** Bytes before the image bytes in a chunk's plaintext: the image's SHA-256 (32) and the offset (u32). */
export const CHUNK_HEADER_BYTES = 36;

/** Largest binary frame payload: one chunk of image bytes with its header, in bytes. */
export const MAX_BINARY_FRAME_BYTES = CHUNK_HEADER_BYTES + IMAGE_CHUNK_BYTES;

/**
 * Image bytes in the chunks a member sends, in bytes (8 KiB, 6.6 ms at 10 Mbit/s): the chunk on the
 * wire that a chat written now may wait behind, whatever the window. A receiver takes any chunk up
 * to {@link IMAGE_CHUNK_BYTES}.
 */
export const IMAGE_PACING_CHUNK_BYTES = 8 * 1024;

/**
 * How long image bytes may wait queued ahead of a chat, in ms: what the window of unacknowledged
 * chunk bytes aims at (src/net/imagePacing.ts).
 */
export const IMAGE_QUEUE_TARGET_MS = 10;

/** The window of unacknowledged chunk bytes a connection starts with, in bytes (two chunks). */
export const IMAGE_WINDOW_START_BYTES = 2 * IMAGE_PACING_CHUNK_BYTES;

/** The largest window of unacknowledged chunk bytes, in bytes (1 MiB, 8 ms at 1 Gbit/s). */
export const IMAGE_WINDOW_MAX_BYTES = 1024 * 1024;

/** Image transfers one connection may have open at once (bytes asked for and not complete); more announced images wait their turn. */
export const MAX_OPEN_TRANSFERS = 8;

/** Bytes of the transfers one connection may have open at once, in bytes (24 MiB); an image that does not fit waits its turn. */
export const MAX_OPEN_TRANSFER_BYTES = 24 * 1024 * 1024;

/** Image messages one connection may have waiting for their turn (a catch-up page of many small images); one more is `ERR_LIMIT`. */
export const MAX_QUEUED_IMAGES = 1_024;

/** Image messages that may wait for the same open transfer (the same picture placed again). */
export const MAX_TRANSFER_WAITERS = 16;

/** An open transfer that receives no chunk for this long is dropped, in milliseconds (30 s). */
export const TRANSFER_IDLE_MS = 30_000;

/** Bytes of unfinished images a node keeps, over all members, to resume them after a reconnect (64 MiB). */
export const MAX_PARTIAL_IMAGE_BYTES = 64 * 1024 * 1024;

/** How long the bytes of an unfinished image are kept for a resume, in milliseconds (10 minutes). */
export const PARTIAL_IMAGE_TTL_MS = 10 * 60_000;

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

// --- Limits a stranger on the network must not be able to break -------------------------------

/**
 * Largest sealed XML frame read after the handshake and before the other side is admitted (a
 * member's hello, at the repository every message), in bytes: a stranger who completes a handshake
 * in an open group still cannot make this side buffer a 64 KiB message or an 8 MiB image.
 */
export const MAX_INTRO_FRAME_BYTES = 4 * 1024;

/** Connections one IP address may hold open to one member or repository at a time. */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;

/** Connections from one IP address that may be in their handshake at once; more are refused at once. */
export const MAX_PENDING_HANDSHAKES_PER_ADDRESS = 8;

/** Failed handshakes one address may have within {@link HANDSHAKE_FAILURE_WINDOW_MS} before its next ones are slowed down. */
export const FREE_HANDSHAKE_FAILURES = 5;

/** How long a failed handshake counts against its address, in ms (10 minutes). */
export const HANDSHAKE_FAILURE_WINDOW_MS = 10 * 60_000;

/**
 * Longest wait before answering a handshake from an address that keeps failing, in ms. The wait
 * doubles per failure beyond {@link FREE_HANDSHAKE_FAILURES} (250 ms, 500 ms, ...) up to this; with
 * {@link MAX_PENDING_HANDSHAKES_PER_ADDRESS} it holds one address to about two password guesses a
 * second, and stays inside the other side's handshake deadline.
 */
export const MAX_HANDSHAKE_DELAY_MS = 4_000;

/** Most members one group may have at a repository. */
export const MAX_GROUP_MEMBERS = 256;

/** Most registrations (in all groups) that one IP address may hold at a repository. */
export const MAX_REGISTRATIONS_PER_ADDRESS = 64;

/** Members per `peers` snapshot frame: a long member list travels in as many frames as it needs. */
export const PEERS_PAGE_SIZE = 100;

/**
 * How far a board message's Lamport clock may lie above the highest clock the receiver has accepted
 * (0 for an empty board), in clock ticks. The peer node checks it against its own clock, the board
 * against the highest clock it has folded in. An honest member's clock rises by one per board change
 * and follows every clock it receives, so no honest message is anywhere near this far ahead; the
 * bound stops one message from pushing everyone's clock to the codec's limit, where no member
 * could stamp a change any more. A board that started empty reaches the limit only after
 * 2^53 / 10^6 ≈ 9 · 10^9 accepted messages.
 */
export const MAX_CLOCK_JUMP = 1_000_000;

/** Chat messages per second a member may send on average (token bucket refill). */
export const CHAT_RATE_PER_SECOND = 10;

/** Chat messages a member may send in one burst (token bucket size). */
export const CHAT_BURST = 40;

/** Board messages per second a member may send on average (drawing and dragging send many). */
export const BOARD_RATE_PER_SECOND = 60;

/** Board messages a member may send in one burst (a paste of many items). */
export const BOARD_BURST = 400;

/** Messages a second a registered member may send the repository (pings, a re-register); beyond the burst the connection is closed. */
export const REPOSITORY_RATE_PER_SECOND = 5;

/** Messages a registered member may send the repository in one burst. */
export const REPOSITORY_BURST = 20;

/** Most IP addresses an address guard keeps state for; beyond it the oldest without open connections are forgotten. */
export const MAX_GUARDED_ADDRESSES = 10_000;

/** Messages one group's history keeps (every member's log and direct messages); beyond, new ones are shown but not kept. */
export const MAX_HISTORY_MESSAGES = 200_000;

/**
 * Most bytes of handed-on messages a link holds before checking them together (one signature per
 * author's run, the rest by their hash chain), so a page of forgeries costs bounded memory.
 */
export const HANDED_ON_BATCH_BYTES = 1024 * 1024;

/** About how many bytes one catch-up page carries (messages and image bytes), so a page never fills a connection's queue. */
export const SYNC_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * Bytes queued for sending on all links together above which a catch-up answer waits, so that a
 * class of newcomers asking at once (each page is sealed anew for its link) costs this much memory,
 * not a page per member. A member that never reads holds its share until the drain deadline.
 */
export const MAX_CATCHUP_QUEUED_BYTES = 4 * SYNC_PAGE_BYTES;

/** Catch-up requests one member may make per second, and in a burst: each is answered with one page. */
export const SYNC_RATE_PER_SECOND = 20;
export const SYNC_BURST = 40;

/**
 * Messages one link may hand on in catch-up pages per second, and in a burst. Pages are not held to
 * the live chat and board rates; this bounds what a member can push through pages it was asked for
 * (10,000 chat messages and 10,000 notes still arrive in a few seconds).
 */
export const PAGE_RATE_PER_SECOND = 5_000;
export const PAGE_BURST = 20_000;

/** Direct messages kept for resending to one member until it acknowledges them. */
export const MAX_OUTBOX_PER_MEMBER = 200;

/**
 * How long an acknowledgement waits for more messages to acknowledge with it, in ms: below what a
 * person notices on a delivery mark, and in a busy group one acknowledgement to an author then
 * covers all it sent meanwhile (each is a message the author must read).
 */
export const ACK_DELAY_MS = 200;

/**
 * The least time between two acknowledgements to one author over one link, in ms. A person's
 * messages, seconds apart, each get their delivery mark within {@link ACK_DELAY_MS}; an author
 * writing faster than this gets one acknowledgement covering all it wrote meanwhile, so a busy
 * group does not send (and each author read) about as many acknowledgements as messages.
 */
export const ACK_INTERVAL_MS = 1_000;

/** Largest chunk of tunnel bytes in one `relay` data message, in bytes (21,846 characters of base64). */
export const MAX_RELAY_CHUNK_BYTES = 16 * 1024;

/** Tunnel bytes one side may send before the other end acknowledges them (per direction), in bytes. */
export const RELAY_WINDOW_BYTES = 256 * 1024;

/** Tunnels one member may have through a relay, or end at one member over one link. */
export const MAX_TUNNELS_PER_MEMBER = 16;

/** Tunnels one member carries for others at a time. */
export const MAX_RELAYED_TUNNELS = 128;

/** Failed direct dials of a member before a relay is tried. */
export const RELAY_AFTER_FAILURES = 2;

/** Tunnel requests (`relay` connect and open) one member may send a second, and its burst. */
export const TUNNEL_REQUEST_RATE_PER_SECOND = 10;
export const TUNNEL_REQUEST_BURST = 40;
