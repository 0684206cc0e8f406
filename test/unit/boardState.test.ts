import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BoardState } from '../../src/board/boardState';
import type { BoardMessage } from '../../src/board/boardState';

let seq = 0;
const envelope = (from: string, clock: number) => ({ v: '1', id: `m-${++seq}-abcdef`, from, group: 'team', seq: seq, ts: 0, clock });

const note = (from: string, clock: number, item: string, op: 'add' | 'move' | 'edit' | 'delete', fields: Partial<BoardMessage> = {}): BoardMessage =>
  ({ ...envelope(from, clock), type: 'note', op, item, ...fields }) as BoardMessage;

const addNote = (from: string, clock: number, item: string, text = 'hello'): BoardMessage =>
  note(from, clock, item, 'add', { text, font: 'sans-serif', size: 16, colour: '#f5e17a', x: 10, y: 20 } as Partial<BoardMessage>);

function fold(messages: BoardMessage[]): ReturnType<BoardState['items']> {
  const state = new BoardState();
  for (const m of messages) state.apply(m);
  return state.items();
}

describe('board state fold', () => {
  it('shows a note once its add arrives, and applies a move that arrived before it', () => {
    const state = new BoardState();
    state.apply(note('bob', 5, 'n1', 'move', { x: 300, y: 400 } as Partial<BoardMessage>));
    assert.equal(state.item('n1'), undefined);
    state.apply(addNote('alice', 1, 'n1'));
    const item = state.item('n1');
    assert.equal(item?.kind, 'note');
    assert.deepEqual([item?.x, item?.y], [300, 400]);
  });

  it('settles concurrent edits by Lamport clock, then by peer id', () => {
    const a = fold([addNote('alice', 1, 'n1'), note('alice', 2, 'n1', 'edit', { text: 'from alice' } as Partial<BoardMessage>), note('bob', 2, 'n1', 'edit', { text: 'from bob' } as Partial<BoardMessage>)]);
    assert.equal(a[0]?.kind === 'note' && a[0].text, 'from bob'); // same clock: "bob" > "alice"
    const b = fold([addNote('alice', 1, 'n1'), note('bob', 2, 'n1', 'edit', { text: 'older' } as Partial<BoardMessage>), note('alice', 3, 'n1', 'edit', { text: 'newer' } as Partial<BoardMessage>)]);
    assert.equal(b[0]?.kind === 'note' && b[0].text, 'newer');
  });

  it('lets an edit change one field and keep the others', () => {
    const [item] = fold([addNote('alice', 1, 'n1', 'text'), note('bob', 2, 'n1', 'edit', { colour: '#ff0000' } as Partial<BoardMessage>)]);
    assert.ok(item?.kind === 'note');
    assert.equal(item.text, 'text');
    assert.equal(item.colour, '#ff0000');
  });

  it('makes a delete final: it wins over a later edit and over a re-add of the same id', () => {
    const messages = [addNote('alice', 1, 'n1'), note('bob', 2, 'n1', 'delete'), note('carol', 9, 'n1', 'edit', { text: 'too late' } as Partial<BoardMessage>), addNote('carol', 10, 'n1')];
    assert.deepEqual(fold(messages), []);
    assert.deepEqual(fold([...messages].reverse()), []);
  });

  it('stacks items by the clock of their add, the same for every member', () => {
    const items = fold([addNote('bob', 3, 'top'), addNote('alice', 1, 'bottom'), addNote('carol', 2, 'middle')]);
    assert.deepEqual(items.map((i) => i.id), ['bottom', 'middle', 'top']);
  });

  it('keeps an image\'s bytes and a stroke\'s bounds', () => {
    const state = new BoardState();
    const bytes = new Uint8Array([1, 2, 3]);
    state.apply({ ...envelope('alice', 1), type: 'image', op: 'add', item: 'i1', x: 1, y: 2, width: 30, height: 40, mime: 'image/png', bytes: 3, sha256: 'a'.repeat(64) }, bytes);
    state.apply({ ...envelope('alice', 2), type: 'stroke', op: 'add', item: 's1', points: [{ x: 5, y: 9 }, { x: -3, y: 12 }], width: 2, colour: '#000000' });
    const image = state.item('i1');
    assert.ok(image?.kind === 'image' && image.bytes === bytes);
    const stroke = state.item('s1');
    assert.deepEqual([stroke?.x, stroke?.y], [-3, 9]);
  });

  it('converges to the same board for every arrival order, duplicates included (property)', () => {
    const peers = ['alice', 'bob', 'carol'];
    const items = ['n1', 'n2', 's1'];
    const op = fc.record({
      peer: fc.constantFrom(...peers),
      item: fc.constantFrom(...items),
      kind: fc.constantFrom('add', 'move', 'edit', 'delete', 'addSnippet', 'moveSnippet'),
      text: fc.string({ maxLength: 5 }),
      x: fc.integer({ min: -50, max: 50 }),
      colour: fc.constantFrom('#111111', '#222222', '#333333'),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), fc.integer(), (ops, seed) => {
        // Lamport clocks: each peer's clock is unique per message, so (clock, peer) stamps are unique.
        const clocks = new Map<string, number>();
        const messages = ops.map((o) => {
          const clock = (clocks.get(o.peer) ?? 0) + 1 + (o.x & 1);
          clocks.set(o.peer, clock);
          switch (o.kind) {
            case 'add':
              return note(o.peer, clock, o.item, 'add', { text: o.text, font: 'serif', size: 12, colour: o.colour, x: o.x, y: 0 } as Partial<BoardMessage>);
            case 'move':
              return note(o.peer, clock, o.item, 'move', { x: o.x, y: o.x } as Partial<BoardMessage>);
            case 'edit':
              return note(o.peer, clock, o.item, 'edit', { text: o.text, colour: o.colour } as Partial<BoardMessage>);
            case 'delete':
              return note(o.peer, clock, o.item, 'delete');
            case 'addSnippet':
              return { ...envelope(o.peer, clock), type: 'snippet', op: 'add', item: o.item, code: o.text || 'x', language: 'ts', path: 'a.ts', startLine: 1, endLine: 1, x: o.x, y: 1 } as BoardMessage;
            default:
              return { ...envelope(o.peer, clock), type: 'snippet', op: 'move', item: o.item, x: o.x, y: 2 } as BoardMessage;
          }
        });
        const expected = fold(messages);
        let random = seed;
        const shuffled = [...messages, ...messages.slice(0, 3)].sort(() => ((random = (random * 1103515245 + 12345) & 0x7fffffff) % 3) - 1);
        assert.deepEqual(fold(shuffled), expected);
        assert.deepEqual(fold([...messages].reverse()), expected);
      }),
      { numRuns: 500 },
    );
  });
});
