/**
 * The answering side of catch-up: a member's `sync op="have"` gets a page of what it is missing,
 * from any author. A page is sent only once what is queued for that link has mostly gone out (a
 * page behind a large image waits for it), so pages never pile up in a connection's queue, and
 * only while what is queued on all links together is under {@link MAX_CATCHUP_QUEUED_BYTES}, so
 * many newcomers asking at once are answered in turn within a bounded amount of memory.
 */
import type { GroupHistory, HistoryEntry } from './groupHistory';
import type { HistorySyncHost } from './historySyncTypes';
import { MAX_CATCHUP_QUEUED_BYTES, SYNC_PAGE_BYTES } from './limits';
import type { MessageBody, SyncMessage } from './messages';
import type { MemberLink } from './peerNodeTypes';
import { MAX_SYNC_PAGE } from './xmlCodec';

/** How often a waiting request looks again whether its link has drained, in ms. */
const DRAIN_POLL_MS = 100;

export class PageServer {
  /** The request each link waits to have answered: one per link, a newer one replacing it. */
  private readonly waiting = new WeakMap<MemberLink, SyncMessage>();
  /** While this member joins: links whose request waits for {@link release}. */
  private held: Set<MemberLink> | undefined;

  constructor(
    private readonly host: Pick<HistorySyncHost, 'links' | 'stamp'>,
    private readonly history: GroupHistory,
  ) {}

  /** Answers `request` from `link` as soon as the queues allow (while held, once released). */
  request(link: MemberLink, request: SyncMessage): void {
    const alreadyWaiting = this.waiting.has(link);
    this.waiting.set(link, request);
    if (this.held !== undefined) {
      this.held.add(link);
      return;
    }
    if (!alreadyWaiting) this.answerWhenDrained(link);
  }

  /** Holds every request until {@link release}: this member is joining. */
  hold(): void {
    this.held ??= new Set();
  }

  /** Answers the requests held since {@link hold}, on links still open. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    for (const link of held ?? []) if (!link.connection.closed) this.answerWhenDrained(link);
  }

  /** Bytes waiting to be sent on all links. */
  queuedBytes(): number {
    let bytes = 0;
    for (const l of this.host.links()) bytes += l.connection.pendingBytes;
    return bytes;
  }

  /** True while the queues leave room for catch-up traffic: under {@link MAX_CATCHUP_QUEUED_BYTES} on all links together. */
  roomForCatchUp(): boolean {
    return this.queuedBytes() <= MAX_CATCHUP_QUEUED_BYTES;
  }

  /** Sends a message of the history as it was kept, with its image's bytes if it adds one. */
  sendEntry(link: MemberLink, entry: HistoryEntry): void {
    const m = entry.message;
    const binary = m.type === 'image' && m.op === 'add' ? this.history.imageBytes(m.sha256!) : undefined;
    link.connection.sendEncoded(binary === undefined ? { xml: entry.xml } : { xml: entry.xml, binary }, m);
  }

  private answerWhenDrained(link: MemberLink): void {
    const attempt = (): void => {
      const request = this.waiting.get(link);
      if (request === undefined) return;
      if (link.connection.closed) {
        this.waiting.delete(link);
        return;
      }
      if (link.connection.pendingBytes > SYNC_PAGE_BYTES || !this.roomForCatchUp()) {
        setTimeout(attempt, DRAIN_POLL_MS).unref();
        return;
      }
      this.waiting.delete(link);
      this.answer(link, request);
    };
    attempt();
  }

  private answer(link: MemberLink, request: SyncMessage): void {
    const { entries, more } = this.history.missingFor(request.have, MAX_SYNC_PAGE, SYNC_PAGE_BYTES);
    const header: MessageBody<'sync'> = { type: 'sync', op: 'page', count: entries.length, have: [], authors: this.history.namesFor(entries) };
    if (more) header.more = 'true';
    link.connection.send(this.host.stamp(header));
    for (const entry of entries) this.sendEntry(link, entry);
  }
}
