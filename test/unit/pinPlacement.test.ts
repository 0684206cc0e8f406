import { strict as assert } from 'node:assert';
import { makeAnchor, relocate } from '../../src/board/codeAnchor';
import { placePin } from '../../src/extension/pinPlacement';

const FILE = ['function alpha(a) {', '  const step = 1;', '  return a + step;', '}', '', 'function beta(b) {', '  return b * 2;', '}'];
const ANCHOR = makeAnchor(FILE.join('\n'), 'src/m.ts', 2, 3);
const place = (lines: string[]) => placePin(ANCHOR, relocate(ANCHOR, lines.join('\n')), lines.length);

describe('where a pin thread goes', () => {
  it('puts moved code at its new lines without a label', () => {
    assert.deepEqual(place(['// header', '', ...FILE]), { startLine: 4, endLine: 5, quoteOriginal: false, outdated: false });
  });

  it('labels changed code and quotes the original', () => {
    const edited = [...FILE];
    edited[2] = '  return a + step + 0;';
    const placed = place(edited);
    assert.equal(placed.quoteOriginal, true);
    assert.match(placed.label ?? '', /^Changed since pinned/);
    assert.equal(placed.startLine, 2);
  });

  it('never places ambiguous code silently: it says so and names the other places', () => {
    const twice = [...FILE.slice(0, 4), '', 'function gamma(a) {', '  const step = 1;', '  return a + step;', '}'];
    const anchor = makeAnchor(['x', '  const step = 1;', '  return a + step;', 'y'].join('\n'), 'src/m.ts', 2, 3);
    const placed = placePin(anchor, relocate(anchor, twice.join('\n')), twice.length);
    assert.match(placed.label ?? '', /^Not sure where: 2 places match/);
    assert.equal(placed.quoteOriginal, true);
    assert.deepEqual(placed.candidates, [{ startLine: 2, endLine: 3 }, { startLine: 7, endLine: 8 }]);
    const chosen = placePin(anchor, relocate(anchor, twice.join('\n')), twice.length, { startLine: 7, endLine: 8 });
    assert.deepEqual([chosen.startLine, chosen.endLine], [7, 8]);
    assert.match(chosen.label ?? '', /^Placed where you chose/);
  });

  it('shows deleted code as outdated at its old line, clamped to the file', () => {
    const placed = place(['const unrelated = 42;']);
    assert.deepEqual({ ...placed, label: undefined }, { startLine: 1, endLine: 1, label: undefined, quoteOriginal: true, outdated: true });
    assert.match(placed.label ?? '', /^Outdated/);
  });
});
