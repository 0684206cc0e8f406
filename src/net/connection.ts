/**
 * One TCP connection carrying framed messages: the handshake, then sealed frames, decoding,
 * deadlines, bounded sending. It knows the frame and message formats but not the conversation;
 * the repository server and the peer node decide what each message means.
 *
 * Until the handshake ends only handshake frames of at most {@link MAX_HANDSHAKE_FRAME_BYTES} are
 * read (so a stranger costs a few KiB at most); after it, only sealed frames. Messages sent before
 * the handshake ends wait, and are sealed and sent once it does.
 */
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { NetError, toNetError } from './errors';
import { FrameDecoder, FrameType, encodeFrame } from './framing';
import type { Frame, FrameLimits } from './framing';
import { MAX_HANDSHAKE_FRAME_BYTES } from './handshake';
import { FrameDeadline } from './frameDeadline';
import { IncomingImages } from './imageIncoming';
import { OutgoingImages } from './imageOutgoing';
import {
  DRAIN_TIMEOUT_MS,
  FRAME_DEADLINE_MS,
  HANDSHAKE_DEADLINE_MS,
  MAX_INTRO_FRAME_BYTES,
  MAX_OUTBOUND_QUEUE_BYTES,
  MAX_OUTBOUND_QUEUE_FRAMES,
  MAX_XML_FRAME_BYTES,
  TRANSFER_IDLE_MS,
} from './limits';
import type { Message, MessageBody } from './messages';
import { Outbound } from './outbound';
import type { PlainType } from './outbound';
import { SEAL_OVERHEAD_BYTES, SecureChannel } from './secureChannel';
import { decodeMessage, encodeMessage } from './xmlCodec';

export { encodeOutgoing, errorNoticeBody, plainAddress } from './connectionTypes';
export type { ConnectionEvents, ConnectionOptions, ConnectionSocket, EncodedMessage, ProvenPeer } from './connectionTypes';
import type { ConnectionEvents, ConnectionOptions, ConnectionSocket, EncodedMessage, ProvenPeer } from './connectionTypes';
import { encodeOutgoing, plainAddress } from './connectionTypes';

/** Messages sent ahead of everything else waiting: they keep the link alive and the image flow moving. */
const CONTROL_TYPES: ReadonlySet<string> = new Set(['ping', 'pong', 'ack', 'blob']);

export class Connection extends EventEmitter<ConnectionEvents> {
  /** Remote IP address as seen by this side (IPv4-mapped addresses made plain). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** This side's IP address on the connection: how the other side reaches this machine. */
  readonly localAddress: string;
  /** Time of the last byte received, from `performance.now()`: the liveness checks read it. */
  lastReceivedAt = performance.now();
  label: string;

  private readonly decoder: FrameDecoder;
  private readonly options: Required<Pick<ConnectionOptions, 'logger' | 'handshake' | 'handshakeDeadlineMs' | 'frameDeadlineMs'>> & ConnectionOptions;
  private readonly sealedLimits: FrameLimits;
  /** Small sealed XML frames only, until the owner admits the other side with {@link admitFullFrames}. */
  private readonly introLimits: FrameLimits;
  private fullFramesAdmitted = false;
  /** Everything sent goes through it: queued by urgency, sealed in wire order, image chunks last. */
  private readonly outbound: Outbound;
  /** Images this side sends: offers, and the chunks the other side asked for. */
  private readonly outgoingImages: OutgoingImages;
  /** Images this side receives: announced, asked for, assembled, checked. */
  private readonly incomingImages: IncomingImages;
  private channel: SecureChannel | undefined;
  private proven: ProvenPeer | undefined;
  private readonly frameDeadline: FrameDeadline;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private closedWith: { error: NetError | undefined } | undefined;
  /** Settles when the socket itself has closed (after a graceful end, possibly later than `close`). */
  readonly socketClosed: Promise<void>;

  constructor(
    private readonly socket: ConnectionSocket,
    options: ConnectionOptions,
  ) {
    super();
    this.remoteAddress = plainAddress(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = plainAddress(socket.localAddress);
    this.label = options.label ?? `${this.remoteAddress}:${this.remotePort}`;
    this.options = {
      ...options,
      handshakeDeadlineMs: options.handshakeDeadlineMs ?? HANDSHAKE_DEADLINE_MS,
      frameDeadlineMs: options.frameDeadlineMs ?? FRAME_DEADLINE_MS,
    };
    this.sealedLimits = { [FrameType.SealedXml]: (options.limits?.maxXmlBytes ?? MAX_XML_FRAME_BYTES) + SEAL_OVERHEAD_BYTES };
    this.outgoingImages = new OutgoingImages();
    this.outbound = new Outbound(socket, {
      maxOutboundBytes: options.maxOutboundBytes ?? MAX_OUTBOUND_QUEUE_BYTES,
      maxOutboundFrames: options.maxOutboundFrames ?? MAX_OUTBOUND_QUEUE_FRAMES,
      drainTimeoutMs: options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS,
      onSlowConsumer: (error) => this.destroy(error),
      nextChunk: () => this.outgoingImages.nextChunk(),
      unsentImageBytes: () => this.outgoingImages.unsentBytes,
    });
    this.incomingImages = new IncomingImages(
      {
        send: (body) => this.sendControl(body),
        deliver: (message, bytes, xml) => this.deliver(() => this.emit('message', message, bytes, xml)),
        pending: (message) => this.deliver(() => this.emit('imagePending', message)),
        fail: (error) => this.destroy(error),
        knownBytes: options.imageBytes,
      },
      () => this.proven?.peerId ?? '',
      { partials: options.partialImages, idleMs: options.transferIdleMs ?? TRANSFER_IDLE_MS },
    );
    this.introLimits = { [FrameType.SealedXml]: MAX_INTRO_FRAME_BYTES + SEAL_OVERHEAD_BYTES };
    this.decoder = new FrameDecoder({ [FrameType.Handshake]: MAX_HANDSHAKE_FRAME_BYTES });
    this.frameDeadline = new FrameDeadline(this.options.frameDeadlineMs, () => this.destroy(new NetError('ERR_FRAME_TIMEOUT', `A frame was not completed within ${this.options.frameDeadlineMs} ms`)));
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.finish(toNetError(err, 'ERR_SOCKET')));
    socket.on('close', () => this.finish(undefined));
    this.handshakeTimer = setTimeout(
      () => this.destroy(new NetError('ERR_HANDSHAKE_TIMEOUT', `The handshake did not complete within ${this.options.handshakeDeadlineMs} ms`)),
      this.options.handshakeDeadlineMs,
    );
    try {
      const offer = this.options.handshake.start();
      if (offer !== undefined) this.outbound.writeRaw(encodeFrame(FrameType.Handshake, offer));
    } catch (err) {
      this.destroy(toNetError(err, 'ERR_LOCAL_FAULT'));
    }
  }

  get closed(): boolean {
    return this.closedWith !== undefined || this.socket.destroyed;
  }

  /** Who the other side proved to be, once the handshake has succeeded. */
  get peer(): ProvenPeer | undefined {
    return this.proven;
  }

  /**
   * Lets the other side send frames up to the full limits (64 KiB XML, 8 MiB images), from the next
   * frame on. Until then, after the handshake, only sealed XML frames of {@link MAX_INTRO_FRAME_BYTES}.
   */
  admitFullFrames(): void {
    this.fullFramesAdmitted = true;
    this.updateLimits();
  }

  /**
   * The frames the decoder takes from the next header on: handshake frames before the handshake;
   * small sealed XML before the other side is admitted; then sealed XML up to the full limit, and
   * sealed chunk frames only while this side awaits image bytes it asked for, no larger than the
   * largest chunk one of them may still take. So no member can make this side buffer image bytes
   * nobody announced.
   */
  private updateLimits(): void {
    if (this.channel === undefined || this.closed) return;
    if (!this.fullFramesAdmitted) return this.decoder.setLimits(this.introLimits);
    const xml = this.sealedLimits[FrameType.SealedXml]!;
    this.decoder.setLimits(
      this.incomingImages.awaiting
        ? { [FrameType.SealedXml]: xml, [FrameType.SealedBinary]: this.incomingImages.largestChunk + SEAL_OVERHEAD_BYTES }
        : { [FrameType.SealedXml]: xml },
    );
  }

  /** Bytes accepted for sending that the kernel has not taken yet, image bytes not yet sent included. */
  get pendingBytes(): number {
    return this.outbound.pendingBytes;
  }

  /** Image bytes this side has sent in chunks on this connection, in bytes (a resumed image counts only its rest). */
  get imageBytesSent(): number {
    return this.outgoingImages.sentBytes;
  }

  /**
   * Sends one message, and for an `image` add offers its bytes: they go in chunks once the other
   * side asks, behind every other message.
   * Returns false when the connection is closed (or closes because its queue overflowed).
   * Encoding errors (a message that breaks the schema) are programming errors and are thrown.
   */
  send(message: Message, binary?: Uint8Array): boolean {
    return this.sendEncoded(encodeOutgoing(message, binary), message);
  }

  /**
   * Sends a message made once by {@link encodeOutgoing}: a broadcast encodes its message once for
   * every member and seals it per connection.
   */
  sendEncoded(frames: EncodedMessage, message?: Message): boolean {
    if (this.closed) return false;
    if (message !== undefined) this.options.logger.trace(`-> ${this.label} ${message.type} ${message.id}`);
    if (frames.binary !== undefined) {
      // Offered before the announcement goes out, so that the other side's `want` finds it.
      const sha256 = message?.type === 'image' && message.sha256 !== undefined ? message.sha256 : createHash('sha256').update(frames.binary).digest('hex');
      this.outgoingImages.offer(sha256, frames.binary);
    }
    this.outbound.send(FrameType.Xml, frames.xml, message !== undefined && CONTROL_TYPES.has(message.type));
    return !this.closed;
  }

  /** Sends a message of the connection's own (the image flow), stamped by the owner, ahead of the queue. */
  private sendControl(body: MessageBody<'blob'>): void {
    if (this.closed || this.options.stamp === undefined) return;
    this.outbound.send(FrameType.Xml, encodeMessage(this.options.stamp(body)), true);
  }

  /**
   * Closes the connection. With an error, tells the other side why (when an `errorNotice` builder
   * was given) and logs it once; without, a clean close. What was queued is flushed before the end.
   */
  close(error?: NetError): void {
    if (this.closed) return;
    if (error !== undefined) {
      // After the handshake the notice goes behind what is queued; before, the refusal at once.
      const notice = this.channel === undefined ? this.encodeNotice(error) : this.encodeNoticeXml(error);
      if (notice !== undefined && this.channel === undefined) this.outbound.writeRaw(notice);
      else if (notice !== undefined) this.outbound.send(FrameType.Xml, notice, false);
    }
    this.finish(error);
  }

  /** Closes at once, discarding what is queued: for protocol violations and slow consumers. */
  destroy(error?: NetError): void {
    if (this.closed) return;
    if (error !== undefined && !this.outbound.isCongested) {
      // A best-effort last word; the socket is destroyed right after, so it may not arrive.
      const notice = this.encodeNotice(error);
      if (notice !== undefined) this.socket.write(notice);
    }
    this.finish(error, true);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceivedAt = performance.now();
    let completed = false;
    try {
      this.decoder.pushEach(chunk, (frame) => {
        completed = true;
        this.onFrame(frame);
      });
      if (!this.closed) this.frameDeadline.update(this.decoder.inFrame, completed);
    } catch (err) {
      this.destroy(toNetError(err, 'ERR_PROTOCOL'));
    }
  }

  /** One complete frame. Throws (the remote's fault) for anything the protocol does not allow. */
  private onFrame(frame: Frame): void {
    if (this.closed) return;
    switch (frame.type) {
      case FrameType.Handshake:
        return this.onHandshakeFrame(frame.payload);
      case FrameType.SealedXml:
        return this.onXmlFrame(this.openSealed(FrameType.SealedXml, frame.payload));
      case FrameType.SealedBinary:
        return this.onBinaryFrame(this.openSealed(FrameType.SealedBinary, frame.payload));
      default:
        // The decoder's limits admit only the types above: plain frames never travel.
        throw new NetError('ERR_FRAME_TYPE', `Frame type ${frame.type} is not allowed here`);
    }
  }

  private openSealed(type: typeof FrameType.SealedXml | typeof FrameType.SealedBinary, payload: Uint8Array): Buffer {
    if (this.channel === undefined) throw new NetError('ERR_PROTOCOL', 'A sealed frame before the handshake ended');
    return this.channel.open(type, payload);
  }

  private onHandshakeFrame(payload: Uint8Array): void {
    const step = this.options.handshake.receive(payload);
    if (step.send !== undefined) this.outbound.writeRaw(encodeFrame(FrameType.Handshake, step.send));
    if (step.done === undefined) return;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.channel = new SecureChannel(step.done);
    const proven: ProvenPeer = { peerId: step.done.peerId, version: step.done.version, group: step.done.group, named: step.done.named };
    this.proven = proven;
    // From the next frame header on, only sealed frames, and small ones until the owner admits the
    // other side (a member's hello, the repository's answer): a stranger with a key costs 4 KiB.
    this.updateLimits();
    const channel = this.channel;
    this.outbound.start((type: PlainType, plain: Uint8Array) => channel.seal(type, plain));
    this.deliver(() => this.emit('secure', proven));
  }

  private onXmlFrame(payload: Buffer): void {
    const message = decodeMessage(payload);
    this.options.logger.trace(`<- ${this.label} ${message.type} ${message.id}`);
    if (message.type === 'blob') {
      if (this.outgoingImages.onBlob(message)) this.outbound.flush();
      return;
    }
    if (message.type === 'image' && message.op === 'add') {
      // Images only from an admitted member, on a connection that can ask for their bytes.
      if (!this.fullFramesAdmitted || this.options.stamp === undefined) throw new NetError('ERR_PROTOCOL', 'An image where none is taken');
      this.incomingImages.announce(message, payload);
      this.updateLimits();
      return;
    }
    this.deliver(() => this.emit('message', message, undefined, payload));
  }

  private onBinaryFrame(payload: Buffer): void {
    this.incomingImages.chunk(payload);
    this.updateLimits();
  }

  /**
   * Runs this side's listeners for an event. A throw there is a fault in this program, not in what
   * the remote sent: it is logged as such and the connection goes on.
   */
  private deliver(emit: () => void): void {
    try {
      emit();
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.options.logger.error(`ERR_LOCAL_FAULT in a listener for ${this.label}: ${error}`);
    }
  }

  private onEnd(): void {
    try {
      this.decoder.end();
      // Hanging up mid-handshake is how a password guesser leaves once it has its answer: it is
      // logged with a code (the address guard already counts it), never as a clean close.
      if (this.channel === undefined) throw new NetError('ERR_AUTH_FAILED', 'The other side ended the connection during the handshake');
      if (this.incomingImages.awaiting) throw new NetError('ERR_TRUNCATED_FRAME', 'The stream ended before the announced image bytes');
      this.finish(undefined);
    } catch (err) {
      this.finish(toNetError(err, 'ERR_TRUNCATED_FRAME'));
    }
  }

  /**
   * The frame telling the other side why we close, or undefined. Total: closing on an error must
   * never itself throw, whatever the error was.
   */
  private encodeNotice(error: NetError): Buffer | undefined {
    try {
      if (this.channel === undefined) {
        // Before the handshake ends the other side reads only handshake frames: a refusal, no text.
        const refusal = this.options.handshake.refusal(error);
        return refusal === undefined ? undefined : encodeFrame(FrameType.Handshake, refusal);
      }
      const notice = this.encodeNoticeXml(error);
      return notice === undefined ? undefined : this.channel.seal(FrameType.Xml, notice);
    } catch (err) {
      this.options.logger.error(`Local fault: cannot encode the error notice for ${error.code}: ${toNetError(err).message}`);
      return undefined;
    }
  }

  /** The document of the `error` message telling the other side why we close, or undefined. Total, as above. */
  private encodeNoticeXml(error: NetError): Buffer | undefined {
    try {
      const notice = this.options.errorNotice?.(error);
      return notice === undefined ? undefined : encodeMessage(notice);
    } catch (err) {
      this.options.logger.error(`Local fault: cannot encode the error notice for ${error.code}: ${toNetError(err).message}`);
      return undefined;
    }
  }

  private finish(error: NetError | undefined, hard = false): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = { error };
    this.frameDeadline.clear();
    clearTimeout(this.handshakeTimer);
    this.decoder.fail();
    this.incomingImages.close();
    this.outgoingImages.close();
    this.options.handshake.dispose();
    if (error !== undefined) this.options.logger.warn(`Closed connection ${this.label}: ${error.code} ${error.message}`);
    const graceful = !hard && !this.socket.destroyed;
    this.outbound.stop(graceful);
    if (!graceful) {
      this.socket.destroy();
    } else {
      // What was queued went to the socket above; end once it has left. A peer that never reads is cut off by the drain timer.
      this.socket.end();
      const socket = this.socket;
      const forceClose = setTimeout(() => socket.destroy(), this.options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS).unref();
      socket.once('close', () => clearTimeout(forceClose));
    }
    const channel = this.channel;
    // The stream states may only go once nothing more is sealed or opened: after the last writes above.
    if (channel !== undefined) this.socketClosed.then(() => channel.dispose(), () => channel.dispose());
    this.deliver(() => this.emit('close', error));
  }
}
