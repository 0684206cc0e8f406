import { strict as assert } from 'node:assert';
import { groupNameHint } from '../../src/extension/groupNameHint';

describe('groupNameHint', () => {
  it('accepts a usable name', () => {
    assert.equal(groupNameHint('design review'), undefined);
  });

  it('quotes the characters a group name cannot hold, on a label short enough for one row', () => {
    const hint = groupNameHint('team/notes!');
    assert.deepEqual(hint, { label: '"/" "!" cannot be in a group name', detail: 'Use letters, digits, spaces, ".", "_" or "-", at most 64 in all.' });
    const many = groupNameHint('a/b!c?d#e');
    assert.equal(many?.label, '"/" "!" "?" and 1 more cannot be in a group name');
  });

  it('counts the characters of a name that is too long', () => {
    assert.equal(groupNameHint('x'.repeat(65))?.label, 'Too long: 65 characters');
  });

  it('keeps label and detail under 70 characters each, whatever is typed', () => {
    for (const typed of ['x'.repeat(500), '!@#$%^&*()'.repeat(20), '\u0000\u0001', '😀 party']) {
      const hint = groupNameHint(typed);
      assert.ok(hint !== undefined, typed);
      assert.ok(hint.label.length < 70 && hint.detail.length < 70, JSON.stringify(hint));
    }
  });
});
