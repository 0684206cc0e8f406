/**
 * A frame must be complete within a deadline from its first byte: an idle timer would let a sender
 * trickle one byte at a time forever. Each chunk of an image is a frame of its own, so a slow link
 * is slow, not cut off; an image whose chunks stop coming has a deadline of its own.
 */
export class FrameDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly expired: () => void,
  ) {}

  /** After each chunk of bytes: `inFrame` while a frame is begun and not complete, `completed` when one ended in the chunk. */
  update(inFrame: boolean, completed: boolean): void {
    if (!inFrame || completed) this.clear();
    if (inFrame && this.timer === undefined) this.timer = setTimeout(this.expired, this.ms);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
