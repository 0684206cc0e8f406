/**
 * One end of a tunnel through a relay: a Duplex stream that a {@link Connection} uses as its
 * socket. What it writes leaves in `relay` data chunks over the link to the relay; what the other
 * end wrote arrives the same way. The two ends run the ordinary handshake and secretstream over
 * it, so the relay carries bytes it can neither read nor alter unnoticed.
 *
 * Flow control is a credit window per direction: a side may have at most
 * {@link RELAY_WINDOW_BYTES} sent and not yet acknowledged; the receiving end acknowledges bytes
 * once its reader has taken them. A writer out of credit waits (the Connection sees an ordinary
 * congested socket); a sender past the window is a broken end and the tunnel closes `ERR_RELAY`.
 */
import { Duplex } from 'node:stream';
import { isNetError, NetError } from './errors';
import type { NetErrorCode } from './errors';
import { MAX_RELAY_CHUNK_BYTES, RELAY_WINDOW_BYTES } from './limits';

/** What a tunnel end sends over its link to the relay. Each returns false when the link is closed. */
export interface TunnelLink {
  data(chunk: Buffer): boolean;
  ack(bytes: number): boolean;
  close(code: NetErrorCode | undefined): void;
}

export interface TunnelSocketOptions {
  /** The tunnel's id on the link. */
  id: string;
  link: TunnelLink;
  /** Shown as the remote address (the far member's listed host) and local address (this side's on the link). */
  remoteAddress: string;
  localAddress: string;
  /** Bytes in flight per direction. Default {@link RELAY_WINDOW_BYTES}. */
  windowBytes?: number;
}

export class TunnelSocket extends Duplex {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort = 0;
  readonly localAddress: string;
  private readonly link: TunnelLink;
  private readonly windowBytes: number;
  /** Bytes this side may still send before the other end acknowledges some. */
  private credit: number;
  /** Bytes received and not yet acknowledged (taken by the reader or not). */
  private unacked = 0;
  /** Bytes received beyond what the reader has asked for: they are acknowledged once it reads on. */
  private held = 0;
  private ackScheduled = false;
  private pending: { chunk: Buffer; offset: number; callback: (error?: Error | null) => void } | undefined;
  /** The other end (or the relay) closed: nothing more is sent to it. */
  private remoteGone = false;
  private closeSent = false;

  constructor(options: TunnelSocketOptions) {
    super({ allowHalfOpen: false, highWaterMark: 64 * 1024 });
    this.id = options.id;
    this.link = options.link;
    this.remoteAddress = options.remoteAddress;
    this.localAddress = options.localAddress;
    this.windowBytes = options.windowBytes ?? RELAY_WINDOW_BYTES;
    this.credit = this.windowBytes;
  }

  /** Socket options a Connection sets: the link's own socket already has them. */
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  /** Tunnel bytes from the other end. A chunk beyond the window closes the tunnel with `ERR_RELAY`. */
  receive(chunk: Buffer): void {
    if (this.destroyed || this.remoteGone) return;
    if (this.unacked + chunk.length > this.windowBytes) {
      this.fail(new NetError('ERR_RELAY', `The other end of tunnel ${this.id} sent past the ${this.windowBytes}-byte window`));
      return;
    }
    this.unacked += chunk.length;
    if (this.push(chunk)) this.scheduleAck();
    else this.held = this.readableLength;
  }

  /** The other end took `bytes` more bytes. More than were sent closes the tunnel with `ERR_RELAY`. */
  acknowledged(bytes: number): void {
    if (this.destroyed || this.remoteGone) return;
    if (this.credit + bytes > this.windowBytes) {
      this.fail(new NetError('ERR_RELAY', `Tunnel ${this.id}: an ack for more bytes than were sent`));
      return;
    }
    this.credit += bytes;
    this.pump();
  }

  /**
   * The other end or the relay closed the tunnel: with a code, the stream fails with it; without, it
   * ends (a clean close of the connection inside).
   */
  remoteClosed(code: NetErrorCode | undefined): void {
    if (this.destroyed || this.remoteGone) return;
    this.remoteGone = true;
    if (code !== undefined) {
      this.destroy(new NetError(code, `Tunnel ${this.id} was closed by the relay or the other end (${code})`));
      return;
    }
    // The Connection inside ends its side in answer (the writable ends with the readable).
    this.push(null);
  }

  /** Closes the tunnel with a code, telling the other end. */
  fail(error: NetError): void {
    if (this.destroyed) return;
    this.destroy(error);
  }

  override _read(): void {
    if (this.held > 0) {
      this.held = 0;
      this.scheduleAck();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.remoteGone) {
      callback(new NetError('ERR_CLOSED', `Tunnel ${this.id} is closed`));
      return;
    }
    this.pending = { chunk, offset: 0, callback };
    this.pump();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // One `close` ends both directions: nothing more is read either.
    this.sendClose(undefined);
    this.remoteGone = true;
    this.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    this.sendClose(isNetError(error) ? error.code : undefined);
    if (pending !== undefined) pending.callback(error ?? new NetError('ERR_CLOSED', `Tunnel ${this.id} is closed`));
    callback(error);
  }

  /** Sends what credit allows of the chunk being written; completes the write once all is out. */
  private pump(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    while (pending.offset < pending.chunk.length && this.credit > 0) {
      const n = Math.min(this.credit, MAX_RELAY_CHUNK_BYTES, pending.chunk.length - pending.offset);
      if (!this.link.data(pending.chunk.subarray(pending.offset, pending.offset + n))) {
        this.pending = undefined;
        this.remoteGone = true;
        pending.callback(new NetError('ERR_CLOSED', `The link carrying tunnel ${this.id} is closed`));
        return;
      }
      pending.offset += n;
      this.credit -= n;
    }
    if (pending.offset === pending.chunk.length) {
      this.pending = undefined;
      pending.callback();
    }
  }

  /** Acknowledges what the reader took, once per turn of the event loop (a burst costs one ack). */
  private scheduleAck(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      const bytes = this.unacked - this.readableLength;
      if (bytes <= 0 || this.destroyed || this.remoteGone) return;
      this.unacked -= bytes;
      if (!this.link.ack(bytes)) this.remoteGone = true;
    });
  }

  private sendClose(code: NetErrorCode | undefined): void {
    if (this.closeSent || this.remoteGone) return;
    this.closeSent = true;
    this.link.close(code);
  }
}
