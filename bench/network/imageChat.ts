/**
 * Does an image hold up chat? One member sends a 4 MiB image to 10 members over links limited to
 * 10 Mbit/s each (a throttling proxy per link, in this process), and while it travels sends 20
 * chat messages; each chat's time from send to arrival, at every member, is compared with the same
 * chats sent over the same links with no image in flight (the reference, measured in this run).
 * Before image chunks, a chat queued behind an image waited for the whole image: 4 MiB at
 * 10 Mbit/s is 3.36 s, computed, since that code is gone.
 *
 *   npm run bench:images
 *   node --import tsx bench/network/imageChat.ts [--save] [--members 10] [--mbit 10]
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { Connection } from '../../src/net/connection';
import { HandshakeInitiator, HandshakeResponder } from '../../src/net/handshake';
import { EnvelopeStamper } from '../../src/net/ids';
import { IMAGE_PACING_CHUNK_BYTES, IMAGE_QUEUE_TARGET_MS, IMAGE_WINDOW_MAX_BYTES, IMAGE_WINDOW_START_BYTES } from '../../src/net/limits';
import { silentLogger } from '../../src/net/logger';
import { MemberKey } from '../../src/net/memberKey';
import type { Message } from '../../src/net/messages';
import { signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import { saveBenchmarkSection } from '../saveSection';
import { max, median, percentile, round } from './stats';
import { throttleProxy } from './throttleProxy';
import type { ThrottleProxy } from './throttleProxy';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MEMBERS = option('members', 10);
const MBIT = option('mbit', 10);
const IMAGE_BYTES = 4 * 1024 * 1024;
const CHATS = 20;
const CHAT_GAP_MS = 100;

interface Link {
  sender: Connection;
  receiver: Connection;
  proxy: ThrottleProxy;
  server: Server;
  /** Arrival time of each chat by id, and of the image. */
  arrivals: Map<string, number>;
  imageAt?: number;
}

function admitted(connection: Connection): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.once('secure', () => {
      connection.admitFullFrames();
      resolve();
    });
    connection.once('close', (error) => reject(error ?? new Error('closed')));
  });
}

async function openLink(senderKey: MemberKey): Promise<Link> {
  const key = MemberKey.generate();
  const stamper = new EnvelopeStamper(key.id, 'bench');
  let receiver!: Connection;
  const server = createServer();
  const accepted = new Promise<void>((resolve) => {
    server.once('connection', (socket) => {
      receiver = new Connection(socket, { logger: silentLogger, handshake: new HandshakeResponder({ key, admit: () => undefined }), stamp: (body) => stamper.stamp(body) });
      resolve(admitted(receiver));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = await throttleProxy((server.address() as AddressInfo).port, MBIT * 1_000_000);
  const senderStamper = new EnvelopeStamper(senderKey.id, 'bench');
  const sender = new Connection(connect(proxy.port, '127.0.0.1'), {
    logger: silentLogger,
    handshake: new HandshakeInitiator({ key: senderKey, group: 'bench', expectedPeer: key.id }),
    stamp: (body) => senderStamper.stamp(body),
  });
  await Promise.all([admitted(sender), accepted]);
  const link: Link = { sender, receiver, proxy, server, arrivals: new Map() };
  receiver.on('message', (message) => {
    if (message.type === 'chat') link.arrivals.set(message.id, performance.now());
    if (message.type === 'image') link.imageAt = performance.now();
  });
  return link;
}

/** Sends `CHATS` chats to every link, one every `CHAT_GAP_MS`; returns each chat's latency at each member, in ms. */
async function chatLatencies(links: Link[], stamper: EnvelopeStamper, key: MemberKey): Promise<number[]> {
  const sent: { id: string; at: number }[] = [];
  for (let i = 0; i < CHATS; i++) {
    const message: Message = signMessage(stamper.stampNumbered({ type: 'chat', text: `chat ${i} while the board changes` }, stamper.lastSeq + 1), key);
    const at = performance.now();
    for (const link of links) link.sender.send(message);
    sent.push({ id: message.id, at });
    await new Promise((r) => setTimeout(r, CHAT_GAP_MS));
  }
  const deadline = performance.now() + 30_000;
  while (links.some((l) => sent.some((s) => !l.arrivals.has(s.id))) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return links.flatMap((l) => sent.map((s) => (l.arrivals.get(s.id) ?? Number.POSITIVE_INFINITY) - s.at));
}

const figures = (xs: number[]): { p50: number; p99: number; max: number } => ({ p50: round(median(xs)), p99: round(percentile(xs, 99)), max: round(max(xs)) });

async function main(): Promise<void> {
  await cryptoReady();
  const key = MemberKey.generate();
  const stamper = new EnvelopeStamper(key.id, 'bench');
  const links = await Promise.all(Array.from({ length: MEMBERS }, () => openLink(key)));
  // Warm the codec and the links with a few chats first: the reference must not pay for a cold start.
  await chatLatencies(links.slice(0, 1), stamper, key);

  const reference = await chatLatencies(links, stamper, key);

  const image = randomBytes(IMAGE_BYTES);
  const imageMessage = signMessage(
    stamper.stampNumbered({ type: 'image', op: 'add', item: 'bench-image', clock: 1, x: 0, y: 0, width: 640, height: 480, mime: 'image/png', bytes: image.length, sha256: createHash('sha256').update(image).digest('hex') }, stamper.lastSeq + 1),
    key,
  );
  const imageSentAt = performance.now();
  for (const link of links) link.sender.send(imageMessage, image);
  await new Promise((r) => setTimeout(r, 200)); // the chunks are flowing on every link
  const withImage = await chatLatencies(links, stamper, key);
  const imageDeadline = performance.now() + 120_000;
  while (links.some((l) => l.imageAt === undefined) && performance.now() < imageDeadline) await new Promise((r) => setTimeout(r, 20));
  const imageTimes = links.map((l) => (l.imageAt ?? Number.POSITIVE_INFINITY) - imageSentAt);
  const chatsBeforeImage = links.every((l) => l.imageAt !== undefined && [...l.arrivals.values()].every((t) => t < l.imageAt! || t < imageSentAt));

  const idealImageMs = (IMAGE_BYTES * 8 * 1000) / (MBIT * 1_000_000);
  const ref = figures(reference);
  const img = figures(withImage);
  const imgDone = figures(imageTimes);
  const lines = [
    `Chat latency while a 4 MiB image goes to ${MEMBERS} members, each link limited to ${MBIT} Mbit/s per direction by a token-bucket proxy on 127.0.0.1; ${CHATS} chats ${CHAT_GAP_MS} ms apart, to every member (${CHATS * MEMBERS} arrivals per row). Chunks of ${IMAGE_PACING_CHUNK_BYTES / 1024} KiB; the window of unacknowledged chunk bytes follows the link (aiming at ${IMAGE_QUEUE_TARGET_MS} ms of queue, from ${IMAGE_WINDOW_START_BYTES / 1024} KiB, between one chunk and ${IMAGE_WINDOW_MAX_BYTES / 1024 / 1024} MiB). Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:images\`.`,
    '',
    '| Chat send to arrival | p50 ms | p99 ms | max ms | p50 vs reference |',
    '|---|---|---|---|---|',
    `| no image in flight (reference) | ${ref.p50} | ${ref.p99} | ${ref.max} | 1.00 |`,
    `| 4 MiB image in flight, in chunks | ${img.p50} | ${img.p99} | ${img.max} | ${round(img.p50 / ref.p50)} |`,
    `| whole image in one frame, before chunks (computed: waits behind the image) | ${round(idealImageMs / 2)} on average | | ${round(idealImageMs)} | |`,
    '',
    `The image itself reached the members in p50 ${imgDone.p50} ms, max ${imgDone.max} ms, against ${round(idealImageMs)} ms for 4 MiB at the link's full rate (${round(idealImageMs / imgDone.p50)} of the link used); every chat arrived before the image${chatsBeforeImage ? '' : ' (not in this run: see the figures)'}.`,
  ];
  const text = lines.join('\n');
  console.log(text);
  if (args.includes('--save')) saveBenchmarkSection('images', text);
  for (const link of links) {
    link.sender.destroy();
    link.receiver.destroy();
    await link.proxy.close();
    await new Promise<void>((resolve) => link.server.close(() => resolve()));
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
