/**
 * Bad input on real sockets: each case must close only the offending connection with a coded error
 * in the log, leave every other connection alone, and let a new peer join and chat right after.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { encodeFrame, FrameType } from '../../src/net/framing';
import { EnvelopeStamper, newPeerId } from '../../src/net/ids';
import { MAX_XML_FRAME_BYTES } from '../../src/net/limits';
import type { PeerNode } from '../../src/net/peerNode';
import { TestNetwork, waitUntil } from '../helpers/net';
import type { RawClient, RecordingLogger } from '../helpers/net';

const header = (length: number, type: number): Buffer => {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt32BE(length, 0);
  bytes.writeUInt8(type, 4);
  return bytes;
};

const envelope = (type: string, extra = ''): string =>
  `<${type} v="1" id="${newPeerId()}" from="${newPeerId()}" group="team" seq="1" ts="1"${extra}`;

/** Inputs that are not the protocol, with the code each must be logged with. */
const badInputs: { name: string; code: string; bytes: () => Buffer }[] = [
  { name: 'a frame declaring more than the XML limit', code: 'ERR_FRAME_TOO_LARGE', bytes: () => header(MAX_XML_FRAME_BYTES + 1, FrameType.Xml) },
  { name: 'a frame declaring 4 GiB', code: 'ERR_FRAME_TOO_LARGE', bytes: () => header(0xffffffff, FrameType.Xml) },
  { name: 'an unknown frame type', code: 'ERR_FRAME_TYPE', bytes: () => header(3, 0x7f) },
  { name: 'malformed XML', code: 'ERR_BAD_XML', bytes: () => encodeFrame(FrameType.Xml, Buffer.from('<chat v="1"><text>unclosed')) },
  { name: 'XML cut off in the middle', code: 'ERR_BAD_XML', bytes: () => encodeFrame(FrameType.Xml, Buffer.from(`${envelope('ping')} /`.slice(0, 40))) },
  { name: 'an unknown message type', code: 'ERR_UNKNOWN_TYPE', bytes: () => encodeFrame(FrameType.Xml, Buffer.from(`${envelope('teleport')}/>`)) },
  { name: 'an unknown protocol version', code: 'ERR_UNSUPPORTED_VERSION', bytes: () => encodeFrame(FrameType.Xml, Buffer.from(`${envelope('ping').replace('v="1"', 'v="9"')}/>`)) },
  {
    name: 'a DOCTYPE with entity expansion (billion laughs)',
    code: 'ERR_BAD_XML',
    bytes: () =>
      encodeFrame(
        FrameType.Xml,
        Buffer.from(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${envelope('chat')}><text>&lol2;</text></chat>`),
      ),
  },
  { name: 'a processing instruction', code: 'ERR_BAD_XML', bytes: () => encodeFrame(FrameType.Xml, Buffer.from(`<?xml-stylesheet href="x"?>${envelope('ping')}/>`)) },
  { name: 'bytes that are not UTF-8', code: 'ERR_BAD_XML', bytes: () => encodeFrame(FrameType.Xml, Buffer.from([0x3c, 0xff, 0xfe, 0x3e])) },
  { name: 'a binary frame nobody announced', code: 'ERR_UNEXPECTED_BINARY', bytes: () => encodeFrame(FrameType.Binary, Buffer.alloc(10)) },
  { name: 'a schema violation (chat text with NUL)', code: 'ERR_BAD_MESSAGE', bytes: () => encodeFrame(FrameType.Xml, Buffer.from(`${envelope('chat')}><text>a\u0000b</text></chat>`)) },
];

describe('hostile input', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  /** A new peer joins and chats with `existing`: proof that nothing else was affected. */
  async function assertGroupStillWorks(port: number, existing: PeerNode): Promise<void> {
    const latecomer = net.peer(`late-${newPeerId().slice(0, 4)}`, port);
    await latecomer.join();
    const texts: string[] = [];
    existing.on('message', (m) => m.type === 'chat' && texts.push(m.text));
    await waitUntil(() => latecomer.members().some((m) => m.id === existing.id), 'latecomer connected');
    latecomer.chat('still fine');
    await waitUntil(() => texts.includes('still fine'), 'chat after the attack');
  }

  async function expectClosedWith(client: RawClient, logger: RecordingLogger, code: string): Promise<void> {
    await client.whenClosed;
    await logger.waitFor(code);
  }

  for (const input of badInputs) {
    it(`repository: closes the connection that sends ${input.name} with ${input.code}`, async () => {
      const { port, logger, server } = await net.repository();
      const [alice] = await net.joinedPeers(['alice'], port);
      const attacker = await net.raw(port);
      attacker.write(input.bytes());
      await expectClosedWith(attacker, logger, input.code);
      assert.deepEqual(server.members('team').map((m) => m.name), ['alice']);
      await assertGroupStillWorks(port, alice!);
    });

    it(`peer: closes the connection that sends ${input.name} with ${input.code}`, async () => {
      const { port } = await net.repository();
      const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
      const attacker = await net.raw(alice!.listenAddress!.port);
      attacker.write(input.bytes());
      await expectClosedWith(attacker, alice!.log, input.code);
      assert.deepEqual(alice!.members().map((m) => m.name), ['bob']);
      const texts: string[] = [];
      alice!.on('message', (m) => m.type === 'chat' && texts.push(m.text));
      bob!.chat('bob is unaffected');
      await waitUntil(() => texts.length === 1, 'bob -> alice');
      await assertGroupStillWorks(port, alice!);
    });
  }

  it('closes a connection that sends half a frame and stalls, at the frame deadline (ERR_FRAME_TIMEOUT)', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { connection: { frameDeadlineMs: 150 } });
    await alice.join();
    const attacker = await net.raw(alice.listenAddress!.port);
    attacker.write(header(100, FrameType.Xml));
    attacker.write(Buffer.from('<chat'));
    await expectClosedWith(attacker, alice.log, 'ERR_FRAME_TIMEOUT');
    await assertGroupStillWorks(port, alice);
  });

  it('closes a connection that trickles a frame one byte at a time past the deadline', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { connection: { frameDeadlineMs: 200 } });
    await alice.join();
    const attacker = await net.raw(alice.listenAddress!.port);
    const frame = encodeFrame(FrameType.Xml, Buffer.from(`${envelope('hello', ' name="slow" port="1"')}/>`));
    let i = 0;
    const trickle = setInterval(() => i < frame.length && !attacker.closed && attacker.write(frame.subarray(i, ++i)), 30);
    try {
      await expectClosedWith(attacker, alice.log, 'ERR_FRAME_TIMEOUT');
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a connection that never says hello (ERR_HANDSHAKE_TIMEOUT)', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { timing: { handshakeDeadlineMs: 100 } });
    await alice.join();
    const attacker = await net.raw(alice.listenAddress!.port);
    await expectClosedWith(attacker, alice.log, 'ERR_HANDSHAKE_TIMEOUT');
  });

  it('closes a member connection whose messages claim another sender (ERR_PROTOCOL)', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const attacker = await net.raw(alice!.listenAddress!.port);
    const self = new EnvelopeStamper(newPeerId(), 'team');
    attacker.send(self.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    await attacker.next('hello');
    const spoofed = new EnvelopeStamper(bob!.id, 'team');
    attacker.send(spoofed.stamp({ type: 'chat', text: 'I am bob' }));
    await expectClosedWith(attacker, alice!.log, 'ERR_PROTOCOL');
  });

  it('disconnects a member that never reads, instead of queueing without bound (ERR_SLOW_CONSUMER)', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { connection: { maxOutboundBytes: 256 * 1024, drainTimeoutMs: 5000 } });
    await alice.join();
    const sloth = await net.raw(alice.listenAddress!.port);
    sloth.send(new EnvelopeStamper(newPeerId(), 'team').stamp({ type: 'hello', name: 'sloth', port: 1 }));
    await waitUntil(() => alice.members().length === 1, 'sloth connected');
    sloth.socket.pause(); // reads nothing more: the kernel buffers fill, then alice's queue
    const text = 'x'.repeat(8000);
    for (let i = 0; i < 5000 && alice.members().length > 0; i++) {
      alice.chat(text);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await alice.log.waitFor('ERR_SLOW_CONSUMER');
    assert.equal(alice.members().length, 0);
  });

  it('survives a flood of random bytes from many connections at once', async () => {
    const { port, server } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const attackers = await Promise.all(Array.from({ length: 20 }, () => net.raw(alice!.listenAddress!.port)));
    const repoAttackers = await Promise.all(Array.from({ length: 20 }, () => net.raw(port)));
    for (const a of [...attackers, ...repoAttackers]) a.write(randomBytes(2000));
    await Promise.all([...attackers, ...repoAttackers].map((a) => a.whenClosed));
    assert.deepEqual(server.members('team').map((m) => m.name), ['alice']);
    await assertGroupStillWorks(port, alice!);
  });
});
