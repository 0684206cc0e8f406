/**
 * Gathers the board's deltas for a moment and posts them as one `batch`. A catch-up page or a busy
 * class changes hundreds of items within milliseconds; posted one by one, each would cross from
 * the extension host to the board as its own message, be cloned and handled apart, and a newcomer's
 * board would fill in over seconds. A lone delta waits at most {@link DELTA_BATCH_MS}.
 */
import { MAX_BATCH_MESSAGES } from '../webview/protocol';
import type { BatchedDelta, HostToWebview } from '../webview/protocol';

/** How long the first delta of a burst waits for the rest, in ms: about one frame. */
export const DELTA_BATCH_MS = 16;

export class DeltaBatcher {
  private pending: BatchedDelta[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly post: (message: HostToWebview) => void) {}

  add(delta: BatchedDelta): void {
    this.pending.push(delta);
    if (this.pending.length >= MAX_BATCH_MESSAGES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), DELTA_BATCH_MS);
  }

  /** Posts what is pending now (before a message that must come after it). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const messages = this.pending;
    if (messages.length === 0) return;
    this.pending = [];
    this.post(messages.length === 1 ? messages[0]! : { type: 'batch', messages });
  }

  /** Forgets what is pending: a snapshot of the whole state is about to replace it. */
  drop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
