/**
 * The handshake and the sealed channel, first as pure state machines, then between real peers on
 * 127.0.0.1: the right password, a wrong one, none where one is required, an impostor, versions,
 * and a capture of the traffic that must hold none of the plaintext.
 */
import { strict as assert } from 'node:assert';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { isNetError } from '../../src/net/errors';
import type { NetError } from '../../src/net/errors';
import { FrameType } from '../../src/net/framing';
import { HandshakeInitiator, HandshakeResponder } from '../../src/net/handshake';
import type { HandshakeDriver, HandshakeResult } from '../../src/net/handshake';
import { MemberKey } from '../../src/net/memberKey';
import { SecureChannel } from '../../src/net/secureChannel';
import { cryptoReady } from '../../src/net/sodium';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';

/** Runs two drivers against each other in memory; returns both results or the first error. */
function run(initiator: HandshakeDriver, responder: HandshakeDriver): { i?: HandshakeResult; r?: HandshakeResult; error?: NetError; refusal?: Uint8Array } {
  try {
    const offer = initiator.start()!;
    const answer = responder.receive(offer);
    const step = initiator.receive(answer.send!);
    const finish = responder.receive(step.send!);
    return { i: step.done, r: finish.done };
  } catch (err) {
    return { error: err as NetError };
  }
}

const open = (): { admit: () => undefined } => ({ admit: () => undefined });

describe('handshake', () => {
  before(() => cryptoReady());

  it('proves both keys and gives each side the other\'s stream keys, with the right password', () => {
    const alice = MemberKey.generate();
    const bob = MemberKey.generate();
    const { i, r, error } = run(
      new HandshakeInitiator({ key: alice, group: 'team', password: 'hunter2', expectedPeer: bob.id }),
      new HandshakeResponder({ key: bob, password: 'hunter2', ...open() }),
    );
    assert.equal(error, undefined);
    assert.equal(i!.peerId, bob.id);
    assert.equal(r!.peerId, alice.id);
    assert.equal(i!.version, 3);
    const aliceSide = new SecureChannel(i!);
    const bobSide = new SecureChannel(r!);
    const sealed = aliceSide.seal(FrameType.Xml, Buffer.from('<ping/>'));
    assert.equal(sealed.readUInt8(4), FrameType.SealedXml);
    assert.equal(Buffer.from(bobSide.open(FrameType.SealedXml, sealed.subarray(5))).toString(), '<ping/>');
    const back = bobSide.seal(FrameType.Binary, Buffer.from([1, 2, 3]));
    assert.deepEqual([...aliceSide.open(FrameType.SealedBinary, back.subarray(5))], [1, 2, 3]);
    aliceSide.dispose();
    bobSide.dispose();
  });

  it('fails with ERR_AUTH_FAILED for a wrong password and for none where one is required, at the initiator', () => {
    for (const password of ['hunter3', undefined, '']) {
      const { error } = run(
        new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', password }),
        new HandshakeResponder({ key: MemberKey.generate(), password: 'hunter2', ...open() }),
      );
      assert.ok(isNetError(error, 'ERR_AUTH_FAILED'), `password ${String(password)}: ${String(error)}`);
    }
  });

  it('fails at the responder when an initiator without the password fakes its finish', () => {
    const responder = new HandshakeResponder({ key: MemberKey.generate(), password: 'hunter2', ...open() });
    const initiator = new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', password: 'guess' });
    responder.receive(initiator.start());
    assert.throws(() => responder.receive(Buffer.concat([Buffer.from([3]), Buffer.alloc(64 + 32 + 24)])), (e) => isNetError(e, 'ERR_AUTH_FAILED'));
  });

  it('refuses a responder that is not the member the initiator dialed (an impostor at that address)', () => {
    const bob = MemberKey.generate();
    const impostor = MemberKey.generate();
    const { error } = run(new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', expectedPeer: bob.id }), new HandshakeResponder({ key: impostor, ...open() }));
    assert.ok(isNetError(error, 'ERR_AUTH_FAILED'));
  });

  it('refuses an initiator that claims another member\'s key but cannot sign with it', () => {
    const victim = MemberKey.generate();
    const mallory = MemberKey.generate();
    // The offer names the victim's public key; everything the initiator signs, it signs with its own.
    const claimed = { id: victim.id, publicKey: victim.publicKey, sign: (b: Uint8Array) => mallory.sign(b) } as unknown as MemberKey;
    const { error } = run(new HandshakeInitiator({ key: claimed, group: 'team' }), new HandshakeResponder({ key: MemberKey.generate(), ...open() }));
    assert.ok(isNetError(error, 'ERR_AUTH_FAILED'));
  });

  it('binds the group: an initiator for another group fails even with no password', () => {
    const initiator = new HandshakeInitiator({ key: MemberKey.generate(), group: 'design', password: '' });
    const responder = new HandshakeResponder({ key: MemberKey.generate(), admit: ({ group }) => (group === 'team' ? undefined : ({ code: 'ERR_AUTH_FAILED' } as NetError)) });
    assert.throws(() => responder.receive(initiator.start()), (e) => (e as NetError).code === 'ERR_AUTH_FAILED');
  });

  /** What an initiator offering `mine` is told by a responder speaking `theirs` (undefined: its own default). */
  function versionRefusal(mine: readonly number[], theirs?: readonly number[]): string {
    const responder = new HandshakeResponder({ key: MemberKey.generate(), ...(theirs === undefined ? {} : { versions: [...theirs] }), ...open() });
    const initiator = new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', versions: [...mine] });
    let refusal: Uint8Array | undefined;
    try {
      responder.receive(initiator.start());
      assert.fail('the responder should refuse');
    } catch (err) {
      assert.ok(isNetError(err, 'ERR_VERSION_MISMATCH'));
      refusal = responder.refusal(err as NetError);
    }
    try {
      initiator.receive(refusal!);
    } catch (err) {
      assert.ok(isNetError(err, 'ERR_VERSION_MISMATCH'));
      return (err as Error).message;
    }
    return assert.fail('the initiator should fail');
  }

  it('says "this teammate runs a newer Team Notes" or "older" when no version is in common', () => {
    assert.match(versionRefusal([1], [2, 3]), /runs a newer Team Notes/);
    assert.match(versionRefusal([5], [1]), /runs an older Team Notes/);
  });

  it('refuses a version 1 or 2 peer (whole-image frames, unchained messages) with ERR_VERSION_MISMATCH: it runs an older Team Notes', () => {
    // Told from the older peer's side: the one it met runs a newer Team Notes.
    assert.match(versionRefusal([1]), /runs a newer Team Notes/);
    assert.match(versionRefusal([2]), /runs a newer Team Notes/);
  });

  it('picks the newest version both speak', () => {
    const { i, r } = run(
      new HandshakeInitiator({ key: MemberKey.generate(), group: 'team', versions: [1, 2] }),
      new HandshakeResponder({ key: MemberKey.generate(), versions: [1, 2, 3], ...open() }),
    );
    assert.equal(i!.version, 2);
    assert.equal(r!.version, 2);
  });

  it('refuses an altered, replayed or reordered record with ERR_AUTH_FAILED', () => {
    const { i, r } = run(new HandshakeInitiator({ key: MemberKey.generate(), group: 'team' }), new HandshakeResponder({ key: MemberKey.generate(), ...open() }));
    const sender = new SecureChannel(i!);
    const receiver = new SecureChannel(r!);
    const one = sender.seal(FrameType.Xml, Buffer.from('one')).subarray(5);
    const two = sender.seal(FrameType.Xml, Buffer.from('two')).subarray(5);
    const flipped = Buffer.from(one);
    flipped[3]! ^= 0x80;
    assert.throws(() => receiver.open(FrameType.SealedXml, flipped), (e) => isNetError(e, 'ERR_AUTH_FAILED'));
    const fresh = new SecureChannel(run(new HandshakeInitiator({ key: MemberKey.generate(), group: 'team' }), new HandshakeResponder({ key: MemberKey.generate(), ...open() })).r!);
    assert.throws(() => fresh.open(FrameType.SealedXml, one), (e) => isNetError(e, 'ERR_AUTH_FAILED'), 'a record of another connection');
    const again = new SecureChannel(r!);
    assert.throws(() => again.open(FrameType.SealedXml, two), (e) => isNetError(e, 'ERR_AUTH_FAILED'), 'out of order');
    assert.throws(() => again.open(FrameType.SealedBinary, one), (e) => isNetError(e, 'ERR_AUTH_FAILED'), 'an XML record read as binary');
  });
});

/** A TCP proxy that forwards both ways and records every byte: what an eavesdropper on the LAN sees. */
async function recordingProxy(target: number): Promise<{ port: number; captured: () => Buffer; server: Server }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => (chunks.push(Buffer.from(d)), upstream.write(d)));
    upstream.on('data', (d) => (chunks.push(Buffer.from(d)), client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, captured: () => Buffer.concat(chunks), server };
}

describe('encrypted links between real peers', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('carries chat and board messages between two members with one password, and a capture holds none of the plaintext', async () => {
    const { port } = await net.repository();
    // Alice listens on a port of her own and advertises the recording proxy in front of it: every
    // member reaches her through what an eavesdropper on the LAN would see.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const alicePort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const proxy = await recordingProxy(alicePort);
    try {
      const alice = net.peer('alice', port, { password: 'correct horse', listen: { host: '127.0.0.1', port: alicePort }, advertisePort: proxy.port });
      await alice.join();
      const bob = net.peer('bob', port, { password: 'correct horse' });
      await bob.join();
      await waitUntil(() => alice.members().length === 1 && bob.members().length === 1, 'bob meets alice through the proxy');
      const got: string[] = [];
      alice.on('message', (m) => {
        if (m.type === 'chat') got.push(m.text);
        if (m.type === 'note' && m.text !== undefined) got.push(m.text);
      });
      const back: string[] = [];
      bob.on('message', (m) => m.type === 'chat' && back.push(m.text));
      bob.chat('the launch code is 0000-SECRET');
      bob.broadcast({ type: 'note', op: 'add', item: '7d9e2b1c-4a5f-4e6d-9c8b-1a2b3c4d5e6f', clock: bob.nextClock(), text: 'board note PLAINTEXT-MARK', font: 'sans-serif', size: 16, colour: '#ffd54f', x: 1, y: 2 });
      alice.chat('reply REPLY-MARK');
      await waitUntil(() => got.includes('the launch code is 0000-SECRET') && got.includes('board note PLAINTEXT-MARK') && back.includes('reply REPLY-MARK'), 'the messages through the proxy');
      const capture = proxy.captured();
      assert.ok(capture.length > 500, `captured ${capture.length} bytes`);
      for (const secret of ['0000-SECRET', 'PLAINTEXT-MARK', 'REPLY-MARK', 'alice', 'bob', '<chat', '<note', '<hello', 'correct horse']) {
        assert.equal(capture.indexOf(secret), -1, `the capture contains "${secret}"`);
      }
    } finally {
      proxy.server.close();
    }
  });

  it('refuses a member with another password ("authentication failed") and keeps the members chatting', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { password: 'p1' });
    const mallory = net.peer('mallory', port, { password: 'p2' });
    const refused = nextEvent<[NetError]>(mallory, 'connectionError', (e) => e.code === 'ERR_AUTH_FAILED');
    await mallory.join();
    const [error] = await refused;
    assert.match(error.message, /authentication failed/i);
    assert.deepEqual(mallory.members(), [], 'no member is shown before it completed the handshake');
    assert.deepEqual(alice!.members().map((m) => m.name), ['bob']);
    const texts: string[] = [];
    bob!.on('message', (m) => m.type === 'chat' && texts.push(m.text));
    alice!.chat('unaffected');
    await waitUntil(() => texts.includes('unaffected'), 'alice -> bob');
  });

  it('slows down a thousand wrong-password attempts from one address while the members keep serving', async function () {
    this.timeout(60_000);
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { password: 'right' });
    const target = alice!.listenAddress!.port;
    const started = Date.now();
    let answered = 0;
    let refused = 0;
    const attempt = async (): Promise<void> => {
      try {
        await net.secure(target, { password: 'wrong', expectedPeer: alice!.id });
      } catch (err) {
        if (isNetError(err, 'ERR_AUTH_FAILED')) answered += 1; // a guess was tested
        else refused += 1; // busy or closed before any answer: no guess tested
      }
    };
    const texts: string[] = [];
    bob!.on('message', (m) => m.type === 'chat' && texts.push(m.text));
    // 1000 attempts, 20 at a time, for at most ~8 s.
    for (let batch = 0; batch < 50 && Date.now() - started < 8000; batch++) {
      await Promise.all(Array.from({ length: 20 }, attempt));
      alice!.chat(`still serving ${batch}`);
    }
    const elapsed = Date.now() - started;
    await waitUntil(() => texts.some((t) => t.startsWith('still serving')), 'alice -> bob during the attack');
    const tested = answered;
    // Unthrottled, each attempt costs ~2 ms here: 1000 would all be tested well within the time taken.
    assert.ok(tested < 60, `${tested} guesses tested in ${elapsed} ms (${refused} refused)`);
    assert.ok(refused > 0, 'attempts beyond the pending-handshake bound are refused at once');
    assert.deepEqual(alice!.members().map((m) => m.name), ['bob']);
  });
});
