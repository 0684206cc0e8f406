import { strict as assert } from 'node:assert';
import { mentionRanges, mentions } from '../../src/board/mentions';

describe('mentions', () => {
  it('finds a display name as a whole word or @name, ignoring case', () => {
    assert.equal(mentions('hey Alice, look', 'alice'), true);
    assert.equal(mentions('@alice look', 'Alice'), true);
    assert.equal(mentions('ask Zoë Ng about it', 'Zoë Ng'), true);
    assert.equal(mentions('alice', 'alice'), true);
  });

  it('does not match inside other words or on an empty name, and treats regex characters literally', () => {
    assert.equal(mentions('malice aforethought', 'alice'), false);
    assert.equal(mentions('alicent', 'alice'), false);
    assert.equal(mentions('anything', ''), false);
    assert.equal(mentions('a+b said hi', 'a+b'), true);
    assert.equal(mentions('aab said hi', 'a+b'), false);
  });

  it('gives where each mention is, @ included, next to punctuation and to each other', () => {
    const text = '@Alice: alice,ALICE and malice; Alice';
    assert.deepEqual(
      mentionRanges(text, 'alice').map(({ start, end }) => text.slice(start, end)),
      ['@Alice', 'alice', 'ALICE', 'Alice'],
    );
    assert.deepEqual(mentionRanges('zoë ng, Zoë Ng!', 'Zoë Ng'), [
      { start: 0, end: 6 },
      { start: 8, end: 14 },
    ]);
    assert.deepEqual(mentionRanges('nobody here', 'alice'), []);
    assert.deepEqual(mentionRanges('alice', '  '), []);
  });
});
