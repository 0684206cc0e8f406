/**
 * Sending images in chunks on one connection. An image `add` goes out as an ordinary message and
 * its bytes become an *offer*; the other side asks for them (`blob op="want"`, from the offset it
 * already holds) and acknowledges what arrived (`blob op="got"`). Chunks of
 * {@link IMAGE_PACING_CHUNK_BYTES} are made only when the connection has nothing else to write, and
 * at most a window of chunk bytes is unacknowledged at a time, sized to the link from how long
 * acknowledgements take (`imagePacing.ts`), so a chat written meanwhile finds little ahead of it,
 * wherever the bytes wait (kernel buffers, a slow VPN).
 */
import { NetError } from './errors';
import { encodeChunk } from './imageIncoming';
import { ImagePacing } from './imagePacing';
import { IMAGE_PACING_CHUNK_BYTES } from './limits';
import type { BlobMessage } from './messages';

interface Offer {
  bytes: Uint8Array;
  /** Set once the other side asked: the next offset to send, and what it acknowledged. */
  sending?: { next: number; acked: number };
  /** Chunks sent and not yet acknowledged: where each ends, and when it was written. */
  inFlight: Array<{ end: number; sentAt: number }>;
}

export class OutgoingImages {
  private readonly offers = new Map<string, Offer>();
  private unacknowledged = 0;
  private readonly pacing = new ImagePacing();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Bytes of offered images not yet sent (asked for or not). */
  get unsentBytes(): number {
    let total = 0;
    for (const offer of this.offers.values()) total += offer.bytes.length - (offer.sending?.next ?? 0);
    return total;
  }

  /** Image bytes chunks were sent of, in total (what a resume saves shows here). */
  sentBytes = 0;

  /** An image's message went out: its bytes wait for the other side to ask. */
  offer(sha256: string, bytes: Uint8Array): void {
    if (!this.offers.has(sha256)) this.offers.set(sha256, { bytes, inFlight: [] });
  }

  /**
   * A `blob` message from the other side. Returns true when chunks may now be sent. Throws
   * `ERR_PROTOCOL` for an offset past the image or an acknowledgement of bytes never sent.
   */
  onBlob(message: BlobMessage): boolean {
    const offer = this.offers.get(message.sha256);
    // Asked or acknowledged after the offer ended (a duplicate announcement, a late ack): nothing to do.
    if (offer === undefined) return false;
    const size = offer.bytes.length;
    if (message.at > size) throw new NetError('ERR_PROTOCOL', `A blob ${message.op} at ${message.at}, past the image's ${size} bytes`);
    if (message.op === 'want') {
      if (offer.sending !== undefined) this.unacknowledged -= offer.sending.next - offer.sending.acked;
      offer.sending = { next: message.at, acked: message.at };
      offer.inFlight = [];
      if (message.at === size) this.offers.delete(message.sha256);
      return message.at < size;
    }
    const sending = offer.sending;
    if (sending === undefined || message.at < sending.acked || message.at > sending.next) {
      throw new NetError('ERR_PROTOCOL', `A blob got at ${message.at}, which was never sent`);
    }
    const newly = message.at - sending.acked;
    this.unacknowledged -= newly;
    sending.acked = message.at;
    // The newest chunk this acknowledges says how long the link took.
    let sentAt: number | undefined;
    while (offer.inFlight.length > 0 && offer.inFlight[0]!.end <= message.at) sentAt = offer.inFlight.shift()!.sentAt;
    if (sentAt !== undefined && newly > 0) this.pacing.acknowledged(newly, sentAt, this.now());
    if (message.at === size) this.offers.delete(message.sha256);
    return true;
  }

  /**
   * The plaintext of the next chunk to send, or undefined when none is asked for or the window is
   * full. Images asked for at once take turns, a chunk each.
   */
  nextChunk(): Buffer | undefined {
    for (const [sha256, offer] of this.offers) {
      const sending = offer.sending;
      if (sending === undefined || sending.next >= offer.bytes.length) continue;
      const length = Math.min(IMAGE_PACING_CHUNK_BYTES, offer.bytes.length - sending.next);
      // One chunk may always be in flight, whatever the window: otherwise nothing would move.
      if (this.unacknowledged > 0 && this.unacknowledged + length > this.pacing.window) return undefined;
      const plain = encodeChunk(sha256, sending.next, offer.bytes.subarray(sending.next, sending.next + length));
      sending.next += length;
      offer.inFlight.push({ end: sending.next, sentAt: this.now() });
      this.unacknowledged += length;
      this.sentBytes += length;
      // To the back of the line, so that another image asked for meanwhile gets the next turn.
      this.offers.delete(sha256);
      this.offers.set(sha256, offer);
      return plain;
    }
    return undefined;
  }

  close(): void {
    this.offers.clear();
    this.unacknowledged = 0;
  }
}
