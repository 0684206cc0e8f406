import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupHistory } from '../../src/net/groupHistory';
import { MemberKey } from '../../src/net/memberKey';
import type { ChatMessage, Message } from '../../src/net/messages';
import type { DeliveredMessage, Member } from '../../src/net/peerNode';
import { messageDigest, signMessage } from '../../src/net/signing';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';
import type { SecureClient } from '../helpers/net';

/** Chat texts a node was handed, as "author: text", in arrival order. */
function chatLog(node: { on(event: 'message', l: (m: DeliveredMessage, from: Member) => void): unknown }): string[] {
  const texts: string[] = [];
  node.on('message', (m, from) => {
    if (m.type === 'chat') texts.push(`${from.name}: ${m.text}`);
  });
  return texts;
}

describe('History: catch-up, acknowledgements, redial', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('numbers each member\'s chat and board messages 1, 2, 3 in its log; direct messages stay out of it', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const one = alice!.chat('one');
    const direct = alice!.chat('psst', bob!.id);
    const note = alice!.broadcast({ type: 'note', op: 'add', item: 'note-0001', clock: alice!.nextClock(), text: 'n', font: 'sans-serif', size: 16, colour: '#ffee88', x: 0, y: 0 });
    const two = alice!.chat('two');
    assert.deepEqual([one.seq, note.seq, two.seq], [1, 2, 3]);
    // A message the codec refuses gives its number back: the log never has a gap.
    assert.throws(() => alice!.broadcast({ type: 'note', op: 'add', item: 'note-0002', clock: alice!.nextClock(), text: 'n', font: 'sans-serif', size: 16, colour: 'red', x: 0, y: 0 }));
    assert.equal(alice!.chat('three').seq, 4);
    assert.equal(alice!.history.contiguous(alice!.id), 4);
    assert.equal(alice!.history.hasDirect(direct.id), true);
    await waitUntil(() => bob!.history.contiguous(alice!.id) === 4 && bob!.history.hasDirect(direct.id), 'bob holds all');
  });

  it('a newcomer gets what was said before it joined, from any member, even when the author has left', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { rateLimits: false });
    for (let i = 0; i < 1200; i++) alice!.chat(`a${i}`);
    for (let i = 0; i < 30; i++) bob!.chat(`b${i}`);
    await waitUntil(() => bob!.history.contiguous(alice!.id) === 1200, 'bob holds alice\'s 1200');
    await alice!.leave();
    const carol = net.peer('carol', port);
    const seen = chatLog(carol);
    const caughtUp = nextEvent<[number, boolean]>(carol, 'catchUp', (_n, pending) => !pending, 10_000);
    await carol.join();
    const [received] = await caughtUp;
    assert.equal(received, 1230);
    assert.equal(seen.length, 1230, 'each message once');
    assert.equal(new Set(seen).size, 1230);
    // Alice was not there to say her name: bob handed it on with the page.
    assert.ok(seen.includes('alice: a0') && seen.includes('alice: a1199') && seen.includes('bob: b29'));
    assert.equal(carol.history.contiguous(alice!.id), 1200);
  });

  it('a newcomer starts catch-up only once every member is dialed, and the members it dialed ask it only after it asked', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    for (let i = 0; i < 5; i++) alice!.chat(`a${i}`);
    for (let i = 0; i < 3; i++) bob!.chat(`b${i}`);
    await waitUntil(() => carol!.history.contiguous(alice!.id) === 5 && carol!.history.contiguous(bob!.id) === 3, 'carol holds both');
    await waitUntil(() => [alice!, bob!, carol!].every((n) => !n.catchingUp), 'the first catch-ups are over');
    const dave = net.peer('dave', port);
    // Each side reports `catchUp` (pending) when it asks: note whether dave had finished joining then.
    const asked: string[] = [];
    for (const [name, node] of [['alice', alice!], ['bob', bob!], ['carol', carol!], ['dave', dave]] as const) {
      node.on('catchUp', (_n, pending) => {
        if (pending) asked.push(`${name} ${dave.joined ? 'after' : 'during'} the join`);
      });
    }
    await dave.join();
    await waitUntil(() => dave.history.contiguous(alice!.id) === 5 && dave.history.contiguous(bob!.id) === 3, 'dave caught up');
    await waitUntil(() => ['alice', 'bob', 'carol'].every((n) => asked.some((a) => a.startsWith(n))), 'every member asked dave too');
    assert.deepEqual(asked.filter((a) => a.endsWith('during the join')), [], 'nobody asked while dave was still joining');
    assert.ok(asked.includes('dave after the join'));
  });

  it('a newcomer gets images handed on in pages with the chat around them, each once, whoever wrote them', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { rateLimits: false });
    const images = Array.from({ length: 12 }, (_, i) => Buffer.alloc(200_000 + i, i));
    images.forEach((bytes, i) => {
      (i % 2 === 0 ? alice! : bob!).broadcast(
        { type: 'image', op: 'add', item: `image-${String(i).padStart(4, '0')}`, clock: alice!.nextClock(), x: 0, y: 0, width: 10, height: 10, mime: 'image/png', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
        bytes,
      );
      alice!.chat(`after image ${i}`);
    });
    await waitUntil(() => bob!.history.contiguous(alice!.id) === 18, 'bob holds alice\'s log');
    await alice!.leave();
    const carol = net.peer('carol', port);
    const seen = chatLog(carol);
    const imagesSeen: string[] = [];
    carol.on('message', (m, _from, binary) => {
      if (m.type === 'image' && binary !== undefined && createHash('sha256').update(binary).digest('hex') === m.sha256) imagesSeen.push(m.item);
    });
    const caughtUp = nextEvent<[number, boolean]>(carol, 'catchUp', (_n, pending) => !pending, 15_000);
    await carol.join();
    const [received] = await caughtUp;
    assert.equal(received, 24);
    assert.equal(seen.length, 12);
    assert.equal(new Set(imagesSeen).size, 12);
    assert.equal(imagesSeen.length, 12, 'each image once');
    assert.equal(carol.history.contiguous(alice!.id), 18);
    assert.equal(carol.history.contiguous(bob!.id), 6);
  });

  it('acknowledges to the author how far it holds its log', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    const acks = new Map<string, number>();
    alice!.on('delivered', (id, upTo) => acks.set(id, upTo));
    for (let i = 0; i < 5; i++) alice!.chat(`m${i}`);
    await waitUntil(() => acks.get(bob!.id) === 5 && acks.get(carol!.id) === 5, 'both acknowledged 5');
    assert.equal(alice!.acknowledgedBy(bob!.id), 5);
  });

  it('acknowledges a member writing faster than once a second about once a second, the last message too', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const acks: number[] = [];
    alice!.on('delivered', (id, upTo) => {
      if (id === bob!.id) acks.push(upTo);
    });
    // 16 messages over 1.5 s (within the chat rate): one ack each 200 ms would be 8.
    for (let i = 0; i < 16; i++) {
      alice!.chat(`m${i}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitUntil(() => acks.at(-1) === 16, 'the last message acknowledged', 5_000);
    assert.ok(acks.length <= 3, `acknowledged ${acks.length} times (${acks.join(', ')})`);
    assert.ok(acks[0]! <= 3, 'the first message is acknowledged promptly');
  });

  it('acknowledges a direct message by id', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const acked = nextEvent<[string, string]>(alice!, 'directDelivered');
    const sent = alice!.chat('just you', bob!.id);
    const [who, id] = await acked;
    assert.equal(who, bob!.id);
    assert.equal(id, sent.id);
  });

  it('redials a member whose link dropped without a goodbye, and catches up on what was said meanwhile', async () => {
    const { port } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port);
    const bobSeen = chatLog(bob!);
    const reconnecting = nextEvent<[Member]>(alice!, 'memberReconnecting');
    // Cut the alice-bob link only; carol keeps both.
    const link = (alice as unknown as { links: Map<string, { connection: { destroy(): void } }> }).links.get(bob!.id)!;
    link.connection.destroy();
    await reconnecting;
    alice!.chat('said while the link was down');
    await waitUntil(() => alice!.members().some((m) => m.id === bob!.id), 'alice and bob linked again');
    await waitUntil(() => bobSeen.includes('alice: said while the link was down'), 'bob has the message');
    assert.equal(bobSeen.filter((t) => t === 'alice: said while the link was down').length, 1);
    assert.ok(carol!.members().length === 2);
  });

  it('refuses a handed-on message whose signature does not verify, and keeps the rest of the page', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const seen = chatLog(alice!);
    const mallory = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    const request = await mallory.next('sync');
    assert.equal(request.op, 'have');
    const victim = MemberKey.generate();
    const genuine = signMessage(stampAs(victim, 1, 'genuine'), victim);
    const forged: ChatMessage = { ...signMessage(stampAs(victim, 2, 'original'), victim), text: 'forged' };
    mallory.send(mallory.stamp({ type: 'sync', op: 'page', count: 2, have: [], authors: [{ id: victim.id, name: 'victim' }] }));
    mallory.send(genuine);
    mallory.send(forged);
    await waitUntil(() => alice!.log.lines.some((l) => l.includes('ERR_BAD_SIGNATURE')), 'the forgery is logged');
    assert.deepEqual(seen, ['victim: genuine']);
    assert.equal(alice!.history.contiguous(victim.id), 1);
    assert.ok(!mallory.closed, 'a bad signature drops the message, not the link');
  });

  it('takes a handed-on chain only as far as it is the author’s: an altered link and a forged head are refused, the rest kept', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const seen = chatLog(alice!);
    const mallory = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    assert.equal((await mallory.next('sync')).op, 'have');
    // The victim's log as its node writes it: each message names the digest of the one before.
    const victim = MemberKey.generate();
    const log: ChatMessage[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      const prev = seq === 1 ? undefined : messageDigest(log[seq - 2]!);
      log.push(signMessage({ ...stampAs(victim, seq, `v${seq}`), ...(prev !== undefined && { prev }) }, victim));
    }
    const altered: ChatMessage = { ...log[2]!, text: 'v3, altered' };
    // A head for the chain, made by mallory: it names the genuine 5 but is not the victim's.
    const impostor = MemberKey.generate();
    const head: ChatMessage = { ...stampAs(victim, 6, 'v6, forged'), prev: messageDigest(log[4]!), sig: signMessage({ ...stampAs(impostor, 6, 'v6, forged'), prev: messageDigest(log[4]!) }, impostor).sig };
    const page = [log[0]!, log[1]!, altered, log[3]!, log[4]!, head];
    mallory.send(mallory.stamp({ type: 'sync', op: 'page', count: page.length, have: [], authors: [{ id: victim.id, name: 'victim' }] }));
    for (const m of page) mallory.send(m);
    await waitUntil(() => alice!.log.lines.some((l) => l.includes('ERR_BAD_SIGNATURE')) && seen.length >= 4, 'the page is taken');
    assert.deepEqual([...seen].sort(), ['victim: v1', 'victim: v2', 'victim: v4', 'victim: v5']);
    assert.equal(alice!.history.contiguous(victim.id), 2);
    assert.equal(alice!.history.has(victim.id, 3) || alice!.history.has(victim.id, 6), false, 'nothing forged is kept');
    assert.ok(!mallory.closed, 'bad signatures drop the messages, not the link');
  });

  it('closes a link that sends a page nobody asked for, or a direct message inside one', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const mallory = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    await mallory.next('sync');
    // The page that answers alice's request, empty; then one more that nobody asked for.
    mallory.send(mallory.stamp({ type: 'sync', op: 'page', count: 0, have: [], authors: [] }));
    mallory.send(mallory.stamp({ type: 'sync', op: 'page', count: 500, have: [], authors: [] }));
    await mallory.whenClosed;
    assert.ok(alice!.log.lines.some((l) => l.includes('ERR_PROTOCOL') && l.includes('nobody asked for')));
    assert.equal(alice!.joined, true);
  });

  it('answers a request for numbers that do not exist or for every author at once with bounded pages', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port, { rateLimits: false });
    for (let i = 0; i < 700; i++) alice!.chat(`m${i}`);
    const mallory = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    await mallory.next('sync');
    const strangers = Array.from({ length: 499 }, () => ({ a: MemberKey.generate().id, n: Number.MAX_SAFE_INTEGER }));
    mallory.send(mallory.stamp({ type: 'sync', op: 'have', have: [{ a: alice!.id, n: 0 }, ...strangers], authors: [] }));
    const page = await mallory.next('sync');
    assert.equal(page.op, 'page');
    assert.equal(page.count, 500, 'one page of at most 500 messages');
    assert.equal(page.more, 'true');
    await waitUntil(() => mallory.received.filter((m) => m.type === 'chat').length === 500, 'the page');
    mallory.send(mallory.stamp({ type: 'sync', op: 'have', have: [{ a: alice!.id, n: 500 }], authors: [] }));
    const second = await mallory.next('sync');
    assert.equal(second.count, 200);
    assert.equal(second.more, undefined);
    mallory.send(mallory.stamp({ type: 'sync', op: 'have', have: [{ a: alice!.id, n: 9_000_000 }], authors: [] }));
    assert.equal((await mallory.next('sync')).count, 0);
  });
});

describe('History on disk', () => {
  const net = new TestNetwork();
  const folders: string[] = [];
  afterEach(async () => {
    await net.closeAll();
    for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
  });

  it('a restarted member shows what it held, keeps numbering where it stopped, and never reuses a number after Clear', async () => {
    const data = mkdtempSync(join(tmpdir(), 'team-notes-history-'));
    folders.push(data);
    const key = MemberKey.generate();
    const { port } = await net.repository();
    const [bob] = await net.joinedPeers(['bob'], port);
    const first = net.peer('alice', port, { key, history: GroupHistory.open(data, 'team', key.id) });
    await first.join();
    await waitUntil(() => first.members().length === 1, 'alice meets bob');
    first.chat('one');
    first.chat('two');
    bob!.chat('from bob');
    await waitUntil(() => first.history.contiguous(bob!.id) === 1, 'alice holds bob\'s message');
    await first.close();
    first.history.close();

    const reopened = GroupHistory.open(data, 'team', key.id);
    assert.deepEqual(reopened.entries().map((e) => (e.message.type === 'chat' ? e.message.text : '')).sort(), ['from bob', 'one', 'two']);
    assert.equal(reopened.name(bob!.id), 'bob');
    assert.equal(reopened.nextSeq(), 3, 'numbering goes on after 2');
    reopened.clear();
    const cleared = GroupHistory.open(data, 'team', key.id);
    assert.equal(cleared.size, 0);
    assert.equal(cleared.nextSeq(), 4, 'a cleared history does not reuse numbers');
    cleared.close();
  });

  it('cuts off a member that floods catch-up requests, and the group goes on', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const mallory = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    await mallory.next('sync');
    for (let i = 0; i < 200; i++) mallory.send(mallory.stamp({ type: 'sync', op: 'have', have: [], authors: [] }));
    await mallory.whenClosed;
    assert.ok(alice!.log.lines.some((l) => l.includes('ERR_RATE_LIMITED')));
    const seen = chatLog(bob!);
    alice!.chat('still here');
    await waitUntil(() => seen.includes('alice: still here'), 'the group goes on');
  });

  it('answers 100 members asking for its whole history at once within a bounded amount of memory, and the group goes on', async function () {
    this.timeout(120_000);
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, { rateLimits: false });
    // About 8 MiB of history: two full pages for every newcomer.
    const filler = 'x'.repeat(8000);
    for (let i = 0; i < 1000; i++) alice!.chat(`${i} ${filler}`);
    // 100 members that ask and then never read: without a bound, alice would seal 4 MiB pages for each.
    // From 20 loopback addresses: a member's address may hold only a few handshakes at once.
    const askers: SecureClient[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const five = Array.from({ length: 5 }, async (_, i) => {
        const asker = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id, localAddress: `127.0.0.${batch + 2}` });
        asker.send(asker.stamp({ type: 'hello', name: `student${batch * 5 + i}`, port: 1 }));
        await asker.next('sync');
        return asker;
      });
      askers.push(...(await Promise.all(five)));
    }
    for (const asker of askers) asker.socket.pause();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, alice!.queuedBytes());
    }, 5);
    // Each asks again and again: past what the kernel's socket buffers absorb, pages queue in alice.
    for (let round = 0; round < 4; round++) {
      for (const asker of askers) asker.send(asker.stamp({ type: 'sync', op: 'have', have: [], authors: [] }));
      await new Promise((r) => setTimeout(r, 150));
    }
    const seen = chatLog(bob!);
    await new Promise((r) => setTimeout(r, 1000));
    alice!.chat('still here');
    await waitUntil(() => seen.includes('alice: still here'), 'live chat goes on beside the catch-up');
    clearInterval(sampler);
    const MiB = 1024 * 1024;
    // The bound (16 MiB) plus the one page that may start just under it, and the live chat.
    assert.ok(peak <= 21 * MiB, `at most about 20 MiB queued for all the askers together, saw ${(peak / MiB).toFixed(1)} MiB`);
    assert.ok(peak >= 4 * MiB, `the askers were being answered (${(peak / MiB).toFixed(1)} MiB queued)`);
    // The askers that read again get their pages in turn.
    for (const asker of askers.slice(0, 5)) asker.socket.resume();
    for (const asker of askers.slice(5)) asker.socket.destroy();
    await waitUntil(() => askers.slice(0, 5).every((a) => a.received.filter((m) => m.type === 'chat').length >= 500), 'the first page reaches each asker that reads', 60_000);
  });

  it('does not believe an ack for more than this member ever wrote', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const mallory = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    await mallory.next('sync');
    await waitUntil(() => alice!.members().length === 1, 'mallory linked');
    alice!.chat('one');
    mallory.send(mallory.stamp({ type: 'ack', upTo: Number.MAX_SAFE_INTEGER }));
    await waitUntil(() => alice!.acknowledgedBy(mallory.key.id) === 1, 'the ack counted up to what alice wrote');
  });
});

function stampAs(key: MemberKey, seq: number, text: string): Message & ChatMessage {
  return { v: '1', id: `msg-${key.id.slice(0, 8)}-${seq}`, from: key.id, group: 'team', seq, ts: Date.now(), type: 'chat', text };
}
