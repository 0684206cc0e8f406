/**
 * One TCP connection carrying framed messages: decoding, deadlines, bounded sending. It knows the
 * frame and message formats but not the conversation; the repository server and the peer node
 * decide what each message means.
 */
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { NetError, toNetError } from './errors';
import { FrameDecoder, FrameType, encodeFrame } from './framing';
import type { FrameLimits } from './framing';
import { DRAIN_TIMEOUT_MS, FRAME_DEADLINE_MS, MAX_OUTBOUND_QUEUE_BYTES, MAX_OUTBOUND_QUEUE_FRAMES } from './limits';
import type { Logger } from './logger';
import type { ImageMessage, Message } from './messages';
import { decodeMessage, encodeMessage, MAX_ERROR_TEXT } from './xmlCodec';

export interface ConnectionOptions {
  logger: Logger;
  /** Shown in log lines, e.g. `peer alice@10.0.0.5:46801`. Defaults to the remote address. */
  label?: string;
  /** Time from the first byte of a frame to its last, in ms. Default {@link FRAME_DEADLINE_MS}. */
  frameDeadlineMs?: number;
  /** Bound on bytes waiting to be sent. Default {@link MAX_OUTBOUND_QUEUE_BYTES}. */
  maxOutboundBytes?: number;
  /** Bound on frames waiting to be sent. Default {@link MAX_OUTBOUND_QUEUE_FRAMES}. */
  maxOutboundFrames?: number;
  /** Time the socket may stay congested before the peer counts as a slow consumer, in ms. Default {@link DRAIN_TIMEOUT_MS}. */
  drainTimeoutMs?: number;
  limits?: Partial<FrameLimits>;
  /** Builds the `error` message sent to the other side before a deliberate close, if any. */
  errorNotice?: (error: NetError) => Message | undefined;
}

export interface ConnectionEvents {
  /** A message arrived; `binary` holds the image bytes that followed an `image` add, already checked. */
  message: [message: Message, binary: Buffer | undefined];
  /** The connection is closed; `error` says why when it was not a clean close. Emitted once. */
  close: [error: NetError | undefined];
}

/** The body of the `error` message that tells the other side why we close. */
export function errorNoticeBody(error: NetError): { type: 'error'; code: string; text: string } {
  // Cut on whole code points: half a surrogate pair would not pass the codec.
  return { type: 'error', code: error.code, text: Array.from(error.message).slice(0, MAX_ERROR_TEXT).join('') };
}

/** A message encoded into the frame(s) that carry it, ready to be written to any number of connections. */
export interface EncodedMessage {
  xml: Buffer;
  binary?: Buffer;
}

/** Encodes a message (and an image's bytes) into frames. Throws `ERR_BAD_MESSAGE` for a message that breaks the schema. */
export function encodeOutgoing(message: Message, binary?: Uint8Array): EncodedMessage {
  const xml = encodeFrame(FrameType.Xml, encodeMessage(message));
  return binary === undefined ? { xml } : { xml, binary: encodeFrame(FrameType.Binary, binary) };
}

/** Normalises an IPv4-mapped IPv6 address (`::ffff:10.0.0.5`) to plain IPv4. */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export class Connection extends EventEmitter<ConnectionEvents> {
  /** Remote IP address as seen by this side (IPv4-mapped addresses made plain). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Time of the last byte received, from `performance.now()`: the liveness checks read it. */
  lastReceivedAt = performance.now();
  label: string;

  private readonly decoder: FrameDecoder;
  private readonly options: Required<Omit<ConnectionOptions, 'label' | 'limits' | 'errorNotice'>> & Pick<ConnectionOptions, 'errorNotice'>;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private congested = false;
  private corked = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  /** The `image` add message whose bytes must come in the next frame. */
  private awaitingBinary: ImageMessage | undefined;
  private closedWith: { error: NetError | undefined } | undefined;
  /** Settles when the socket itself has closed (after a graceful end, possibly later than `close`). */
  readonly socketClosed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    options: ConnectionOptions,
  ) {
    super();
    this.remoteAddress = plainAddress(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.label = options.label ?? `${this.remoteAddress}:${this.remotePort}`;
    this.options = {
      logger: options.logger,
      frameDeadlineMs: options.frameDeadlineMs ?? FRAME_DEADLINE_MS,
      maxOutboundBytes: options.maxOutboundBytes ?? MAX_OUTBOUND_QUEUE_BYTES,
      maxOutboundFrames: options.maxOutboundFrames ?? MAX_OUTBOUND_QUEUE_FRAMES,
      drainTimeoutMs: options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS,
      errorNotice: options.errorNotice,
    };
    this.decoder = new FrameDecoder(options.limits);
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err) => this.finish(toNetError(err, 'ERR_SOCKET')));
    socket.on('close', () => this.finish(undefined));
  }

  get closed(): boolean {
    return this.closedWith !== undefined || this.socket.destroyed;
  }

  /** Bytes accepted for sending that the kernel has not taken yet. */
  get pendingBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /**
   * Sends one message, and for an `image` add its bytes as the binary frame that must follow.
   * Returns false when the connection is closed (or closes because its queue overflowed).
   * Encoding errors (a message that breaks the schema) are programming errors and are thrown.
   */
  send(message: Message, binary?: Uint8Array): boolean {
    return this.sendEncoded(encodeOutgoing(message, binary), message);
  }

  /**
   * Sends frames made once by {@link encodeOutgoing}: a broadcast encodes its message once for
   * every member instead of once per member.
   */
  sendEncoded(frames: EncodedMessage, message?: Message): boolean {
    if (this.closed) return false;
    if (message !== undefined) this.options.logger.trace(`-> ${this.label} ${message.type} ${message.id}`);
    this.write(frames.xml);
    if (frames.binary !== undefined) this.write(frames.binary);
    return !this.closed;
  }

  /**
   * Closes the connection. With an error, tells the other side why (when an `errorNotice` builder
   * was given) and logs it once; without, a clean close. What was queued is flushed before the end.
   */
  close(error?: NetError): void {
    if (this.closed) return;
    if (error !== undefined) {
      const notice = this.options.errorNotice?.(error);
      if (notice !== undefined) this.write(encodeFrame(FrameType.Xml, encodeMessage(notice)));
    }
    this.finish(error);
  }

  private write(frame: Buffer): void {
    if (this.congested) {
      this.queue.push(frame);
      this.queuedBytes += frame.length;
      if (this.queue.length > this.options.maxOutboundFrames || this.pendingBytes > this.options.maxOutboundBytes) {
        this.destroy(new NetError('ERR_SLOW_CONSUMER', `Outbound queue overflowed (${this.queue.length} frames, ${this.pendingBytes} bytes)`));
      }
      return;
    }
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
        () => this.destroy(new NetError('ERR_SLOW_CONSUMER', `The socket did not drain for ${this.options.drainTimeoutMs} ms`)),
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
    while (this.queue.length > 0 && !this.congested && !this.closed) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.length;
      this.write(frame);
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceivedAt = performance.now();
    try {
      const frames = this.decoder.push(chunk);
      for (const frame of frames) {
        if (this.closed) return;
        if (frame.type === FrameType.Xml) this.onXmlFrame(frame.payload);
        else this.onBinaryFrame(frame.payload);
      }
      this.updateFrameDeadline(frames.length > 0);
    } catch (err) {
      this.destroy(toNetError(err, 'ERR_PROTOCOL'));
    }
  }

  private onXmlFrame(payload: Buffer): void {
    if (this.awaitingBinary !== undefined) {
      throw new NetError('ERR_UNEXPECTED_BINARY', `Expected the ${this.awaitingBinary.bytes} bytes of image ${this.awaitingBinary.item}, got an XML frame`);
    }
    const message = decodeMessage(payload);
    this.options.logger.trace(`<- ${this.label} ${message.type} ${message.id}`);
    if (message.type === 'image' && message.op === 'add') {
      this.awaitingBinary = message;
      return;
    }
    this.emit('message', message, undefined);
  }

  private onBinaryFrame(payload: Buffer): void {
    const announced = this.awaitingBinary;
    if (announced === undefined) throw new NetError('ERR_UNEXPECTED_BINARY', 'A binary frame arrived that no image message announced');
    this.awaitingBinary = undefined;
    if (payload.length !== announced.bytes) {
      throw new NetError('ERR_UNEXPECTED_BINARY', `Image ${announced.item} announced ${announced.bytes} bytes, ${payload.length} arrived`);
    }
    const digest = createHash('sha256').update(payload).digest('hex');
    if (digest !== announced.sha256) throw new NetError('ERR_UNEXPECTED_BINARY', `Image ${announced.item} does not match its SHA-256`);
    this.emit('message', announced, payload);
  }

  /**
   * A frame must be complete within the frame deadline from its first byte (an idle timer would let a
   * sender trickle one byte at a time forever). An image's binary frame counts as part of its message.
   */
  private updateFrameDeadline(completedAFrame: boolean): void {
    const inFrame = this.decoder.inFrame || this.awaitingBinary !== undefined;
    if (!inFrame || completedAFrame) {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
    }
    if (inFrame && this.frameTimer === undefined) {
      this.frameTimer = setTimeout(
        () => this.destroy(new NetError('ERR_FRAME_TIMEOUT', `A frame was not completed within ${this.options.frameDeadlineMs} ms`)),
        this.options.frameDeadlineMs,
      );
    }
  }

  private onEnd(): void {
    try {
      this.decoder.end();
      if (this.awaitingBinary !== undefined) throw new NetError('ERR_TRUNCATED_FRAME', 'The stream ended before the announced image bytes');
      this.finish(undefined);
    } catch (err) {
      this.finish(toNetError(err, 'ERR_TRUNCATED_FRAME'));
    }
  }

  /** Closes at once, discarding what is queued: for protocol violations and slow consumers. */
  destroy(error?: NetError): void {
    if (this.closed) return;
    if (error !== undefined) {
      const notice = this.options.errorNotice?.(error);
      // A best-effort last word; the socket is destroyed right after, so it may not arrive.
      if (notice !== undefined && !this.congested) this.socket.write(encodeFrame(FrameType.Xml, encodeMessage(notice)));
    }
    this.finish(error, true);
  }

  private finish(error: NetError | undefined, hard = false): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = { error };
    clearTimeout(this.frameTimer);
    clearTimeout(this.drainTimer);
    if (error !== undefined) this.options.logger.warn(`Closed connection ${this.label}: ${error.code} ${error.message}`);
    if (hard || this.socket.destroyed) {
      this.socket.destroy();
    } else {
      // Flush what the socket holds, then end; a peer that never reads is cut off by the drain timer.
      for (const frame of this.queue.splice(0)) this.socket.write(frame);
      this.socket.end();
      const socket = this.socket;
      const forceClose = setTimeout(() => socket.destroy(), this.options.drainTimeoutMs).unref();
      socket.once('close', () => clearTimeout(forceClose));
    }
    this.emit('close', error);
  }
}
