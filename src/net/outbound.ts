/**
 * What one connection sends, in order of urgency: control messages (pings, pongs, acks, the image
 * flow's own `blob` messages) first, then every other message in the order it was sent, then image
 * chunks, made one at a time only when nothing else waits. Frames are sealed as they are written
 * to the socket, not when they are queued: the send stream must see them in wire order.
 *
 * The queue is bounded in frames and bytes; a socket that stays congested past the drain timeout
 * is a slow consumer. Image bytes never sit in the queue: the chunk source makes each chunk when
 * its turn comes.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NetError } from './errors';
import { FrameType } from './framing';

/** The plaintext frame types a connection seals. */
export type PlainType = typeof FrameType.Xml | typeof FrameType.Binary;

export interface OutboundOptions {
  maxOutboundBytes: number;
  maxOutboundFrames: number;
  drainTimeoutMs: number;
  /** The queue overflowed or the socket never drained: the connection must close. */
  onSlowConsumer(error: NetError): void;
  /** The plaintext of the next image chunk, when one may go now. */
  nextChunk(): Buffer | undefined;
  /** Image bytes offered and not yet sent, in bytes (counted as pending). */
  unsentImageBytes(): number;
}

interface Queued {
  type: PlainType;
  payload: Uint8Array;
}

export class Outbound {
  private readonly urgent: Queued[] = [];
  private readonly normal: Queued[] = [];
  private queuedBytes = 0;
  private seal: ((type: PlainType, payload: Uint8Array) => Buffer) | undefined;
  private congested = false;
  private corked = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly socket: Duplex & Pick<Socket, 'cork' | 'uncork'>,
    private readonly options: OutboundOptions,
  ) {
    socket.on('drain', () => this.onDrain());
  }

  /** Bytes accepted for sending that the kernel has not taken yet, image bytes not yet chunked included. */
  get pendingBytes(): number {
    return this.queuedBytes + this.socket.writableLength + this.options.unsentImageBytes();
  }

  /** True while the socket has not drained what was written: the next frames wait in the queue. */
  get isCongested(): boolean {
    return this.congested;
  }

  /** The handshake ended: from now on frames are sealed with `seal` and written. */
  start(seal: (type: PlainType, payload: Uint8Array) => Buffer): void {
    this.seal = seal;
    this.flush();
  }

  /** Queues a frame's plaintext and writes what may go now. */
  send(type: PlainType, payload: Uint8Array, urgent: boolean): void {
    if (this.stopped) return;
    (urgent ? this.urgent : this.normal).push({ type, payload });
    this.queuedBytes += payload.length;
    const frames = this.urgent.length + this.normal.length;
    if (frames > this.options.maxOutboundFrames || this.pendingBytes - this.options.unsentImageBytes() > this.options.maxOutboundBytes) {
      this.options.onSlowConsumer(new NetError('ERR_SLOW_CONSUMER', `Outbound queue overflowed (${frames} frames, ${this.queuedBytes} bytes)`));
      return;
    }
    this.flush();
  }

  /** Writes a frame that is not sealed (a handshake flight) at once. */
  writeRaw(frame: Buffer): void {
    if (!this.stopped) this.writeToSocket(frame);
  }

  /** Writes what may go now: queued frames by urgency, then image chunks while the socket takes them. */
  flush(): void {
    const seal = this.seal;
    if (seal === undefined) return;
    while (!this.congested && !this.stopped) {
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next !== undefined) {
        this.queuedBytes -= next.payload.length;
        this.writeToSocket(seal(next.type, next.payload));
        continue;
      }
      const chunk = this.options.nextChunk();
      if (chunk === undefined) return;
      this.writeToSocket(seal(FrameType.Binary, chunk));
    }
  }

  /**
   * Stops sending. With `drain`, what is queued (not image chunks) is sealed and handed to the
   * socket first, as a graceful close flushes before it ends.
   */
  stop(drain: boolean): void {
    if (this.stopped) return;
    clearTimeout(this.drainTimer);
    if (drain && this.seal !== undefined) {
      for (const next of [...this.urgent, ...this.normal]) this.socket.write(this.seal(next.type, next.payload));
    }
    this.stopped = true;
    this.urgent.length = 0;
    this.normal.length = 0;
    this.queuedBytes = 0;
  }

  private writeToSocket(frame: Buffer): void {
    if (!this.corked) {
      // Frames written in the same tick (a burst of messages, a pong behind a reply) leave in one
      // writev system call. Each frame is still one write(), so Nagle never splits one.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.uncork());
    }
    if (!this.socket.write(frame)) {
      this.congested = true;
      this.drainTimer = setTimeout(
        () => this.options.onSlowConsumer(new NetError('ERR_SLOW_CONSUMER', `The socket did not drain for ${this.options.drainTimeoutMs} ms`)),
        this.options.drainTimeoutMs,
      );
    }
  }

  private uncork(): void {
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  }

  private onDrain(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.congested = false;
    this.flush();
  }
}
