import { strict as assert } from 'node:assert';
import { Connection } from '../../src/net/connection';
import { isNetError } from '../../src/net/errors';
import type { NetError } from '../../src/net/errors';
import { HandshakeInitiator } from '../../src/net/handshake';
import { newItemId } from '../../src/net/ids';
import { MAX_RELAY_CHUNK_BYTES } from '../../src/net/limits';
import { silentLogger } from '../../src/net/logger';
import { MemberKey } from '../../src/net/memberKey';
import type { Message, RelayMessage } from '../../src/net/messages';
import type { DeliveredMessage, Member, PeerNode } from '../../src/net/peerNode';
import type { MemberPath } from '../../src/net/relayPaths';
import { TunnelSocket } from '../../src/net/tunnel';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';
import { Firewall } from '../helpers/firewall';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';
import type { RecordingLogger, SecureClient } from '../helpers/net';

const FAST = { directRetryMinMs: 40, directRetryMaxMs: 160, redialMinMs: 40, redialMaxMs: 160 };
type Node = PeerNode & { log: RecordingLogger };

const ENVELOPE = { v: '1', id: newItemId(), from: MemberKey.generate().id, group: 'team', seq: 1, ts: 1 };

function chats(node: Node): string[] {
  const seen: string[] = [];
  node.on('message', (m: DeliveredMessage, from: Member) => m.type === 'chat' && seen.push(`${from.name}: ${m.text}`));
  return seen;
}

/** The next `relay` message a hand-played member gets for `tunnel`, with op `op`. */
async function nextRelay(client: SecureClient, tunnel: string, op: RelayMessage['op']): Promise<RelayMessage> {
  let found: RelayMessage | undefined;
  await waitUntil(() => (found = client.received.find((m): m is RelayMessage => m.type === 'relay' && m.tunnel === tunnel && m.op === op)) !== undefined, `relay ${op} of ${tunnel}`);
  client.received.splice(client.received.indexOf(found!), 1);
  return found!;
}

/** A ping answered: the link of `client` is still open and read. */
async function stillLinked(client: SecureClient): Promise<void> {
  const ping = client.stamp({ type: 'ping' });
  client.send(ping);
  await waitUntil(() => client.received.some((m) => m.type === 'pong' && m.re === ping.id), 'a pong');
}

describe('Relay messages and tunnels', function () {
  this.timeout(30_000);
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  describe('the relay message schema', () => {
    it('round-trips every op and carries tunnel bytes as canonical base64', () => {
      const data = Buffer.from([0, 1, 2, 250, 251, 255]);
      for (const body of [
        { op: 'connect', tunnel: newItemId(), peer: MemberKey.generate().id },
        { op: 'open', tunnel: newItemId(), peer: MemberKey.generate().id },
        { op: 'data', tunnel: newItemId(), data },
        { op: 'ack', tunnel: newItemId(), bytes: 16_384 },
        { op: 'close', tunnel: newItemId() },
        { op: 'close', tunnel: newItemId(), code: 'ERR_RELAY' },
      ] as const) {
        const message = { ...ENVELOPE, type: 'relay', ...body } as RelayMessage;
        assert.deepEqual(decodeMessage(encodeMessage(message)), message);
      }
    });

    it('refuses with ERR_BAD_MESSAGE a chunk over the limit, non-canonical base64, a missing peer and an ack beyond the window', () => {
      const envelope = `v="1" id="${ENVELOPE.id}" from="${ENVELOPE.from}" group="team" seq="1" ts="1"`;
      const tunnel = newItemId();
      const bad = [
        `<relay ${envelope} op="data" tunnel="${tunnel}" data="${Buffer.alloc(MAX_RELAY_CHUNK_BYTES + 1).toString('base64url')}"/>`,
        `<relay ${envelope} op="data" tunnel="${tunnel}" data="AB"/>`, // "AB" and "AA" would both read as one zero byte
        `<relay ${envelope} op="data" tunnel="${tunnel}" data="AA=="/>`,
        `<relay ${envelope} op="data" tunnel="${tunnel}" data=""/>`,
        `<relay ${envelope} op="connect" tunnel="${tunnel}"/>`,
        `<relay ${envelope} op="ack" tunnel="${tunnel}" bytes="999999999"/>`,
        `<relay ${envelope} op="close" tunnel="${tunnel}" data="AA"/>`,
      ];
      for (const xml of bad) assert.throws(() => decodeMessage(Buffer.from(xml)), (err: unknown) => isNetError(err, 'ERR_BAD_MESSAGE'), xml.slice(0, 120));
      assert.throws(() => encodeMessage({ ...ENVELOPE, type: 'relay', op: 'data', tunnel, data: Buffer.alloc(MAX_RELAY_CHUNK_BYTES + 1) }), (err: unknown) => isNetError(err, 'ERR_BAD_MESSAGE'));
    });
  });

  describe('a tunnel end', () => {
    it('sends no more than its window before the other end acknowledges, then the rest', async () => {
      const sent: Buffer[] = [];
      const socket = new TunnelSocket({ id: 'tunnel-1', remoteAddress: '', localAddress: '', windowBytes: 40_000, link: { data: (d) => sent.push(Buffer.from(d)) > 0, ack: () => true, close: () => undefined } });
      const done = new Promise<void>((resolve) => socket.write(Buffer.alloc(100_000, 7), () => resolve()));
      await new Promise((r) => setImmediate(r));
      assert.equal(sent.reduce((n, b) => n + b.length, 0), 40_000);
      assert.ok(sent.every((b) => b.length <= MAX_RELAY_CHUNK_BYTES));
      socket.acknowledged(40_000);
      socket.acknowledged(20_000);
      assert.equal(sent.reduce((n, b) => n + b.length, 0), 100_000);
      await done;
      socket.destroy();
    });

    it('closes with ERR_RELAY when the other end sends past the window or acknowledges bytes never sent', async () => {
      for (const misbehave of [(s: TunnelSocket) => s.receive(Buffer.alloc(1001)), (s: TunnelSocket) => s.acknowledged(1)]) {
        const closes: (string | undefined)[] = [];
        const socket = new TunnelSocket({ id: 'tunnel-2', remoteAddress: '', localAddress: '', windowBytes: 1000, link: { data: () => true, ack: () => true, close: (code) => closes.push(code) } });
        const failed = new Promise<NetError>((resolve) => socket.once('error', (err) => resolve(err as NetError)));
        misbehave(socket);
        assert.equal((await failed).code, 'ERR_RELAY');
        assert.deepEqual(closes, ['ERR_RELAY']);
      }
    });
  });

  describe('a member asking a relay for what it must not have', () => {
    async function malloryAndBob(options: Parameters<TestNetwork['peer']>[2] = {}): Promise<{ alice: Node; bob: Node; mallory: SecureClient }> {
      const { port } = await net.repository();
      const [alice, bob] = (await net.joinedPeers(['alice', 'bob'], port, options)) as [Node, Node];
      const mallory = await net.secure(bob.listenAddress!.port, { expectedPeer: bob.id });
      mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
      await nextEvent<[Member]>(bob, 'memberJoined', (m) => m.name === 'mallory');
      return { alice, bob, mallory };
    }

    it('refuses with ERR_RELAY a tunnel to itself, through the relay to the relay, to an unknown member and a reused id, and keeps the link', async () => {
      const { bob, mallory, alice } = await malloryAndBob();
      const asks = [mallory.key.id, bob.id, MemberKey.generate().id];
      for (const peer of asks) {
        const tunnel = newItemId();
        mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel, peer }));
        assert.equal((await nextRelay(mallory, tunnel, 'close')).code, 'ERR_RELAY');
      }
      const tunnel = newItemId();
      mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel, peer: alice.id }));
      mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel, peer: alice.id }));
      assert.equal((await nextRelay(mallory, tunnel, 'close')).code, 'ERR_RELAY');
      // A tunnel bob does not carry for mallory: neither its bytes nor its acks go anywhere.
      mallory.send(mallory.stamp({ type: 'relay', op: 'data', tunnel: newItemId(), data: Buffer.from('hi') }));
      await stillLinked(mallory);
      assert.ok(bob.log.has('ERR_RELAY: refused tunnel'));
      assert.deepEqual(bob.members().map((m) => m.name).sort(), ['alice', 'mallory']);
    });

    it('refuses tunnels beyond the per-member bound with ERR_RELAY', async () => {
      const { alice, mallory } = await malloryAndBob({ relayLimits: { tunnelsPerMember: 2 } });
      const tunnels = [newItemId(), newItemId(), newItemId()];
      for (const tunnel of tunnels) mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel, peer: alice.id }));
      assert.equal((await nextRelay(mallory, tunnels[2]!, 'close')).code, 'ERR_RELAY');
      await stillLinked(mallory);
      assert.equal(mallory.received.filter((m) => m.type === 'relay' && m.op === 'close' && m.tunnel !== tunnels[2]).length, 0);
    });

    it('closes only the tunnel, with ERR_RELAY to both ends, when a member sends past the window or acknowledges more than it got', async () => {
      const { alice, mallory } = await malloryAndBob({ relayLimits: { windowBytes: 4096 } });
      const overrun = newItemId();
      mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel: overrun, peer: alice.id }));
      // A handshake frame header declaring 4,000 bytes, then more than the window of its bytes.
      const header = Buffer.from([0, 0, 0x0f, 0xa0, 3]);
      mallory.send(mallory.stamp({ type: 'relay', op: 'data', tunnel: overrun, data: Buffer.concat([header, Buffer.alloc(3000)]) }));
      mallory.send(mallory.stamp({ type: 'relay', op: 'data', tunnel: overrun, data: Buffer.alloc(2000) }));
      assert.equal((await nextRelay(mallory, overrun, 'close')).code, 'ERR_RELAY');
      await alice.log.waitFor('ERR_RELAY');

      const greedy = newItemId();
      mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel: greedy, peer: alice.id }));
      mallory.send(mallory.stamp({ type: 'relay', op: 'ack', tunnel: greedy, bytes: 4096 }));
      assert.equal((await nextRelay(mallory, greedy, 'close')).code, 'ERR_RELAY');
      await stillLinked(mallory);
      assert.equal(alice.members().length, 1, 'alice keeps bob');
    });

    it('refuses a tunnel asked for over a relayed link (no tunnel through a tunnel)', async () => {
      const { alice, bob, mallory } = await malloryAndBob();
      // mallory runs the real initiator end to end with alice over a tunnel through bob...
      const tunnel = newItemId();
      const socket = new TunnelSocket({
        id: tunnel,
        remoteAddress: '',
        localAddress: '',
        link: {
          data: (data) => (mallory.send(mallory.stamp({ type: 'relay', op: 'data', tunnel, data })), true),
          ack: (bytes) => (mallory.send(mallory.stamp({ type: 'relay', op: 'ack', tunnel, bytes })), true),
          close: (code) => mallory.send(mallory.stamp(code === undefined ? { type: 'relay', op: 'close', tunnel } : { type: 'relay', op: 'close', tunnel, code })),
        },
      });
      mallory.onMessage = (m: Message) => {
        if (m.type !== 'relay' || m.tunnel !== tunnel) return;
        if (m.op === 'data') socket.receive(Buffer.from(m.data!));
        if (m.op === 'ack') socket.acknowledged(m.bytes!);
        if (m.op === 'close') socket.remoteClosed(undefined);
      };
      const inner = new Connection(socket, { logger: silentLogger, handshake: new HandshakeInitiator({ key: mallory.key, group: 'team', expectedPeer: alice.id }) });
      const received: Message[] = [];
      inner.on('message', (m) => received.push(m));
      mallory.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel, peer: alice.id }));
      inner.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
      const [, path] = await nextEvent<[Member, MemberPath]>(alice, 'pathChanged', (m) => m.name === 'mallory');
      assert.deepEqual(path, { kind: 'relayed', via: bob.id });
      // ...and over that relayed link asks alice to relay on to bob.
      const nested = newItemId();
      inner.send(mallory.stamp({ type: 'relay', op: 'connect', tunnel: nested, peer: bob.id }));
      await waitUntil(() => received.some((m) => m.type === 'relay' && m.tunnel === nested && m.op === 'close' && m.code === 'ERR_RELAY'), 'the refusal over the tunnel');
      assert.ok(!inner.closed, 'the relayed link itself stays');
      inner.close();
    });
  });

  describe('a relay that pretends', () => {
    it('cannot pass itself off as the member it says opens the tunnel: the handshake fails with ERR_AUTH_FAILED', async () => {
      const { port } = await net.repository();
      const [alice, carol] = (await net.joinedPeers(['alice', 'carol'], port)) as [Node, Node];
      const mallory = await net.secure(carol.listenAddress!.port, { expectedPeer: carol.id });
      mallory.send(mallory.stamp({ type: 'hello', name: 'mallory', port: 1 }));
      await nextEvent<[Member]>(carol, 'memberJoined', (m) => m.name === 'mallory');
      // "alice opens a tunnel to you", then mallory runs the initiator itself, with its own key.
      const tunnel = newItemId();
      const socket = new TunnelSocket({
        id: tunnel,
        remoteAddress: '',
        localAddress: '',
        link: {
          data: (data) => (mallory.send(mallory.stamp({ type: 'relay', op: 'data', tunnel, data })), true),
          ack: (bytes) => (mallory.send(mallory.stamp({ type: 'relay', op: 'ack', tunnel, bytes })), true),
          close: () => undefined,
        },
      });
      mallory.onMessage = (m: Message) => {
        if (m.type === 'relay' && m.tunnel === tunnel && m.op === 'data') socket.receive(Buffer.from(m.data!));
        if (m.type === 'relay' && m.tunnel === tunnel && m.op === 'close') socket.remoteClosed(undefined);
      };
      mallory.send(mallory.stamp({ type: 'relay', op: 'open', tunnel, peer: alice.id }));
      const inner = new Connection(socket, { logger: silentLogger, handshake: new HandshakeInitiator({ key: mallory.key, group: 'team', expectedPeer: carol.id }) });
      const closed = new Promise<NetError | undefined>((resolve) => inner.once('close', resolve));
      assert.equal((await closed)?.code, 'ERR_AUTH_FAILED');
      await carol.log.waitFor('ERR_AUTH_FAILED');
      await stillLinked(mallory);
      assert.deepEqual(carol.members().map((m) => m.name).sort(), ['alice', 'mallory']);
      assert.deepEqual(carol.pathOf(alice.id), { kind: 'direct' });
    });
  });

  describe('a relay that misbehaves', () => {
    /**
     * alice and carol cannot dial each other; their only other link is mallory, played by hand,
     * who carries their tunnel: honestly, or altering or dropping the bytes.
     */
    async function throughMallory(mode: 'honest' | 'drop', timing: Record<string, number> = {}): Promise<{ alice: Node; carol: Node; relay: { mode: 'honest' | 'rewrite' | 'drop' } }> {
      const { port } = await net.repository();
      const firewall = new Firewall();
      const [ka, kc] = [MemberKey.generate(), MemberKey.generate()];
      firewall.block(ka.id, kc.id);
      const alice = net.peer('alice', port, { key: ka, dial: firewall.dialFor(ka.id), timing: { ...FAST, ...timing } });
      await alice.join();
      const toAlice = await net.secure(alice.listenAddress!.port, { expectedPeer: alice.id });
      toAlice.send(toAlice.stamp({ type: 'hello', name: 'mallory', port: 1 }));
      await nextEvent<[Member]>(alice, 'memberJoined');
      const carol = net.peer('carol', port, { key: kc, dial: firewall.dialFor(kc.id), timing: { ...FAST, ...timing } });
      await carol.join();
      const toCarol = await net.secure(carol.listenAddress!.port, { key: toAlice.key, expectedPeer: carol.id });
      toCarol.send(toCarol.stamp({ type: 'hello', name: 'mallory', port: 1 }));
      const relay = { mode: mode as 'honest' | 'rewrite' | 'drop' };
      const forward = (to: SecureClient, asker: string) => (m: Message) => {
        if (m.type !== 'relay') return;
        const { tunnel } = m;
        if (m.op === 'connect') to.send(to.stamp({ type: 'relay', op: 'open', tunnel, peer: asker }));
        else if (m.op === 'data') {
          if (relay.mode === 'drop') return;
          const data = Buffer.from(m.data!);
          if (relay.mode === 'rewrite') data[data.length - 1] = data[data.length - 1]! ^ 0x01;
          to.send(to.stamp({ type: 'relay', op: 'data', tunnel, data }));
        } else if (m.op === 'ack') to.send(to.stamp({ type: 'relay', op: 'ack', tunnel, bytes: m.bytes! }));
        else if (m.op === 'close') to.send(to.stamp(m.code === undefined ? { type: 'relay', op: 'close', tunnel } : { type: 'relay', op: 'close', tunnel, code: m.code }));
      };
      toCarol.onMessage = forward(toAlice, carol.id);
      toAlice.onMessage = forward(toCarol, alice.id);
      return { alice, carol, relay };
    }

    it('a relay that alters a byte closes that tunnel with ERR_AUTH_FAILED, and nothing altered is shown', async () => {
      const { alice, carol, relay } = await throughMallory('honest');
      const [, path] = await nextEvent<[Member, MemberPath]>(alice, 'pathChanged', (m) => m.id === carol.id, 10_000);
      assert.equal(path.kind, 'relayed');
      const toAlice = chats(alice);
      relay.mode = 'rewrite';
      const failed = nextEvent<[NetError]>(alice, 'connectionError', (e) => e.code === 'ERR_AUTH_FAILED');
      carol.chat('genuine');
      await failed;
      assert.equal(alice.pathOf(carol.id), undefined, 'the tunnel is gone');
      assert.ok(alice.members().some((m) => m.name === 'mallory'), 'the link to the relay stays');
      relay.mode = 'honest';
      // The message is signed by carol; it arrives intact through the next tunnel (catch-up).
      await waitUntil(() => toAlice.length > 0, 'carol\'s message through a new tunnel', 15_000);
      assert.deepEqual(toAlice, ['carol: genuine']);
    });

    it('a relay that drops every byte leaves the tunnel to time out with ERR_HANDSHAKE_TIMEOUT, and the members keep their links', async () => {
      const { alice, carol, relay } = await throughMallory('drop', { handshakeDeadlineMs: 400 });
      await carol.log.waitFor('ERR_HANDSHAKE_TIMEOUT', 10_000);
      assert.equal(carol.pathOf(alice.id), undefined);
      assert.ok(carol.members().some((m) => m.name === 'mallory'));
      relay.mode = 'honest';
      await waitUntil(() => carol.pathOf(alice.id)?.kind === 'relayed', 'a tunnel once the relay carries bytes again', 15_000);
    });
  });
});
