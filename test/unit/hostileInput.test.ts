/**
 * Bad input on real sockets: each case must close only the offending connection with a coded error
 * in the log, leave every other connection alone, and let a new peer join and chat right after.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { encodeFrame, FrameType } from '../../src/net/framing';
import { MAX_HANDSHAKE_FRAME_BYTES } from '../../src/net/handshake';
import { newPeerId } from '../../src/net/ids';
import { CHUNK_HEADER_BYTES, MAX_INTRO_FRAME_BYTES, MAX_XML_FRAME_BYTES } from '../../src/net/limits';
import { SEAL_OVERHEAD_BYTES } from '../../src/net/secureChannel';
import type { PeerNode } from '../../src/net/peerNode';
import { TestNetwork, waitUntil } from '../helpers/net';
import type { RawClient, RecordingLogger, SecureClient } from '../helpers/net';

type RawLike = RawClient | SecureClient;

const header = (length: number, type: number): Buffer => {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt32BE(length, 0);
  bytes.writeUInt8(type, 4);
  return bytes;
};

const envelope = (type: string, extra = ''): string =>
  `<${type} v="1" id="${newPeerId()}" from="${newPeerId()}" group="team" seq="1" ts="1"${extra}`;

/** Messages that are not the protocol, sealed inside a proper channel, with the code each must be logged with. */
const badPayloads: { name: string; code: string; payload: () => Buffer }[] = [
  { name: 'malformed XML', code: 'ERR_BAD_XML', payload: () => Buffer.from('<chat v="1"><text>unclosed') },
  { name: 'XML cut off in the middle', code: 'ERR_BAD_XML', payload: () => Buffer.from(`${envelope('ping')} /`.slice(0, 40)) },
  { name: 'an unknown message type', code: 'ERR_UNKNOWN_TYPE', payload: () => Buffer.from(`${envelope('teleport')}/>`) },
  { name: 'an unknown protocol version', code: 'ERR_UNSUPPORTED_VERSION', payload: () => Buffer.from(`${envelope('ping').replace('v="1"', 'v="9"')}/>`) },
  {
    name: 'a DOCTYPE with entity expansion (billion laughs)',
    code: 'ERR_BAD_XML',
    payload: () => Buffer.from(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${envelope('chat')}><text>&lol2;</text></chat>`),
  },
  { name: 'a processing instruction', code: 'ERR_BAD_XML', payload: () => Buffer.from(`<?xml-stylesheet href="x"?>${envelope('ping')}/>`) },
  { name: 'bytes that are not UTF-8', code: 'ERR_BAD_XML', payload: () => Buffer.from([0x3c, 0xff, 0xfe, 0x3e]) },
  {
    name: 'a pin whose path climbs out of the workspace',
    code: 'ERR_BAD_MESSAGE',
    payload: () => Buffer.from(`${envelope('pin', ` sig="${'A'.repeat(86)}" op="add" item="pin-00000001" clock="1" path="../../etc/passwd" startLine="1" endLine="1" above="0" below="0"`)}><code><![CDATA[root]]></code><text><![CDATA[x]]></text></pin>`),
  },
  {
    name: 'a pin whose code does not match its line range',
    code: 'ERR_BAD_MESSAGE',
    payload: () => Buffer.from(`${envelope('pin', ` sig="${'A'.repeat(86)}" op="add" item="pin-00000001" clock="1" path="a.ts" startLine="1" endLine="400" above="0" below="0"`)}><code><![CDATA[one line]]></code><text><![CDATA[x]]></text></pin>`),
  },
  { name: 'a schema violation (chat text with NUL)', code: 'ERR_BAD_MESSAGE', payload: () => Buffer.from(`${envelope('chat')}><text>a\u0000b</text></chat>`) },
  // Once enough to end the process: the decoder's error quoted the character, the notice echoing it could not be encoded.
  { name: 'the 10-byte <a\\x01/>', code: 'ERR_BAD_XML', payload: () => Buffer.from([0x3c, 0x61, 0x01, 0x2f, 0x3e]) },
  { name: 'a tag name with a bidi override', code: 'ERR_BAD_XML', payload: () => Buffer.from('<a\u202e/>') },
  { name: 'a tag name with U+FFFE', code: 'ERR_BAD_XML', payload: () => Buffer.from('<a\ufffe/>') },
  { name: 'a tag name with a C1 control', code: 'ERR_BAD_XML', payload: () => Buffer.from('<a\u009b31m/>') },
];

/** Raw frames written after the handshake, past the sealed channel. */
const badFrames: { name: string; code: string; bytes: () => Buffer }[] = [
  { name: 'a frame declaring 4 GiB', code: 'ERR_FRAME_TOO_LARGE', bytes: () => header(0xffffffff, FrameType.SealedXml) },
  // Until a member says hello (at the repository: ever), only small sealed XML frames are read.
  { name: 'a sealed XML frame over 4 KiB before its hello', code: 'ERR_FRAME_TOO_LARGE', bytes: () => header(MAX_INTRO_FRAME_BYTES + SEAL_OVERHEAD_BYTES + 1, FrameType.SealedXml) },
  { name: 'an 8 MiB sealed image before its hello', code: 'ERR_FRAME_TYPE', bytes: () => header(8 * 1024 * 1024, FrameType.SealedBinary) },
  { name: 'an unknown frame type', code: 'ERR_FRAME_TYPE', bytes: () => header(3, 0x7f) },
  { name: 'a plain XML frame, unsealed', code: 'ERR_FRAME_TYPE', bytes: () => encodeFrame(FrameType.Xml, Buffer.from(`${envelope('ping')}/>`)) },
  { name: 'a sealed frame that is not a record of the stream', code: 'ERR_AUTH_FAILED', bytes: () => encodeFrame(FrameType.SealedXml, randomBytes(60)) },
];

/** Frames a stranger sends before any handshake, and what each must be refused with. */
const strangerFrames: { name: string; code: string; bytes: () => Buffer }[] = [
  { name: 'the 10-byte <a\\x01/> XML frame', code: 'ERR_FRAME_TYPE', bytes: () => Buffer.from('00000005013c61012f3e', 'hex') },
  { name: 'a handshake frame over 4 KiB', code: 'ERR_FRAME_TOO_LARGE', bytes: () => header(MAX_HANDSHAKE_FRAME_BYTES + 1, FrameType.Handshake) },
  { name: 'an 8 MiB binary frame', code: 'ERR_FRAME_TYPE', bytes: () => header(8 * 1024 * 1024, FrameType.Binary) },
  { name: 'a sealed frame', code: 'ERR_FRAME_TYPE', bytes: () => encodeFrame(FrameType.SealedXml, randomBytes(40)) },
  { name: 'a handshake offer of garbage', code: 'ERR_AUTH_FAILED', bytes: () => encodeFrame(FrameType.Handshake, Buffer.concat([Buffer.from([1]), randomBytes(200)])) },
  { name: 'a handshake frame of one byte', code: 'ERR_AUTH_FAILED', bytes: () => encodeFrame(FrameType.Handshake, Buffer.from([2])) },
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

  async function expectClosedWith(client: RawLike, logger: RecordingLogger, code: string): Promise<void> {
    await client.whenClosed;
    await logger.waitFor(code);
  }

  async function repositoryCase(attack: (port: number) => Promise<RawLike>, code: string): Promise<void> {
    const { port, logger, server } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port);
    const attacker = await attack(port);
    await expectClosedWith(attacker, logger, code);
    assert.deepEqual(server.members('team').map((m) => m.name), ['alice']);
    await assertGroupStillWorks(port, alice!);
  }

  async function memberCase(attack: (port: number, alice: PeerNode) => Promise<RawLike>, code: string): Promise<void> {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const attacker = await attack(alice!.listenAddress!.port, alice!);
    await expectClosedWith(attacker, alice!.log, code);
    assert.deepEqual(alice!.members().map((m) => m.name), ['bob']);
    const texts: string[] = [];
    alice!.on('message', (m) => m.type === 'chat' && texts.push(m.text));
    bob!.chat('bob is unaffected');
    await waitUntil(() => texts.length === 1, 'bob -> alice');
    await assertGroupStillWorks(port, alice!);
  }

  for (const input of badPayloads) {
    it(`repository: closes the sealed connection that sends ${input.name} with ${input.code}`, () =>
      repositoryCase(async (port) => {
        const attacker = await net.secure(port);
        attacker.sendXml(input.payload());
        return attacker;
      }, input.code));

    it(`peer: closes the sealed connection that sends ${input.name} with ${input.code}`, () =>
      memberCase(async (port, alice) => {
        const attacker = await net.secure(port, { expectedPeer: alice.id });
        attacker.sendXml(input.payload());
        return attacker;
      }, input.code));
  }

  for (const input of badFrames) {
    it(`repository: closes the connection that sends ${input.name} after the handshake with ${input.code}`, () =>
      repositoryCase(async (port) => {
        const attacker = await net.secure(port);
        attacker.write(input.bytes());
        return attacker;
      }, input.code));

    it(`peer: closes the connection that sends ${input.name} after the handshake with ${input.code}`, () =>
      memberCase(async (port, alice) => {
        const attacker = await net.secure(port, { expectedPeer: alice.id });
        attacker.write(input.bytes());
        return attacker;
      }, input.code));
  }

  for (const input of strangerFrames) {
    it(`repository: refuses ${input.name} before any handshake with ${input.code}`, () =>
      repositoryCase(async (port) => {
        const attacker = await net.raw(port);
        attacker.write(input.bytes());
        return attacker;
      }, input.code));

    it(`peer: refuses ${input.name} before any handshake with ${input.code}`, () =>
      memberCase(async (port) => {
        const attacker = await net.raw(port);
        attacker.write(input.bytes());
        return attacker;
      }, input.code));
  }

  const announced = (client: SecureClient): Buffer =>
    client.sealForTest(
      client.stamp({ type: 'image', op: 'add', item: '7d9e2b1c-4a5f-4e6d-9c8b-1a2b3c4d5e6f', clock: 1, x: 0, y: 0, width: 10, height: 10, mime: 'image/png', bytes: 100, sha256: '0'.repeat(64) }),
    );
  for (const [name, code, bytes] of [
    ['a sealed frame declaring more than the XML limit', 'ERR_FRAME_TOO_LARGE', () => header(MAX_XML_FRAME_BYTES + SEAL_OVERHEAD_BYTES + 1, FrameType.SealedXml)],
    ['a sealed image frame nobody announced (even 4 GiB: nothing is buffered)', 'ERR_FRAME_TYPE', () => header(0xffffffff, FrameType.SealedBinary)],
    ['a chunk of image bytes longer than the image message announced', 'ERR_FRAME_TOO_LARGE', (c: SecureClient) => Buffer.concat([announced(c), header(CHUNK_HEADER_BYTES + 101 + SEAL_OVERHEAD_BYTES, FrameType.SealedBinary)])],
  ] as const) {
    it(`peer: closes a member's connection that sends ${name} after its hello with ${code}`, () =>
      memberCase(async (port, alice) => {
        const attacker = await net.secure(port, { expectedPeer: alice.id });
        attacker.send(attacker.stamp({ type: 'hello', name: 'mallory', port: 1 }));
        await attacker.next('hello');
        attacker.write(bytes(attacker));
        return attacker;
      }, code));
  }

  it('refuses a replayed record and a bit-flipped record with ERR_AUTH_FAILED', async () => {
    for (const tamper of ['replay', 'flip'] as const) {
      await memberCase(async (port, alice) => {
        const attacker = await net.secure(port, { expectedPeer: alice.id });
        const record = Buffer.from(attacker.sealForTest(attacker.stamp({ type: 'hello', name: 'mallory', port: 1 })));
        if (tamper === 'replay') {
          attacker.write(record);
          attacker.write(record); // the same record again: its place in the stream is taken
        } else {
          record[record.length - 20]! ^= 0x01;
          attacker.write(record);
        }
        return attacker;
      }, 'ERR_AUTH_FAILED');
    }
  });

  it('closes a connection that sends half a frame and stalls, at the frame deadline (ERR_FRAME_TIMEOUT)', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { connection: { frameDeadlineMs: 150 } });
    await alice.join();
    const attacker = await net.raw(alice.listenAddress!.port);
    attacker.write(header(100, FrameType.Handshake));
    attacker.write(Buffer.from([1, 1]));
    await expectClosedWith(attacker, alice.log, 'ERR_FRAME_TIMEOUT');
    await assertGroupStillWorks(port, alice);
  });

  it('closes a connection that trickles a frame one byte at a time past the deadline', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { connection: { frameDeadlineMs: 200 } });
    await alice.join();
    const attacker = await net.raw(alice.listenAddress!.port);
    const frame = encodeFrame(FrameType.Handshake, randomBytes(200));
    let i = 0;
    const trickle = setInterval(() => i < frame.length && !attacker.closed && attacker.write(frame.subarray(i, ++i)), 30);
    try {
      await expectClosedWith(attacker, alice.log, 'ERR_FRAME_TIMEOUT');
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a connection that never completes the handshake (ERR_HANDSHAKE_TIMEOUT)', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { timing: { handshakeDeadlineMs: 100 } });
    await alice.join();
    const attacker = await net.raw(alice.listenAddress!.port);
    await expectClosedWith(attacker, alice.log, 'ERR_HANDSHAKE_TIMEOUT');
  });

  it('closes a member connection whose messages claim another sender (ERR_PROTOCOL)', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    const attacker = await net.secure(alice!.listenAddress!.port, { expectedPeer: alice!.id });
    attacker.send(attacker.stamp({ type: 'hello', name: 'mallory', port: 1 }));
    await attacker.next('hello');
    attacker.send({ ...attacker.stamp({ type: 'chat', text: 'I am bob' }), from: bob!.id });
    await expectClosedWith(attacker, alice!.log, 'ERR_PROTOCOL');
  });

  it('disconnects a member that never reads, instead of queueing without bound (ERR_SLOW_CONSUMER)', async () => {
    const { port } = await net.repository();
    const alice = net.peer('alice', port, { connection: { maxOutboundBytes: 256 * 1024, drainTimeoutMs: 5000 } });
    await alice.join();
    const sloth = await net.secure(alice.listenAddress!.port, { expectedPeer: alice.id });
    sloth.send(sloth.stamp({ type: 'hello', name: 'sloth', port: 1 }));
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
