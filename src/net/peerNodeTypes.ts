/**
 * What a peer node is given and what it tells: its options, timings, events, and the link to one
 * member (with that member's token buckets). Kept apart from `peerNode.ts` so the node reads as
 * what it does.
 */
import type { Connection, ConnectionOptions } from './connection';
import { NetError } from './errors';
import { BOARD_BURST, BOARD_RATE_PER_SECOND, CHAT_BURST, CHAT_RATE_PER_SECOND, CONNECT_TIMEOUT_MS, HANDSHAKE_DEADLINE_MS, MAX_CLOCK_JUMP, PEER_TIMEOUT_MS, PING_INTERVAL_MS, RELAY_AFTER_FAILURES, TUNNEL_REQUEST_BURST, TUNNEL_REQUEST_RATE_PER_SECOND } from './limits';
import type { Logger } from './logger';
import type { MemberKey } from './memberKey';
import type { GroupHistory } from './groupHistory';
import type { ChatMessage, ImageMessage, MemberInfo, Message, NoteMessage, PinMessage, SnippetMessage, StrokeMessage } from './messages';
import { TokenBucket } from './rateLimit';
import type { AddressGuardLimits } from './rateLimit';
import type { HostPort } from './tcp';
import type { Socket } from 'node:net';
import type { RelayLimits } from './relay';
import type { MemberPath, RelayTiming } from './relayPaths';

/** A member this node is connected to. */
export type Member = MemberInfo;

/** Messages that change the board. */
export type BoardMessage = NoteMessage | ImageMessage | StrokeMessage | SnippetMessage | PinMessage;

/** Messages the node hands to its user, each once; the rest (hello, ping, bye, sync, ack...) it handles itself. */
export type DeliveredMessage = ChatMessage | BoardMessage;

/** Why a member is no longer connected. */
export type MemberLeftReason = 'bye' | 'timeout' | 'closed' | 'banned';

export interface PeerNodeTiming extends RelayTiming {
  /** Interval between pings on every connection, in ms. Default {@link PING_INTERVAL_MS}. */
  pingIntervalMs: number;
  /** A connection silent for this long is closed, in ms. Default {@link PEER_TIMEOUT_MS}. */
  peerTimeoutMs: number;
  /** Time for `hello` or the repository's answer to `register`, in ms. Default {@link HANDSHAKE_DEADLINE_MS}. */
  handshakeDeadlineMs: number;
  /** Time to open a TCP connection, in ms. Default {@link CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs: number;
  /** First delay before reconnecting to a lost repository, in ms (doubles per attempt, with jitter). Default 1000. */
  reconnectMinMs: number;
  /** Longest delay between reconnection attempts, in ms. Default 30000. */
  reconnectMaxMs: number;
  /** On close, how long to let `bye` and `unregister` flush before sockets are destroyed, in ms. Default 1000. */
  closeGraceMs: number;
  /** First delay before dialing a member whose link dropped, in ms (doubles per attempt, with jitter). Default 250. */
  redialMinMs: number;
  /** Longest delay between redials of a member, in ms. Default 10000. */
  redialMaxMs: number;
  /** Stop redialing a member unreachable for this long (sooner when the repository says it left), in ms. Default 120000. */
  redialGiveUpMs: number;
  /** Shortest and longest random wait after losing the repository before the earliest member takes over, in ms. Default 1000 and 3000. */
  failoverMinMs: number;
  failoverMaxMs: number;
  /** How often members on a stand-in repository check whether the configured one is back, in ms. Default 5000. */
  failoverProbeMs: number;
}

export interface PeerNodeOptions {
  /** Display name shown to the other members. */
  name: string;
  group: string;
  /** Where the repository server listens. */
  repository: HostPort;
  /** Where this node listens for members. Default host `0.0.0.0` (members on the network must reach it), port 0 (any free port). */
  listen?: Partial<HostPort>;
  /** Host other members should use to reach this node; default: the address the repository sees. */
  advertiseHost?: string;
  /** Port other members should dial (a port forward in front of this node); default the port it listens on. */
  advertisePort?: number;
  /**
   * Source address of the connections this node opens (to members and the repository); default the
   * operating system's choice. For a machine with several addresses on one network, and for a
   * benchmark that gives each member process its own loopback address, as a classroom's machines
   * each have their own (limits per address then count per member, as they would there).
   */
  localAddress?: string;
  /** IP addresses, host names or peer ids whose connections are refused and whose messages are ignored. */
  bans?: readonly string[];
  logger?: Logger;
  /** This member's key; its public key is the peer id. Default a fresh key (a new member each run). */
  key?: MemberKey;
  /**
   * The group password, proven to every member in each handshake and never sent. Empty or absent:
   * an open group (identities are still proven and links encrypted, but anyone who knows the group
   * name on this network can join).
   */
  password?: string;
  /** Token buckets for what one member may send. `false` turns them off (benchmarks of the transport). */
  rateLimits?: RateLimits | false;
  /** Connections and handshakes per address. */
  addressLimits?: Partial<AddressGuardLimits>;
  timing?: Partial<PeerNodeTiming>;
  /** The group's history (on disk or in memory); default a fresh one in memory. */
  history?: GroupHistory;
  /**
   * Opens the TCP connection to a member (default `tcp.dial`): an embedding may route or filter
   * member dials; tests use it to stand in for a firewall between two members.
   */
  dial?: (target: MemberInfo, options: { timeoutMs: number; localAddress?: string }) => Promise<Socket>;
  /** Bounds on relay tunnels (window, tunnels per member, tunnels carried). */
  relayLimits?: Partial<RelayLimits>;
  /** Passed to every connection (frame deadline, queue bounds). */
  connection?: Omit<ConnectionOptions, 'logger' | 'label' | 'errorNotice' | 'handshake'>;
}

export interface PeerNodeEvents {
  memberJoined: [member: Member];
  memberLeft: [member: Member, reason: MemberLeftReason];
  /** A chat, board or ack message from a member; `binary` holds an image's checked bytes. */
  message: [message: DeliveredMessage, from: Member, binary: Buffer | undefined];
  /** A connection to a member closed on a protocol error, or a member could not be reached. */
  connectionError: [error: NetError];
  /** The repository connection was lost; members stay connected and the node reconnects with backoff. */
  repositoryLost: [error: NetError];
  /** The repository connection is back after a loss. */
  repositoryRestored: [];
  /** A member's message was refused (rate limit, clock too far ahead) and changed nothing. */
  messageRefused: [error: NetError, from: Member];
  /** A member acknowledged this member's log up to `upTo`. */
  delivered: [memberId: string, upTo: number];
  /** A member acknowledged a direct message. */
  directDelivered: [memberId: string, messageId: string];
  /** Catch-up: messages received in pages so far; `pending` while a page is still awaited. */
  catchUp: [received: number, pending: boolean];
  /** A member's link dropped without a goodbye; the node is dialing it again. */
  memberReconnecting: [member: Member];
  /** The node stopped redialing a member (it left the group, or stayed unreachable). */
  reconnectGaveUp: [member: Member];
  /** The link to a member came up or moved: direct, or relayed through another member (`pathOf`). */
  pathChanged: [member: Member, path: MemberPath];
}


export const DEFAULT_TIMING: PeerNodeTiming = {
  pingIntervalMs: PING_INTERVAL_MS,
  peerTimeoutMs: PEER_TIMEOUT_MS,
  handshakeDeadlineMs: HANDSHAKE_DEADLINE_MS,
  connectTimeoutMs: CONNECT_TIMEOUT_MS,
  reconnectMinMs: 1000,
  reconnectMaxMs: 30_000,
  closeGraceMs: 1000,
  redialMinMs: 250,
  redialMaxMs: 10_000,
  redialGiveUpMs: 120_000,
  failoverMinMs: 1000,
  failoverMaxMs: 3000,
  failoverProbeMs: 5000,
  relayAfterFailures: RELAY_AFTER_FAILURES,
  directRetryMinMs: 1000,
  directRetryMaxMs: 30_000,
};

/** Token buckets for what one member may send: messages per second and burst. */
export interface RateLimits {
  chat: { rate: number; burst: number };
  board: { rate: number; burst: number };
}

const DEFAULT_RATE_LIMITS: RateLimits = { chat: { rate: CHAT_RATE_PER_SECOND, burst: CHAT_BURST }, board: { rate: BOARD_RATE_PER_SECOND, burst: BOARD_BURST } };

/** The one connection to one member, and the limits that member is held to. */
export class MemberLink {
  leaveReason?: MemberLeftReason;
  private readonly chatBucket: TokenBucket | undefined;
  private readonly boardBucket: TokenBucket | undefined;
  private readonly tunnelBucket: TokenBucket | undefined;
  /** When a refusal was last logged (refusals in a flood are logged once a second). */
  private lastRefusalLogAt: number | undefined;

  constructor(
    readonly member: Member,
    readonly connection: Connection,
    /** Peer id of the side that dialed this connection. */
    readonly dialer: string,
    limits: RateLimits | false = DEFAULT_RATE_LIMITS,
    /** The member carrying this link as a tunnel (`relay.ts`); undefined for a direct link. */
    readonly via?: string,
  ) {
    if (limits !== false) {
      this.chatBucket = new TokenBucket(limits.chat.rate, limits.chat.burst);
      this.boardBucket = new TokenBucket(limits.board.rate, limits.board.burst);
      this.tunnelBucket = new TokenBucket(TUNNEL_REQUEST_RATE_PER_SECOND, TUNNEL_REQUEST_BURST);
    }
  }

  /**
   * Why this member's message must be dropped (beyond its rate, or a board clock too far ahead of
   * `lamport`, this node's clock), or undefined when it may go on. Pings share the chat bucket: an
   * honest member pings every 15 s, a flood gets no pongs. `rates` false: only the clock rule (a
   * catch-up page, which this node asked for at its own pace).
   */
  refusal(message: Message, lamport: number, rates = true): NetError | undefined {
    switch (message.type) {
      case 'relay':
        // Asking for a tunnel costs the relay a table entry and an answer; a bucket of its own, so an
        // honest member asking for many tunnels at once loses none of its chat.
        if (message.op !== 'connect' && message.op !== 'open') return undefined;
        return rates && this.tunnelBucket !== undefined && !this.tunnelBucket.take() ? new NetError('ERR_RATE_LIMITED', `More than ${TUNNEL_REQUEST_RATE_PER_SECOND} tunnel requests a second`) : undefined;
      case 'ping':
      case 'chat':
        return rates && this.chatBucket !== undefined && !this.chatBucket.take() ? new NetError('ERR_RATE_LIMITED', `More than ${CHAT_RATE_PER_SECOND} chat messages or pings a second`) : undefined;
      case 'note':
      case 'image':
      case 'stroke':
      case 'snippet':
      case 'pin':
        if (rates && this.boardBucket !== undefined && !this.boardBucket.take()) return new NetError('ERR_RATE_LIMITED', `More than ${BOARD_RATE_PER_SECOND} board messages a second`);
        return message.clock > lamport + MAX_CLOCK_JUMP ? new NetError('ERR_LIMIT', `A board clock ${message.clock} more than ${MAX_CLOCK_JUMP} ahead of this member's ${lamport}`) : undefined;
      default:
        return undefined;
    }
  }

  /** Logs a refusal, at most once a second per member. */
  logRefusal(logger: Logger, error: NetError): void {
    const now = performance.now();
    if (this.lastRefusalLogAt !== undefined && now - this.lastRefusalLogAt <= 1000) return;
    this.lastRefusalLogAt = now;
    logger.warn(`Refused a message from ${this.member.name} (${this.member.id}): ${error.code} ${error.message}`);
  }
}
