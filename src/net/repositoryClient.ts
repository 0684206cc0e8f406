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
  /** Source address of the connection to the repository; default the operating system's choice. */
  localAddress?: string;
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

/** Redirections followed in one registration before giving up (a member points at the repository, which is one hop). */
const MAX_MOVES = 3;

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
  /** Where the client registers now: the configured repository, or a member standing in for it. */
  private target: HostPort;
  /** The repository this member belongs with: the configured one, until a longer-serving one is followed ({@link moveTo}). */
  private configured: HostPort;
  /** The configured repository's IP address, once reached: a member that hands back must point there. */
  private configuredAddress: string | undefined;
  /** Member ids (this member's included) in the order they registered with the repository: who joined first. */
  private order: string[] = [];
  /** Counts retargets: a registration attempt started before the latest one is stale and changes nothing. */
  private generation = 0;

  constructor(private readonly options: RepositoryClientOptions) {
    super();
    this.target = options.target;
    this.configured = options.target;
  }

  /** Where the client registers now. */
  get currentTarget(): HostPort {
    return this.target;
  }

  /** The repository address this member was configured with. */
  get configuredTarget(): HostPort {
    return this.configured;
  }

  /** True once registered at the configured address itself (so it is a repository, not a member that pointed elsewhere). */
  get knowsConfigured(): boolean {
    return this.configuredAddress !== undefined;
  }

  /** True while registering at the configured repository (not at a member standing in for it). */
  get atConfigured(): boolean {
    return this.target === this.configured;
  }

  /** The IP address the repository connection reaches, while connected. */
  get remoteAddress(): string | undefined {
    return this.connected ? this.connection!.remoteAddress : undefined;
  }

  /** True when `to` is the configured repository (by its address as this client reached it). */
  isConfigured(to: HostPort): boolean {
    const configured = this.configured;
    return to.port === configured.port && (to.host === configured.host || to.host === this.configuredAddress);
  }

  /** The first of `alive` to have registered with the repository, by the order it listed members in. */
  earliest(alive: ReadonlySet<string>): string | undefined {
    return this.order.find((id) => alive.has(id));
  }

  /**
   * Makes `to` the repository this member belongs with, in place of the configured one (another
   * repository has served the group longer on this LAN, see lanGroupServers.ts), and registers there.
   */
  moveTo(to: HostPort): void {
    this.configured = to;
    this.configuredAddress = undefined;
    this.retarget(to);
  }

  /**
   * Registers at `to` from now on (a member took over as repository, or handed back): closes the
   * current connection and registers there at once. `to` undefined: back to the configured one.
   */
  retarget(to: HostPort | undefined): void {
    const next = to ?? this.configured;
    if (next.host === this.target.host && next.port === this.target.port && this.connected) return;
    this.target = to === undefined || this.isConfigured(to) ? this.configured : to;
    this.options.logger.info(`Repository: registering at ${formatAddress(this.target)} from now on`);
    this.generation += 1;
    const old = this.connection;
    this.connection = undefined;
    this.waiter?.reject(new NetError('ERR_MOVED', 'The repository moved'));
    this.waiter = undefined;
    old?.close();
    if (!this.active) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectAttempt = 0;
    this.scheduleReconnect(0);
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
    for (let moves = 0; ; moves++) {
      try {
        const members = await this.register();
        this.active = true;
        return members;
      } catch (err) {
        // A member answered in the repository's place and said where it is: follow, a few hops at most.
        if (!(err instanceof MovedError) || moves >= MAX_MOVES) throw err instanceof MovedError ? new NetError('ERR_REPOSITORY_UNREACHABLE', 'Members kept pointing elsewhere for the repository') : err;
        this.target = this.isConfigured(err.to) ? this.configured : err.to;
      }
    }
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
    const { timing } = this.options;
    const target = this.target;
    const generation = this.generation;
    const socket = await dial(target, { timeoutMs: timing.connectTimeoutMs, code: 'ERR_REPOSITORY_UNREACHABLE', ...(this.options.localAddress === undefined ? {} : { localAddress: this.options.localAddress }) });
    if (this.closed || generation !== this.generation) {
      socket.destroy();
      throw this.closed ? new NetError('ERR_CLOSED', 'The node was closed') : new StaleAttempt();
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
      case 'moved': {
        const to = { host: message.host ?? connection.remoteAddress, port: message.port };
        if (this.waiter !== undefined) {
          this.waiter.reject(new MovedError(to));
          this.waiter = undefined;
          this.connection = undefined; // not a loss: the registration goes on at `to`
          connection.close();
        } else {
          this.retarget(to);
        }
        return;
      }
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
        this.order = [...pages.map((m) => m.id), this.options.key.id];
        if (this.atConfigured) this.configuredAddress = connection.remoteAddress;
        const waiter = this.waiter;
        this.waiter = undefined;
        if (waiter !== undefined) waiter.resolve(pages);
        else this.emit('relisted', pages);
        return;
      }
      case 'joined':
        // The newcomer dials us; we only note where it is.
        if (this.directory.size >= MAX_GROUP_MEMBERS) return;
        for (const member of others) {
          this.directory.set(member.id, member);
          this.order = [...this.order.filter((id) => id !== member.id), member.id];
        }
        return;
      case 'left':
        // A direct connection outlives the member's repository connection: a member that leaves
        // says bye, and one that crashed or vanished is caught by its socket or the liveness check.
        for (const member of others) {
          this.directory.delete(member.id);
          this.order = this.order.filter((id) => id !== member.id);
        }
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

  private scheduleReconnect(delayMs?: number): void {
    const { reconnectMinMs, reconnectMaxMs } = this.options.timing;
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.reconnectAttempt);
    const delay = delayMs ?? base / 2 + Math.random() * (base / 2); // jitter, so members do not reconnect in step
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      if (!this.active) return;
      const generation = this.generation;
      this.register().then(
        (members) => {
          if (generation !== this.generation) return;
          this.reconnectAttempt = 0;
          this.options.logger.info('Repository connection restored');
          this.emit('restored');
          this.emit('relisted', members);
        },
        (err) => {
          // Retargeted meanwhile: the new target's attempt is already under way.
          if (err instanceof StaleAttempt || generation !== this.generation) return;
          if (err instanceof MovedError) {
            this.target = this.isConfigured(err.to) ? this.configured : err.to;
            this.reconnectAttempt = 0;
            if (this.active) this.scheduleReconnect(0);
            return;
          }
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

/** A registration answered with `moved`: where to register instead. */
class MovedError extends NetError {
  constructor(readonly to: HostPort) {
    super('ERR_MOVED', `The repository is at ${formatAddress(to)} now`);
  }
}

/** A registration attempt overtaken by a retarget. */
class StaleAttempt extends NetError {
  constructor() {
    super('ERR_MOVED', 'Registration attempt overtaken by a newer one');
  }
}
