/**
 * What the history sync (`historySync.ts`) needs of its node, and what it keeps per link.
 */
import type { NetError } from './errors';
import type { HistoryMessage } from './groupHistory';
import type { Logger } from './logger';
import type { Message, MessageBody } from './messages';
import type { Member, MemberLink } from './peerNodeTypes';
import type { TokenBucket } from './rateLimit';

/** What the sync needs of its node. */
export interface HistorySyncHost {
  readonly id: string;
  readonly logger: Logger;
  links(): Iterable<MemberLink>;
  /** True for a banned peer id: its messages are not taken, whoever hands them on. */
  isBanned(id: string): boolean;
  /** A member's message was refused by a rule (rate, clock bound): log and tell. */
  refused(link: MemberLink, error: NetError): void;
  link(id: string): MemberLink | undefined;
  stamp<B extends MessageBody>(body: B): B & Message;
  /** A message new to this member: hand it to the node's user. */
  deliver(message: HistoryMessage, author: Member, binary: Buffer | undefined): void;
  /** A member acknowledged this member's log up to `upTo`. */
  acknowledged(memberId: string, upTo: number): void;
  /** A member acknowledged a direct message. */
  directAcknowledged(memberId: string, messageId: string): void;
  /** Catch-up progress: messages received in pages so far, and whether a page is still awaited. */
  progress(received: number, pending: boolean): void;
  /** Raises the node's Lamport clock to a board message's. */
  observeClock(clock: number): void;
}

/** A message handed on in a page, with the refusal the node's rules made of it. */
export interface HandedOn {
  message: HistoryMessage;
  xml: Buffer;
  refusal: NetError | undefined;
}

/** What the sync keeps per link. */
export interface LinkSync {
  /** Logged messages still to come in the page being received. */
  pageRemaining: number;
  /** Ids of images counted in the page at their announcement, whose bytes are still coming: the page ends once they are in. */
  pagedImages: Set<string>;
  pageMore: boolean;
  /** A `have` was sent and its page has not ended. */
  asking: boolean;
  /** Ask again when the current page ends (a gap was seen meanwhile). */
  askAgain: boolean;
  /** Author names the current page carried. */
  pageNames: Map<string, string>;
  /** Messages of the current page handed on by this member for others, waiting to be checked together. */
  unproven: HandedOn[];
  /** Their bytes. */
  unprovenBytes: number;
  /** Catch-up requests this member may make. */
  requests: TokenBucket;
  /** Messages this member may hand on in pages. */
  handedOn: TokenBucket;
  /** What this member acknowledged of our log, and when that last changed. */
  acked: number;
  ackedAt: number;
  /** Set while the side that accepted the link waits for the dialer's catch-up request before asking. */
  askAfter?: NodeJS.Timeout;
}

