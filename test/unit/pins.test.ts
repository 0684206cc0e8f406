import { strict as assert } from 'node:assert';
import { makeAnchor } from '../../src/board/codeAnchor';
import { anchorOfPin, pinAnchorFields } from '../../src/board/pinAnchor';
import { MAX_PIN_REPLIES, PinBoard } from '../../src/board/pins';
import type { PinChange } from '../../src/board/pins';
import { exportMarkdown } from '../../src/board/markdownExport';
import { NetError } from '../../src/net/errors';
import type { Envelope, PinMessage } from '../../src/net/messages';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';

const FILE = ['import x from "y";', '', 'function alpha(a) {', '  return a + 1;', '}', '', 'function beta(b) {', '  return b * 2;', '}'].join('\n');
const ANCHOR = makeAnchor(FILE, 'src/math.ts', 3, 5, 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0');
const ALICE = 'aliceAliceAlice1';
const BOB = 'bobBobBobBobBob1';
const PIN = 'pin-0000-0000-0001';
let nextId = 1;

function change(from: string, body: Partial<PinChange> & Pick<PinChange, 'op'>, clock = 1): PinChange {
  return { type: 'pin', item: PIN, clock, from, id: `msg-${String(nextId++).padStart(8, '0')}`, ts: 1_700_000_000_000, ...body } as PinChange;
}
const add = (from = ALICE, clock = 1): PinChange => change(from, { op: 'add', ...pinAnchorFields(ANCHOR), text: 'Why + 1?' }, clock);

describe('pins', () => {
  describe('the anchor on the wire', () => {
    it('gives back the same anchor from its fields, context and commit included', () => {
      assert.deepEqual(anchorOfPin(pinAnchorFields(ANCHOR)), ANCHOR);
    });

    it('round-trips a signed pin add through the codec, white space of the code kept', () => {
      const env: Envelope = { v: '1', id: 'msg-00000001', from: ALICE, group: 'team', seq: 1, ts: 1, sig: 'A'.repeat(86) };
      const message: PinMessage = { ...env, type: 'pin', op: 'add', item: PIN, clock: 1, ...pinAnchorFields(ANCHOR), text: 'Why + 1?' };
      assert.deepEqual(decodeMessage(encodeMessage(message)), message);
    });

    it('refuses with ERR_BAD_MESSAGE a pin whose code does not match its range, or whose path climbs out', () => {
      const env: Envelope = { v: '1', id: 'msg-00000001', from: ALICE, group: 'team', seq: 1, ts: 1, sig: 'A'.repeat(86) };
      const good: PinMessage = { ...env, type: 'pin', op: 'add', item: PIN, clock: 1, ...pinAnchorFields(ANCHOR), text: 'x' };
      const xml = encodeMessage(good).toString('utf8');
      for (const bad of [xml.replace('endLine="5"', 'endLine="9"'), xml.replace('above="2"', 'above="3"'), xml.replace('path="src/math.ts"', 'path="src/../../etc/passwd"')]) {
        assert.notEqual(bad, xml);
        assert.throws(() => decodeMessage(Buffer.from(bad)), (err: unknown) => err instanceof NetError && err.code === 'ERR_BAD_MESSAGE');
      }
    });
  });

  describe('the fold', () => {
    it('shows a pin with its thread: replies by anyone in clock order, each once', () => {
      const pins = new PinBoard();
      pins.apply(add());
      const reply = change(BOB, { op: 'reply', text: 'Off by one?' }, 3);
      pins.apply(reply);
      pins.apply(reply);
      pins.apply(change(ALICE, { op: 'reply', text: 'First' }, 2));
      const pin = pins.pin(PIN)!;
      assert.deepEqual(pin.anchor, ANCHOR);
      assert.deepEqual(pin.replies.map((r) => r.text), ['First', 'Off by one?']);
    });

    it('lets any member resolve or reopen, last writer wins, whatever the arrival order', () => {
      const messages = [add(), change(BOB, { op: 'resolve' }, 5), change(ALICE, { op: 'reopen' }, 4)];
      for (const order of [[0, 1, 2], [2, 1, 0], [1, 0, 2]]) {
        const pins = new PinBoard();
        for (const i of order) pins.apply(messages[i]!);
        assert.equal(pins.pin(PIN)!.resolved, true);
      }
    });

    it('lets only the author delete, and a delete is final', () => {
      const pins = new PinBoard();
      pins.apply(add());
      assert.equal(pins.apply(change(BOB, { op: 'delete' }, 2)).refused?.code, 'ERR_NOT_AUTHOR');
      assert.ok(pins.pin(PIN));
      pins.apply(change(ALICE, { op: 'delete' }, 3));
      assert.equal(pins.pin(PIN), undefined);
      assert.equal(pins.apply(change(BOB, { op: 'reply', text: 'late' }, 4)).refused?.code, 'ERR_DELETED');
    });

    it('holds a reply that overtakes its pin and withdraws a pin whose id a second member adds', () => {
      const pins = new PinBoard();
      assert.equal(pins.apply(change(BOB, { op: 'reply', text: 'early' }, 2)).held, true);
      pins.apply(add());
      assert.deepEqual(pins.pin(PIN)!.replies.map((r) => r.text), ['early']);
      assert.equal(pins.apply(add(BOB, 3)).refused?.code, 'ERR_ID_CONFLICT');
      assert.equal(pins.pin(PIN), undefined);
    });

    it(`refuses reply ${MAX_PIN_REPLIES + 1} with ERR_THREAD_FULL and keeps the thread`, () => {
      const pins = new PinBoard();
      pins.apply(add());
      for (let i = 0; i < MAX_PIN_REPLIES; i += 1) pins.apply(change(BOB, { op: 'reply', text: `r${i}` }, 2));
      assert.equal(pins.apply(change(BOB, { op: 'reply', text: 'one more' }, 2)).refused?.code, 'ERR_THREAD_FULL');
      assert.equal(pins.pin(PIN)!.replies.length, MAX_PIN_REPLIES);
    });

    it('refuses a clock jump like the board does', () => {
      assert.equal(new PinBoard().apply(add(ALICE, 1e12)).refused?.code, 'ERR_CLOCK_JUMP');
    });
  });

  it('exports a pin with its original code and its replies', () => {
    const env = { v: '1', group: 'team', sig: 'A'.repeat(86) };
    const messages = [add(), change(BOB, { op: 'reply', text: 'Off by one?' }, 2)].map((m, i) => ({ ...env, seq: i + 1, ...m }) as PinMessage);
    const { markdown } = exportMarkdown({ group: 'team', messages, names: new Map([[ALICE, 'Alice'], [BOB, 'Bob']]), imageBytes: () => undefined, imageFolder: 'x', exportedAt: new Date(0) });
    assert.match(markdown, /### Pinned to code/);
    assert.match(markdown, /src\/math\.ts/);
    assert.match(markdown, /return a \+ 1;/);
    assert.match(markdown, /\*\*Bob\*\* replied/);
  });
});
