/**
 * Images in chunks over real connections on 127.0.0.1: chat does not wait for an image, chunks of
 * several images take turns, hostile chunk streams get their coded errors with bounded memory, and
 * a transfer cut off mid-image resumes with only the rest.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Connection } from '../../src/net/connection';
import type { NetError } from '../../src/net/errors';
import { HandshakeResponder } from '../../src/net/handshake';
import { EnvelopeStamper } from '../../src/net/ids';
import { IMAGE_CHUNK_BYTES, IMAGE_PACING_CHUNK_BYTES, IMAGE_WINDOW_MAX_BYTES, IMAGE_WINDOW_START_BYTES, MAX_OPEN_TRANSFERS, MAX_QUEUED_IMAGES } from '../../src/net/limits';
import { MemberKey } from '../../src/net/memberKey';
import type { ImageMessage, Message } from '../../src/net/messages';
import { PartialImages } from '../../src/net/partialImages';
import { signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import { ConnectionLab } from '../helpers/connections';
import type { ExtraOptions } from '../helpers/connections';
import { RecordingLogger, TestNetwork, waitUntil } from '../helpers/net';
import type { SecureClient } from '../helpers/net';

const MiB = 1024 * 1024;

function imageMessage(stamper: EnvelopeStamper, key: MemberKey, bytes: Uint8Array, item = 'image-0001'): ImageMessage & Message {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return signMessage(
    stamper.stampNumbered({ type: 'image', op: 'add', item, clock: 1, x: 0, y: 0, width: 10, height: 10, mime: 'image/png', bytes: bytes.length, sha256 }, stamper.lastSeq + 1),
    key,
  );
}

function chat(stamper: EnvelopeStamper, key: MemberKey, text: string): Message {
  return signMessage(stamper.stampNumbered({ type: 'chat', text }, stamper.lastSeq + 1), key);
}

/** Every message a connection delivers, in order, with its bytes. */
function record(connection: Connection): { message: Message; binary: Buffer | undefined }[] {
  const got: { message: Message; binary: Buffer | undefined }[] = [];
  connection.on('message', (message, binary) => got.push({ message, binary }));
  return got;
}

function closedWith(connection: Connection): Promise<NetError | undefined> {
  return new Promise((resolve) => connection.once('close', resolve));
}

describe('image transfer in chunks', function () {
  this.timeout(15_000);
  const lab = new ConnectionLab();
  before(() => cryptoReady());
  afterEach(() => lab.closeAll());

  it('delivers a chat sent while a 4 MiB image is in flight before the image completes', async () => {
    const { a, b } = await lab.pair();
    const stamper = new EnvelopeStamper(a.key.id, 'team');
    const got = record(b.connection);
    const image = randomBytes(4 * MiB);
    const pending = new Promise<void>((resolve) => b.connection.once('imagePending', () => resolve()));
    a.connection.send(imageMessage(stamper, a.key, image), image);
    await pending;
    await waitUntil(() => a.connection.imageBytesSent > 0, 'the first chunk to go out');
    a.connection.send(chat(stamper, a.key, 'while the image travels'));
    await waitUntil(() => got.length === 2, 'the chat and the image');
    assert.deepEqual(got.map((g) => g.message.type), ['chat', 'image']);
    assert.ok(got[1]!.binary!.equals(image));
    assert.ok(a.connection.imageBytesSent < 4 * MiB + IMAGE_CHUNK_BYTES);
  });

  it('sends chunks of two images in turn, one window at a time, with a chat between them', async () => {
    const c = await hostileCase();
    try {
      const key = MemberKey.generate();
      const stamper = new EnvelopeStamper(key.id, 'team');
      const receiver = c.attacker;
      const images = [randomBytes(512 * 1024), randomBytes(512 * 1024)];
      const messages = images.map((bytes, i) => imageMessage(stamper, key, bytes, `image-000${i}`));
      messages.forEach((m, i) => c.victim.send(m, images[i]));
      await waitUntil(() => receiver.received.filter((m) => m.type === 'image').length === 2, 'both announcements');
      for (const m of messages) receiver.send(receiver.stamp({ type: 'blob', op: 'want', sha256: m.sha256!, at: 0 }));
      const startChunks = IMAGE_WINDOW_START_BYTES / IMAGE_PACING_CHUNK_BYTES;
      await waitUntil(() => receiver.binaries.length === startChunks, 'the first window of chunks');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(receiver.binaries.length, startChunks, 'nothing beyond the window before an acknowledgement');
      let chatAfterChunks = -1;
      receiver.onMessage = (m) => {
        if (m.type === 'chat') chatAfterChunks = receiver.binaries.length;
      };
      let acked = 0;
      let sentBeforeChat = -1;
      const chunkCount = (2 * 512 * 1024) / IMAGE_PACING_CHUNK_BYTES;
      while (acked < chunkCount) {
        await waitUntil(() => receiver.binaries.length > acked, `chunk ${acked + 1}`);
        const plain = receiver.binaries[acked]!;
        const sha256 = plain.subarray(0, 32).toString('hex');
        const at = plain.readUInt32BE(32) + plain.length - 36;
        acked += 1;
        if (acked === 3) {
          sentBeforeChat = c.victim.imageBytesSent / IMAGE_PACING_CHUNK_BYTES;
          c.victim.send(chat(stamper, key, 'between chunks'));
        }
        receiver.send(receiver.stamp({ type: 'blob', op: 'got', sha256, at }));
      }
      const order = receiver.binaries.map((plain) => plain.subarray(0, 32).toString('hex'));
      // From the first chunk of the image asked for second until one of them is complete, they take turns.
      const second = order.findIndex((sha) => sha !== order[0]);
      const oneDone = Math.min(order.lastIndexOf(order[0]!), order.lastIndexOf(order[second]!));
      assert.ok(second >= 1 && second <= startChunks, `the second image's first chunk is chunk ${second}`);
      for (let i = second + 1; i <= oneDone; i++) assert.notEqual(order[i], order[i - 1], `chunk ${i} is of the same image as the one before`);
      assert.ok(receiver.binaries.every((plain) => plain.length - 36 === IMAGE_PACING_CHUNK_BYTES));
      // The chat goes before every chunk made after it was written.
      assert.ok(chatAfterChunks >= 3 && chatAfterChunks <= sentBeforeChat, `the chat came after chunk ${chatAfterChunks}, ${sentBeforeChat} were sent before it`);
    } finally {
      await c.stop();
    }
  });

  it('resumes an image cut off mid-transfer: the new link sends only the rest', async () => {
    const partials = new PartialImages();
    const aKey = MemberKey.generate();
    const bKey = MemberKey.generate();
    const image = randomBytes(4 * MiB);
    const stamper = new EnvelopeStamper(aKey.id, 'team');
    const message = imageMessage(stamper, aKey, image);
    // A slow sender is not needed: the cut comes after half has gone out, at most a window of it unacknowledged.
    const first = await lab.pair({ aKey, bKey, b: { partialImages: partials } });
    const firstGot = record(first.b.connection);
    first.a.connection.send(message, image);
    await waitUntil(() => first.a.connection.imageBytesSent >= 2 * MiB, 'half the image to go out');
    first.a.connection.destroy();
    await waitUntil(() => first.b.connection.closed, 'the receiver to see the cut');
    assert.equal(firstGot.length, 0);
    const held = partials.bytes;
    assert.ok(held >= 2 * MiB - IMAGE_WINDOW_MAX_BYTES, `kept ${held} bytes`);

    const second = await lab.pair({ aKey, bKey, b: { partialImages: partials } });
    const got = record(second.b.connection);
    second.a.connection.send(message, image);
    await waitUntil(() => got.length === 1, 'the resumed image');
    assert.ok(got[0]!.binary!.equals(image));
    assert.equal(second.a.connection.imageBytesSent, image.length - held);
    assert.equal(partials.bytes, 0);
  });

  it('does not resume from bytes another member left: a transfer from a new member starts at 0', async () => {
    const partials = new PartialImages();
    const bKey = MemberKey.generate();
    const image = randomBytes(MiB);
    const mallory = MemberKey.generate();
    const first = await lab.pair({ aKey: mallory, bKey, b: { partialImages: partials } });
    first.a.connection.send(imageMessage(new EnvelopeStamper(mallory.id, 'team'), mallory, image), image);
    await waitUntil(() => first.a.connection.imageBytesSent >= 256 * 1024, 'part of the image');
    first.a.connection.destroy();
    await waitUntil(() => partials.bytes > 0, 'the partial bytes to be kept');

    const alice = MemberKey.generate();
    const second = await lab.pair({ aKey: alice, bKey, b: { partialImages: partials } });
    const got = record(second.b.connection);
    second.a.connection.send(imageMessage(new EnvelopeStamper(alice.id, 'team'), alice, image), image);
    await waitUntil(() => got.length === 1, 'the image');
    assert.equal(second.a.connection.imageBytesSent, image.length);
  });
});

/** A responder Connection that takes images, and a SecureClient that plays the hostile member on it. */
async function hostileCase(options: ExtraOptions = {}): Promise<{ victim: Connection; log: RecordingLogger; attacker: SecureClient; net: TestNetwork; stop: () => Promise<void> }> {
  const key = MemberKey.generate();
  const log = new RecordingLogger();
  const stamper = new EnvelopeStamper(key.id, 'team');
  let victim!: Connection;
  const server = createServer();
  const accepted = new Promise<void>((resolve) => {
    server.on('connection', (socket) => {
      victim = new Connection(socket, { logger: log, handshake: new HandshakeResponder({ key, admit: () => undefined }), stamp: (body) => stamper.stamp(body), errorNotice: undefined, ...options });
      victim.once('secure', () => victim.admitFullFrames());
      resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const net = new TestNetwork();
  const attacker = await net.secure((server.address() as AddressInfo).port, { expectedPeer: key.id });
  await accepted;
  await attacker.secured;
  return {
    victim, log, attacker, net,
    stop: async () => {
      victim.destroy();
      await net.closeAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('image transfer in chunks, against a hostile member', function () {
  this.timeout(15_000);
  before(() => cryptoReady());
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  const announce = (attacker: SecureClient, bytes: Uint8Array, item = 'image-0001'): string => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    attacker.send(attacker.stamp({ type: 'image', op: 'add', item, clock: 1, x: 0, y: 0, width: 10, height: 10, mime: 'image/png', bytes: bytes.length, sha256 }));
    return sha256;
  };

  it('closes with ERR_FRAME_TYPE on a chunk when no image was announced', async () => {
    const c = await hostileCase();
    stop = c.stop;
    const closed = closedWith(c.victim);
    c.attacker.sendChunk('0'.repeat(64), 0, Buffer.alloc(100));
    assert.equal((await closed)?.code, 'ERR_FRAME_TYPE');
  });

  it('closes with ERR_UNEXPECTED_BINARY on a chunk of an image other than the one announced', async () => {
    const c = await hostileCase();
    stop = c.stop;
    announce(c.attacker, Buffer.alloc(1000, 1));
    await c.attacker.next('blob');
    const closed = closedWith(c.victim);
    c.attacker.sendChunk('1'.repeat(64), 0, Buffer.alloc(100));
    assert.equal((await closed)?.code, 'ERR_UNEXPECTED_BINARY');
  });

  it('closes with ERR_FRAME_TOO_LARGE on a chunk beyond the announced size, before buffering it', async () => {
    const c = await hostileCase();
    stop = c.stop;
    const bytes = Buffer.alloc(100, 1);
    const sha256 = announce(c.attacker, bytes);
    const want = await c.attacker.next('blob');
    assert.deepEqual([want.op, want.sha256, want.at], ['want', sha256, 0]);
    c.attacker.sendChunk(sha256, 0, bytes.subarray(0, 60));
    await c.attacker.next('blob');
    const closed = closedWith(c.victim);
    c.attacker.sendChunk(sha256, 60, Buffer.alloc(60, 1));
    assert.equal((await closed)?.code, 'ERR_FRAME_TOO_LARGE');
  });

  it('closes with ERR_UNEXPECTED_BINARY on a chunk out of order', async () => {
    const c = await hostileCase();
    stop = c.stop;
    const bytes = Buffer.alloc(1000, 1);
    const sha256 = announce(c.attacker, bytes);
    await c.attacker.next('blob');
    const closed = closedWith(c.victim);
    c.attacker.sendChunk(sha256, 500, bytes.subarray(500));
    assert.equal((await closed)?.code, 'ERR_UNEXPECTED_BINARY');
  });

  it('closes with ERR_UNEXPECTED_BINARY when the bytes do not match the announced SHA-256, and delivers nothing', async () => {
    const c = await hostileCase();
    stop = c.stop;
    const got = record(c.victim);
    const sha256 = announce(c.attacker, Buffer.alloc(1000, 1));
    await c.attacker.next('blob');
    const closed = closedWith(c.victim);
    c.attacker.sendChunk(sha256, 0, Buffer.alloc(1000, 2));
    assert.equal((await closed)?.code, 'ERR_UNEXPECTED_BINARY');
    assert.equal(got.length, 0);
  });

  it('closes with ERR_LIMIT when thousands of images are announced and never finished, asking for only a bounded number', async () => {
    const c = await hostileCase();
    stop = c.stop;
    const closed = closedWith(c.victim);
    const wants = (): number => c.attacker.received.filter((m) => m.type === 'blob' && m.op === 'want').length;
    const image = (i: number): void => void announce(c.attacker, Buffer.from(`image ${i}`), `image-${String(i).padStart(6, '0')}`);
    for (let i = 0; i < MAX_OPEN_TRANSFERS + 10; i++) image(i);
    await waitUntil(() => wants() === MAX_OPEN_TRANSFERS, 'the first transfers to be asked for');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(wants(), MAX_OPEN_TRANSFERS, 'the others wait their turn');
    for (let i = MAX_OPEN_TRANSFERS + 10; i < MAX_OPEN_TRANSFERS + MAX_QUEUED_IMAGES + 10; i++) image(i);
    assert.equal((await closed)?.code, 'ERR_LIMIT');
  });

  it('keeps other traffic flowing while a chunk stream stalls, then drops it with ERR_TRANSFER_TIMEOUT', async () => {
    const c = await hostileCase({ transferIdleMs: 600 });
    stop = c.stop;
    const got = record(c.victim);
    const bytes = Buffer.alloc(10_000, 1);
    const sha256 = announce(c.attacker, bytes);
    await c.attacker.next('blob');
    c.attacker.sendChunk(sha256, 0, bytes.subarray(0, 5000));
    const closed = closedWith(c.victim);
    c.attacker.send(c.attacker.stamp({ type: 'chat', text: 'still here' }));
    await waitUntil(() => got.some((g) => g.message.type === 'chat'), 'the chat behind the stalled image');
    assert.equal((await closed)?.code, 'ERR_TRANSFER_TIMEOUT');
    assert.ok(!got.some((g) => g.message.type === 'image'));
  });

  it('closes with ERR_FRAME_TYPE on a chunk after its transfer completed', async () => {
    const c = await hostileCase();
    stop = c.stop;
    const got = record(c.victim);
    const bytes = Buffer.alloc(1000, 1);
    const sha256 = announce(c.attacker, bytes);
    await c.attacker.next('blob');
    c.attacker.sendChunk(sha256, 0, bytes);
    await waitUntil(() => got.length === 1, 'the image');
    const closed = closedWith(c.victim);
    c.attacker.sendChunk(sha256, 1000, Buffer.alloc(10));
    assert.equal((await closed)?.code, 'ERR_FRAME_TYPE');
  });
});
