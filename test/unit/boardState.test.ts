import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BoardState } from '../../src/board/boardState';
import type { BoardMessage } from '../../src/board/boardState';
import {
  MAX_BOARD_CLOCK,
  MAX_BOARD_IMAGE_BYTES,
  MAX_BOARD_ITEMS,
  MAX_CLOCK_JUMP,
  MAX_HELD_PER_AUTHOR,
  MAX_IMAGE_BYTES,
  MAX_TOMBSTONES_PER_AUTHOR,
} from '../../src/board/limits';

let seq = 0;
const envelope = (from: string, clock: number) => ({ v: '1', id: `m-${++seq}-abcdef`, from, group: 'team', seq: seq, ts: 0, clock });

const note = (from: string, clock: number, item: string, op: 'add' | 'move' | 'edit' | 'delete', fields: Partial<BoardMessage> = {}): BoardMessage =>
  ({ ...envelope(from, clock), type: 'note', op, item, ...fields }) as BoardMessage;

const addNote = (from: string, clock: number, item: string, text = 'hello'): BoardMessage =>
  note(from, clock, item, 'add', { text, font: 'sans-serif', size: 16, colour: '#f5e17a', x: 10, y: 20 } as Partial<BoardMessage>);
const editNote = (from: string, clock: number, item: string, text: string): BoardMessage => note(from, clock, item, 'edit', { text } as Partial<BoardMessage>);
const moveNote = (from: string, clock: number, item: string, x: number): BoardMessage => note(from, clock, item, 'move', { x, y: x } as Partial<BoardMessage>);
const deleteNote = (from: string, clock: number, item: string): BoardMessage => note(from, clock, item, 'delete');
const addImage = (from: string, clock: number, item: string, size: number): BoardMessage =>
  ({ ...envelope(from, clock), type: 'image', op: 'add', item, x: 0, y: 0, width: 10, height: 10, mime: 'image/png', bytes: size, sha256: 'a'.repeat(64) }) as BoardMessage;

function fold(messages: BoardMessage[]): ReturnType<BoardState['items']> {
  const state = new BoardState();
  for (const m of messages) state.apply(m);
  return state.items();
}

const textOf = (state: BoardState, id: string): string | undefined => {
  const item = state.item(id);
  return item?.kind === 'note' ? item.text : undefined;
};

/** The messages in the order given by `keys` (a Fisher–Yates shuffle driven by fast-check's numbers). */
function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = (keys[i % Math.max(1, keys.length)] ?? 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('board state fold', () => {
  it('shows a note once its add arrives, and applies a move that arrived before it', () => {
    const state = new BoardState();
    assert.deepEqual(state.apply(moveNote('bob', 5, 'n1', 300)), { held: true });
    assert.equal(state.item('n1'), undefined);
    assert.deepEqual(state.apply(addNote('alice', 1, 'n1')), { changed: 'n1' });
    const item = state.item('n1');
    assert.equal(item?.kind, 'note');
    assert.deepEqual([item?.x, item?.y], [300, 300]);
  });

  it('settles concurrent moves by Lamport clock, then by peer id, and the author\'s edits by clock', () => {
    const [a] = fold([addNote('alice', 1, 'n1'), moveNote('alice', 2, 'n1', 1), moveNote('bob', 2, 'n1', 2)]);
    assert.equal(a?.x, 2); // same clock: "bob" > "alice"
    const [b] = fold([addNote('alice', 1, 'n1'), editNote('alice', 3, 'n1', 'newer'), editNote('alice', 2, 'n1', 'older')]);
    assert.equal(b?.kind === 'note' && b.text, 'newer');
  });

  it('stacks two items added with the same clock by one author alike in either arrival order (by item id)', () => {
    const a = addNote('alice', 9, 'item-0001');
    const b = addNote('alice', 9, 'item-0002');
    assert.deepEqual(fold([a, b]).map((i) => i.id), ['item-0001', 'item-0002']);
    assert.deepEqual(fold([b, a]).map((i) => i.id), ['item-0001', 'item-0002']);
  });

  it('lets an edit change one field and keep the others', () => {
    const [item] = fold([addNote('alice', 1, 'n1', 'text'), note('alice', 2, 'n1', 'edit', { colour: '#ff0000' } as Partial<BoardMessage>)]);
    assert.ok(item?.kind === 'note');
    assert.equal(item.text, 'text');
    assert.equal(item.colour, '#ff0000');
  });

  it('makes the author\'s delete final: it wins over a later edit and over a re-add of the same id', () => {
    const messages = [addNote('alice', 1, 'n1'), deleteNote('alice', 2, 'n1'), editNote('alice', 9, 'n1', 'too late'), addNote('alice', 10, 'n1')];
    assert.deepEqual(fold(messages), []);
    assert.deepEqual(fold([...messages].reverse()), []);
    const state = new BoardState();
    for (const m of messages.slice(0, 2)) state.apply(m);
    assert.equal(state.isDeleted('n1'), true);
    assert.equal(state.apply(messages[2]!).refused?.code, 'ERR_DELETED');
  });

  it('stacks items by the clock of their add, the same for every member', () => {
    const items = fold([addNote('bob', 3, 'top'), addNote('alice', 1, 'bottom'), addNote('carol', 2, 'middle')]);
    assert.deepEqual(items.map((i) => i.id), ['bottom', 'middle', 'top']);
  });

  it('keeps an image\'s bytes and a stroke\'s bounds', () => {
    const state = new BoardState();
    const bytes = new Uint8Array([1, 2, 3]);
    state.apply(addImage('alice', 1, 'i1', 3), bytes);
    state.apply({ ...envelope('alice', 2), type: 'stroke', op: 'add', item: 's1', points: [{ x: 5, y: 9 }, { x: -3, y: 12 }], width: 2, colour: '#000000' });
    const image = state.item('i1');
    assert.ok(image?.kind === 'image' && image.bytes === bytes);
    const stroke = state.item('s1');
    assert.deepEqual([stroke?.x, stroke?.y], [-3, 9]);
  });

  describe('who may change what', () => {
    it('lets any member move an item, and only its author edit or delete it', () => {
      const state = new BoardState();
      state.apply(addNote('alice', 1, 'n1', 'mine'));
      assert.deepEqual(state.apply(moveNote('bob', 2, 'n1', 77)), { changed: 'n1' });
      assert.equal(state.item('n1')?.x, 77);

      const before = state.items();
      const edit = state.apply(editNote('mallory', 3, 'n1', 'defaced'));
      assert.equal(edit.changed, undefined);
      assert.equal(edit.refused?.code, 'ERR_NOT_AUTHOR');
      const del = state.apply(deleteNote('mallory', 4, 'n1'));
      assert.equal(del.changed, undefined);
      assert.equal(del.refused?.code, 'ERR_NOT_AUTHOR');
      assert.deepEqual(state.items(), before);
      assert.equal(state.isDeleted('n1'), false);

      assert.deepEqual(state.apply(editNote('alice', 5, 'n1', 'still mine')), { changed: 'n1' });
      assert.equal(textOf(state, 'n1'), 'still mine');
      assert.deepEqual(state.apply(deleteNote('alice', 6, 'n1')), { changed: 'n1' });
      assert.equal(state.isDeleted('n1'), true);
    });

    it('holds an edit or delete that overtakes its add, and applies or refuses it when the add arrives', () => {
      const state = new BoardState();
      assert.deepEqual(state.apply(editNote('alice', 3, 'n1', 'edited early')), { held: true });
      assert.deepEqual(state.apply(editNote('mallory', 9, 'n1', 'defaced early')), { held: true });
      assert.deepEqual(state.apply(deleteNote('mallory', 9, 'n1')), { held: true });
      assert.equal(state.isDeleted('n1'), false);
      state.apply(addNote('alice', 1, 'n1'));
      assert.equal(textOf(state, 'n1'), 'edited early');

      const other = new BoardState();
      other.apply(deleteNote('alice', 2, 'n2'));
      other.apply(addNote('alice', 1, 'n2'));
      assert.equal(other.isDeleted('n2'), true);
      assert.deepEqual(other.items(), []);
    });

    it('withdraws an item whose id a second member adds, whichever add came first', () => {
      const honest = addNote('alice', 5, 'n1', 'genuine');
      const squat = addNote('mallory', 1, 'n1', 'hijacked');
      for (const order of [[honest, squat], [squat, honest]]) {
        const state = new BoardState();
        state.apply(order[0]!);
        const second = state.apply(order[1]!);
        assert.equal(second.refused?.code, 'ERR_ID_CONFLICT');
        assert.equal(second.changed, 'n1');
        assert.equal(state.isDeleted('n1'), true);
        // Neither claimant can bring it back or change it.
        assert.equal(state.apply(editNote('mallory', 6, 'n1', 'mine now')).refused?.code, 'ERR_DELETED');
        assert.deepEqual(state.items(), []);
      }
    });

    it('keeps the author\'s retransmitted add, with the earliest as the creation', () => {
      const state = new BoardState();
      state.apply(addNote('alice', 4, 'n1', 'late copy'));
      assert.deepEqual(state.apply(addNote('alice', 2, 'n1', 'first')), { changed: 'n1' });
      assert.equal(state.item('n1')?.created.clock, 2);
    });

    it('tells the host beforehand what it would refuse, without folding anything', () => {
      const state = new BoardState();
      state.apply(addNote('alice', 1, 'n1'));
      const clock = state.nextClock();
      assert.equal(clock, 2);
      assert.equal(state.check({ type: 'note', op: 'delete', item: 'n1', clock, from: 'bob' })?.code, 'ERR_NOT_AUTHOR');
      assert.equal(state.check({ type: 'note', op: 'delete', item: 'n1', clock, from: 'alice' }), undefined);
      assert.equal(state.isDeleted('n1'), false);
      assert.equal(state.nextClock(), 2);
    });
  });

  describe('clock bound', () => {
    it('refuses a clock near 2^53 − 1, and later changes still get a clock the codec carries', () => {
      const state = new BoardState();
      state.apply(addNote('alice', 1, 'n1'));
      const huge = state.apply(addNote('mallory', Number.MAX_SAFE_INTEGER, 'n2'));
      assert.equal(huge.refused?.code, 'ERR_BAD_CLOCK');
      assert.equal(state.apply(addNote('mallory', MAX_BOARD_CLOCK, 'n2')).refused?.code, 'ERR_CLOCK_JUMP');
      assert.equal(state.item('n2'), undefined);
      assert.equal(state.nextClock(), 2);
      assert.deepEqual(state.apply(moveNote('bob', state.nextClock(), 'n1', 5)), { changed: 'n1' });
      assert.equal(state.item('n1')?.x, 5);
    });

    it('accepts a jump of MAX_CLOCK_JUMP above the highest clock seen, from 0 on an empty board, and refuses one more', () => {
      const state = new BoardState();
      assert.equal(state.apply(addNote('alice', MAX_CLOCK_JUMP + 1, 'n0')).refused?.code, 'ERR_CLOCK_JUMP');
      assert.deepEqual(state.apply(addNote('alice', MAX_CLOCK_JUMP, 'n1')), { changed: 'n1' });
      assert.equal(state.apply(addNote('bob', 2 * MAX_CLOCK_JUMP + 1, 'n2')).refused?.code, 'ERR_CLOCK_JUMP');
      assert.deepEqual(state.apply(addNote('bob', 2 * MAX_CLOCK_JUMP, 'n2')), { changed: 'n2' });
      assert.equal(state.nextClock(), 2 * MAX_CLOCK_JUMP + 1);
      assert.ok(Number.isSafeInteger(state.nextClock()));
    });

    it('refuses clocks that are not whole numbers in the codec\'s range', () => {
      const state = new BoardState();
      for (const clock of [-1, 1.5, Number.NaN, Infinity]) assert.equal(state.apply(addNote('alice', clock, 'n1')).refused?.code, 'ERR_BAD_CLOCK', String(clock));
      assert.deepEqual(state.items(), []);
    });
  });

  describe('bounds', () => {
    it('counts live items only: deletes free room, and a full board refuses adds without evicting anything', () => {
      const state = new BoardState();
      for (let i = 0; i < MAX_BOARD_ITEMS; i += 1) assert.deepEqual(state.apply(addNote('alice', 1, `n${i}`)), { changed: `n${i}` });
      const full = state.apply(addNote('bob', 2, 'extra'));
      assert.equal(full.refused?.code, 'ERR_BOARD_FULL');
      assert.equal(state.items().length, MAX_BOARD_ITEMS);
      state.apply(deleteNote('alice', 3, 'n0'));
      assert.deepEqual(state.apply(addNote('bob', 4, 'extra')), { changed: 'extra' });
      assert.equal(state.items().length, MAX_BOARD_ITEMS);
    });

    it('bounds the changes one stranger can park on unknown ids, and an honest add still goes in', () => {
      const state = new BoardState();
      const codes = new Map<string, number>();
      for (let i = 0; i < 20_000; i += 1) {
        const code = state.apply(deleteNote('mallory', 1, `ghost${i}`)).refused?.code ?? 'held';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      assert.deepEqual(Object.fromEntries(codes), { held: MAX_HELD_PER_AUTHOR, ERR_TOO_MANY_HELD: 20_000 - MAX_HELD_PER_AUTHOR });
      // Other members keep their own allowance: a move racing an add is still held.
      assert.deepEqual(state.apply(moveNote('bob', 2, 'n1', 9)), { held: true });
      assert.deepEqual(state.apply(addNote('alice', 1, 'n1')), { changed: 'n1' });
      assert.equal(state.item('n1')?.x, 9);
    });

    it('releases a member\'s held allowance once the add arrives', () => {
      const state = new BoardState();
      for (let i = 0; i < MAX_HELD_PER_AUTHOR; i += 1) state.apply(moveNote('bob', 1, `n${i}`, i));
      assert.equal(state.apply(moveNote('bob', 1, 'later', 0)).refused?.code, 'ERR_TOO_MANY_HELD');
      state.apply(addNote('alice', 1, 'n0'));
      assert.deepEqual(state.apply(moveNote('bob', 1, 'later', 0)), { held: true });
    });

    it('bounds tombstones per author: past it the author\'s delete is refused and the item stays', () => {
      const state = new BoardState();
      for (let i = 0; i < MAX_TOMBSTONES_PER_AUTHOR; i += 1) {
        state.apply(addNote('alice', 1, `n${i}`));
        assert.deepEqual(state.apply(deleteNote('alice', 2, `n${i}`)), { changed: `n${i}` });
      }
      state.apply(addNote('alice', 3, 'keep'));
      const refused = state.apply(deleteNote('alice', 4, 'keep'));
      assert.equal(refused.refused?.code, 'ERR_TOO_MANY_TOMBSTONES');
      assert.equal(state.isDeleted('keep'), false);
      // A squatting add costs a tombstone too, so it cannot withdraw the item either.
      state.apply(addNote('bob', 5, 'bobs'));
      assert.equal(state.apply(addNote('alice', 6, 'bobs')).refused?.code, 'ERR_TOO_MANY_TOMBSTONES');
      assert.notEqual(state.item('bobs'), undefined);
      // Others are unaffected.
      assert.deepEqual(state.apply(deleteNote('bob', 7, 'bobs')), { changed: 'bobs' });
    });

    it('bounds the total image bytes of a board, and a deleted image frees its bytes', () => {
      const state = new BoardState();
      const bytes = new Uint8Array(MAX_IMAGE_BYTES);
      const count = MAX_BOARD_IMAGE_BYTES / MAX_IMAGE_BYTES;
      for (let i = 0; i < count; i += 1) assert.deepEqual(state.apply(addImage('alice', 1, `i${i}`, bytes.length), bytes), { changed: `i${i}` });
      const one = new Uint8Array(1);
      const over = state.apply(addImage('bob', 2, 'extra', 1), one);
      assert.equal(over.refused?.code, 'ERR_BOARD_IMAGES_FULL');
      assert.equal(state.item('extra'), undefined);
      assert.equal(state.items().length, count);
      state.apply(note('alice', 3, 'i0', 'delete'));
      assert.deepEqual(state.apply(addImage('bob', 4, 'extra', 1), one), { changed: 'extra' });
    });
  });

  it('converges to the same board for every arrival order, with hostile edits, deletes and adds (property)', () => {
    const honest = ['alice', 'bob', 'carol'];
    const items = ['n1', 'n2', 's1'];
    const op = fc.record({
      peer: fc.constantFrom(...honest, 'mallory'),
      item: fc.constantFrom(...items),
      kind: fc.constantFrom('add', 'move', 'edit', 'delete', 'addSnippet', 'moveSnippet'),
      text: fc.string({ maxLength: 5 }),
      x: fc.integer({ min: -50, max: 50 }),
      colour: fc.constantFrom('#111111', '#222222', '#333333'),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (ops, keysA, keysB) => {
        // Lamport clocks: each peer's clock is unique per message, so (clock, peer) stamps are unique.
        const clocks = new Map<string, number>();
        const messages = ops.map((o): BoardMessage => {
          const clock = (clocks.get(o.peer) ?? 0) + 1 + (o.x & 1);
          clocks.set(o.peer, clock);
          // Mallory never adds here (see the next property for squatting adds): all it sends are
          // changes to other members' items, which must never show.
          const kind = o.peer === 'mallory' && (o.kind === 'add' || o.kind === 'addSnippet') ? 'edit' : o.kind;
          const text = o.peer === 'mallory' ? `evil${o.text}` : `ok${o.text}`;
          switch (kind) {
            case 'add':
              return note(o.peer, clock, o.item, 'add', { text, font: 'serif', size: 12, colour: o.colour, x: o.x, y: 0 } as Partial<BoardMessage>);
            case 'move':
              return moveNote(o.peer, clock, o.item, o.x);
            case 'edit':
              return note(o.peer, clock, o.item, 'edit', { text, colour: o.colour } as Partial<BoardMessage>);
            case 'delete':
              return deleteNote(o.peer, clock, o.item);
            case 'addSnippet':
              return { ...envelope(o.peer, clock), type: 'snippet', op: 'add', item: o.item, code: o.text || 'x', language: 'ts', path: 'a.ts', startLine: 1, endLine: 1, x: o.x, y: 1 };
            default:
              return { ...envelope(o.peer, clock), type: 'snippet', op: 'move', item: o.item, x: o.x, y: 2 };
          }
        });
        const expected = fold(messages);
        assert.deepEqual(fold([...messages].reverse()), expected);
        assert.deepEqual(fold(permute(messages, keysA)), expected);
        assert.deepEqual(fold(permute([...messages, ...messages.slice(0, 4)], keysB)), expected); // duplicates too
        for (const item of expected) {
          assert.ok(item.kind !== 'note' || !item.text.startsWith('evil'), 'a non-author edit shows');
          // An item is gone only by its author's delete (or a second author's add, which Mallory does not send).
          const authorDeleted = messages.some((m) => m.item === item.id && m.op === 'delete' && m.from === item.author);
          assert.ok(!authorDeleted, 'an item its author deleted shows');
        }
        for (const id of items) {
          if (expected.some((i) => i.id === id)) continue;
          const adds = messages.filter((m) => m.item === id && m.op === 'add');
          const authors = new Set(adds.map((m) => m.from));
          if (authors.size !== 1) continue; // never added, or withdrawn by a second author's add
          const [author] = authors;
          const deletedByAuthor = messages.some((m) => m.item === id && m.op === 'delete' && m.from === author);
          assert.ok(deletedByAuthor, `${id} vanished without its author deleting it`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('converges whatever the order when a stranger squats on ids and deletes unknown ones (property)', () => {
    const msgs = fc.array(
      fc.record({
        peer: fc.constantFrom('alice', 'bob', 'mallory'),
        item: fc.constantFrom('n1', 'n2', 'n3'),
        kind: fc.constantFrom('add', 'move', 'edit', 'delete'),
        x: fc.integer({ min: 0, max: 9 }),
      }),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(msgs, fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (ops, keys) => {
        const clocks = new Map<string, number>();
        const messages = ops.map((o) => {
          const clock = (clocks.get(o.peer) ?? 0) + 1 + o.x;
          clocks.set(o.peer, clock);
          if (o.kind === 'add') return addNote(o.peer, clock, o.item, `${o.peer}${o.x}`);
          if (o.kind === 'move') return moveNote(o.peer, clock, o.item, o.x);
          if (o.kind === 'edit') return editNote(o.peer, clock, o.item, `${o.peer} edit ${o.x}`);
          return deleteNote(o.peer, clock, o.item);
        });
        const expected = fold(messages);
        assert.deepEqual(fold(permute(messages, keys)), expected);
        for (const item of expected) {
          assert.ok(item.kind === 'note' && item.text.startsWith(item.author), `${item.id} shows another member's text`);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
