import { strict as assert } from 'node:assert';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from '../../src/board/crc32';

describe('crc32', () => {
  it('gives the standard check value for "123456789" and 0 for nothing', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array()), 0);
  });

  it('matches zlib on random bytes and on any sub-range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        assert.equal(crc32(bytes), zlibCrc32(bytes));
        const start = a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        assert.equal(crc32(bytes, start, end), zlibCrc32(bytes.subarray(start, end)));
      }),
    );
  });

  it('clamps a range that runs past the end of the buffer', () => {
    const bytes = Uint8Array.from([1, 2, 3]);
    assert.equal(crc32(bytes, 1, 99), zlibCrc32(bytes.subarray(1)));
  });
});
