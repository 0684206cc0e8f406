/**
 * The shapes a connection is made with and speaks in: its options, its events, the socket it runs
 * over, and the few helpers its owners use to encode what they send through it.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { describeErrorCode } from './errors';
import type { NetError } from './errors';
import type { HandshakeDriver, HandshakeResult } from './handshake';
import type { Logger } from './logger';
import type { ImageMessage, Message, MessageBody } from './messages';
import type { PartialImages } from './partialImages';
import { encodeMessage } from './xmlCodec';

export interface ConnectionOptions {
  logger: Logger;
  /** This side of the handshake the connection starts with. */
  handshake: HandshakeDriver;
  /** Shown in log lines, e.g. `peer alice@10.0.0.5:46801`. Defaults to the remote address. */
  label?: string;
  /** Time for the handshake to complete, in ms. Default {@link HANDSHAKE_DEADLINE_MS}. */
  handshakeDeadlineMs?: number;
  /** Time from the first byte of a frame to its last, in ms. Default {@link FRAME_DEADLINE_MS}. */
  frameDeadlineMs?: number;
  /** Bound on bytes waiting to be sent. Default {@link MAX_OUTBOUND_QUEUE_BYTES}. */
  maxOutboundBytes?: number;
  /** Bound on frames waiting to be sent. Default {@link MAX_OUTBOUND_QUEUE_FRAMES}. */
  maxOutboundFrames?: number;
  /** Time the socket may stay congested before the peer counts as a slow consumer, in ms. Default {@link DRAIN_TIMEOUT_MS}. */
  drainTimeoutMs?: number;
  /** Largest XML message, in bytes. Default {@link MAX_XML_FRAME_BYTES}. */
  limits?: { maxXmlBytes?: number };
  /** Builds the `error` message sent to the other side before a deliberate close, if any. */
  errorNotice?: (error: NetError) => Message | undefined;
  /**
   * Stamps this side's envelope on a message the connection sends by itself (the image flow's
   * `blob`). Without it the connection takes no images: an image `add` is `ERR_PROTOCOL`.
   */
  stamp?: (body: MessageBody<'blob'>) => Message;
  /** Where the bytes of interrupted image transfers are kept for a resume (shared by a node's connections). */
  partialImages?: PartialImages;
  /** The bytes of an image this side already holds, by SHA-256: they are not fetched again. */
  imageBytes?: (sha256: string) => Uint8Array | undefined;
  /** Time an image transfer may go without a chunk, in ms. Default {@link TRANSFER_IDLE_MS}. */
  transferIdleMs?: number;
}

/**
 * What a connection runs over: a TCP socket, or one end of a tunnel through a relay
 * (`tunnel.ts`), which has the same addresses and ignores the socket options.
 */
export type ConnectionSocket = Socket | (Duplex & Pick<Socket, 'remoteAddress' | 'remotePort' | 'localAddress'> & { setNoDelay(noDelay?: boolean): unknown; setKeepAlive(enable?: boolean, delayMs?: number): unknown });

/** Who the other side proved to be in the handshake. */
export type ProvenPeer = Pick<HandshakeResult, 'peerId' | 'version' | 'group' | 'named'>;

export interface ConnectionEvents {
  /** The handshake succeeded: `peer` is proven. Emitted once, before any `message`. */
  secure: [peer: ProvenPeer];
  /**
   * A message arrived; `binary` holds the bytes of an `image` add, complete and checked (an image
   * add is emitted once its bytes are, so messages behind it may come first); `xml` is the document
   * as it arrived (kept and handed on as is, without encoding it again).
   */
  message: [message: Message, binary: Buffer | undefined, xml: Buffer];
  /** An image add arrived whose bytes are still to come: its `message` follows when they are complete. */
  imagePending: [message: ImageMessage];
  /** The connection is closed; `error` says why when it was not a clean close. Emitted once. */
  close: [error: NetError | undefined];
}

/**
 * The body of the `error` message that tells the other side why we close. Its text is the fixed
 * description of the code, never the error's own message: that message may quote what the remote
 * sent (a control character, a bidi mark), which the encoder would refuse, and echoing a
 * stranger's bytes back helps nobody.
 */
export function errorNoticeBody(error: NetError): { type: 'error'; code: string; text: string } {
  return { type: 'error', code: error.code, text: describeErrorCode(error.code) };
}

/** A message encoded once (its XML and an image's bytes), ready to be sealed for any number of connections. */
export interface EncodedMessage {
  xml: Buffer;
  binary?: Uint8Array;
}

/** Encodes a message (and an image's bytes). Throws `ERR_BAD_MESSAGE` for a message that breaks the schema. */
export function encodeOutgoing(message: Message, binary?: Uint8Array): EncodedMessage {
  return binary === undefined ? { xml: encodeMessage(message) } : { xml: encodeMessage(message), binary };
}

/** Normalises an IPv4-mapped IPv6 address (`::ffff:10.0.0.5`) to plain IPv4. */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
