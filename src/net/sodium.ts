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

/** The Emscripten module under libsodium.js: its exported C functions and its memory. */
interface SodiumModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(address: number): void;
  _crypto_secretstream_xchacha20poly1305_push(state: number, c: number, clen: number, m: number, mlenLow: number, mlenHigh: number, ad: number, adlenLow: number, adlenHigh: number, tag: number): number;
  _crypto_secretstream_xchacha20poly1305_pull(state: number, m: number, mlen: number, tag: number, c: number, clenLow: number, clenHigh: number, ad: number, adlenLow: number, adlenHigh: number): number;
}

/** Bytes a crypto_secretstream_xchacha20poly1305 record adds to its message (tag byte and MAC). */
export const STREAM_RECORD_OVERHEAD = 17;
/** crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: every record of a link carries it. */
const TAG_MESSAGE = 0;
/** Scratch memory kept in the WebAssembly heap for records: a chat or an image chunk fits many times over. */
const SCRATCH_BYTES = 64 * 1024;
let scratch = 0;

function sodiumModule(): SodiumModule {
  sodium();
  return (libsodium as unknown as { libsodium: SodiumModule }).libsodium;
}

/**
 * A region of the WebAssembly heap of at least `bytes`: the kept scratch block, or for a larger
 * record a block of its own, which `release` frees (a rare large frame does not keep its memory).
 */
function region(module: SodiumModule, bytes: number): number {
  if (bytes > SCRATCH_BYTES) return mallocOrThrow(module, bytes);
  if (scratch === 0) scratch = mallocOrThrow(module, SCRATCH_BYTES);
  return scratch;
}

function release(module: SodiumModule, address: number, used: number): void {
  module.HEAPU8.fill(0, address, address + used); // no plaintext stays behind in libsodium's memory
  if (address !== scratch) module._free(address);
}

function mallocOrThrow(module: SodiumModule, bytes: number): number {
  const address = module._malloc(bytes);
  if (address === 0) throw new Error(`libsodium could not allocate ${bytes} bytes`);
  return address;
}

/**
 * One crypto_secretstream record (TAG_MESSAGE) of `message`, with the one byte `ad` as its
 * associated data, written after `headroom` bytes left free for the caller's frame header.
 *
 * The calls of libsodium.js would allocate and free four blocks of the WebAssembly heap and a new
 * ArrayBuffer per record; on the path every chat takes, this works in one kept block and copies
 * the record once, into the frame that goes out.
 */
export function secretStreamPush(state: StreamState, message: Uint8Array, ad: number, headroom: number): Buffer {
  const module = sodiumModule();
  const n = message.length;
  const used = 1 + n + n + STREAM_RECORD_OVERHEAD;
  const base = region(module, used);
  const at = { ad: base, message: base + 1, record: base + 1 + n };
  try {
    const heap = module.HEAPU8;
    heap[at.ad] = ad;
    heap.set(message, at.message);
    if (module._crypto_secretstream_xchacha20poly1305_push(state as unknown as number, at.record, 0, at.message, n, 0, at.ad, 1, 0, TAG_MESSAGE) !== 0) {
      throw new Error('crypto_secretstream_xchacha20poly1305_push failed');
    }
    const out = Buffer.allocUnsafe(headroom + n + STREAM_RECORD_OVERHEAD);
    out.set(module.HEAPU8.subarray(at.record, at.record + n + STREAM_RECORD_OVERHEAD), headroom);
    return out;
  } finally {
    release(module, base, used);
  }
}

/**
 * The message of one crypto_secretstream record with associated data `ad`, or `undefined` when the
 * stream refuses it (altered, replayed, out of order, too short) or its tag is not TAG_MESSAGE.
 * A Buffer owning its memory, not a slice of Node's pool: the history keeps it as it is, without
 * a copy, and keeps nothing else alive with it.
 */
export function secretStreamPull(state: StreamState, record: Uint8Array, ad: number): Buffer | undefined {
  const n = record.length - STREAM_RECORD_OVERHEAD;
  if (n < 0) return undefined;
  const module = sodiumModule();
  const used = 2 + record.length + n;
  const base = region(module, used);
  const at = { ad: base, tag: base + 1, record: base + 2, message: base + 2 + record.length };
  try {
    const heap = module.HEAPU8;
    heap[at.ad] = ad;
    heap.set(record, at.record);
    if (module._crypto_secretstream_xchacha20poly1305_pull(state as unknown as number, at.message, 0, at.tag, at.record, record.length, 0, at.ad, 1, 0) !== 0) return undefined;
    const fresh = module.HEAPU8; // the heap's view is replaced if the call grew the memory
    if (fresh[at.tag] !== TAG_MESSAGE) return undefined;
    const message = Buffer.allocUnsafeSlow(n);
    message.set(fresh.subarray(at.message, at.message + n));
    return message;
  } finally {
    release(module, base, used);
  }
}
