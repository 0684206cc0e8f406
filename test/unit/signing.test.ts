/**
 * Signed messages and the limits a member must not be able to break: signatures that fail,
 * token buckets, clock jumps, member lists that lie, listeners that throw.
 */
import { strict as assert } from 'node:assert';
import { isNetError } from '../../src/net/errors';
import { EnvelopeStamper } from '../../src/net/ids';
import { MAX_CLOCK_JUMP } from '../../src/net/limits';
import { fingerprint, MemberKey, peerIdToKey } from '../../src/net/memberKey';
import type { ChatMessage, Message } from '../../src/net/messages';
import { checkSignature, signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';

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

  const chatOf = (key: MemberKey, text = 'ship it'): ChatMessage => new EnvelopeStamper(key.id, 'team').stamp({ type: 'chat', text });

  it('verifies a message signed by its author, also after it travelled as XML', () => {
    const key = MemberKey.generate();
    const signed = signMessage(chatOf(key), key);
    checkSignature(signed);
    checkSignature(decodeMessage(encodeMessage(signed)));
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
