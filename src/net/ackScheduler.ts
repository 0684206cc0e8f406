/**
 * The acknowledgements this member sends: each author it is linked to learns how far this member
 * holds the author's log (`ack upTo`). One goes {@link ACK_DELAY_MS} after a message arrives, so
 * it covers a burst, and to each author at most once per {@link ACK_INTERVAL_MS} over a link, so
 * an author who writes fast gets one acknowledgement for all it wrote meanwhile instead of about
 * one per message (each is a frame both sides seal, send, open and decode).
 */
import type { HistorySyncHost } from './historySyncTypes';
import { ACK_DELAY_MS, ACK_INTERVAL_MS } from './limits';
import type { MemberLink } from './peerNodeTypes';

export class AckScheduler {
  /** Authors whose log grew here since they were last acknowledged. */
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Per link: the last `upTo` sent to its member for its own log, and when (`performance.now()`). */
  private readonly sent = new WeakMap<MemberLink, { upTo: number; at: number }>();

  constructor(
    private readonly host: Pick<HistorySyncHost, 'id' | 'link' | 'stamp'>,
    /** How far this member holds `author`'s log without a gap. */
    private readonly heldUpTo: (author: string) => number,
  ) {}

  /** `author`'s log grew here (or it sent again what is already held): acknowledge it soon. */
  schedule(author: string): void {
    if (author === this.host.id) return;
    this.waiting.add(author);
    this.timer ??= setTimeout(() => this.flush(), ACK_DELAY_MS);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Acknowledges each waiting author, unless it was acknowledged less than {@link ACK_INTERVAL_MS} ago: that one waits its turn. */
  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    let nextDue = Infinity;
    for (const author of this.waiting) {
      const link = this.host.link(author);
      const upTo = this.heldUpTo(author);
      const last = link === undefined ? undefined : this.sent.get(link);
      if (link === undefined || upTo <= (last?.upTo ?? 0)) {
        this.waiting.delete(author);
        continue;
      }
      const due = (last?.at ?? -Infinity) + ACK_INTERVAL_MS;
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      this.sent.set(link, { upTo, at: now });
      this.waiting.delete(author);
      link.connection.send(this.host.stamp({ type: 'ack', upTo }));
    }
    if (nextDue !== Infinity) this.timer = setTimeout(() => this.flush(), Math.max(ACK_DELAY_MS, nextDue - now));
  }
}
