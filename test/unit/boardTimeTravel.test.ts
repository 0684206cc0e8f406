import { strict as assert } from 'node:assert';
import { BoardState } from '../../src/board/boardState';
import type { BoardMessage } from '../../src/board/boardState';
import { BoardItemViews } from '../../src/extension/boardItems';
import { BoardTimeTravel } from '../../src/extension/boardTimeTravel';
import type { BoardNow } from '../../src/extension/boardTimeTravel';
import { isNetError } from '../../src/net/errors';
import { GroupHistory } from '../../src/net/groupHistory';
import { MemberKey } from '../../src/net/memberKey';
import { signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import type { BoardItem } from '../../src/webview/protocol';

const N1 = '6c1f0b5e-0000-4000-8000-000000000001';
const N2 = '6c1f0b5e-0000-4000-8000-000000000002';
const STROKE = '6c1f0b5e-0000-4000-8000-000000000003';

/**
 * A member's side of time travel: its history, and the board now as the fold of it, where a note
 * this member adds (a restore) is signed, kept and folded like any other change.
 */
class Member implements BoardNow {
  readonly history: GroupHistory;
  readonly state = new BoardState();
  readonly added: BoardItem[] = [];
  private readonly views: BoardItemViews;
  private readonly seqs = new Map<string, number>();

  constructor(readonly key: MemberKey) {
    this.history = GroupHistory.inMemory('team', key.id);
    this.views = new BoardItemViews((id) => this.history.name(id) ?? id);
  }

  record(key: MemberKey, fields: Record<string, unknown>): BoardMessage {
    const seq = (this.seqs.get(key.id) ?? 0) + 1;
    this.seqs.set(key.id, seq);
    const clock = this.state.nextClock();
    const message = signMessage({ v: '1', id: `msg-${key.id.slice(0, 6)}-${seq}-000`, from: key.id, group: 'team', seq, ts: 1_700_000_000_000 + clock * 1000, clock, ...fields } as unknown as BoardMessage, key);
    assert.equal(this.history.add(message), 'added');
    this.state.apply(message);
    return message;
  }

  item(id: string): BoardItem | undefined {
    const s = this.state.item(id);
    return s === undefined ? undefined : this.views.toView(s);
  }

  addNote(text: string, x: number, y: number, style: { font?: string; size?: number; colour?: string }): BoardItem | undefined {
    const message = this.record(this.key, { type: 'note', op: 'add', item: `restored-${this.added.length}-0000`, text, x, y, ...style });
    const item = this.item(message.item)!;
    this.added.push(item);
    return item;
  }
}

const badInput = (pattern: RegExp) => (err: unknown) => isNetError(err, 'ERR_BAD_INPUT') && pattern.test((err as Error).message);

describe('board time travel on the host', () => {
  let alice: MemberKey;
  let bob: MemberKey;
  before(async () => {
    await cryptoReady();
    alice = MemberKey.generate();
    bob = MemberKey.generate();
  });

  /** Alice's window after a session: Bob added a note and deleted it, Alice added one and drew a stroke. */
  function session(): { me: Member; travel: BoardTimeTravel } {
    const me = new Member(alice);
    me.history.setName(bob.id, 'Bob');
    me.history.setName(alice.id, 'Alice');
    const style = { font: 'sans-serif', size: 16, colour: '#f5e17a' };
    me.record(bob, { type: 'note', op: 'add', item: N1, text: "Bob's note", x: 10, y: 20, ...style });
    me.record(alice, { type: 'note', op: 'add', item: N2, text: "Alice's note", x: 300, y: 20, ...style });
    me.record(alice, { type: 'stroke', op: 'add', item: STROKE, points: [{ x: 0, y: 0 }, { x: 5, y: 5 }], width: 2, colour: '#000000' });
    me.record(bob, { type: 'note', op: 'delete', item: N1 });
    // A chat message is history too, but not a step of the board.
    me.record(alice, { type: 'chat', text: 'hello' });
    return { me, travel: new BoardTimeTravel(() => me.history, me) };
  }

  it('opens the board history with its steps, their times and the authors of its items', () => {
    const { travel } = session();
    const timeline = travel.openHistory();
    assert.equal(timeline.steps, 4);
    assert.deepEqual([timeline.first, timeline.last], [1_700_000_001_000, 1_700_000_004_000]);
    assert.deepEqual(timeline.authors.map((a) => a.name).sort(), ['Alice', 'Bob']);
    assert.ok(timeline.authors.every((a) => /^[0-9a-f]{4}-[0-9a-f]{4}$/.test(a.fingerprint)));
  });

  it('says at each step what changed, and which notes are deleted now', () => {
    const { travel } = session();
    travel.openHistory();
    const zero = travel.stateAt(0);
    assert.deepEqual([zero.items, zero.restorable, zero.change], [[], [], undefined]);
    const three = travel.stateAt(3);
    assert.deepEqual(three.items.map((i) => i.id), [N1, N2, STROKE]);
    assert.deepEqual(three.restorable, [N1], "only Bob's note is gone now; the stroke is not a note");
    assert.deepEqual(three.change, { author: { id: alice.id, name: 'Alice' }, ts: 1_700_000_003_000, kind: 'stroke', op: 'add' });
    assert.deepEqual(travel.stateAt(4).items.map((i) => i.id), [N2, STROKE]);
  });

  it('restores a deleted note as a new note of this member with the content it had, through the board', () => {
    const { me, travel } = session();
    travel.openHistory();
    const restored = travel.restore(2, N1);
    assert.equal(restored?.kind, 'note');
    assert.ok(restored !== undefined && restored.kind === 'note');
    assert.deepEqual([restored.text, restored.x, restored.y, restored.colour, restored.author.id], ["Bob's note", 10, 20, '#f5e17a', alice.id]);
    assert.notEqual(restored.id, N1, 'a new item: the original stays deleted for everyone');
    assert.equal(me.state.isDeleted(N1), true);
    // The original stays deleted, so the past still offers it (a second restore makes a second copy).
    assert.deepEqual(travel.stateAt(2).restorable, [N1]);
    assert.throws(() => travel.restore(2, N2), badInput(/still on the board/));
  });

  it('refuses a step or an item that does not fit with ERR_BAD_INPUT, and keeps answering', () => {
    const { me, travel } = session();
    assert.throws(() => travel.stateAt(0), badInput(/Open the board history first/));
    travel.openHistory();
    for (const step of [5, -1, 1.5, Number.NaN, 200_000]) assert.throws(() => travel.stateAt(step), badInput(/no step/), String(step));
    assert.throws(() => travel.restore(9, N1), badInput(/no step/));
    assert.throws(() => travel.restore(0, N1), badInput(/Only a note/), 'nothing was on the board at step 0');
    assert.throws(() => travel.restore(3, STROKE), badInput(/Only a note/), 'a stroke is not restored');
    assert.throws(() => travel.restore(3, 'no-such-item-0000'), badInput(/Only a note/));
    assert.deepEqual(me.added, [], 'nothing was added');
    assert.equal(travel.stateAt(4).step, 4);
    travel.close();
    assert.throws(() => travel.stateAt(4), badInput(/Open the board history first/));
  });

  it('forgets an open history when the group history is replaced (left, joined another group)', () => {
    const { me, travel } = session();
    let history: GroupHistory | undefined = me.history;
    const switching = new BoardTimeTravel(() => history, me);
    switching.openHistory();
    history = GroupHistory.inMemory('other', alice.id);
    assert.throws(() => switching.stateAt(0), badInput(/Open the board history first/));
    history = undefined;
    assert.throws(() => switching.openHistory(), (err: unknown) => isNetError(err, 'ERR_CLOSED'));
    assert.equal(travel.openHistory().steps, 4);
  });
});
