import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { isNetError } from '../../src/net/errors';
import type { ChatMessage } from '../../src/net/messages';
import type { DeliveredMessage, Member } from '../../src/net/peerNode';
import { RepositoryServer } from '../../src/net/repositoryServer';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';

/** Collects the chat texts a node receives, as "sender: text". */
function inbox(node: { on(event: 'message', l: (m: DeliveredMessage, from: Member) => void): unknown }): string[] {
  const texts: string[] = [];
  node.on('message', (m, from) => {
    if (m.type === 'chat') texts.push(`${from.name}${m.to ? ' (direct)' : ''}: ${m.text}`);
  });
  return texts;
}

describe('PeerNode', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('connects three peers to each other, one persistent connection per pair', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    assert.deepEqual(alice!.members().map((m) => m.name).sort(), ['bob', 'carol']);
    assert.deepEqual(bob!.members().map((m) => m.name).sort(), ['alice', 'carol']);
    assert.deepEqual(carol!.members().map((m) => m.name).sort(), ['alice', 'bob']);
  });

  it('delivers group messages to every member and direct messages only to their recipient', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    const [toAlice, toBob, toCarol] = [inbox(alice!), inbox(bob!), inbox(carol!)];
    alice!.chat('hello all');
    bob!.chat('psst carol', carol!.id);
    carol!.chat('007');
    await waitUntil(() => toAlice.length === 1 && toBob.length === 2 && toCarol.length === 2, 'all deliveries');
    assert.deepEqual(toAlice, ['carol: 007']);
    assert.deepEqual(toBob.sort(), ['alice: hello all', 'carol: 007']);
    assert.deepEqual(toCarol.sort(), ['alice: hello all', 'bob (direct): psst carol']);
  });

  it('keeps the order of many messages from one sender and numbers them by sequence', async () => {
    const { port } = await net.repository();
    // The transport's order, with the per-member token buckets off (they are tested on their own).
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { rateLimits: false });
    const received: ChatMessage[] = [];
    bob!.on('message', (m) => m.type === 'chat' && received.push(m));
    for (let i = 0; i < 500; i++) alice!.chat(`message ${i}`);
    await waitUntil(() => received.length === 500, '500 messages');
    assert.deepEqual(received.map((m) => m.text), Array.from({ length: 500 }, (_, i) => `message ${i}`));
    const seqs = received.map((m) => m.seq);
    assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1));
  });

  it('tells the others when a member leaves with bye, and the repository forgets it', async () => {
    const { port, server } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    const left = nextEvent<[Member, string]>(alice!, 'memberLeft');
    await bob!.leave();
    const [member, reason] = await left;
    assert.equal(member.name, 'bob');
    assert.equal(reason, 'bye');
    await waitUntil(() => carol!.members().length === 1 && server.members('team').length === 2, 'bob gone everywhere');
  });

  it('sees a member leave when its connection drops without bye', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const ghost = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    ghost.send(ghost.stamp({ type: 'hello', name: 'ghost', port: 1 }));
    await nextEvent<[Member]>(alice!, 'memberJoined');
    const left = nextEvent<[Member, string]>(alice!, 'memberLeft');
    ghost.socket.destroy(); // as a killed process would: no bye
    const [member, reason] = await left;
    assert.equal(member.name, 'ghost');
    assert.equal(reason, 'closed');
  });

  it('drops a silent member after the peer timeout with ERR_PEER_TIMEOUT', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { timing: { pingIntervalMs: 40, peerTimeoutMs: 200 } });
    await alice.join();
    // A member that says hello and then nothing, not even pong.
    const mute = await net.secure(alice.listenAddress!.port, { expectedPeer: alice.id });
    mute.send(mute.stamp({ type: 'hello', name: 'mute', port: 1 }));
    const [member, reason] = await nextEvent<[Member, string]>(alice, 'memberLeft', () => true, 3000);
    assert.equal(member.name, 'mute');
    assert.equal(reason, 'timeout');
    assert.ok(alice.log.has('ERR_PEER_TIMEOUT'));
    assert.ok(mute.received.some((m) => m.type === 'ping'), 'alice pinged before giving up');
  });

  it('rejects join with ERR_REPOSITORY_UNREACHABLE when no repository answers', async () => {
    const { port, server } = await net.repository();
    await server.close();
    const node = net.peer('alone', port);
    await assert.rejects(node.join(), (err) => isNetError(err, 'ERR_REPOSITORY_UNREACHABLE'));
  });

  it('refuses a banned peer id: it cannot connect and its messages never arrive', async () => {
    const { port } = await net.repository();
    const troll = net.peer('troll', port);
    const alice = net.peer('alice', port, { bans: [troll.id] });
    await alice.join();
    const errors: string[] = [];
    troll.on('connectionError', (e) => errors.push(e.code));
    await troll.join();
    const bob = net.peer('bob', port);
    await bob.join();
    await waitUntil(() => alice.members().length === 1 && bob.members().length === 2, 'alice-bob and troll-bob connected');
    assert.deepEqual(alice.members().map((m) => m.name), ['bob']);
    assert.ok(alice.log.has('ERR_BANNED'));
    const aliceInbox = inbox(alice);
    troll.chat('spam');
    bob.chat('real');
    await waitUntil(() => aliceInbox.length === 1, 'bob message');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(aliceInbox, ['bob: real']);
  });

  it('refuses connections from a banned address and drops existing members when banned later', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { bans: ['127.0.0.1'] });
    await alice.join();
    const bob = net.peer('bob', port);
    await bob.join();
    await alice.log.waitFor('ERR_BANNED');
    assert.equal(alice.members().length, 0);

    const carol = net.peer('carol', port);
    await carol.join();
    const dave = net.peer('dave', port);
    await dave.join();
    await waitUntil(() => carol.members().some((m) => m.name === 'dave'), 'carol and dave connected');
    const left = nextEvent<[Member, string]>(carol, 'memberLeft', (m) => m.name === 'dave');
    await carol.ban(dave.id);
    const [, reason] = await left;
    assert.equal(reason, 'banned');
  });

  it('keeps talking directly when the repository goes away, then re-registers when it is back', async () => {
    const first = await net.repository();
    const timing = { reconnectMinMs: 50, reconnectMaxMs: 200 };
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], first.port, { timing });
    const lost = nextEvent(alice!, 'repositoryLost');
    await first.server.close();
    await lost;
    const toBob = inbox(bob!);
    alice!.chat('still here');
    await waitUntil(() => toBob.length === 1, 'direct delivery without the repository');
    const second = new RepositoryServer();
    try {
      await second.listen(first.port, '127.0.0.1');
      await waitUntil(() => second.members('team').length === 2, 'both re-registered', 5000);
    } finally {
      await second.close();
    }
  });

  it('carries an image with its bytes in a binary frame and checks the digest', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const bytes = Buffer.alloc(300_000, 7);
    const got = nextEvent<[DeliveredMessage, Member, Buffer | undefined]>(bob!, 'message', (m) => m.type === 'image');
    alice!.broadcast(
      {
        type: 'image', op: 'add', item: 'image-0001', clock: alice!.nextClock(), x: 10, y: 20, width: 30, height: 40,
        mime: 'image/png', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'),
      },
      bytes,
    );
    const [message, from, binary] = await got;
    assert.equal(from.name, 'alice');
    assert.equal(message.type, 'image');
    assert.ok(binary?.equals(bytes));
  });

  it('opens its connections from the local address it is given, so the repository and the members see that address', async function () {
    if (process.platform !== 'linux') this.skip(); // other systems route only 127.0.0.1 to loopback by default
    const { port, server } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const bob = net.peer('bob', port, { listen: { host: '127.0.0.3', port: 0 }, localAddress: '127.0.0.3' });
    const seen = nextEvent<[Member]>(alice!, 'memberJoined');
    await bob.join();
    const [member] = await seen;
    assert.equal(member.host, '127.0.0.3');
    assert.equal(server.members('team').find((m) => m.id === bob.id)?.host, '127.0.0.3');
    assert.deepEqual(bob.members().map((m) => m.name), ['alice']);
  });

  it('closes the node idempotently and refuses to send afterwards', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    await Promise.all([alice!.close(), alice!.close()]);
    assert.throws(() => alice!.chat('late'), (err) => isNetError(err, 'ERR_CLOSED'));
  });
});
