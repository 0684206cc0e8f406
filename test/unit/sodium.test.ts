import assert from 'node:assert/strict';
import { cryptoReady, libsodiumRandomSource, pooledRandomValue, sodium } from '../../src/net/sodium';

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
});
