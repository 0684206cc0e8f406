/**
 * A member's connection to the repository: the handshake (the repository learns the member's key,
 * never the password), `register`, the member list in as many pages as it takes, what joins and
 * leaves, and reconnecting with backoff and jitter when the repository goes away. It only tells
 * the peer node who is listed; dialing them is the node's business.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Connection } from './connection';
import { NetError, toNetError } from './errors';
import type { NetErrorCode } from './errors';
import { HandshakeInitiator } from './handshake';
import type { HandshakeDriver } from './handshake';
import type { EnvelopeStamper } from './ids';
import { MAX_GROUP_MEMBERS } from './limits';
import type { Logger } from './logger';
import { peerIdToKey } from './memberKey';
import type { MemberKey } from './memberKey';
import { assertNever } from './messages';
import type { MemberInfo, Message, MessageBody, PeersMessage } from './messages';
import { dial, formatAddress } from './tcp';
import type { HostPort } from './tcp';

export interface RepositoryClientOptions {
  key: MemberKey;
  group: string;
  name: string;
  target: HostPort;
  /** The port and host members should dial, read at each registration. */
  advertised: () => { port: number; host?: string };
  stamper: EnvelopeStamper;
  logger: Logger;
  timing: { connectTimeoutMs: number; handshakeDeadlineMs: number; reconnectMinMs: number; reconnectMaxMs: number };
  /** Makes a connection the node owns (liveness, closing). */
  newConnection: (socket: Socket, label: string, handshake: HandshakeDriver) => Connection;
}

export interface RepositoryClientEvents {
  /** After a reconnect: the full member list again (the node dials whom it lacks). */
  relisted: [members: MemberInfo[]];
  /** The repository connection was lost; the client reconnects by itself. */
  lost: [error: NetError];
  /** The repository connection is back. */
  restored: [];
}

export class RepositoryClient extends EventEmitter<RepositoryClientEvents> {
  /** Members as the repository lists them, by id (whether or not the node could connect). */
  private readonly directory = new Map<string, MemberInfo>();
  private connection: Connection | undefined;
  /** Snapshot pages received so far, until the last one. */
  private pages: MemberInfo[] | undefined;
  private waiter: { resolve: (members: MemberInfo[]) => void; reject: (e: NetError) => void } | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  /** True from the first successful registration until {@link close}: losses are then reconnected. */
  private active = false;
  private closed = false;

  constructor(private readonly options: RepositoryClientOptions) {
    super();
  }

  /** The members the repository lists, connected or not. */
  listed(): MemberInfo[] {
    return [...this.directory.values()];
  }

  /** True while registered with a repository. */
  get connected(): boolean {
    return this.connection !== undefined && this.waiter === undefined;
  }

  /** Where the repository says a member is, if it lists it. */
  lookup(id: string): MemberInfo | undefined {
    return this.directory.get(id);
  }

  /** Records the name a member proved itself under (its hello), keeping the listed address. */
  noteName(member: MemberInfo): void {
    this.directory.set(member.id, { ...(this.directory.get(member.id) ?? member), name: member.name });
  }

  /** Connects, registers and resolves with the other members. Rejects with `ERR_REPOSITORY_UNREACHABLE`. */
  async connect(): Promise<MemberInfo[]> {
    const members = await this.register();
    this.active = true;
    return members;
  }

  /** Sends to the repository when connected (pings, unregister); false otherwise. */
  send(message: Message): boolean {
    return this.connection?.send(message) ?? false;
  }

  sendEncoded(...args: Parameters<Connection['sendEncoded']>): void {
    this.connection?.sendEncoded(...args);
  }

  /** Stops reconnecting and rejects a pending registration. The node closes the connection itself. */
  close(): void {
    this.closed = true;
    this.active = false;
    clearTimeout(this.reconnectTimer);
    this.waiter?.reject(new NetError('ERR_CLOSED', 'The node was closed'));
    this.waiter = undefined;
  }

  private async register(): Promise<MemberInfo[]> {
    const { target, timing } = this.options;
    const socket = await dial(target, { timeoutMs: timing.connectTimeoutMs, code: 'ERR_REPOSITORY_UNREACHABLE' });
    if (this.closed) {
      socket.destroy();
      throw new NetError('ERR_CLOSED', 'The node was closed');
    }
    const handshake = new HandshakeInitiator({ key: this.options.key, group: this.options.group });
    const connection = this.options.newConnection(socket, `repository ${formatAddress(target)}`, handshake);
    this.connection = connection;
    connection.admitFullFrames(); // member lists come in pages of up to 64 KiB
    connection.on('message', (message) => this.onMessage(connection, message));
    connection.on('close', (error) => this.onClosed(connection, error));
    const listed = new Promise<MemberInfo[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new NetError('ERR_REPOSITORY_UNREACHABLE', `The repository at ${formatAddress(target)} did not answer within ${timing.handshakeDeadlineMs} ms`));
        connection.close();
      }, timing.handshakeDeadlineMs);
      this.waiter = {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
    const { port, host } = this.options.advertised();
    const register: MessageBody<'register'> = { type: 'register', name: this.options.name, port };
    if (host !== undefined) register.host = host;
    connection.send(this.options.stamper.stamp(register));
    return listed;
  }

  private onMessage(connection: Connection, message: Message): void {
    if (message.from !== connection.peer?.peerId) {
      connection.close(new NetError('ERR_PROTOCOL', 'A message from the repository connection that the repository did not send'));
      return;
    }
    switch (message.type) {
      case 'peers':
        return this.onPeers(connection, message);
      case 'ping':
        connection.send(this.options.stamper.stamp({ type: 'pong', re: message.id }));
        return;
      case 'pong':
        return;
      case 'error': {
        const error = new NetError(asErrorCode(message.code, 'ERR_REPOSITORY_UNREACHABLE'), `The repository refused: ${message.text}`);
        this.options.logger.warn(`Repository: ${message.code} ${message.text}`);
        this.waiter?.reject(error);
        this.waiter = undefined;
        return;
      }
      default:
        connection.close(new NetError('ERR_PROTOCOL', `Unexpected ${message.type} from the repository`));
    }
  }

  private onPeers(connection: Connection, message: PeersMessage): void {
    // Only members whose id is a key can ever prove themselves; others are not worth a dial.
    const others = message.members.filter((m) => m.id !== this.options.key.id && peerIdToKey(m.id) !== undefined);
    switch (message.event) {
      case 'snapshot': {
        const pages = [...(this.pages ?? []), ...others];
        if (pages.length > MAX_GROUP_MEMBERS) {
          this.pages = undefined;
          connection.close(new NetError('ERR_LIMIT', `The repository listed more than ${MAX_GROUP_MEMBERS} members`));
          return;
        }
        if (message.more !== undefined) {
          this.pages = pages;
          return;
        }
        this.pages = undefined;
        this.directory.clear();
        for (const member of pages) this.directory.set(member.id, member);
        const waiter = this.waiter;
        this.waiter = undefined;
        if (waiter !== undefined) waiter.resolve(pages);
        else this.emit('relisted', pages);
        return;
      }
      case 'joined':
        // The newcomer dials us; we only note where it is.
        if (this.directory.size >= MAX_GROUP_MEMBERS) return;
        for (const member of others) this.directory.set(member.id, member);
        return;
      case 'left':
        // A direct connection outlives the member's repository connection: a member that leaves
        // says bye, and one that crashed or vanished is caught by its socket or the liveness check.
        for (const member of others) this.directory.delete(member.id);
        return;
      default:
        assertNever(message.event);
    }
  }

  private onClosed(connection: Connection, error: NetError | undefined): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    const lost = new NetError('ERR_REPOSITORY_UNREACHABLE', `Lost the repository connection${error ? `: ${error.message}` : ''}`);
    this.waiter?.reject(lost);
    this.waiter = undefined;
    if (!this.active) return;
    this.options.logger.warn(lost.message);
    this.emit('lost', lost);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { reconnectMinMs, reconnectMaxMs } = this.options.timing;
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.reconnectAttempt);
    const delay = base / 2 + Math.random() * (base / 2); // jitter, so members do not reconnect in step
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      if (!this.active) return;
      this.register().then(
        (members) => {
          this.reconnectAttempt = 0;
          this.options.logger.info('Repository connection restored');
          this.emit('restored');
          this.emit('relisted', members);
        },
        (err) => {
          this.options.logger.debug(`Repository reconnect failed: ${toNetError(err).message}`);
          this.connection?.close();
          this.connection = undefined;
          if (this.active) this.scheduleReconnect();
        },
      );
    }, delay);
  }
}

const knownCodes = new Set<string>(['ERR_BANNED', 'ERR_BAD_INPUT', 'ERR_PROTOCOL', 'ERR_BAD_MESSAGE', 'ERR_HANDSHAKE_TIMEOUT', 'ERR_LIMIT', 'ERR_RATE_LIMITED']);

/** Keeps an error code a remote side sent when it is one we know, else uses `fallback`. */
function asErrorCode(code: string, fallback: NetErrorCode): NetErrorCode {
  return knownCodes.has(code) ? (code as NetErrorCode) : fallback;
}
