import assert from 'node:assert/strict';
import { STREAM_RECORD_OVERHEAD, cryptoReady, freeState, libsodiumRandomSource, pooledRandomValue, secretStreamPull, secretStreamPush, sodium } from '../../src/net/sodium';
import type { StreamState } from '../../src/net/sodium';

describe('sodium', () => {
  before(async () => {
    await cryptoReady();
  });

  it('makes libsodium draw its random bytes from the pooled operating-system source once loaded', () => {
    assert.equal(libsodiumRandomSource(), pooledRandomValue);
  });

  it('hands out random bytes that differ from call to call and across a refill of the pool', () => {
    // 512 buffers of 32 bytes take 16,384 values: the pool of 256 is refilled 64 times meanwhile.
    const seen = new Set<string>();
    for (let i = 0; i < 512; i++) seen.add(Buffer.from(sodium().randombytes_buf(32)).toString('hex'));
    assert.equal(seen.size, 512);
    // Every byte value turns up in 16,384 random bytes (a stuck or zeroed pool would not do that;
    // a fair source misses one with a probability of about 2^-84).
    const counts = new Uint32Array(256);
    for (const hex of seen) for (const byte of Buffer.from(hex, 'hex')) counts[byte]! += 1;
    assert.ok(counts.every((c) => c > 0), 'every byte value occurs');
  });

  it('gives 32-bit unsigned values from the pool', () => {
    const values = Array.from({ length: 600 }, () => pooledRandomValue());
    assert.ok(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff));
    assert.ok(new Set(values).size > 590);
    assert.ok(values.some((v) => v > 0x7fffffff), 'the top bit is used');
  });

  it('still makes valid ristretto255 scalars and distinct CPace-style shares', () => {
    const a = sodium().crypto_core_ristretto255_scalar_random();
    const b = sodium().crypto_core_ristretto255_scalar_random();
    assert.notDeepEqual(a, b);
    const g = sodium().crypto_core_ristretto255_from_hash(sodium().crypto_hash_sha512(new Uint8Array(1)));
    assert.ok(sodium().crypto_core_ristretto255_is_valid_point(sodium().crypto_scalarmult_ristretto255(a, g)));
  });

  describe('secretstream records without the wrapper', () => {
    /** A push state and the pull state of the same stream. */
    function stream(): { push: StreamState; pull: StreamState; done(): void } {
      const key = sodium().crypto_secretstream_xchacha20poly1305_keygen();
      const { state: push, header } = sodium().crypto_secretstream_xchacha20poly1305_init_push(key);
      const pull = sodium().crypto_secretstream_xchacha20poly1305_init_pull(header, key);
      return { push, pull, done: () => [push, pull].forEach(freeState) };
    }
    const TAG_MESSAGE = () => sodium().crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    /** Whether `marker` is anywhere in libsodium's WebAssembly memory. */
    function inSodiumMemory(marker: Buffer): boolean {
      const heap = (sodium() as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8;
      return Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).includes(marker);
    }

    it('reads and writes the same records as libsodium.js, small, empty and larger than the kept scratch block', () => {
      const { push, pull, done } = stream();
      for (const size of [0, 1, 370, 64 * 1024, 300 * 1024]) {
        const message = Buffer.alloc(size, size % 251);
        const mine = secretStreamPush(push, message, 7, 5);
        assert.equal(mine.length, 5 + size + STREAM_RECORD_OVERHEAD);
        const theirs = sodium().crypto_secretstream_xchacha20poly1305_pull(pull, mine.subarray(5), Uint8Array.of(7));
        assert.ok(theirs !== false && theirs.tag === TAG_MESSAGE(), `libsodium.js reads a record of ${size} bytes`);
        assert.ok(Buffer.from(theirs.message).equals(message));
        const back = sodium().crypto_secretstream_xchacha20poly1305_push(push, message, Uint8Array.of(9), TAG_MESSAGE());
        assert.deepEqual(secretStreamPull(pull, back, 9), message, `reads libsodium.js's record of ${size} bytes`);
      }
      done();
    });

    it('refuses a record that was altered, has other associated data, is cut short, comes twice or is not TAG_MESSAGE', () => {
      const { push, pull, done } = stream();
      const record = secretStreamPush(push, Buffer.from('hello'), 3, 0);
      const flipped = Buffer.from(record);
      flipped[flipped.length - 1]! ^= 1;
      assert.equal(secretStreamPull(pull, flipped, 3), undefined, 'altered');
      assert.equal(secretStreamPull(pull, record, 4), undefined, 'other associated data');
      assert.equal(secretStreamPull(pull, record.subarray(0, STREAM_RECORD_OVERHEAD - 1), 3), undefined, 'shorter than a record');
      assert.deepEqual(secretStreamPull(pull, record, 3), Buffer.from('hello'));
      assert.equal(secretStreamPull(pull, record, 3), undefined, 'replayed');
      const final = sodium().crypto_secretstream_xchacha20poly1305_push(push, Buffer.from('end'), Uint8Array.of(3), sodium().crypto_secretstream_xchacha20poly1305_TAG_FINAL);
      assert.equal(secretStreamPull(pull, final, 3), undefined, 'a TAG_FINAL record');
      done();
    });

    it('answers undefined, never a throw, to thousands of random records, and still opens the real one after them', () => {
      const { push, pull, done } = stream();
      const record = secretStreamPush(push, Buffer.from('the real one'), 2, 0);
      for (let i = 0; i < 3_000; i++) {
        const junk = sodium().randombytes_buf(i % 301);
        assert.equal(secretStreamPull(pull, junk, i % 256), undefined);
      }
      assert.deepEqual(secretStreamPull(pull, record, 2), Buffer.from('the real one'));
      done();
    });

    it('leaves no plaintext behind in libsodium\'s memory, and hands out Buffers of their own', () => {
      const { push, pull, done } = stream();
      // Whole 64-byte blocks: libsodium's ChaCha20 XORs the last partial block of a message in a
      // buffer on its own stack (which it does not wipe), the same with or without the wrapper.
      const marker = Buffer.from(`plaintext-marker-${Math.random()}`.padEnd(128, '#'));
      const record = secretStreamPush(push, marker, 1, 0);
      assert.equal(inSodiumMemory(marker), false, 'after sealing');
      const opened = secretStreamPull(pull, record, 1)!;
      assert.deepEqual(opened, marker);
      assert.equal(inSodiumMemory(marker), false, 'after opening');
      const heap = (sodium() as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8;
      assert.notEqual(opened.buffer, heap.buffer, 'not a view of the WebAssembly memory');
      assert.equal(opened.buffer.byteLength, opened.length, 'owns its memory (not a slice of a pool the history would copy out of)');
      done();
    });
  });
});
