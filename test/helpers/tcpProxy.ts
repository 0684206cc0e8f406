/**
 * A TCP proxy for fault tests: listens on 127.0.0.1 and forwards every connection to a target,
 * byte for byte, until told to misbehave.
 *
 * - `stall()` stops reading from both sides of every connection (and of new ones): the bytes wait
 *   in the kernel's buffers, the senders' writes back up, nothing is lost or closed.
 * - `drop()` destroys every forwarded connection and refuses (accepts and at once destroys) new ones.
 * - `resume()` ends a stall or a drop; connections stalled meanwhile flow again.
 * - `close()` drops everything and stops listening.
 *
 * The target may be set after the proxy listens (a member that must advertise the proxy's port
 * before its own listening port is known): connections that arrive before are held, unread, until
 * `setTarget`.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  /** Connections accepted and forwarded. */
  forwarded = 0;
  /** Connections refused while dropped. */
  refused = 0;
  private target: { host: string; port: number } | undefined;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private readonly waiting = new Set<Socket>();
  private stalled = false;
  private dropped = false;
  private closed = false;

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening (port 0: any free port); resolves with the port. */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.port);
      });
    });
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** Connections currently forwarded. */
  get open(): number {
    return this.pairs.size;
  }

  /** Where to forward to; connections held until now are forwarded. */
  setTarget(port: number, host = '127.0.0.1'): void {
    this.target = { host, port };
    for (const socket of [...this.waiting]) {
      this.waiting.delete(socket);
      if (!socket.destroyed) this.forward(socket);
    }
  }

  stall(): void {
    this.stalled = true;
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  drop(): void {
    this.dropped = true;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    for (const socket of this.waiting) socket.destroy();
    this.waiting.clear();
  }

  resume(): void {
    this.stalled = false;
    this.dropped = false;
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.drop();
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    if (this.dropped || this.closed) {
      this.refused += 1;
      socket.destroy();
      return;
    }
    if (this.target === undefined) {
      socket.pause();
      this.waiting.add(socket);
      socket.once('close', () => this.waiting.delete(socket));
      return;
    }
    this.forward(socket);
  }

  private forward(client: Socket): void {
    const target = this.target!;
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => {});
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    this.forwarded += 1;
    const pipe = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (!this.stalled) from.resume();
      });
      from.on('end', () => to.end());
      from.on('close', () => {
        to.destroy();
        this.pairs.delete(pair);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    if (this.stalled) {
      client.pause();
      upstream.pause();
    } else {
      client.resume();
    }
  }
}
