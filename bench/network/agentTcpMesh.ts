/**
 * Reference (a): a bare TCP mesh with minimal framing, the machine's limit. Every agent is a
 * `net` server; every pair of agents keeps one persistent connection. A frame is a 4-byte
 * big-endian length and the raw UTF-8 payload, written with one `write()` on a `setNoDelay`
 * socket. A newcomer dials every agent already there and exchanges a one-frame hello with each
 * (like Team Notes' hello), so that both sides know who is on the connection.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { runAgent } from './agentHost';
import type { AgentHooks, AgentSystem } from './agentHost';
import type { JoinArgs } from './ipc';

function frame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** Calls `onFrame` with each complete frame's text; the first frame on a connection is the hello. */
function readFrames(socket: Socket, onFrame: (text: string) => void): void {
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    let buffer = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    while (buffer.length >= 4) {
      const length = buffer.readUInt32BE(0);
      if (buffer.length < 4 + length) break;
      onFrame(buffer.toString('utf8', 4, 4 + length));
      buffer = buffer.subarray(4 + length);
    }
    pending = buffer.length > 0 ? buffer : undefined;
  });
}

class TcpMeshAgent implements AgentSystem {
  private server: Server | undefined;
  private readonly peers = new Map<number, Socket>();
  private closing = false;

  constructor(private readonly hooks: AgentHooks) {}

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      this.server = server;
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0, backlog: 511 }, () => resolve((server.address() as AddressInfo).port));
    });
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    let peer: number | undefined;
    socket.on('error', (err) => this.hooks.error(err.message));
    readFrames(socket, (text) => {
      if (peer !== undefined) return this.hooks.deliver(text);
      peer = Number(text.slice(2));
      this.adopt(peer, socket);
      socket.write(frame(`H|${this.hooks.index}`));
    });
  }

  private adopt(peer: number, socket: Socket): void {
    this.peers.set(peer, socket);
    socket.on('close', () => {
      if (this.peers.get(peer) !== socket) return;
      this.peers.delete(peer);
      if (!this.closing) this.hooks.linkLost(`agent ${peer} closed`);
    });
  }

  private dial(peer: number, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      let greeted = false;
      socket.once('error', (err) => (greeted ? this.hooks.error(err.message) : reject(err)));
      socket.once('connect', () => socket.write(frame(`H|${this.hooks.index}`)));
      readFrames(socket, (text) => {
        if (greeted) return this.hooks.deliver(text);
        greeted = true;
        this.adopt(peer, socket);
        resolve();
      });
    });
  }

  async join(args: JoinArgs): Promise<void> {
    if (args.system !== 'tcpMesh') throw new Error(`TCP mesh agent cannot join ${args.system}`);
    await Promise.all(args.members.map((m) => this.dial(m.index, m.port)));
  }

  broadcast(text: string): void {
    const bytes = frame(text);
    for (const socket of this.peers.values()) socket.write(bytes);
  }

  links(): number {
    return this.peers.size;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const socket of this.peers.values()) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

runAgent((hooks) => new TcpMeshAgent(hooks));
