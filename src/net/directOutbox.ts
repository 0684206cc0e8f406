/**
 * Direct messages a member sent and the recipient has not acknowledged yet, per recipient: sent
 * again when the recipient's link opens and once a ping interval while unacknowledged, dropped on
 * its `ack re`. Bounded by {@link MAX_OUTBOX_PER_MEMBER} per recipient (the oldest goes first).
 */
import type { EncodedMessage } from './connection';
import { MAX_OUTBOX_PER_MEMBER } from './limits';
import type { Logger } from './logger';
import type { ChatMessage } from './messages';
import type { MemberLink } from './peerNodeTypes';

interface Pending {
  frames: EncodedMessage;
  message: ChatMessage;
  /** When it last went out, `performance.now()` ms. */
  sentAt: number;
}

export class DirectOutbox {
  private readonly boxes = new Map<string, Map<string, Pending>>();

  constructor(private readonly logger: Logger) {}

  /** Holds a direct message for resending until `to` acknowledges it. */
  hold(to: string, message: ChatMessage, frames: EncodedMessage): void {
    let box = this.boxes.get(to);
    if (box === undefined) {
      box = new Map();
      this.boxes.set(to, box);
    }
    box.set(message.id, { frames, message, sentAt: performance.now() });
    if (box.size > MAX_OUTBOX_PER_MEMBER) {
      const oldest = box.keys().next().value!;
      box.delete(oldest);
      this.logger.warn(`ERR_LIMIT: more than ${MAX_OUTBOX_PER_MEMBER} direct messages wait for ${to}; the oldest is no longer resent`);
    }
  }

  /** `memberId` acknowledged message `id`: true when it was waiting here. */
  acknowledged(memberId: string, id: string): boolean {
    const box = this.boxes.get(memberId);
    if (box?.delete(id) !== true) return false;
    if (box.size === 0) this.boxes.delete(memberId);
    return true;
  }

  /** Sends again what waits for the link's member and went out at least `olderThanMs` ago (0: all of it). */
  resend(link: MemberLink, olderThanMs = 0): void {
    const now = performance.now();
    for (const pending of this.boxes.get(link.member.id)?.values() ?? []) {
      if (now - pending.sentAt < olderThanMs) continue;
      pending.sentAt = now;
      link.connection.sendEncoded(pending.frames, pending.message);
    }
  }
}
