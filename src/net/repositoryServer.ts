/**
 * The repository server: it tells a newcomer who is already in a group, and tells the group who
 * joins and leaves. It holds no message content. Embeddable (the extension starts one when none
 * answers) and run standalone by `team-notes repository`.
 */
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { Connection, encodeOutgoing, errorNoticeBody } from './connection';
import type { ConnectionOptions } from './connection';
import { NetError } from './errors';
import { acceptGuarded } from './guardedAccept';
import { HandshakeResponder } from './handshake';
import { EnvelopeStamper } from './ids';
import { DEFAULT_REPOSITORY_PORT, HANDSHAKE_DEADLINE_MS, MAX_GROUP_MEMBERS, MAX_REGISTRATIONS_PER_ADDRESS, PEER_TIMEOUT_MS, PEERS_PAGE_SIZE, REPOSITORY_BURST, REPOSITORY_RATE_PER_SECOND } from './limits';
import { silentLogger } from './logger';
import type { Logger } from './logger';
import type { MemberInfo, Message, PeersMessage, RegisterMessage } from './messages';
import { MemberKey } from './memberKey';
import { AddressGuard, TokenBucket } from './rateLimit';
import type { AddressGuardLimits } from './rateLimit';
import { cryptoReady } from './sodium';
import { closeServer, formatAddress, listen } from './tcp';
import type { HostPort } from './tcp';
import { groupNameProblem } from './xmlCodec';

export interface RepositoryServerOptions {
  logger?: Logger;
  /** A member silent for this long is dropped, in ms. Default {@link PEER_TIMEOUT_MS}. */
  heartbeatTimeoutMs?: number;
  /** Time a new connection has to send `register`, in ms. Default {@link HANDSHAKE_DEADLINE_MS}. */
  handshakeDeadlineMs?: number;
  /** Passed to every connection (frame deadline, queue bounds). */
  connection?: Omit<ConnectionOptions, 'logger' | 'label' | 'errorNotice' | 'handshake'>;
  /** The repository's own key (its id is the public key); default a fresh one per run. */
  key?: MemberKey;
  /** Most members per group. Default {@link MAX_GROUP_MEMBERS}. */
  maxGroupMembers?: number;
  /** Most registrations one IP address may hold. Default {@link MAX_REGISTRATIONS_PER_ADDRESS}. */
  maxRegistrationsPerAddress?: number;
  /** Connections and handshakes per address. */
  addressLimits?: Partial<AddressGuardLimits>;
}

export type LeaveReason = 'unregister' | 'closed' | 'timeout' | 'replaced';

export interface RepositoryEvents {
  memberJoined: [group: string, member: MemberInfo];
  memberLeft: [group: string, member: MemberInfo, reason: LeaveReason];
}

interface Registration {
  group: string;
  member: MemberInfo;
  connection: Connection;
}

export class RepositoryServer extends EventEmitter<RepositoryEvents> {
  /** The repository's own id (its public key), the `from` of everything it sends. */
  readonly id: string;
  private readonly key: MemberKey;
  private readonly guard: AddressGuard;
  private readonly maxGroupMembers: number;
  private readonly maxRegistrationsPerAddress: number;
  /** Registrations per IP address, in all groups. */
  private readonly registrationsByAddress = new Map<string, number>();
  private readonly logger: Logger;
  private readonly heartbeatTimeoutMs: number;
  private readonly handshakeDeadlineMs: number;
  /** group name -> member id -> registration */
  private readonly groups = new Map<string, Map<string, Registration>>();
  private readonly connections = new Set<Connection>();
  private readonly stampers = new Map<string, EnvelopeStamper>();
  private server: Server | undefined;
  private boundAddress: HostPort | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RepositoryServerOptions = {}) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? PEER_TIMEOUT_MS;
    this.handshakeDeadlineMs = options.handshakeDeadlineMs ?? HANDSHAKE_DEADLINE_MS;
    this.key = options.key ?? MemberKey.generate();
    this.id = this.key.id;
    this.guard = new AddressGuard(options.addressLimits);
    this.maxGroupMembers = options.maxGroupMembers ?? MAX_GROUP_MEMBERS;
    this.maxRegistrationsPerAddress = options.maxRegistrationsPerAddress ?? MAX_REGISTRATIONS_PER_ADDRESS;
  }

  /** Starts listening; port 0 picks a free port. Resolves to the bound address. */
  async listen(port = DEFAULT_REPOSITORY_PORT, host = '0.0.0.0'): Promise<HostPort> {
    if (this.server !== undefined || this.closing !== undefined) throw new NetError('ERR_CLOSED', 'The repository server was already started');
    await cryptoReady();
    const { server, address } = await listen((socket) => this.accept(socket), { host, port });
    server.on('error', (err) => this.logger.error(`Repository listener failed: ${err.message}`));
    this.server = server;
    this.boundAddress = address;
    const tick = Math.max(10, Math.floor(this.heartbeatTimeoutMs / 3));
    this.heartbeatTimer = setInterval(() => this.dropSilentMembers(), tick);
    this.logger.info(`Repository listening on ${formatAddress(address)}`);
    return address;
  }

  /** The address it listens on, once listening. */
  get address(): HostPort | undefined {
    return this.boundAddress;
  }

  /** The members of a group, in order of joining. */
  members(group: string): MemberInfo[] {
    return [...(this.groups.get(group)?.values() ?? [])].map((r) => r.member);
  }

  /** Names of the groups that have members. */
  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeatTimer);
      // Forget the groups first: members losing the repository is not members leaving their group.
      this.groups.clear();
      for (const connection of this.connections) connection.close();
      if (this.server !== undefined) await closeServer(this.server);
    })();
    return this.closing;
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    acceptGuarded(socket, this.guard, this.logger, (admitted) => this.startConnection(admitted));
  }

  /**
   * Serves a connection whose handshake another listener completed (a member answering as the
   * group's repository after fail-over) and whose first message, `register`, it already read.
   */
  adopt(connection: Connection, first: RegisterMessage): void {
    if (this.closing !== undefined) {
      connection.close();
      return;
    }
    this.serve(connection, (registration) => registration).onMessage(first);
  }

  private startConnection(socket: Socket): Connection {
    let registration: Registration | undefined;
    const connection = new Connection(socket, {
      ...this.options.connection,
      logger: this.logger,
      handshakeDeadlineMs: this.handshakeDeadlineMs,
      // The repository never knows a group's password: members prove their keys to it, and their
      // password only to each other.
      handshake: new HandshakeResponder({
        key: this.key,
        admit: ({ group }) => (groupNameProblem(group) === undefined ? undefined : new NetError('ERR_AUTH_FAILED', 'Not a group name')),
      }),
      errorNotice: (error) => this.stamp(registration?.group ?? '', errorNoticeBody(error)),
    });
    this.serve(connection, (r) => (registration = r));
    return connection;
  }

  /** Registers, then serves, the member on `connection`: its messages, its heartbeats, its leaving. */
  private serve(connection: Connection, registered: (registration: Registration | undefined) => void): { onMessage: (message: Message) => void } {
    let registration: Registration | undefined;
    this.connections.add(connection);
    const handshake = setTimeout(
      () => connection.close(new NetError('ERR_HANDSHAKE_TIMEOUT', `No register within ${this.handshakeDeadlineMs} ms`)),
      this.handshakeDeadlineMs,
    );
    const bucket = new TokenBucket(REPOSITORY_RATE_PER_SECOND, REPOSITORY_BURST);
    const onMessage = (message: Message): void => {
      if (!bucket.take()) {
        connection.close(new NetError('ERR_RATE_LIMITED', `More than ${REPOSITORY_RATE_PER_SECOND} messages a second`));
        return;
      }
      const proven = connection.peer!;
      if (message.from !== proven.peerId || message.group !== proven.group) {
        // Only the id proven on this connection, in the group it named, may register, unregister or beat.
        connection.close(new NetError('ERR_PROTOCOL', `A message for another peer id or group than the one proven on this connection`));
        return;
      }
      if (registration === undefined) {
        clearTimeout(handshake);
        if (message.type !== 'register') {
          connection.close(new NetError('ERR_PROTOCOL', `Expected register, got ${message.type}`));
          return;
        }
        registration = this.register(message, connection);
        registered(registration);
        return;
      }
      this.onMemberMessage(registration, message);
    };
    connection.on('message', onMessage);
    connection.on('close', () => {
      clearTimeout(handshake);
      this.connections.delete(connection);
      if (registration !== undefined) this.remove(registration, 'closed');
    });
    return { onMessage };
  }

  private register(message: RegisterMessage, connection: Connection): Registration | undefined {
    let members = this.groups.get(message.group);
    const previous = members?.get(message.from);
    if (previous !== undefined) {
      // The same key registering again (it restarted or reconnected; the handshake proved the key): the newer connection wins.
      this.remove(previous, 'replaced');
      previous.connection.close();
      members = this.groups.get(message.group);
    }
    if (members !== undefined && members.size >= this.maxGroupMembers) {
      connection.close(new NetError('ERR_LIMIT', `Group "${message.group}" is full (${this.maxGroupMembers} members)`));
      return undefined;
    }
    const address = connection.remoteAddress;
    const fromAddress = this.registrationsByAddress.get(address) ?? 0;
    if (fromAddress >= this.maxRegistrationsPerAddress) {
      connection.close(new NetError('ERR_LIMIT', `${address} already holds ${fromAddress} registrations`));
      return undefined;
    }
    this.registrationsByAddress.set(address, fromAddress + 1);
    const member: MemberInfo = { id: message.from, name: message.name, host: message.host ?? address, port: message.port };
    const registration: Registration = { group: message.group, member, connection };
    connection.label = `member ${member.name} (${member.id}) of ${message.group} at ${formatAddress(member)}`;
    this.sendSnapshot(registration, this.members(message.group));
    if (members === undefined) {
      members = new Map();
      this.groups.set(message.group, members);
    }
    members.set(member.id, registration);
    this.tell(registration, 'joined');
    this.logger.info(`${member.name} (${member.id}) joined ${message.group} from ${formatAddress(member)}; ${members.size} members`);
    this.emit('memberJoined', message.group, member);
    return registration;
  }

  /** The member list in pages of {@link PEERS_PAGE_SIZE}: every page but the last says `more`. */
  private sendSnapshot(registration: Registration, members: MemberInfo[]): void {
    for (let start = 0; start === 0 || start < members.length; start += PEERS_PAGE_SIZE) {
      const page = members.slice(start, start + PEERS_PAGE_SIZE).map((m) => reachableFrom(m, registration.connection));
      const more = start + PEERS_PAGE_SIZE < members.length;
      registration.connection.send(this.stamp(registration.group, { type: 'peers', event: 'snapshot', members: page, ...(more ? { more: 'true' as const } : {}) }));
    }
  }

  private onMemberMessage(registration: Registration | undefined, message: Message): void {
    if (registration === undefined) return; // refused registration, closing
    switch (message.type) {
      case 'ping':
        registration.connection.send(this.stamp(registration.group, { type: 'pong', re: message.id }));
        return;
      case 'pong':
        return;
      case 'unregister':
        this.remove(registration, 'unregister');
        registration.connection.close();
        return;
      default:
        registration.connection.close(new NetError('ERR_PROTOCOL', `The repository does not take ${message.type} messages`));
    }
  }

  private remove(registration: Registration, reason: LeaveReason): void {
    const members = this.groups.get(registration.group);
    if (members?.get(registration.member.id) !== registration) return;
    members.delete(registration.member.id);
    const address = registration.connection.remoteAddress;
    const fromAddress = (this.registrationsByAddress.get(address) ?? 1) - 1;
    if (fromAddress <= 0) this.registrationsByAddress.delete(address);
    else this.registrationsByAddress.set(address, fromAddress);
    if (members.size === 0) {
      this.groups.delete(registration.group);
      this.stampers.delete(registration.group);
    }
    this.tell(registration, 'left');
    this.logger.info(`${registration.member.name} (${registration.member.id}) left ${registration.group}: ${reason}`);
    this.emit('memberLeft', registration.group, registration.member, reason);
  }

  /** Tells every other member of the group that `registration` joined or left. */
  private tell(registration: Registration, event: 'joined' | 'left'): void {
    const members = this.groups.get(registration.group);
    if (members === undefined) return;
    const notice = this.stamp(registration.group, { type: 'peers', event, members: [registration.member] });
    const frames = encodeOutgoing(notice);
    const local = isLoopback(registration.member.host);
    for (const other of members.values()) {
      if (other === registration) continue;
      if (local && !isLoopback(other.connection.remoteAddress)) {
        other.connection.send({ ...(notice as PeersMessage), members: [reachableFrom(registration.member, other.connection)] });
      } else {
        other.connection.sendEncoded(frames, notice);
      }
    }
  }

  private dropSilentMembers(): void {
    const now = performance.now();
    for (const connection of this.connections) {
      if (now - connection.lastReceivedAt > this.heartbeatTimeoutMs) {
        connection.close(new NetError('ERR_PEER_TIMEOUT', `Nothing received for ${this.heartbeatTimeoutMs} ms`));
      }
    }
  }

  private stamp(group: string, body: Parameters<EnvelopeStamper['stamp']>[0]): Message {
    let stamper = this.stampers.get(group);
    if (stamper === undefined) {
      stamper = new EnvelopeStamper(this.id, group);
      if (group !== '') this.stampers.set(group, stamper);
    }
    return stamper.stamp(body);
  }
}

function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1';
}

/**
 * A member as a recipient on `connection` must dial it. A member that registered from this
 * repository's own machine was seen at a loopback address; a recipient on another machine reaches
 * that machine at the address it reached the repository at.
 */
function reachableFrom(member: MemberInfo, connection: Connection): MemberInfo {
  if (!isLoopback(member.host) || isLoopback(connection.remoteAddress) || connection.localAddress === '') return member;
  return { ...member, host: connection.localAddress };
}
