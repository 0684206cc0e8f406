/**
 * Real connections for image-flow tests: a listener on 127.0.0.1 (port 0) whose accepted sockets
 * become responder Connections, and initiator Connections dialed to it, each with its own key.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Connection } from '../../src/net/connection';
import type { ConnectionOptions } from '../../src/net/connection';
import { HandshakeInitiator, HandshakeResponder } from '../../src/net/handshake';
import { EnvelopeStamper } from '../../src/net/ids';
import { MemberKey } from '../../src/net/memberKey';
import { RecordingLogger } from './net';

export type ExtraOptions = Partial<Omit<ConnectionOptions, 'handshake' | 'logger'>>;

/** One side of a link: its key, its connection, its log. */
export interface Side {
  key: MemberKey;
  connection: Connection;
  log: RecordingLogger;
}

export class ConnectionLab {
  private readonly servers: Server[] = [];
  private readonly sockets: Socket[] = [];
  private readonly connections: Connection[] = [];

  /** A listener whose next accepted socket becomes a responder Connection with `key`; admitted once secure. */
  async listen(key: MemberKey, options: ExtraOptions = {}): Promise<{ port: number; accepted: Promise<Side> }> {
    let settle!: (side: Side) => void;
    const accepted = new Promise<Side>((resolve) => (settle = resolve));
    const server = createServer((socket) => {
      this.sockets.push(socket);
      settle(this.wrap(socket, key, new HandshakeResponder({ key, admit: () => undefined }), options));
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, accepted };
  }

  /** An initiator Connection with `key` to the listener at `port`, admitted once secure. */
  dial(port: number, key: MemberKey, peer: MemberKey, options: ExtraOptions = {}): Side {
    const socket = connect(port, '127.0.0.1');
    this.sockets.push(socket);
    return this.wrap(socket, key, new HandshakeInitiator({ key, group: 'team', expectedPeer: peer.id }), options);
  }

  /** A secured link between two new Connections: `a` dialed `b`. */
  async pair(options: { a?: ExtraOptions; b?: ExtraOptions; aKey?: MemberKey; bKey?: MemberKey } = {}): Promise<{ a: Side; b: Side }> {
    const aKey = options.aKey ?? MemberKey.generate();
    const bKey = options.bKey ?? MemberKey.generate();
    const { port, accepted } = await this.listen(bKey, options.b);
    const a = this.dial(port, aKey, bKey, options.a);
    const b = await accepted;
    await Promise.all([secured(a.connection), secured(b.connection)]);
    return { a, b };
  }

  async closeAll(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.servers.length = 0;
    this.sockets.length = 0;
    this.connections.length = 0;
  }

  private wrap(socket: Socket, key: MemberKey, handshake: HandshakeInitiator | HandshakeResponder, options: ExtraOptions): Side {
    const log = new RecordingLogger();
    const stamper = new EnvelopeStamper(key.id, 'team');
    const connection = new Connection(socket, { logger: log, handshake, stamp: (body) => stamper.stamp(body), ...options });
    connection.once('secure', () => connection.admitFullFrames());
    this.connections.push(connection);
    return { key, connection, log };
  }
}

/** Resolves once the connection's handshake has succeeded. */
export function secured(connection: Connection): Promise<void> {
  if (connection.peer !== undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    connection.once('secure', () => resolve());
    connection.once('close', (error) => reject(error ?? new Error('closed before the handshake ended')));
  });
}
