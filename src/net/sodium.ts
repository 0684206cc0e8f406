/**
 * The one door to libsodium (WebAssembly, the same build on every platform). Every primitive the
 * network layer uses comes from here; our code only composes them. `cryptoReady()` must have
 * resolved before anything calls {@link sodium}: the peer node and the repository await it when
 * they start, so the synchronous calls after that never find it missing.
 */
import libsodium from 'libsodium-wrappers-sumo';

let ready = false;

/** Resolves once libsodium's WebAssembly module is loaded. Idempotent and cheap after the first call. */
export async function cryptoReady(): Promise<void> {
  if (ready) return;
  await libsodium.ready;
  ready = true;
}

/** The loaded libsodium. Throws (a local fault, never a remote one) when called before {@link cryptoReady}. */
export function sodium(): typeof libsodium {
  if (!ready) throw new Error('libsodium is not loaded yet: await cryptoReady() first');
  return libsodium;
}

/** A crypto_secretstream state: a block of libsodium's WebAssembly memory, freed with {@link freeState}. */
/** Bytes of a crypto_secretstream_xchacha20poly1305 state (libsodium's `crypto_secretstream_xchacha20poly1305_statebytes()`). */
const STREAM_STATE_BYTES = 52;

export type StreamState = ReturnType<typeof libsodium.crypto_secretstream_xchacha20poly1305_init_push>['state'];

/**
 * Frees a stream state. libsodium.js allocates one per stream and never frees it by itself; a
 * connection frees its two when it closes, so handshakes by the thousand leave nothing behind.
 */
export function freeState(state: StreamState): void {
  // The typings describe an object; at run time the wrapper hands out the bare address.
  const address = typeof state === 'number' ? state : (state as { address: number }).address;
  const module = (libsodium as unknown as { libsodium: { _free(address: number): void; _sodium_memzero?(address: number, bytes: number): void } }).libsodium;
  module._sodium_memzero?.(address, STREAM_STATE_BYTES); // the state holds the stream key
  module._free(address);
}
