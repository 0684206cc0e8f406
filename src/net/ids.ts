import { randomBytes, randomUUID } from 'node:crypto';
import { PROTOCOL_VERSION } from './messages';
import type { Message, MessageBody } from './messages';

/** A new random peer id: 16 random bytes as URL-safe base64 (22 characters). */
export function newPeerId(): string {
  return randomBytes(16).toString('base64url');
}

/** A new random id for a message or a board item (a UUID: 36 characters, unique without coordination). */
export function newItemId(): string {
  return randomUUID();
}

/**
 * Fills in the envelope of outgoing messages for one sender in one group: a fresh id, the next
 * sequence number and the time. One stamper per sender, so sequence numbers count every message
 * the sender sends in this session.
 */
export class EnvelopeStamper {
  private seq = 0;

  constructor(
    readonly from: string,
    readonly group: string,
  ) {}

  /** The sequence number of the last message stamped (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  stamp<B extends MessageBody>(body: B): B & Message {
    this.seq += 1;
    return this.stampNumbered(body, this.seq);
  }

  /** Stamps a message of the author's group log with its log number (kept by the history, not here). */
  stampNumbered<B extends MessageBody>(body: B, seq: number): B & Message {
    return { v: PROTOCOL_VERSION, id: randomUUID(), from: this.from, group: this.group, seq, ts: Date.now(), ...body } as B & Message;
  }
}
