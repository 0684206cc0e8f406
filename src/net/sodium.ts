/**
 * The one door to libsodium (WebAssembly, the same build on every platform). Every primitive the
 * network layer uses comes from here; our code only composes them. `cryptoReady()` must have
 * resolved before anything calls {@link sodium}: the peer node and the repository await it when
 * they start, so the synchronous calls after that never find it missing.
 */
import { randomFillSync } from 'node:crypto';
import libsodium from 'libsodium-wrappers-sumo';

let ready = false;

/** Resolves once libsodium's WebAssembly module is loaded. Idempotent and cheap after the first call. */
export async function cryptoReady(): Promise<void> {
  if (ready) return;
  await libsodium.ready;
  installRandomSource();
  ready = true;
}

/** 32-bit values drawn from the operating system's CSPRNG at a time (1 KiB). */
const RANDOM_POOL_VALUES = 256;
const randomPool = new Uint32Array(RANDOM_POOL_VALUES);
let randomAt = RANDOM_POOL_VALUES;

/**
 * libsodium's WebAssembly build asks JavaScript for every random byte separately: each call of
 * its `getRandomValue` hook was a `crypto.getRandomValues` of 4 bytes, so one handshake (nonce,
 * CPace scalar, stream header) made about a hundred of them, some 1-2 ms of a join per member.
 * The same CSPRNG (Node's, from the operating system) now fills a pool 1 KiB at a time; each
 * value is handed out once and wiped from the pool as it goes, like Node's own random pools.
 */
export function pooledRandomValue(): number {
  if (randomAt === RANDOM_POOL_VALUES) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  const value = randomPool[randomAt]!;
  randomPool[randomAt++] = 0;
  return value >>> 0;
}

function installRandomSource(): void {
  // The Emscripten module reads the hook at every call, so replacing it after loading takes effect.
  const module = (libsodium as unknown as { libsodium: { getRandomValue?: () => number } }).libsodium;
  // A build without the hook keeps its own source: slower, never weaker.
  if (typeof module.getRandomValue === 'function') module.getRandomValue = pooledRandomValue;
}

/** The random source libsodium draws from now (a test checks it is {@link pooledRandomValue}). */
export function libsodiumRandomSource(): unknown {
  return (libsodium as unknown as { libsodium: { getRandomValue?: unknown } }).libsodium.getRandomValue;
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
