import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BoardState } from '../../src/board/boardState';
import type { BoardMessage } from '../../src/board/boardState';
import { BoardTimeline, compareTimelineMessages, MAX_CHECKPOINTS } from '../../src/board/boardTimeline';

const AUTHORS = ['alice-key-0001', 'bob-key-00002', 'carol-key-003'];
const ITEMS = ['item-0001', 'item-0002', 'item-0003', 'item-0004'];

interface Op {
  author: number;
  item: number;
  op: 'add' | 'move' | 'edit' | 'delete';
  clock: number;
  value: number;
}

/** A recorded history: each author's messages numbered 1, 2, 3… as their logs are. */
function history(ops: readonly Op[]): BoardMessage[] {
  const seqs = new Map<string, number>();
  return ops.map((o, i) => {
    const from = AUTHORS[o.author]!;
    const seq = (seqs.get(from) ?? 0) + 1;
    seqs.set(from, seq);
    const base = { v: '1', id: `msg-${i}-abcdef`, from, group: 'team', seq, ts: 1_700_000_000_000 + i * 1000, type: 'note', op: o.op, item: ITEMS[o.item]!, clock: o.clock };
    switch (o.op) {
      case 'add':
        return { ...base, text: `text ${o.value}`, font: 'sans-serif', size: 16, colour: '#f5e17a', x: o.value, y: o.value } as BoardMessage;
      case 'move':
        return { ...base, x: o.value, y: -o.value } as BoardMessage;
      case 'edit':
        return { ...base, text: `edited ${o.value}` } as BoardMessage;
      case 'delete':
        return base as BoardMessage;
    }
  });
}

const opArb = fc.record({
  author: fc.integer({ min: 0, max: AUTHORS.length - 1 }),
  item: fc.integer({ min: 0, max: ITEMS.length - 1 }),
  op: fc.constantFrom<Op['op']>('add', 'add', 'move', 'edit', 'delete'),
  clock: fc.integer({ min: 0, max: 12 }),
  value: fc.integer({ min: -500, max: 500 }),
});

/** The board after the first `k` messages of the timeline order, folded from scratch. */
function foldPrefix(messages: readonly BoardMessage[], k: number): ReturnType<BoardState['items']> {
  const ordered = [...messages].sort(compareTimelineMessages);
  const state = new BoardState();
  for (const m of ordered.slice(0, k)) state.apply(m);
  return state.items();
}

describe('board timeline', () => {
  it('gives at every step of a random recorded history the board that folding the log up to that step gives', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), fc.array(fc.nat(), { maxLength: 30 }), (ops, interval, jumps) => {
        const messages = history(ops);
        const timeline = new BoardTimeline(messages, { interval });
        assert.equal(timeline.length, messages.length);
        // Every step in order, then random jumps back and forth (checkpoints and the cursor both used).
        const order = [...Array(messages.length + 1).keys(), ...jumps.map((j) => j % (messages.length + 1))];
        for (const k of order) assert.deepEqual(timeline.itemsAt(k), foldPrefix(messages, k), `step ${k}`);
      }),
      { numRuns: 150 },
    );
  });

  it('ends at the board the fold gives in arrival order, whatever that order was', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const messages = history(ops);
        const now = new BoardState();
        for (const m of messages) now.apply(m);
        const reversed = new BoardTimeline([...messages].reverse());
        assert.deepEqual(reversed.itemsAt(reversed.length), now.items());
        // The same messages in another arrival order make the same steps.
        assert.deepEqual(reversed.steps, new BoardTimeline(messages).steps);
      }),
      { numRuns: 100 },
    );
  });

  it('orders steps by clock, then author, then the author\'s log number', () => {
    const [a, b] = AUTHORS as [string, string];
    const messages = history([
      { author: 1, item: 0, op: 'add', clock: 2, value: 1 },
      { author: 0, item: 1, op: 'add', clock: 2, value: 2 },
      { author: 0, item: 1, op: 'move', clock: 2, value: 3 },
      { author: 1, item: 0, op: 'move', clock: 1, value: 4 },
    ]);
    const steps = new BoardTimeline(messages).steps.map((m) => [m.clock, m.from, m.seq]);
    assert.deepEqual(steps, [[1, b, 2], [2, a, 1], [2, a, 2], [2, b, 1]]);
  });

  it('shows a deleted note at the steps before its delete and not after', () => {
    const messages = history([
      { author: 0, item: 0, op: 'add', clock: 1, value: 10 },
      { author: 0, item: 0, op: 'edit', clock: 2, value: 11 },
      { author: 0, item: 0, op: 'delete', clock: 3, value: 0 },
    ]);
    const timeline = new BoardTimeline(messages);
    assert.deepEqual(timeline.itemsAt(0), []);
    const textAt = (k: number): string | undefined => timeline.itemsAt(k).map((i) => (i.kind === 'note' ? i.text : undefined))[0];
    assert.equal(textAt(1), 'text 10');
    assert.equal(textAt(2), 'edited 11');
    assert.deepEqual(timeline.itemsAt(3), []);
  });

  it('leaves out the items of the authors a layer hides, and only theirs', () => {
    const messages = history([
      { author: 0, item: 0, op: 'add', clock: 1, value: 10 },
      { author: 1, item: 1, op: 'add', clock: 2, value: 20 },
      // Bob moves Alice's note: it is still Alice's item.
      { author: 1, item: 0, op: 'move', clock: 3, value: 30 },
    ]);
    const timeline = new BoardTimeline(messages);
    const withoutBob = timeline.itemsAt(3, (author) => author !== AUTHORS[1]);
    assert.deepEqual(withoutBob.map((i) => [i.id, i.x]), [[ITEMS[0], 30]]);
    assert.deepEqual(timeline.itemsAt(3, () => false), []);
  });

  it('refuses a step that is not one with a RangeError, and keeps answering after it', () => {
    const timeline = new BoardTimeline(history([{ author: 0, item: 0, op: 'add', clock: 1, value: 1 }]));
    for (const bad of [-1, 2, 0.5, Number.NaN, Infinity]) {
      assert.throws(() => timeline.stateAt(bad), RangeError);
      assert.throws(() => timeline.step(bad), RangeError);
    }
    assert.throws(() => timeline.step(0), RangeError);
    assert.equal(timeline.itemsAt(1).length, 1);
  });

  it('keeps at most MAX_CHECKPOINTS copies and jumps anywhere in 20,000 steps from a checkpoint, not from the start', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 20_000; i += 1) ops.push({ author: i % 3, item: 0, op: 'add', clock: i + 1, value: i });
    const messages = history(ops).map((m, i) => ({ ...m, item: `note-${String(i).padStart(6, '0')}` }));
    const timeline = new BoardTimeline(messages);
    assert.ok(timeline.interval * MAX_CHECKPOINTS >= timeline.length);
    const started = performance.now();
    for (const k of [19_999, 3, 10_000, 12_345, 5, 20_000, 7_777]) assert.equal(timeline.stateAt(k).items().length, k);
    // Seven jumps, each a copy of a checkpoint plus at most `interval` folds (and a sort of the items).
    assert.ok(performance.now() - started < 2000, `took ${Math.round(performance.now() - started)} ms`);
  });
});
