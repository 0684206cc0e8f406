/**
 * "Delivered to 3 of 4": for each of the user's own chat messages of this session, which of the
 * members it was sent to hold it. Members acknowledge an author's log up to a number (one ack
 * covers a burst) and a direct message by id; this turns those into per-message counts.
 */
import type { ChatDelivery } from '../webview/protocol';

interface Pending {
  /** Log number, for a message to the group; undefined for a direct message. */
  seq?: number;
  recipients: ReadonlySet<string>;
  holders: Set<string>;
}

export class DeliveryTracker {
  private readonly pending = new Map<string, Pending>();

  /** A message just sent to `recipients` (the members connected then). */
  sent(id: string, recipients: Iterable<string>, seq?: number): ChatDelivery {
    const entry: Pending = { recipients: new Set(recipients), holders: new Set() };
    if (seq !== undefined) entry.seq = seq;
    if (entry.recipients.size > 0) this.pending.set(id, entry);
    return { delivered: 0, of: entry.recipients.size };
  }

  /** `member` holds the log up to `upTo`: the messages whose delivery changed, with their new counts. */
  acknowledged(member: string, upTo: number): [string, ChatDelivery][] {
    const changed: [string, ChatDelivery][] = [];
    for (const [id, entry] of this.pending) {
      if (entry.seq === undefined || entry.seq > upTo || !entry.recipients.has(member) || entry.holders.has(member)) continue;
      changed.push([id, this.hold(id, entry, member)]);
    }
    return changed;
  }

  /** `member` acknowledged the direct message `id`. */
  directAcknowledged(member: string, id: string): ChatDelivery | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined || !entry.recipients.has(member) || entry.holders.has(member)) return undefined;
    return this.hold(id, entry, member);
  }

  clear(): void {
    this.pending.clear();
  }

  private hold(id: string, entry: Pending, member: string): ChatDelivery {
    entry.holders.add(member);
    if (entry.holders.size === entry.recipients.size) this.pending.delete(id);
    return { delivered: entry.holders.size, of: entry.recipients.size };
  }
}
