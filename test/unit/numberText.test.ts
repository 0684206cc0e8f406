import { strict as assert } from 'node:assert';
import { groupDigits } from '../../src/board/numberText';

describe('groupDigits', () => {
  it('groups digits as English does, for whole numbers, negative ones and short fractions', () => {
    for (const n of [0, 7, 999, 1000, 40_000, 1_000_000, -1_000_000, 2_000_000, 0.02, 0.5, 1234.5, -0.25, 4 * 1024 * 1024]) {
      assert.equal(groupDigits(n), n.toLocaleString('en'), String(n));
    }
  });
});
