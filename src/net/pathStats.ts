/**
 * What a member knows of the path to each other member, for the connectivity doctor: the round
 * trip time of its pings (ping sent → pong received, a median of the last few), the addresses of
 * the link, and the last time dialing or meeting the member failed (with the OS error code).
 *
 * The peer node feeds it from its own ping timer, its pong handler, the links it opens and closes
 * and its dial failures; it changes nothing on the wire.
 */
import { osErrorCode } from './errors';
import type { NetError } from './errors';
import type { FailureFacts } from './diagnosis';

/** Round trips kept per member for the median. */
export const RTT_SAMPLES = 5;
/** Pings awaiting their pong, per member; older ones are forgotten (a pong that never came). */
const MAX_PENDING_PINGS = 8;

/** How the link to a member is carried: its own TCP connection, or relayed through another member. */
export interface PathKind {
  kind: 'direct' | 'relayed';
  /** For a relayed path: the peer id of the member that carries it. */
  via?: string;
}

/** The path to one linked member. */
export interface LinkPath extends PathKind {
  /** This end of the link's socket (the local interface's address). */
  localAddress: string;
  /** The member's end of the socket. */
  remoteAddress: string;
  remotePort: number;
  /** The median of the last {@link RTT_SAMPLES} round trips, in ms; undefined before the first pong. */
  rttMs?: number;
  /** How many round trips the median is over. */
  rttSamples: number;
}

interface Entry {
  link?: { localAddress: string; remoteAddress: string; remotePort: number };
  pending: Map<string, number>;
  samples: number[];
  failure?: FailureFacts;
}

export class PathStats {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  private entry(memberId: string): Entry {
    let entry = this.entries.get(memberId);
    if (entry === undefined) {
      entry = { pending: new Map(), samples: [] };
      this.entries.set(memberId, entry);
    }
    return entry;
  }

  /** A link to the member is up over a socket with these ends. */
  linked(memberId: string, ends: { localAddress: string; remoteAddress: string; remotePort: number }): void {
    const entry = this.entry(memberId);
    entry.link = { localAddress: ends.localAddress, remoteAddress: ends.remoteAddress, remotePort: ends.remotePort };
    entry.pending.clear();
    entry.samples = [];
  }

  /** The member's link closed (`error` when it failed); its round trips are forgotten, a failure kept. */
  unlinked(memberId: string, error: NetError | undefined, address?: { host: string; port: number }): void {
    const entry = this.entries.get(memberId);
    if (entry === undefined) return;
    entry.link = undefined;
    entry.pending.clear();
    entry.samples = [];
    if (error !== undefined && address !== undefined) this.failed(memberId, error, address);
  }

  /** Dialing or meeting the member at `address` failed with `error`. */
  failed(memberId: string, error: NetError, address: { host: string; port: number }): void {
    const errno = osErrorCode(error);
    this.entry(memberId).failure = { code: error.code, ...(errno !== undefined && { errno }), at: Date.now(), host: address.host, port: address.port };
  }

  /** A ping with message id `pingId` went to the member. */
  pingSent(memberId: string, pingId: string): void {
    const entry = this.entries.get(memberId);
    if (entry?.link === undefined) return;
    entry.pending.set(pingId, this.now());
    if (entry.pending.size > MAX_PENDING_PINGS) entry.pending.delete(entry.pending.keys().next().value!);
  }

  /** A pong answering `re` came from the member. Unknown or repeated answers change nothing. */
  pongReceived(memberId: string, re: string): void {
    const entry = this.entries.get(memberId);
    const sentAt = entry?.pending.get(re);
    if (entry === undefined || sentAt === undefined) return;
    entry.pending.delete(re);
    entry.samples.push(Math.max(0, this.now() - sentAt));
    if (entry.samples.length > RTT_SAMPLES) entry.samples.shift();
  }

  /** The path to a linked member, or undefined when not linked. `path` is how the node carries it. */
  linkPath(memberId: string, path: PathKind = { kind: 'direct' }): LinkPath | undefined {
    const entry = this.entries.get(memberId);
    if (entry?.link === undefined) return undefined;
    const rttMs = median(entry.samples);
    return { ...path, ...entry.link, rttSamples: entry.samples.length, ...(rttMs !== undefined && { rttMs }) };
  }

  /** The last dial or handshake failure with the member, if any. */
  lastFailure(memberId: string): FailureFacts | undefined {
    const failure = this.entries.get(memberId)?.failure;
    return failure === undefined ? undefined : { ...failure };
  }

  /** Forgets members that are neither linked nor listed any more (bounded by the group's size). */
  retain(memberIds: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!memberIds.has(id) && this.entries.get(id)?.link === undefined) this.entries.delete(id);
  }
}

/** The median of a few numbers, undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
