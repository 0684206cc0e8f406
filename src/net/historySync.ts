/**
 * Keeping every member's copy of the group's history whole, over the links a peer node has:
 *
 * - **Catch-up.** When a link opens, each side says what it holds (`sync op="have"`: per author, the
 *   highest number held without a gap) and the other answers with a page of what is missing, from
 *   any author (each message signed by its author, so whoever hands it on cannot forge it). The
 *   asker asks again while pages say `more`: one page in flight per link, at the asker's pace. A gap
 *   seen in live traffic asks too.
 * - **Acknowledgements.** A member tells each author how far it holds the author's log
 *   (`ack upTo`), a moment after receiving, so one ack covers a burst; a direct message is
 *   acknowledged by id (`ack re`).
 * - **Outbox.** The log is the outbox: a member that comes back says what it holds and gets the
 *   rest. Own messages a connected member has not acknowledged after a ping interval are sent
 *   again; direct messages wait in a small per-recipient outbox until acknowledged.
 *
 * Messages are known by author and number (direct ones by id), so nothing is delivered twice.
 */
import { NetError, toNetError } from './errors';
import type { GroupHistory, HistoryMessage } from './groupHistory';
import { isLogged } from './groupHistory';
import { ACK_DELAY_MS, MAX_OUTBOX_PER_MEMBER, PAGE_BURST, PAGE_RATE_PER_SECOND, SYNC_BURST, SYNC_PAGE_BYTES, SYNC_RATE_PER_SECOND } from './limits';
import type { Logger } from './logger';
import type { AckMessage, ChatMessage, Message, MessageBody, SyncMessage } from './messages';
import type { EncodedMessage } from './connection';
import type { Member, MemberLink } from './peerNodeTypes';
import { TokenBucket } from './rateLimit';
import { checkSignature, isSignedType } from './signing';
import { MAX_SYNC_AUTHORS, MAX_SYNC_PAGE } from './xmlCodec';

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

/** What the sync keeps per link. */
interface LinkSync {
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
  /** Catch-up requests this member may make. */
  requests: TokenBucket;
  /** Messages this member may hand on in pages. */
  handedOn: TokenBucket;
  /** A request answered once the link's queue has drained. */
  waiting?: SyncMessage;
  /** What this member acknowledged of our log, and when that last changed. */
  acked: number;
  ackedAt: number;
  /** The last `ack upTo` sent to this member for its own log. */
  ackSent: number;
}

export class HistorySync {
  private readonly state = new WeakMap<MemberLink, LinkSync>();
  /** Authors whose log grew here since the last acks went out. */
  private readonly toAcknowledge = new Set<string>();
  private ackTimer: NodeJS.Timeout | undefined;
  /** Direct messages not yet acknowledged, per recipient. */
  private readonly outbox = new Map<string, Map<string, { frames: EncodedMessage; message: ChatMessage; sentAt: number }>>();
  private received = 0;

  constructor(
    private readonly host: HistorySyncHost,
    readonly history: GroupHistory,
  ) {}

  /** True while a page is awaited from some member. */
  get catchingUp(): boolean {
    for (const link of this.host.links()) if (this.sync(link).asking) return true;
    return false;
  }

  /** True while `link` is inside a catch-up page (the next messages may be anyone's), or `message` is an image that came in one. */
  inPage(link: MemberLink, message?: Message): boolean {
    const sync = this.state.get(link);
    return sync !== undefined && (sync.pageRemaining > 0 || (message !== undefined && sync.pagedImages.has(message.id)));
  }

  /**
   * An image message arrived whose bytes are still coming; it is handed on once they are, after
   * messages behind it. Inside a page it takes its place in the page now, so that the page's count
   * stays the count of documents as they arrived.
   */
  onImagePending(link: MemberLink, message: Message): void {
    const sync = this.sync(link);
    if (sync.pageRemaining === 0 || sync.pagedImages.has(message.id)) return;
    sync.pageRemaining -= 1;
    this.received += 1;
    sync.pagedImages.add(message.id);
  }

  /** A link opened (first or again): say what we hold, and resend its unacknowledged direct messages. */
  opened(link: MemberLink): void {
    this.ask(link);
    for (const pending of this.outbox.get(link.member.id)?.values() ?? []) {
      pending.sentAt = performance.now();
      link.connection.sendEncoded(pending.frames, pending.message);
    }
  }

  /** Keeps a message this member authored (before it is sent). */
  recordOwn(message: HistoryMessage, frames: EncodedMessage): void {
    this.history.add(message, frames.xml, frames.binary);
  }

  /** Holds a direct message for resending until `to` acknowledges it. */
  holdDirect(to: string, message: ChatMessage, frames: EncodedMessage): void {
    let box = this.outbox.get(to);
    if (box === undefined) {
      box = new Map();
      this.outbox.set(to, box);
    }
    box.set(message.id, { frames, message, sentAt: performance.now() });
    if (box.size > MAX_OUTBOX_PER_MEMBER) {
      const oldest = box.keys().next().value!;
      box.delete(oldest);
      this.host.logger.warn(`ERR_LIMIT: more than ${MAX_OUTBOX_PER_MEMBER} direct messages wait for ${to}; the oldest is no longer resent`);
    }
  }

  /**
   * A chat or board message arrived on `link`, with the refusal the node's rules made of it, if
   * any. Inside a page it may be anyone's and is checked against its author's signature; outside,
   * the node has already made sure it is the link's member's own.
   */
  onLogged(link: MemberLink, message: HistoryMessage, xml: Buffer, binary: Buffer | undefined, refusal: NetError | undefined): void {
    const sync = this.sync(link);
    const paged = sync.pagedImages.delete(message.id);
    const inPage = paged || sync.pageRemaining > 0;
    if (inPage && !paged) {
      sync.pageRemaining -= 1;
      this.received += 1;
    }
    // Inside a page the live rates do not apply, but a bound on what one link hands on does.
    const bounded = refusal ?? (inPage && !sync.handedOn.take() ? new NetError('ERR_RATE_LIMITED', `More than ${PAGE_RATE_PER_SECOND} messages a second handed on in pages`) : undefined);
    try {
      this.take(link, message, xml, binary, inPage, bounded);
    } finally {
      if (inPage && sync.pageRemaining === 0 && sync.pagedImages.size === 0) this.pageEnded(link, sync);
    }
  }

  onSync(link: MemberLink, message: SyncMessage): void {
    const sync = this.sync(link);
    switch (message.op) {
      case 'have': {
        const mine = message.have.find((h) => h.a === this.host.id);
        if (mine !== undefined) this.noteAcked(link, sync, mine.n);
        if (!sync.requests.take()) {
          link.connection.close(new NetError('ERR_RATE_LIMITED', `More than ${SYNC_RATE_PER_SECOND} catch-up requests a second`));
          return;
        }
        this.answerWhenDrained(link, message);
        return;
      }
      case 'page':
        if (!sync.asking || sync.pageRemaining > 0 || sync.pagedImages.size > 0) {
          link.connection.close(new NetError('ERR_PROTOCOL', 'A catch-up page nobody asked for'));
          return;
        }
        sync.pageMore = message.more !== undefined;
        sync.pageNames = new Map(message.authors.map((a) => [a.id, a.name]));
        sync.pageRemaining = message.count ?? 0;
        if (sync.pageRemaining === 0) this.pageEnded(link, sync);
        return;
    }
  }

  onAck(link: MemberLink, message: AckMessage): void {
    if (message.upTo !== undefined) {
      this.noteAcked(link, this.sync(link), message.upTo);
      return;
    }
    const box = this.outbox.get(link.member.id);
    if (message.re !== undefined && box?.delete(message.re)) {
      if (box.size === 0) this.outbox.delete(link.member.id);
      this.host.directAcknowledged(link.member.id, message.re);
    }
  }

  /** What `memberId` has acknowledged of this member's log. */
  acknowledgedBy(memberId: string): number {
    const link = this.host.link(memberId);
    return link === undefined ? 0 : this.sync(link).acked;
  }

  /**
   * Once a ping interval: own messages a member has not acknowledged for a whole interval are sent
   * again (a message refused or lost on a link that stayed up), and so are direct messages.
   */
  resendUnacknowledged(intervalMs: number): void {
    const now = performance.now();
    const own = this.history.contiguous(this.host.id);
    for (const link of this.host.links()) {
      const sync = this.sync(link);
      if (sync.acked < own && now - sync.ackedAt >= intervalMs) {
        const { entries } = this.history.missingFor([{ a: this.host.id, n: sync.acked }], 40, SYNC_PAGE_BYTES);
        for (const entry of entries) {
          if (entry.message.from !== this.host.id) break;
          const binary = entry.message.type === 'image' && entry.message.op === 'add' ? this.history.imageBytes(entry.message.sha256!) : undefined;
          link.connection.sendEncoded(binary === undefined ? { xml: entry.xml } : { xml: entry.xml, binary }, entry.message);
        }
        sync.ackedAt = now;
      }
      for (const pending of this.outbox.get(link.member.id)?.values() ?? []) {
        if (now - pending.sentAt < intervalMs) continue;
        pending.sentAt = now;
        link.connection.sendEncoded(pending.frames, pending.message);
      }
    }
  }

  close(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  private sync(link: MemberLink): LinkSync {
    let sync = this.state.get(link);
    if (sync === undefined) {
      sync = {
        pageRemaining: 0, pagedImages: new Set(), pageMore: false, asking: false, askAgain: false, pageNames: new Map(),
        requests: new TokenBucket(SYNC_RATE_PER_SECOND, SYNC_BURST), handedOn: new TokenBucket(PAGE_RATE_PER_SECOND, PAGE_BURST),
        acked: 0, ackedAt: performance.now(), ackSent: 0,
      };
      this.state.set(link, sync);
    }
    return sync;
  }

  private ask(link: MemberLink): void {
    const sync = this.sync(link);
    if (sync.asking) {
      sync.askAgain = true;
      return;
    }
    sync.asking = true;
    sync.askAgain = false;
    let have = this.history.summary();
    // More authors than one request lists: those we hold least of are left out (what they have is refetched, then dropped as duplicates).
    if (have.length > MAX_SYNC_AUTHORS) have = have.sort((x, y) => y.n - x.n).slice(0, MAX_SYNC_AUTHORS);
    link.connection.send(this.host.stamp({ type: 'sync', op: 'have', have, authors: [] }));
    this.host.progress(this.received, true);
  }

  /**
   * Answers once what is queued for the link has mostly gone out (a page behind a large image waits
   * for it), so pages never pile up in a connection's queue. One answer waits at a time per link.
   */
  private answerWhenDrained(link: MemberLink, request: SyncMessage): void {
    const sync = this.sync(link);
    if (link.connection.pendingBytes <= SYNC_PAGE_BYTES) {
      this.answer(link, request);
      return;
    }
    const waiting = sync.waiting !== undefined;
    sync.waiting = request; // a newer request replaces one still waiting
    if (waiting) return;
    const retry = (): void => {
      if (link.connection.closed || sync.waiting === undefined) return;
      if (link.connection.pendingBytes > SYNC_PAGE_BYTES) {
        setTimeout(retry, 100).unref();
        return;
      }
      const next = sync.waiting;
      sync.waiting = undefined;
      this.answer(link, next);
    };
    setTimeout(retry, 100).unref();
  }

  private answer(link: MemberLink, request: SyncMessage): void {
    const { entries, more } = this.history.missingFor(request.have, MAX_SYNC_PAGE, SYNC_PAGE_BYTES);
    const header: MessageBody<'sync'> = { type: 'sync', op: 'page', count: entries.length, have: [], authors: this.history.namesFor(entries) };
    if (more) header.more = 'true';
    link.connection.send(this.host.stamp(header));
    for (const entry of entries) {
      const m = entry.message;
      const binary = m.type === 'image' && m.op === 'add' ? this.history.imageBytes(m.sha256!) : undefined;
      link.connection.sendEncoded(binary === undefined ? { xml: entry.xml } : { xml: entry.xml, binary }, m);
    }
  }

  private pageEnded(link: MemberLink, sync: LinkSync): void {
    sync.asking = false;
    if (sync.pageMore || sync.askAgain) {
      this.ask(link);
      return;
    }
    this.host.progress(this.received, this.catchingUp);
  }

  private take(link: MemberLink, message: HistoryMessage, xml: Buffer, binary: Buffer | undefined, inPage: boolean, refusal: NetError | undefined): void {
    if (!isSignedType(message) || this.host.isBanned(message.from)) return;
    if (inPage && !isLogged(message)) {
      this.refuse(link, new NetError('ERR_PROTOCOL', 'A direct message inside a catch-up page'));
      return;
    }
    const logged = isLogged(message);
    if (logged ? this.history.has(message.from, message.seq) : this.history.hasDirect(message.id)) {
      if (logged) this.scheduleAck(message.from);
      else link.connection.send(this.host.stamp({ type: 'ack', re: message.id }));
      return;
    }
    // A message straight from its author over the author's own link is proven by the link.
    if (message.from !== link.member.id) {
      try {
        checkSignature(message);
      } catch (err) {
        this.refuse(link, toNetError(err));
        return;
      }
    }
    if (refusal !== undefined) {
      this.host.refused(link, refusal);
      // Beyond a rate it comes again (a resend, a page asked for at our pace). Beyond the clock
      // bound it never will be taken: it is kept as held, so the log has no gap to ask about forever.
      if (refusal.code !== 'ERR_RATE_LIMITED' && logged) this.history.add(message, xml, binary);
      return;
    }
    if ('clock' in message) this.host.observeClock(message.clock);
    this.history.add(message, xml, binary);
    // A name handed on with a page labels an author nobody here has met (kept only once it wrote something here).
    const handedName = this.sync(link).pageNames.get(message.from);
    if (handedName !== undefined && this.history.name(message.from) === undefined) this.history.setName(message.from, handedName);
    const author: Member =
      message.from === link.member.id
        ? link.member
        : { id: message.from, name: this.history.name(message.from) ?? this.sync(link).pageNames.get(message.from) ?? 'a former member', host: '', port: 0 };
    if (logged) {
      this.scheduleAck(message.from);
      // Live traffic skipped a number: the link's member (or a later page) has what is missing.
      if (!inPage && this.history.contiguous(message.from) < message.seq) this.ask(link);
    } else {
      link.connection.send(this.host.stamp({ type: 'ack', re: message.id }));
    }
    this.host.deliver(message, author, binary);
  }

  private refuse(link: MemberLink, error: NetError): void {
    link.logRefusal(this.host.logger, error);
  }

  private noteAcked(link: MemberLink, sync: LinkSync, claimed: number): void {
    // Nobody can hold more of this member's log than it wrote.
    const upTo = Math.min(claimed, this.history.contiguous(this.host.id));
    if (upTo <= sync.acked) return;
    sync.acked = upTo;
    sync.ackedAt = performance.now();
    this.host.acknowledged(link.member.id, upTo);
  }

  private scheduleAck(author: string): void {
    if (author === this.host.id) return;
    this.toAcknowledge.add(author);
    this.ackTimer ??= setTimeout(() => this.sendAcks(), ACK_DELAY_MS);
  }

  private sendAcks(): void {
    this.ackTimer = undefined;
    for (const author of this.toAcknowledge) {
      const link = this.host.link(author);
      if (link === undefined) continue;
      const sync = this.sync(link);
      const upTo = this.history.contiguous(author);
      if (upTo <= sync.ackSent) continue;
      sync.ackSent = upTo;
      link.connection.send(this.host.stamp({ type: 'ack', upTo }));
    }
    this.toAcknowledge.clear();
  }
}
