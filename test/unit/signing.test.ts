/**
 * Signed messages and the limits a member must not be able to break: signatures that fail,
 * token buckets, clock jumps, member lists that lie, listeners that throw.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isNetError } from '../../src/net/errors';
import { EnvelopeStamper } from '../../src/net/ids';
import { MAX_CLOCK_JUMP } from '../../src/net/limits';
import { fingerprint, MemberKey, peerIdToKey } from '../../src/net/memberKey';
import type { ChatMessage, Message } from '../../src/net/messages';
import { GroupHistory } from '../../src/net/groupHistory';
import type { HistoryMessage } from '../../src/net/groupHistory';
import { prepareOutgoing } from '../../src/net/outgoing';
import { checkHandedOn, checkSignature, messageDigest, signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';

const chatOf = (key: MemberKey, text = 'ship it'): ChatMessage => new EnvelopeStamper(key.id, 'team').stamp({ type: 'chat', text });

describe('member keys and signed messages', () => {
  before(() => cryptoReady());

  it('makes peer ids that are 43-character keys, and fingerprints that tell two keys apart', () => {
    const a = MemberKey.generate();
    const b = MemberKey.generate();
    assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([...peerIdToKey(a.id)!], [...a.publicKey]);
    assert.equal(peerIdToKey('not-a-key-at-all'), undefined);
    assert.equal(MemberKey.fromSeed(a.exportSeed()).id, a.id, 'the seed determines the key');
    assert.match(fingerprint(a.id), /^[0-9a-f]{4}-[0-9a-f]{4}$/);
    assert.notEqual(fingerprint(a.id), fingerprint(b.id));
  });

  it('verifies a message signed by its author, also after it travelled as XML', () => {
    const key = MemberKey.generate();
    const signed = signMessage(chatOf(key), key);
    checkSignature(signed);
    checkSignature(decodeMessage(encodeMessage(signed)));
  });

  it('knows the digest of a message it signed without encoding it again, and it is the digest its bytes give', () => {
    const key = MemberKey.generate();
    const signed = signMessage(chatOf(key), key);
    const fromBytes = messageDigest(decodeMessage(encodeMessage(signed)));
    assert.equal(messageDigest(signed), fromBytes);
    assert.equal(messageDigest({ ...signed }), fromBytes, 'a copy is worked out from its fields');
  });

  it('drops with ERR_BAD_SIGNATURE a message altered in any field, signed by someone else, or with a flipped bit', () => {
    const key = MemberKey.generate();
    const signed = signMessage(chatOf(key), key);
    const other = MemberKey.generate();
    const altered: Message[] = [
      { ...signed, text: 'ship it!' },
      { ...signed, seq: signed.seq + 1 },
      { ...signed, ts: signed.ts + 1 },
      { ...signed, group: 'other' },
      { ...signed, from: other.id },
      { ...signed, to: other.id },
      { ...signed, sig: signMessage({ ...signed, from: other.id, sig: undefined }, other).sig },
      { ...signed, sig: undefined },
    ];
    const bytes = Buffer.from(signed.sig!, 'base64url');
    bytes[10]! ^= 0x04;
    altered.push({ ...signed, sig: bytes.toString('base64url') });
    for (const message of altered) assert.throws(() => checkSignature(message), (e) => isNetError(e, 'ERR_BAD_SIGNATURE'), JSON.stringify(message));
  });

  it('refuses to sign a message for another author', () => {
    const key = MemberKey.generate();
    assert.throws(() => signMessage(chatOf(MemberKey.generate()), key));
  });
});

describe('hash-chained logs', () => {
  before(() => cryptoReady());

  /** `count` messages to the group by one member, as its node makes them (numbered, chained, signed). */
  function authorLog(key: MemberKey, count: number): HistoryMessage[] {
    const history = GroupHistory.inMemory('team', key.id);
    const from = { stamper: new EnvelopeStamper(key.id, 'team'), key, history };
    const log: HistoryMessage[] = [];
    for (let i = 0; i < count; i++) {
      const body = i % 3 === 2 ? { type: 'note' as const, op: 'add' as const, item: `note-${String(i).padStart(16, '0')}`, clock: i + 1, x: i, y: 0, text: `note ${i}`, font: 'sans-serif', size: 16, colour: '#f5e17a' } : { type: 'chat' as const, text: `message ${i}` };
      const { message, frames } = prepareOutgoing(from, body, undefined);
      history.add(message as HistoryMessage, frames.xml);
      log.push(message as HistoryMessage);
    }
    return log;
  }

  it('chains each message to its author’s previous one, under the signature, and keeps it through XML', () => {
    const key = MemberKey.generate();
    const log = authorLog(key, 4);
    assert.equal(log[0]!.prev, undefined, 'the first message names no previous one');
    for (let i = 1; i < log.length; i++) assert.equal(log[i]!.prev, messageDigest(log[i - 1]!));
    const travelled = decodeMessage(encodeMessage(log[3]!));
    assert.equal(travelled.prev, log[3]!.prev);
    checkSignature(travelled);
    assert.throws(() => checkSignature({ ...log[3]!, prev: log[1]!.prev }), (e) => isNetError(e, 'ERR_BAD_SIGNATURE'), 'prev is signed');
  });

  it('goes on with the chain after a restart, from the history on disk, and starts afresh after Clear', () => {
    const key = MemberKey.generate();
    const data = mkdtempSync(join(tmpdir(), 'team-notes-chain-'));
    try {
      const send = (history: GroupHistory, text: string): HistoryMessage => {
        const { message, frames } = prepareOutgoing({ stamper: new EnvelopeStamper(key.id, 'team'), key, history }, { type: 'chat' as const, text }, undefined);
        history.add(message as HistoryMessage, frames.xml);
        return message as HistoryMessage;
      };
      const before = GroupHistory.open(data, 'team', key.id);
      send(before, 'one');
      const two = send(before, 'two');
      before.close();
      const after = GroupHistory.open(data, 'team', key.id);
      const three = send(after, 'three');
      assert.equal(three.seq, 3);
      assert.equal(three.prev, messageDigest(two), 'the restarted member names its message 2, read from disk');
      after.clear();
      const four = send(after, 'four');
      assert.equal(four.seq, 4);
      assert.equal(four.prev, undefined, 'a cleared history holds no message 3 to name');
      after.close();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('does not allow prev on a direct message, which is in no log', () => {
    const key = MemberKey.generate();
    const prev = messageDigest(signMessage(chatOf(key), key));
    const direct = { ...chatOf(key), to: MemberKey.generate().id };
    assert.throws(() => signMessage({ ...direct, prev }, key), (e) => isNetError(e, 'ERR_BAD_MESSAGE'));
    const xml = encodeMessage(signMessage(direct, key)).toString('utf8');
    assert.match(xml, / sig="/);
    assert.throws(() => decodeMessage(Buffer.from(xml.replace(' sig="', ` prev="${prev}" sig="`))), (e) => isNetError(e, 'ERR_BAD_MESSAGE'));
  });

  it('proves a page of two authors’ logs, in any order, with one signature per author', () => {
    const alice = authorLog(MemberKey.generate(), 300);
    const bob = authorLog(MemberKey.generate(), 200);
    const page = fc.sample(fc.shuffledSubarray([...alice, ...bob], { minLength: 500, maxLength: 500 }), { numRuns: 1, seed: 7 })[0]!;
    const { errors, signaturesChecked } = checkHandedOn(page);
    assert.deepEqual(errors.filter((e) => e !== undefined), []);
    assert.equal(signaturesChecked, 2);
    // A gap costs one more signature, where the chain restarts above it.
    const withGap = checkHandedOn(alice.filter((m) => m.seq !== 150));
    assert.deepEqual(withGap.errors.filter((e) => e !== undefined), []);
    assert.equal(withGap.signaturesChecked, 2);
  });

  it('accepts exactly the author’s own messages, whatever a carrier alters, drops, forges or repeats (property)', () => {
    const key = MemberKey.generate();
    const impostor = MemberKey.generate();
    const log = authorLog(key, 24);
    const originals = new Set(log.map((m) => encodeMessage(m).toString('base64')));
    const tamper = fc.oneof(
      fc.record({ kind: fc.constant('text' as const), at: fc.nat(23), text: fc.string({ minLength: 1, maxLength: 20 }) }),
      fc.record({ kind: fc.constant('sig' as const), at: fc.nat(23), bit: fc.nat(511) }),
      fc.record({ kind: fc.constant('prev' as const), at: fc.nat(23), from: fc.nat(23) }),
      fc.record({ kind: fc.constant('resign' as const), at: fc.nat(23) }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat(23) }),
      fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(23) }),
      fc.record({ kind: fc.constant('fork' as const), at: fc.nat(23), text: fc.string({ minLength: 1, maxLength: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(tamper, { maxLength: 6 }), fc.infiniteStream(fc.nat()), (changes, order) => {
        let page: Message[] = log.map((m) => ({ ...m }));
        for (const change of changes) {
          const at = change.at % page.length;
          const m = page[at]!;
          if (change.kind === 'text') page[at] = { ...m, ...(m.type === 'chat' ? { text: change.text } : { x: -1 }) } as Message;
          else if (change.kind === 'sig') {
            const bytes = Buffer.from(m.sig!, 'base64url');
            bytes[change.bit >> 3]! ^= 1 << (change.bit & 7);
            page[at] = { ...m, sig: bytes.toString('base64url') };
          } else if (change.kind === 'prev') page[at] = { ...m, prev: page[change.from % page.length]!.prev };
          else if (change.kind === 'resign') page[at] = { ...m, sig: signMessage({ ...m, from: impostor.id, sig: undefined }, impostor).sig };
          else if (change.kind === 'drop') page.splice(at, 1);
          else if (change.kind === 'repeat') page.push({ ...m });
          else page.push(signMessage({ ...m, ...(m.type === 'chat' ? { text: `${change.text}!` } : { x: -2 }), sig: undefined } as Message, key));
          if (page.length === 0) page = [{ ...log[0]! }];
        }
        const it = order[Symbol.iterator]();
        page.sort(() => ((it.next().value as number) % 3) - 1);
        const { errors } = checkHandedOn(page);
        page.forEach((m, i) => {
          // Exactly what checking each alone accepts: what the author signed (its log, and a second
          // message it signed under one number), never what a carrier made.
          const alone = (() => {
            try {
              checkSignature(m);
              return true;
            } catch {
              return false;
            }
          })();
          assert.equal(errors[i] === undefined, alone, `message ${m.seq}: ${errors[i]?.message ?? 'accepted'}`);
          if (originals.has(encodeMessage(m).toString('base64'))) assert.equal(errors[i], undefined, 'the author’s own message is accepted');
          if (errors[i] !== undefined) assert.ok(isNetError(errors[i], 'ERR_BAD_SIGNATURE'));
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe('limits a member cannot break', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('refuses chat beyond the token bucket with ERR_RATE_LIMITED, and honest members keep chatting', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    const atAlice: string[] = [];
    alice!.on('message', (m) => m.type === 'chat' && atAlice.push(`${m.from === bob!.id ? 'bob' : 'carol'}: ${m.text}`));
    const refused = nextEvent(alice!, 'messageRefused');
    for (let i = 0; i < 2000; i++) bob!.chat(`flood ${i}`);
    await refused;
    await alice!.log.waitFor('ERR_RATE_LIMITED');
    carol!.chat('honest');
    await waitUntil(() => atAlice.includes('carol: honest'), 'carol -> alice during the flood');
    const flooded = atAlice.filter((t) => t.startsWith('bob')).length;
    assert.ok(flooded < 200, `${flooded} of 2000 flood messages got through`);
    assert.equal(alice!.log.lines.filter((l) => l.includes('ERR_RATE_LIMITED')).length <= 3, true, 'a flood is logged about once a second');
  });

  it('refuses a board change whose clock jumps too far ahead (2^53-1), and later changes still work', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const clocks: number[] = [];
    alice!.on('message', (m) => m.type === 'note' && clocks.push(m.clock));
    const note = { type: 'note' as const, op: 'add' as const, text: 'x', font: 'sans-serif', size: 16, colour: '#ffd54f', x: 0, y: 0 };
    bob!.broadcast({ ...note, item: '11111111-1111-4111-8111-111111111111', clock: Number.MAX_SAFE_INTEGER });
    bob!.broadcast({ ...note, item: '22222222-2222-4222-8222-222222222222', clock: MAX_CLOCK_JUMP + 5 });
    bob!.broadcast({ ...note, item: '33333333-3333-4333-8333-333333333333', clock: 7 });
    await waitUntil(() => clocks.length === 1, 'the honest change');
    assert.deepEqual(clocks, [7]);
    assert.ok(alice!.log.has('ERR_LIMIT'));
    assert.ok(alice!.nextClock() < 100, 'the receiver\'s own clock did not jump');
  });

  it('cannot carry a member list with a host name: the codec refuses it, so no member ever looks one up', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    // A repository cannot even send a host name: the codec refuses it on both sides.
    const stamper = new EnvelopeStamper(MemberKey.generate().id, 'team');
    assert.throws(
      () => encodeMessage(stamper.stamp({ type: 'peers', event: 'joined', members: [{ id: MemberKey.generate().id, name: 'x', host: 'evil.example', port: 1 }] })),
      (e) => isNetError(e, 'ERR_BAD_MESSAGE'),
    );
    assert.deepEqual(alice!.listedMembers(), []);
  });

  it('logs a throw in a message listener as a local fault, never blamed on the sender, and keeps the link', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    let calls = 0;
    alice!.on('message', () => {
      calls += 1;
      if (calls === 1) throw new Error('a bug in this program');
    });
    bob!.chat('first');
    bob!.chat('second');
    await waitUntil(() => calls === 2, 'both messages delivered');
    await alice!.log.waitFor('ERR_LOCAL_FAULT');
    assert.deepEqual(alice!.members().map((m) => m.name), ['bob']);
  });
});
