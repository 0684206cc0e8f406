/**
 * The connections of a member before they are links: dialing a listed member, accepting on the
 * listener (address limits, bans, handshake), waiting for the first message and handing the
 * connection on, as a member link after `hello` or to the repository stand-in for a `register`.
 * Also every connection's end: the liveness sweep and the close on leaving.
 *
 * `peerNode.ts` owns the links and what travels over them; this owns how a socket becomes one.
 */
import type { Socket } from 'node:net';
import { Connection, encodeOutgoing, errorNoticeBody, plainAddress } from './connection';
import type { ConnectionSocket, EncodedMessage } from './connection';
import { NetError, toNetError } from './errors';
import { acceptGuarded } from './guardedAccept';
import { HandshakeInitiator, HandshakeResponder } from './handshake';
import type { HandshakeDriver } from './handshake';
import type { EnvelopeStamper } from './ids';
import type { Logger } from './logger';
import type { HelloMessage, MemberInfo, Message, RegisterMessage } from './messages';
import type { MemberKey } from './memberKey';
import type { PartialImages } from './partialImages';
import { AddressGuard } from './rateLimit';
import type { BanList } from './banList';
import type { PeerNodeOptions, PeerNodeTiming } from './peerNodeTypes';
import { dial, formatAddress } from './tcp';

/**
 * Dials of one join (or one relisting) in flight at once. Enough that the handshakes of a large
 * group overlap with the members' answers; few enough that a classroom does not open a hundred
 * sockets and a hundred handshake states in the same instant.
 */
export const MAX_CONCURRENT_DIALS = 32;

/** A `hello` stamped and encoded once for several members. */
interface EncodedHello {
  message: Message;
  frames: EncodedMessage;
}

export interface MemberConnectionsContext {
  id: string;
  key: MemberKey;
  group: string;
  name: string;
  options: PeerNodeOptions;
  timing: PeerNodeTiming;
  logger: Logger;
  stamper: EnvelopeStamper;
  bans: BanList;
  /** Bytes of images cut off mid-transfer, kept for a resume on the next link. */
  partialImages: PartialImages;
  /** The bytes of an image the node holds, by SHA-256. */
  imageBytes(sha256: string): Uint8Array | undefined;
  advertisedPort(): number;
  /** True once the node has closed: late sockets are dropped. */
  closed(): boolean;
  linked(memberId: string): boolean;
  /** The host the repository lists for a member, if it does. */
  listedHost(memberId: string): string | undefined;
  /**
   * A member proved its key and said `hello`: make it a link. `dialer` is the peer id of the side
   * that dialed; `via` the relaying member's, for a link through a tunnel.
   */
  linkUp(hello: HelloMessage, connection: Connection, dialer: string, host: string, via?: string): void;
  /** A direct dial of a member failed before the connection opened (refused, unreachable, no answer). */
  unreachable(info: MemberInfo): void;
  /** A repository client (proven without the group password) registered here while this member stands in. */
  serveClient(connection: Connection, register: RegisterMessage): void;
  connectionError(error: NetError): void;
  /** Dialing or meeting a listed member failed (the doctor keeps the last failure per member). */
  dialFailed?(info: MemberInfo, error: NetError): void;
}

export class MemberConnections {
  private readonly connections = new Set<Connection>();
  private readonly guard: AddressGuard;

  constructor(private readonly ctx: MemberConnectionsContext) {
    this.guard = new AddressGuard(ctx.options.addressLimits);
  }

  /** A connection of this node, tracked until it closes (liveness and shutdown see it). */
  open(socket: ConnectionSocket, label: string, handshake: HandshakeDriver): Connection {
    const connection = new Connection(socket, {
      ...this.ctx.options.connection,
      logger: this.ctx.logger,
      handshakeDeadlineMs: this.ctx.timing.handshakeDeadlineMs,
      handshake,
      label,
      errorNotice: (error) => this.ctx.stamper.stamp(errorNoticeBody(error)),
      stamp: (body) => this.ctx.stamper.stamp(body),
      partialImages: this.ctx.partialImages,
      imageBytes: (sha256) => this.ctx.imageBytes(sha256),
    });
    this.connections.add(connection);
    connection.once('close', () => this.connections.delete(connection));
    return connection;
  }

  /**
   * Dials members, at most {@link MAX_CONCURRENT_DIALS} at a time, and exchanges `hello` with
   * each. One `hello`, encoded once, goes to all of them (it says the same to everyone). Never
   * rejects: failures are reported as `connectionError`.
   */
  async dialMembers(members: readonly MemberInfo[]): Promise<void> {
    if (members.length === 0) return;
    const hello = this.hello();
    const frames = encodeOutgoing(hello);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < members.length) await this.dialMember(members[next++]!, { message: hello, frames });
    };
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_DIALS, members.length) }, worker));
  }

  /** Dials a member and exchanges `hello`. Never rejects: failures are reported as `connectionError`. */
  async dialMember(info: MemberInfo, hello?: EncodedHello): Promise<void> {
    const { ctx } = this;
    if (ctx.linked(info.id) || ctx.bans.hasPeer(info.id) || ctx.bans.hasAddress(info.host)) return;
    let socket: Socket;
    try {
      socket = await (ctx.options.dial ?? dial)(info, { timeoutMs: ctx.timing.connectTimeoutMs, ...(ctx.options.localAddress === undefined ? {} : { localAddress: ctx.options.localAddress }) });
    } catch (err) {
      this.dialFailed(info, err, '');
      ctx.unreachable(info);
      return;
    }
    await this.meet(info, socket, undefined, hello);
  }

  /**
   * Meets a member over a tunnel through the member `via` (`relay.ts`): the same handshake and
   * `hello` as a direct dial. Resolves true once linked; never rejects.
   */
  dialOver(info: MemberInfo, socket: ConnectionSocket, via: string): Promise<boolean> {
    return this.meet(info, socket, via);
  }

  /** A member opened a tunnel to this one through `via`: the same handshake as on the listener, for that member only. */
  acceptTunnel(socket: ConnectionSocket, peer: string, via: string): void {
    if (this.ctx.closed() || this.ctx.bans.hasPeer(peer)) {
      socket.destroy();
      return;
    }
    this.startIncoming(socket, { peer, via });
  }

  private async meet(info: MemberInfo, socket: ConnectionSocket, via?: string, hello?: EncodedHello): Promise<boolean> {
    const { ctx } = this;
    const where = via === undefined ? `at ${formatAddress(info)}` : `through ${via}`;
    try {
      if (ctx.closed()) {
        socket.destroy();
        return false;
      }
      // The handshake refuses anyone at that address who cannot prove info.id's key and the password.
      const handshake = new HandshakeInitiator({ key: ctx.key, group: ctx.group, password: ctx.options.password, expectedPeer: info.id });
      const connection = this.open(socket, `member ${info.name} (${info.id}) ${where}`, handshake);
      const linked = this.awaitFirst(connection, (hello) => {
        if (hello.type !== 'hello') throw new NetError('ERR_PROTOCOL', `Expected hello, got ${hello.type}`);
        if (hello.from !== info.id) throw new NetError('ERR_PROTOCOL', `Expected hello from ${info.id}, got one from ${hello.from}`);
        ctx.linkUp(hello, connection, ctx.id, info.host, via);
      });
      // Queued behind the handshake's last flight, so the member reads it in the same round trip.
      if (hello === undefined) connection.send(this.hello());
      else connection.sendEncoded(hello.frames, hello.message);
      await linked;
      return !connection.closed;
    } catch (err) {
      this.dialFailed(info, err, via);
      return false;
    }
  }

  private dialFailed(info: MemberInfo, err: unknown, via: string | undefined): void {
    const error = toNetError(err);
    const where = via === undefined || via === '' ? `at ${formatAddress(info)}` : `through ${via}`;
    this.ctx.logger.warn(`Cannot connect to member ${info.name} (${info.id}) ${where}: ${error.code} ${error.message}`);
    this.ctx.dialFailed?.(info, error);
    this.ctx.connectionError(error);
  }

  /** A socket on this member's listener. */
  accept(socket: Socket): void {
    const { ctx } = this;
    if (ctx.closed()) {
      socket.destroy();
      return;
    }
    if (ctx.bans.hasAddress(plainAddress(socket.remoteAddress))) {
      ctx.logger.info(`ERR_BANNED: refused a connection from banned address ${plainAddress(socket.remoteAddress)}`);
      socket.destroy();
      return;
    }
    acceptGuarded(socket, this.guard, ctx.logger, (admitted) => this.startIncoming(admitted));
  }

  /** Closes connections that sent nothing for the peer timeout (pings keep live ones busy). */
  closeSilent(): void {
    const now = performance.now();
    const { peerTimeoutMs } = this.ctx.timing;
    for (const connection of this.connections) {
      if (now - connection.lastReceivedAt > peerTimeoutMs) {
        connection.close(new NetError('ERR_PEER_TIMEOUT', `Nothing received from ${connection.label} for ${peerTimeoutMs} ms`));
      }
    }
  }

  /** Closes every connection; those whose socket has not closed after the grace period are destroyed. */
  async closeAll(): Promise<void> {
    // Newest first: a tunnel's connection flushes (its bye) over the link to its relay before that link closes.
    const connections = [...this.connections].reverse();
    for (const connection of connections) connection.close();
    const grace = setTimeout(() => {
      for (const connection of connections) connection.destroy();
    }, this.ctx.timing.closeGraceMs);
    await Promise.all(connections.map((c) => c.socketClosed));
    clearTimeout(grace);
  }

  private hello(): Message {
    return this.ctx.stamper.stamp({ type: 'hello', name: this.ctx.name, port: this.ctx.advertisedPort() });
  }

  /** The responder side; `tunnel` for a connection through a relay, which only that member may use. */
  private startIncoming(socket: ConnectionSocket, tunnel?: { peer: string; via: string }): Connection {
    const { ctx } = this;
    const handshake = new HandshakeResponder({
      key: ctx.key,
      password: ctx.options.password,
      // An offer that names nobody comes from a repository client: newcomers may use any member's address.
      unnamedWithoutPassword: tunnel === undefined,
      admit: ({ peerId, group, named }) => {
        // One answer for a wrong group and a wrong password alike: the handshake says nothing more.
        if (group !== ctx.group) return new NetError('ERR_AUTH_FAILED', 'Authentication failed');
        if (ctx.bans.hasPeer(peerId)) return new NetError('ERR_BANNED', `Refused banned peer ${peerId}`);
        if (tunnel !== undefined && (!named || peerId !== tunnel.peer)) return new NetError('ERR_AUTH_FAILED', 'Authentication failed');
        return undefined;
      },
    });
    const label = tunnel === undefined ? `incoming ${plainAddress(socket.remoteAddress)}:${socket.remotePort}` : `incoming tunnel from ${tunnel.peer} through ${tunnel.via}`;
    const connection = this.open(socket, label, handshake);
    this.awaitFirst(connection, (first) => {
      if (first.from !== connection.peer?.peerId || first.group !== ctx.group) {
        throw new NetError('ERR_PROTOCOL', 'A message for another peer id or group than the one proven in the handshake');
      }
      if (connection.peer.named !== true) {
        // Proven without the group password: a repository client, never a member.
        if (first.type !== 'register') throw new NetError('ERR_AUTH_FAILED', 'Authentication failed');
        ctx.serveClient(connection, first);
        return;
      }
      if (first.type !== 'hello') throw new NetError('ERR_PROTOCOL', `Expected hello, got ${first.type}`);
      connection.send(this.hello());
      ctx.linkUp(first, connection, first.from, ctx.listedHost(first.from) ?? connection.remoteAddress, tunnel?.via);
    }).catch(() => {
      // Already closed with a coded error and logged by the connection.
    });
    return connection;
  }

  /**
   * Waits for the first message and hands it to `onFirst` synchronously, so that messages arriving
   * right behind it in the same chunk already find the member's link; a throw closes the
   * connection with its code.
   */
  private awaitFirst(connection: Connection, onFirst: (message: Message) => void): Promise<void> {
    const { handshakeDeadlineMs } = this.ctx.timing;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => connection.close(new NetError('ERR_HANDSHAKE_TIMEOUT', `No hello within ${handshakeDeadlineMs} ms`)), handshakeDeadlineMs);
      const done = (): void => {
        clearTimeout(timer);
        connection.off('message', onMessage);
        connection.off('close', onClose);
      };
      const onMessage = (message: Message): void => {
        done();
        try {
          onFirst(message);
          resolve();
        } catch (err) {
          const error = toNetError(err, 'ERR_PROTOCOL');
          connection.close(error);
          reject(error);
        }
      };
      const onClose = (error: NetError | undefined): void => {
        done();
        reject(error ?? new NetError('ERR_CLOSED', `${connection.label} closed during the handshake`));
      };
      connection.on('message', onMessage);
      connection.on('close', onClose);
    });
  }
}
