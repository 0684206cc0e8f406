/**
 * The two crypto_secretstream_xchacha20poly1305 streams of one connection, one per direction,
 * keyed by its handshake. Each frame is one stream message whose associated data is the frame
 * type byte, so a sealed XML frame cannot be replayed as binary or the other way round; the
 * stream itself refuses a reordered, replayed, truncated or altered record.
 */
import { NetError } from './errors';
import { FrameType, writeFrameHeader } from './framing';
import { FRAME_HEADER_BYTES } from './limits';
import type { HandshakeResult } from './handshake';
import { STREAM_RECORD_OVERHEAD, freeState, secretStreamPull, secretStreamPush, sodium } from './sodium';
import type { StreamState } from './sodium';

/** Bytes a sealed frame adds to its plaintext (the stream's tag and MAC). */
export const SEAL_OVERHEAD_BYTES = STREAM_RECORD_OVERHEAD;

/** The sealed frame type that carries each plain one. */
export const SEALED_TYPE = { [FrameType.Xml]: FrameType.SealedXml, [FrameType.Binary]: FrameType.SealedBinary } as const;

export class SecureChannel {
  private readonly receiveState: StreamState;
  private readonly sendState: StreamState;
  private disposed = false;

  constructor(keys: Pick<HandshakeResult, 'sendState' | 'receiveKey' | 'receiveHeader'>) {
    this.sendState = keys.sendState;
    try {
      this.receiveState = sodium().crypto_secretstream_xchacha20poly1305_init_pull(keys.receiveHeader, keys.receiveKey);
    } catch (err) {
      freeState(this.sendState);
      throw new NetError('ERR_AUTH_FAILED', 'Authentication failed', { cause: err });
    }
  }

  /** One sealed frame carrying `payload` as a frame of type `type`. */
  seal(type: typeof FrameType.Xml | typeof FrameType.Binary, payload: Uint8Array): Buffer {
    if (this.disposed) throw new NetError('ERR_CLOSED', 'The connection is closed');
    const sealedType = SEALED_TYPE[type];
    // The record is written after room for the frame header: the frame is made without a copy.
    return writeFrameHeader(secretStreamPush(this.sendState, payload, sealedType, FRAME_HEADER_BYTES), sealedType);
  }

  /**
   * The plaintext of a sealed frame; `ERR_AUTH_FAILED` for anything the stream refuses. A Buffer
   * of its own: whoever keeps it (the history) keeps only it.
   */
  open(sealedType: typeof FrameType.SealedXml | typeof FrameType.SealedBinary, cipher: Uint8Array): Buffer {
    if (this.disposed) throw new NetError('ERR_CLOSED', 'The connection is closed');
    const plain = secretStreamPull(this.receiveState, cipher, sealedType);
    if (plain === undefined) throw new NetError('ERR_AUTH_FAILED', 'A record failed authentication (altered, replayed or out of order)');
    return plain;
  }

  /** Frees both stream states. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    freeState(this.sendState);
    freeState(this.receiveState);
  }
}
