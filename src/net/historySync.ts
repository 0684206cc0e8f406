/**
 * Keeping every member's copy of the group's history whole, over the links a peer node has:
 *
 * - **Catch-up.** When a link opens, each side says what it holds (`sync op="have"`: per author, the
 *   highest number held without a gap) and the other answers with a page of what is missing, from
 *   any author (each message signed by its author, so whoever hands it on cannot forge it). The
 *   asker asks again while pages say `more`: one page in flight per link, at the asker's pace. A gap
 *   seen in live traffic asks too. The answering side is `pageServer.ts`.
 * - **Acknowledgements.** A member tells each author how far it holds the author's log
 *   (`ack upTo`), a moment after receiving and at most once a second per author (`ackScheduler.ts`);
 *   a direct message is acknowledged by id (`ack re`) at once.
 * - **Outbox.** The log is the outbox: a member that comes back says what it holds and gets the
 *   rest. Own messages a connected member has not acknowledged after a ping interval are sent
 *   again; direct messages wait in a small per-recipient outbox until acknowledged.
 *
 * Messages are known by author and number (direct ones by id), so nothing is delivered twice.
 */
import { NetError, toNetError } from './errors';
import type { GroupHistory, HistoryMessage } from './groupHistory';
import { isLogged } from './groupHistory';
import { AckScheduler } from './ackScheduler';
import { PageServer } from './pageServer';
import { HANDED_ON_BATCH_BYTES, PAGE_BURST, PAGE_RATE_PER_SECOND, SYNC_BURST, SYNC_PAGE_BYTES, SYNC_RATE_PER_SECOND } from './limits';
import type { AckMessage, ChatMessage, Message, SyncMessage } from './messages';
import type { EncodedMessage } from './connection';
import { DirectOutbox } from './directOutbox';
import type { Member, MemberLink } from './peerNodeTypes';
import { TokenBucket } from './rateLimit';
import type { HistorySyncHost, LinkSync } from './historySyncTypes';
import { checkHandedOn, checkSignature, isSignedType } from './signing';
import { MAX_SYNC_AUTHORS } from './xmlCodec';

export type { HistorySyncHost } from './historySyncTypes';

/** How long the side that accepted a link waits for the dialer's catch-up request before asking anyway, in ms. */
const ASK_AFTER_THEIRS_MS = 2_000;

export class HistorySync {
  private readonly state = new WeakMap<MemberLink, LinkSync>();
  /** The acknowledgements this member sends to the authors it holds messages of. */
  private readonly acks: AckScheduler;
  /** The pages this member sends to the members catching up from it. */
  private readonly pages: PageServer;
  /** Direct messages not yet acknowledged, per recipient. */
  private readonly outbox: DirectOutbox;
  private received = 0;
  /**
   * While this member joins: the links opened meanwhile, whose catch-up waits until every member
   * has been dialed. Catch-up traffic would otherwise compete for the CPU with the handshakes
   * still going, and the join would take longer.
   */
  private held: Set<MemberLink> | undefined;

  constructor(
    private readonly host: HistorySyncHost,
    readonly history: GroupHistory,
  ) {
    this.outbox = new DirectOutbox(host.logger);
    this.acks = new AckScheduler(host, (author) => history.contiguous(author));
    this.pages = new PageServer(host, history);
  }

  /** Bytes waiting to be sent on all links. */
  queuedBytes(): number {
    return this.pages.queuedBytes();
  }

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
    if (this.held !== undefined) {
      this.held.add(link);
      return;
    }
    if (link.dialer === this.host.id) this.ask(link);
    else this.askAfterTheirs(link);
    this.outbox.resend(link);
  }

  /** Holds catch-up (asking and answering) until {@link release}: this member is joining. */
  hold(): void {
    this.held ??= new Set();
    this.pages.hold();
  }

  /** Starts the catch-up held since {@link hold} on every link still open. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    for (const link of held ?? []) if (!link.connection.closed) this.opened(link);
    this.pages.release();
  }

  /** Keeps a message this member authored (before it is sent). */
  recordOwn(message: HistoryMessage, frames: EncodedMessage): void {
    this.history.add(message, frames.xml, frames.binary);
  }

  /** Holds a direct message for resending until `to` acknowledges it. */
  holdDirect(to: string, message: ChatMessage, frames: EncodedMessage): void {
    this.outbox.hold(to, message, frames);
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
      // Another author's logged message in a page waits to be checked with the rest of the page
      // (an image, whose bytes are already here, is checked alone).
      if (inPage && binary === undefined && message.from !== link.member.id && isSignedType(message) && isLogged(message)) {
        sync.unproven.push({ message, xml, refusal: bounded });
        sync.unprovenBytes += xml.length;
        if (sync.unprovenBytes >= HANDED_ON_BATCH_BYTES) this.takeHandedOn(link, sync);
      } else {
        this.take(link, message, xml, binary, inPage, bounded);
      }
    } finally {
      if (inPage && sync.pageRemaining === 0 && sync.pagedImages.size === 0) {
        this.takeHandedOn(link, sync);
        this.pageEnded(link, sync);
      }
    }
  }

  /** Checks the handed-on messages waiting on `link` together, then takes each as it came. */
  private takeHandedOn(link: MemberLink, sync: LinkSync): void {
    const waiting = sync.unproven;
    if (waiting.length === 0) return;
    sync.unproven = [];
    sync.unprovenBytes = 0;
    // What is already held or banned needs no check (take passes over it).
    const toCheck = waiting.filter(({ message }) => !this.host.isBanned(message.from) && !this.history.has(message.from, message.seq));
    const { errors } = checkHandedOn(toCheck.map((w) => w.message));
    const verdicts = new Map(toCheck.map((w, i) => [w, errors[i]]));
    for (const w of waiting) {
      const error = verdicts.get(w);
      if (error !== undefined) this.refuse(link, error);
      else this.take(link, w.message, w.xml, undefined, true, w.refusal, true);
    }
  }

  onSync(link: MemberLink, message: SyncMessage): void {
    const sync = this.sync(link);
    switch (message.op) {
      case 'have': {
        if (sync.askAfter !== undefined) {
          clearTimeout(sync.askAfter);
          sync.askAfter = undefined;
          this.ask(link);
        }
        const mine = message.have.find((h) => h.a === this.host.id);
        if (mine !== undefined) this.noteAcked(link, sync, mine.n);
        if (!sync.requests.take()) {
          link.connection.close(new NetError('ERR_RATE_LIMITED', `More than ${SYNC_RATE_PER_SECOND} catch-up requests a second`));
          return;
        }
        this.pages.request(link, message);
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
    if (message.re !== undefined && this.outbox.acknowledged(link.member.id, message.re)) this.host.directAcknowledged(link.member.id, message.re);
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
      // A link that still holds unsent bytes has not even had what was sent; and all the links
      // together keep within the catch-up bound (members that never acknowledge cost no more).
      if (sync.acked < own && now - sync.ackedAt >= intervalMs && link.connection.pendingBytes === 0 && this.pages.roomForCatchUp()) {
        const { entries } = this.history.missingFor([{ a: this.host.id, n: sync.acked }], 40, SYNC_PAGE_BYTES);
        for (const entry of entries) {
          if (entry.message.from !== this.host.id) break;
          this.pages.sendEntry(link, entry);
        }
        sync.ackedAt = now;
      }
      this.outbox.resend(link, intervalMs);
    }
  }

  close(): void {
    this.acks.close();
  }

  private sync(link: MemberLink): LinkSync {
    let sync = this.state.get(link);
    if (sync === undefined) {
      sync = {
        pageRemaining: 0, pagedImages: new Set(), pageMore: false, asking: false, askAgain: false, pageNames: new Map(), unproven: [], unprovenBytes: 0,
        requests: new TokenBucket(SYNC_RATE_PER_SECOND, SYNC_BURST), handedOn: new TokenBucket(PAGE_RATE_PER_SECOND, PAGE_BURST),
        acked: 0, ackedAt: performance.now(),
      };
      this.state.set(link, sync);
    }
    return sync;
  }

  /**
   * The member that dialed asks first; this side asks once that request arrives (or after
   * {@link ASK_AFTER_THEIRS_MS}). A newcomer then meets no catch-up traffic while its other
   * handshakes are still going, and asks when it is ready.
   */
  private askAfterTheirs(link: MemberLink): void {
    const sync = this.sync(link);
    clearTimeout(sync.askAfter);
    sync.askAfter = setTimeout(() => {
      sync.askAfter = undefined;
      if (!link.connection.closed) this.ask(link);
    }, ASK_AFTER_THEIRS_MS).unref();
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

  private pageEnded(link: MemberLink, sync: LinkSync): void {
    sync.asking = false;
    if (sync.pageMore || sync.askAgain) {
      this.ask(link);
      return;
    }
    this.host.progress(this.received, this.catchingUp);
  }

  /** Keeps and hands on a message new to this member; `proven` when its signature was already checked. */
  private take(link: MemberLink, message: HistoryMessage, xml: Buffer, binary: Buffer | undefined, inPage: boolean, refusal: NetError | undefined, proven = false): void {
    if (!isSignedType(message) || this.host.isBanned(message.from)) return;
    if (inPage && !isLogged(message)) {
      this.refuse(link, new NetError('ERR_PROTOCOL', 'A direct message inside a catch-up page'));
      return;
    }
    const logged = isLogged(message);
    if (logged ? this.history.has(message.from, message.seq) : this.history.hasDirect(message.id)) {
      if (logged) this.acks.schedule(message.from);
      else link.connection.send(this.host.stamp({ type: 'ack', re: message.id }));
      return;
    }
    // A message straight from its author over the author's own link is proven by the link.
    if (message.from !== link.member.id && !proven) {
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
      this.acks.schedule(message.from);
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
}
