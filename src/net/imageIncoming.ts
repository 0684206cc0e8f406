/**
 * Receiving images in chunks on one connection. An image `add` announces its bytes (`bytes`,
 * `sha256`); this side asks for them (`blob op="want"`, from what it kept of an interrupted
 * transfer from the same member), takes chunks of exactly that image in order up to exactly the
 * announced size, acknowledges each (`blob op="got"`, the sender's window), checks the SHA-256 at
 * the end, and only then hands the image message on with its bytes. Messages behind it on the
 * connection do not wait for it.
 *
 * Nothing unannounced is buffered: a chunk of an image not open here, out of order, or past the
 * announced size is the remote's fault (`ERR_UNEXPECTED_BINARY`). Open transfers are bounded in
 * number and bytes per connection (more announced images wait their turn, up to a bound: then
 * `ERR_LIMIT`), and one that stops receiving chunks is dropped at a deadline
 * (`ERR_TRANSFER_TIMEOUT`). Each of these closes the connection.
 */
import { createHash } from 'node:crypto';
import { NetError } from './errors';
import { CHUNK_HEADER_BYTES, IMAGE_CHUNK_BYTES, MAX_OPEN_TRANSFER_BYTES, MAX_OPEN_TRANSFERS, MAX_QUEUED_IMAGES, MAX_TRANSFER_WAITERS, TRANSFER_IDLE_MS } from './limits';
import type { ImageMessage, MessageBody } from './messages';
import type { PartialImages } from './partialImages';

export interface IncomingImagesHost {
  /** Sends a `blob` message to the other side. */
  send(body: MessageBody<'blob'>): void;
  /** An image is complete and checked: hand its message on. */
  deliver(message: ImageMessage, bytes: Buffer, xml: Buffer): void;
  /** An image message arrived whose bytes are still to come (it is handed on once they are). */
  pending(message: ImageMessage): void;
  /** A transfer went wrong outside a frame (its deadline): close the connection. */
  fail(error: NetError): void;
  /** The bytes of an image this side already holds, if any: no need to fetch them again. */
  knownBytes?(sha256: string): Uint8Array | undefined;
}

export interface IncomingImagesOptions {
  /** Where interrupted transfers are kept for a resume, shared by a node's connections. */
  partials?: PartialImages;
  /** Time an open transfer may go without a chunk, in ms. Default {@link TRANSFER_IDLE_MS}. */
  idleMs?: number;
  /** Open transfers at once. Default {@link MAX_OPEN_TRANSFERS}. */
  maxOpen?: number;
  /** Announced bytes of the open transfers, in bytes. Default {@link MAX_OPEN_TRANSFER_BYTES}. */
  maxOpenBytes?: number;
}

/** An announced image: its bytes, and the image messages waiting for them (the same picture may be placed twice), with their documents. */
interface Announced {
  sha256: string;
  size: number;
  waiters: { message: ImageMessage; xml: Buffer }[];
}

interface Transfer extends Announced {
  bytes: Buffer;
  received: number;
  timer: NodeJS.Timeout;
}

/** The offset and bytes of one chunk's plaintext, and the image they belong to. */
export interface Chunk {
  sha256: string;
  offset: number;
  data: Buffer;
}

/** A chunk's plaintext: the image's SHA-256 (32 bytes), the offset (u32 big-endian), the bytes. */
export function encodeChunk(sha256: string, offset: number, data: Uint8Array): Buffer {
  const plain = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + data.length);
  plain.write(sha256, 0, 32, 'hex');
  plain.writeUInt32BE(offset, 32);
  plain.set(data, CHUNK_HEADER_BYTES);
  return plain;
}

/** Reads a chunk's plaintext. Throws `ERR_UNEXPECTED_BINARY` for one too short to hold any bytes. */
export function decodeChunk(plain: Buffer): Chunk {
  if (plain.length <= CHUNK_HEADER_BYTES) throw new NetError('ERR_UNEXPECTED_BINARY', `A chunk of ${plain.length} bytes carries no image bytes`);
  return { sha256: plain.subarray(0, 32).toString('hex'), offset: plain.readUInt32BE(32), data: plain.subarray(CHUNK_HEADER_BYTES) };
}

export class IncomingImages {
  private readonly open = new Map<string, Transfer>();
  /** Announced images waiting for a transfer slot, oldest first. */
  private readonly queued: Announced[] = [];
  private openBytes = 0;
  private readonly idleMs: number;
  private readonly maxOpen: number;
  private readonly maxOpenBytes: number;
  private closed = false;

  constructor(
    private readonly host: IncomingImagesHost,
    /** The proven peer id of the other side: partial bytes are kept per member. */
    private readonly member: () => string,
    private readonly options: IncomingImagesOptions = {},
  ) {
    this.idleMs = options.idleMs ?? TRANSFER_IDLE_MS;
    this.maxOpen = options.maxOpen ?? MAX_OPEN_TRANSFERS;
    this.maxOpenBytes = options.maxOpenBytes ?? MAX_OPEN_TRANSFER_BYTES;
  }

  /** True while some image's bytes are awaited (chunks may come). */
  get awaiting(): boolean {
    return this.open.size > 0;
  }

  /** Image messages waiting for their bytes, open or queued. */
  get waiting(): number {
    let count = 0;
    for (const t of this.open.values()) count += t.waiters.length;
    for (const q of this.queued) count += q.waiters.length;
    return count;
  }

  /** The largest chunk plaintext acceptable now, in bytes: a chunk frame declaring more is refused before it is buffered. */
  get largestChunk(): number {
    let rest = 0;
    for (const transfer of this.open.values()) rest = Math.max(rest, transfer.bytes.length - transfer.received);
    return CHUNK_HEADER_BYTES + Math.min(rest, IMAGE_CHUNK_BYTES);
  }

  /**
   * An image `add` arrived. Its bytes are asked for now, or once fewer transfers are open; throws
   * `ERR_LIMIT` when too many image messages already wait on this connection.
   */
  announce(message: ImageMessage, xml: Buffer): void {
    const sha256 = message.sha256!;
    const size = message.bytes!;
    const joined = this.open.get(sha256) ?? this.queued.find((q) => q.sha256 === sha256);
    if (joined !== undefined) {
      if (joined.size !== size) throw new NetError('ERR_UNEXPECTED_BINARY', `Image ${message.item} announces ${size} bytes for an image announced with ${joined.size}`);
      // The same message again (a resend while its bytes are slow to come) waits once.
      if (!joined.waiters.some((w) => w.message.id === message.id)) {
        if (joined.waiters.length >= MAX_TRANSFER_WAITERS) throw new NetError('ERR_LIMIT', `More than ${MAX_TRANSFER_WAITERS} image messages wait for the same bytes`);
        joined.waiters.push({ message, xml });
      }
      this.host.pending(message);
      return;
    }
    const known = this.host.knownBytes?.(sha256);
    if (known !== undefined && known.length === size) {
      // "From the end": the other side has nothing to send and forgets its offer.
      this.host.send({ type: 'blob', op: 'want', sha256, at: size });
      this.host.deliver(message, Buffer.from(known.buffer, known.byteOffset, known.length), xml);
      return;
    }
    if (this.queued.length >= MAX_QUEUED_IMAGES) throw new NetError('ERR_LIMIT', `More than ${MAX_QUEUED_IMAGES} images wait for their bytes`);
    this.queued.push({ sha256, size, waiters: [{ message, xml }] });
    this.host.pending(message);
    this.startQueued();
  }

  /** Opens transfers for queued images, oldest first, while the bounds allow. */
  private startQueued(): void {
    while (this.queued.length > 0 && !this.closed) {
      const next = this.queued[0]!;
      if (this.open.size >= this.maxOpen) return;
      // An image larger than the byte bound alone still goes, on its own.
      if (this.open.size > 0 && this.openBytes + next.size > this.maxOpenBytes) return;
      this.queued.shift();
      const kept = this.options.partials?.take(this.member(), next.sha256, next.size);
      const transfer: Transfer = { ...next, bytes: kept?.bytes ?? Buffer.allocUnsafe(next.size), received: kept?.held ?? 0, timer: this.idleTimer(next.sha256) };
      this.open.set(next.sha256, transfer);
      this.openBytes += next.size;
      this.host.send({ type: 'blob', op: 'want', sha256: next.sha256, at: transfer.received });
    }
  }

  /** A chunk's plaintext arrived. Throws (the remote's fault) for a chunk that no open transfer expects. */
  chunk(plain: Buffer): void {
    const chunk = decodeChunk(plain);
    const transfer = this.open.get(chunk.sha256);
    if (transfer === undefined) throw new NetError('ERR_UNEXPECTED_BINARY', 'A chunk arrived for an image that is not being received');
    if (chunk.offset !== transfer.received) throw new NetError('ERR_UNEXPECTED_BINARY', `A chunk at offset ${chunk.offset}, expected ${transfer.received}`);
    if (chunk.data.length > IMAGE_CHUNK_BYTES || transfer.received + chunk.data.length > transfer.bytes.length) {
      throw new NetError('ERR_UNEXPECTED_BINARY', `A chunk goes past the announced ${transfer.bytes.length} bytes`);
    }
    chunk.data.copy(transfer.bytes, transfer.received);
    transfer.received += chunk.data.length;
    transfer.timer.refresh();
    this.host.send({ type: 'blob', op: 'got', sha256: transfer.sha256, at: transfer.received });
    if (transfer.received < transfer.bytes.length) return;
    this.end(transfer);
    if (createHash('sha256').update(transfer.bytes).digest('hex') !== transfer.sha256) {
      throw new NetError('ERR_UNEXPECTED_BINARY', `The bytes of image ${transfer.waiters[0]!.message.item} do not match its SHA-256`);
    }
    for (const { message, xml } of transfer.waiters) this.host.deliver(message, transfer.bytes, xml);
    this.startQueued();
  }

  /** The connection closed: what arrived of unfinished images is kept for a resume. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    for (const transfer of [...this.open.values()]) {
      this.end(transfer);
      this.options.partials?.keep(this.member(), transfer.sha256, { bytes: transfer.bytes, held: transfer.received });
    }
  }

  private end(transfer: Transfer): void {
    clearTimeout(transfer.timer);
    this.open.delete(transfer.sha256);
    this.openBytes -= transfer.bytes.length;
  }

  private idleTimer(sha256: string): NodeJS.Timeout {
    return setTimeout(() => {
      if (this.closed || !this.open.has(sha256)) return;
      this.host.fail(new NetError('ERR_TRANSFER_TIMEOUT', `No bytes of an announced image for ${this.idleMs} ms`));
    }, this.idleMs);
  }
}
