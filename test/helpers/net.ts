/** Test helpers: real repositories, peers and raw sockets on 127.0.0.1, all torn down after each test. */
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { toNetError } from '../../src/net/errors';
import type { NetError } from '../../src/net/errors';
import { encodeFrame, FrameDecoder, FrameType } from '../../src/net/framing';
import { HandshakeInitiator, MAX_HANDSHAKE_FRAME_BYTES } from '../../src/net/handshake';
import { encodeChunk } from '../../src/net/imageIncoming';
import { EnvelopeStamper } from '../../src/net/ids';
import { MemberKey } from '../../src/net/memberKey';
import { SecureChannel } from '../../src/net/secureChannel';
import { isSignedType, signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import type { Logger } from '../../src/net/logger';
import type { Message, MessageBody } from '../../src/net/messages';
import { PeerNode } from '../../src/net/peerNode';
import type { PeerNodeOptions } from '../../src/net/peerNode';
import { RepositoryServer } from '../../src/net/repositoryServer';
import type { RepositoryServerOptions } from '../../src/net/repositoryServer';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';

/** A logger that records lines, so tests can assert that an error was logged with its code. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  trace(m: string): void {
    this.lines.push(`trace: ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`);
  }
  info(m: string): void {
    this.lines.push(`info: ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn: ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
  has(text: string): boolean {
    return this.lines.some((l) => l.includes(text));
  }
  async waitFor(text: string, timeoutMs = 5000): Promise<void> {
    const start = Date.now();
    while (!this.has(text)) {
      if (Date.now() - start > timeoutMs) throw new Error(`Log never contained "${text}":\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Owns everything a test starts and closes it all in `closeAll()` (call it in afterEach). */
export class TestNetwork {
  private readonly closers: (() => Promise<unknown> | void)[] = [];

  async repository(options: RepositoryServerOptions = {}): Promise<{ server: RepositoryServer; port: number; logger: RecordingLogger }> {
    const logger = new RecordingLogger();
    const server = new RepositoryServer({ logger, ...options });
    this.closers.push(() => server.close());
    const { port } = await server.listen(0, '127.0.0.1');
    return { server, port, logger };
  }

  /** A peer listening on 127.0.0.1, not yet joined. */
  peer(name: string, repositoryPort: number, options: Partial<PeerNodeOptions> = {}): PeerNode & { log: RecordingLogger } {
    const log = new RecordingLogger();
    const node = new PeerNode({
      name,
      group: 'team',
      repository: { host: '127.0.0.1', port: repositoryPort },
      listen: { host: '127.0.0.1', port: 0 },
      logger: log,
      ...options,
    });
    this.closers.push(() => node.close());
    return Object.assign(node, { log });
  }

  /** Several joined peers, joined one after another; resolves when each is connected to all the others. */
  async joinedPeers(names: string[], repositoryPort: number, options: Partial<PeerNodeOptions> = {}): Promise<(PeerNode & { log: RecordingLogger })[]> {
    const peers: (PeerNode & { log: RecordingLogger })[] = [];
    for (const name of names) {
      const node = this.peer(name, repositoryPort, options);
      await node.join();
      peers.push(node);
    }
    await waitUntil(() => peers.every((p) => p.members().length === peers.length - 1), 'every peer connected to every other');
    return peers;
  }

  /** A raw TCP socket to a port, for speaking the wire protocol by hand (or not speaking it). */
  async raw(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const client = new RawClient(socket);
    this.closers.push(() => {
      socket.destroy();
    });
    return client;
  }

  /**
   * A client that completes the real handshake (with its own key, or any key it is given) and then
   * sends whatever the test wants through the sealed channel: a member gone bad, an impostor.
   * Rejects with the handshake's error when the other side refuses it.
   */
  async secure(port: number, options: SecureClientOptions = {}): Promise<SecureClient> {
    await cryptoReady();
    const socket = connect({ host: '127.0.0.1', port, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    this.closers.push(() => {
      socket.destroy();
    });
    await once(socket, 'connect');
    const client = new SecureClient(socket, options);
    await client.secured;
    return client;
  }

  async closeAll(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const close of closers) await close();
  }
}

/** A socket that writes whatever the test wants and decodes what comes back. */
export class RawClient {
  readonly received: Message[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  readonly whenClosed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      try {
        for (const frame of this.decoder.push(chunk)) {
          if (frame.type === FrameType.Xml) this.received.push(decodeMessage(frame.payload));
        }
      } catch {
        // Tests look at `received`; undecodable answers are not what they assert on.
      }
    });
    socket.on('error', () => {});
    this.whenClosed = new Promise((resolve) => socket.once('close', () => ((this.closed = true), resolve())));
  }

  send(message: Message): void {
    this.socket.write(encodeFrame(FrameType.Xml, encodeMessage(message)));
  }

  sendXml(xml: string): void {
    this.socket.write(encodeFrame(FrameType.Xml, Buffer.from(xml)));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async next<T extends Message['type']>(type: T, timeoutMs = 5000): Promise<Extract<Message, { type: T }>> {
    let found: Message | undefined;
    await waitUntil(() => (found = this.received.find((m) => m.type === type)) !== undefined, `a ${type} message`, timeoutMs);
    this.received.splice(this.received.indexOf(found!), 1);
    return found as Extract<Message, { type: T }>;
  }
}

export interface SecureClientOptions {
  key?: MemberKey;
  group?: string;
  password?: string;
  /** The peer id the client expects to reach (a member); undefined for the repository. */
  expectedPeer?: string;
  /** Protocol versions the client offers. */
  versions?: number[];
  /** The loopback address to connect from (127.0.0.1 unless given): many clients, several addresses. */
  localAddress?: string;
}

/** The sealed side of {@link TestNetwork.secure}. */
export class SecureClient {
  readonly key: MemberKey;
  readonly stamper: EnvelopeStamper;
  readonly received: Message[] = [];
  /** The plaintext of every sealed binary frame (image chunks) received, in order. */
  readonly binaries: Buffer[] = [];
  /** Called with every message received, after it is added to `received` (a relay played by hand). */
  onMessage: ((message: Message) => void) | undefined;
  closed = false;
  readonly whenClosed: Promise<void>;
  readonly secured: Promise<void>;
  private channel: SecureChannel | undefined;
  private readonly decoder = new FrameDecoder({ [FrameType.Handshake]: MAX_HANDSHAKE_FRAME_BYTES, [FrameType.SealedXml]: 1 << 20, [FrameType.SealedBinary]: 16 << 20 });

  constructor(
    readonly socket: Socket,
    options: SecureClientOptions,
  ) {
    this.key = options.key ?? MemberKey.generate();
    const group = options.group ?? 'team';
    this.stamper = new EnvelopeStamper(this.key.id, group);
    const handshake = new HandshakeInitiator({ key: this.key, group, password: options.password, expectedPeer: options.expectedPeer, versions: options.versions });
    let settle!: { resolve: () => void; reject: (e: NetError) => void };
    this.secured = new Promise((resolve, reject) => (settle = { resolve, reject }));
    this.secured.catch(() => {});
    socket.on('error', () => {});
    this.whenClosed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        settle.reject(toNetError(new Error('closed during the handshake'), 'ERR_CLOSED'));
        resolve();
      }),
    );
    socket.on('data', (chunk) => {
      try {
        this.decoder.pushEach(chunk, (frame) => {
          if (frame.type === FrameType.Handshake) {
            const step = handshake.receive(frame.payload);
            if (step.send !== undefined) socket.write(encodeFrame(FrameType.Handshake, step.send));
            if (step.done !== undefined) {
              this.channel = new SecureChannel(step.done);
              settle.resolve();
            }
            return;
          }
          const plain = this.channel!.open(frame.type as typeof FrameType.SealedXml, frame.payload);
          if (frame.type === FrameType.SealedXml) {
            const message = decodeMessage(plain);
            this.received.push(message);
            this.onMessage?.(message);
          } else {
            this.binaries.push(Buffer.from(plain));
          }
        });
      } catch (err) {
        settle.reject(toNetError(err));
        // Tests look at `received` and at how the handshake ended; undecodable answers are not what they assert on.
      }
    });
    socket.write(encodeFrame(FrameType.Handshake, handshake.start()));
  }

  /** A message with this client's envelope, signed when its type is signed. */
  stamp<B extends MessageBody>(body: B): B & Message {
    const message = this.stamper.stamp(body);
    return isSignedType(message) ? signMessage(message, this.key) : message;
  }

  send(message: Message): void {
    this.sendPlain(FrameType.Xml, encodeMessage(message));
  }

  sendXml(xml: string | Uint8Array): void {
    this.sendPlain(FrameType.Xml, typeof xml === 'string' ? Buffer.from(xml) : xml);
  }

  /** Sends one chunk of an image's bytes (see imageIncoming.ts), whatever was announced or asked for. */
  sendChunk(sha256: string, offset: number, data: Uint8Array): void {
    this.sendPlain(FrameType.Binary, encodeChunk(sha256, offset, data));
  }

  sendPlain(type: typeof FrameType.Xml | typeof FrameType.Binary, payload: Uint8Array): void {
    this.socket.write(this.channel!.seal(type, payload));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The sealed frame of a message, not sent: for tests that replay or alter records. */
  sealForTest(message: Message): Buffer {
    return this.channel!.seal(FrameType.Xml, encodeMessage(message));
  }

  async next<T extends Message['type']>(type: T, timeoutMs = 5000): Promise<Extract<Message, { type: T }>> {
    let found: Message | undefined;
    await waitUntil(() => (found = this.received.find((m) => m.type === type)) !== undefined, `a ${type} message`, timeoutMs);
    this.received.splice(this.received.indexOf(found!), 1);
    return found as Extract<Message, { type: T }>;
  }
}

/** Polls `condition` every 5 ms; rejects after `timeoutMs` naming what it waited for. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves with the arguments of the next `event` for which `predicate` holds. */
export function nextEvent<A extends unknown[]>(emitter: EventEmitter, event: string, predicate: (...args: A) => boolean = () => true, timeoutMs = 5000): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    const listener = (...args: unknown[]): void => {
      if (!predicate(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    emitter.on(event, listener);
  });
}
