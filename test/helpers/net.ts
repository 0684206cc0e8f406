/** Test helpers: real repositories, peers and raw sockets on 127.0.0.1, all torn down after each test. */
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { encodeFrame, FrameDecoder, FrameType } from '../../src/net/framing';
import type { Logger } from '../../src/net/logger';
import type { Message } from '../../src/net/messages';
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
