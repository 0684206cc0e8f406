/**
 * How many image chunk bytes one connection may have unacknowledged: a window that follows the
 * link, so that a chat written now finds at most about {@link IMAGE_QUEUE_TARGET_MS} of image bytes
 * queued ahead of it, on a 10 Mbit/s VPN as on a gigabit LAN.
 *
 * Delay-based, as LEDBAT (RFC 6817) and TCP Vegas are: each acknowledgement (`blob op="got"`) says
 * how long its chunk took from being written to being acknowledged. The shortest such time seen on
 * the connection is its base (the round trip and one chunk's transmission, nothing queued); what a
 * chunk took beyond that waited in a queue somewhere (kernel buffers, the VPN, a busy receiver), and
 * a chat written behind it waits as long. At first, while little is queued, the window doubles each
 * round trip; after that, and near the target, it grows by one chunk a round trip; above the target
 * it shrinks at once (once a round trip) by as much as brings the queue back to the target, as in
 * TCP's slow start, congestion avoidance and multiplicative decrease. The window never falls below
 * one chunk, so an image always moves.
 *
 * A fixed window cannot do both: 64 KiB is 52 ms of queue at 10 Mbit/s, and a window small enough
 * for that link would hold a transfer on a long round trip to a fraction of what it could carry.
 */
import { IMAGE_PACING_CHUNK_BYTES, IMAGE_QUEUE_TARGET_MS, IMAGE_WINDOW_MAX_BYTES, IMAGE_WINDOW_START_BYTES } from './limits';

export class ImagePacing {
  /** Chunk bytes that may be unacknowledged now. */
  window = IMAGE_WINDOW_START_BYTES;
  /** The shortest time from a chunk written to its acknowledgement, in ms. */
  private baseMs = Infinity;
  /** When the window was last made smaller (it shrinks at most once a round trip). */
  private shrunkAt = -Infinity;
  /** Until the first time the queue passes the target, the window doubles each round trip. */
  private ramping = true;

  constructor(private readonly targetMs = IMAGE_QUEUE_TARGET_MS) {}

  /**
   * A chunk written at `sentAt` was acknowledged at `now` (ms, one clock), and with it `bytes`
   * bytes that were unacknowledged.
   */
  acknowledged(bytes: number, sentAt: number, now: number): void {
    const took = Math.max(0, now - sentAt);
    this.baseMs = Math.min(this.baseMs, took);
    const queuedMs = took - this.baseMs;
    let window = this.window;
    if (queuedMs > this.targetMs) {
      if (now - this.shrunkAt < took) return;
      this.shrunkAt = now;
      this.ramping = false;
      // The link delivers about window / (base + queued) a millisecond: keep base + target of it.
      window = (window * (this.baseMs + this.targetMs)) / (this.baseMs + queuedMs);
    } else if (this.ramping && queuedMs < this.targetMs / 2) {
      window += bytes;
    } else {
      window += (bytes * IMAGE_PACING_CHUNK_BYTES) / window;
    }
    this.window = Math.round(Math.min(IMAGE_WINDOW_MAX_BYTES, Math.max(IMAGE_PACING_CHUNK_BYTES, window)));
  }
}
