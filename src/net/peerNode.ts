/**
 * A member of a group: its own TCP listener, one connection to the repository while joined, and
 * one persistent connection to every other member, over which all messages travel directly.
 *
 * Joining: register with the repository (`repositoryClient.ts`), receive the members already
 * there, dial each, prove keys and the group password in the handshake, then say `hello` (each
 * answers with its own `hello`). Members who join later dial us. A pair of members keeps exactly
 * one connection; if both dialed at once, both keep the one dialed by the smaller id. Every
 * member is held to its token buckets and the clock bound; bans live in `banList.ts`, and how a
 * socket becomes a link (dial, accept, handshake, the first message) in `memberConnections.ts`.
 */
import { EventEmitter } from 'node:events';
import type { Server } from 'node:net';
import { encodeOutgoing } from './connection';
import type { Connection } from './connection';
import { NetError, toNetError } from './errors';
import { GroupHistory } from './groupHistory';
import type { HistoryMessage } from './groupHistory';
import { HistorySync } from './historySync';
import { EnvelopeStamper } from './ids';
import { silentLogger } from './logger';
import type { Logger } from './logger';
import type { ChatMessage, HelloMessage, MemberInfo, Message, MessageBody } from './messages';
import { MemberKey } from './memberKey';
import { isSignedType } from './signing';
import { onLinkMessage } from './linkMessages';
import type { LinkMessageHost } from './linkMessages';
import { BanList } from './banList';
import { DEFAULT_TIMING, MemberLink } from './peerNodeTypes';
import type { Member, MemberLeftReason, PeerNodeEvents, PeerNodeOptions, PeerNodeTiming } from './peerNodeTypes';
import { MemberConnections } from './memberConnections';
import { MemberRedial } from './memberRedial';
import { memberRelay, sendBye } from './memberRelay';
import { prepareOutgoing } from './outgoing';
import { PartialImages } from './partialImages';
import { PathStats } from './pathStats';
import type { RelayService } from './relay';
import type { RelayPaths, MemberPath } from './relayPaths';
import { RepositoryClient } from './repositoryClient';
import { RepositoryFailover } from './repositoryFailover';
import { cryptoReady } from './sodium';
import { closeServer, formatAddress, listen } from './tcp';
import { displayNameProblem, groupNameProblem } from './xmlCodec';
import type { HostPort } from './tcp';

type State = 'idle' | 'joining' | 'joined' | 'closed';


export type { BoardMessage, DeliveredMessage, Member, MemberLeftReason, PeerNodeEvents, PeerNodeOptions, PeerNodeTiming, RateLimits } from './peerNodeTypes';

export class PeerNode extends EventEmitter<PeerNodeEvents> {
  readonly id: string;
  readonly name: string;
  readonly group: string;
  /** True when the group has a password (members prove it to each other), false for an open group. */
  readonly passwordProtected: boolean;
  private readonly key: MemberKey;
  private readonly logger: Logger;
  private readonly timing: PeerNodeTiming;
  private readonly stamper: EnvelopeStamper;
  private readonly links = new Map<string, MemberLink>();
  /** Every open connection, including those still in their handshake. */
  private readonly connections: MemberConnections;
  private readonly bans: BanList;
  private readonly repository: RepositoryClient;
  private state: State = 'idle';
  private server: Server | undefined;
  private boundAddress: HostPort | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private lamport = 0;
  private closing: Promise<void> | undefined;
  /** Members whose link dropped without a goodbye, being dialed again with backoff. */
  private readonly redial: MemberRedial;
  /** This member's copy of the group's history, and the catch-up, acks and outbox that keep it whole. */
  readonly history: GroupHistory;
  private readonly sync: HistorySync;
  private readonly failover: RepositoryFailover;
  /** Round trips, link addresses and the last dial failure per member, for the connectivity doctor. */
  readonly pathStats = new PathStats();
  /** Tunnels through members (`relay.ts`), and which member links take one (`relayPaths.ts`). */
  private readonly relay: RelayService;
  private readonly paths: RelayPaths;
  /** What the messages of a link reach (`linkMessages.ts`). */
  private readonly dispatch: LinkMessageHost;

  constructor(private readonly options: PeerNodeOptions) {
    super();
    const problem = groupNameProblem(options.group) ?? displayNameProblem(options.name);
    if (problem !== undefined) throw new NetError('ERR_BAD_INPUT', problem);
    this.key = options.key ?? MemberKey.generate();
    this.id = this.key.id;
    this.passwordProtected = (options.password ?? '') !== '';
    this.name = options.name;
    this.group = options.group;
    this.logger = options.logger ?? silentLogger;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.stamper = new EnvelopeStamper(this.id, this.group);
    this.bans = new BanList(options.bans ?? [], this.logger);
    this.history = options.history ?? GroupHistory.inMemory(this.group, this.id, { logger: this.logger });
    for (const entry of this.history.entries()) if ('clock' in entry.message) this.lamport = Math.max(this.lamport, entry.message.clock);
    this.history.setName(this.id, this.name);
    this.connections = new MemberConnections({
      id: this.id,
      key: this.key,
      group: this.group,
      name: this.name,
      options,
      timing: this.timing,
      logger: this.logger,
      stamper: this.stamper,
      bans: this.bans,
      partialImages: new PartialImages(),
      imageBytes: (sha256) => this.history.imageBytes(sha256),
      advertisedPort: () => this.advertisedPort(),
      closed: () => this.state === 'closed',
      // Direct links only: a relayed member is still dialed directly, to take the direct path back.
      linked: (id) => this.links.has(id) && this.links.get(id)!.via === undefined,
      listedHost: (id) => this.repository.lookup(id)?.host,
      linkUp: (hello, connection, dialer, host, via) => this.addLink(hello, connection, dialer, host, via),
      unreachable: (info) => this.paths.unreachable(info),
      serveClient: (connection, register) => this.failover.serveClient(connection, register),
      connectionError: (error) => this.emit('connectionError', error),
      dialFailed: (info, error) => this.pathStats.failed(info.id, error, info),
    });
    this.sync = new HistorySync(
      {
        id: this.id,
        logger: this.logger,
        links: () => this.links.values(),
        link: (id) => this.links.get(id),
        stamp: (body) => this.stamper.stamp(body),
        isBanned: (id) => this.bans.hasPeer(id),
        refused: (link, error) => {
          link.logRefusal(this.logger, error);
          this.emit('messageRefused', error, link.member);
        },
        deliver: (message, author, binary) => this.emit('message', message, author, binary),
        acknowledged: (memberId, upTo) => this.emit('delivered', memberId, upTo),
        directAcknowledged: (memberId, messageId) => this.emit('directDelivered', memberId, messageId),
        progress: (received, pending) => this.emit('catchUp', received, pending),
        observeClock: (clock) => {
          this.lamport = Math.max(this.lamport, clock);
        },
      },
      this.history,
    );
    this.repository = new RepositoryClient({
      key: this.key,
      group: this.group,
      name: this.name,
      target: options.repository,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      advertised: () => ({ port: this.advertisedPort(), host: options.advertiseHost }),
      stamper: this.stamper,
      logger: this.logger,
      timing: this.timing,
      newConnection: (socket, label, handshake) => this.connections.open(socket, label, handshake),
    });
    this.redial = new MemberRedial({
      logger: this.logger,
      timing: this.timing,
      active: () => this.state === 'joined',
      linked: (id) => this.links.has(id),
      listed: (id) => this.repository.lookup(id),
      repositoryConnected: () => this.repository.connected,
      connect: (member) => this.connections.dialMember(member),
      reconnecting: (member) => this.emit('memberReconnecting', member),
      gaveUp: (member) => this.emit('reconnectGaveUp', member),
    });
    this.failover = new RepositoryFailover({
      id: this.id,
      key: this.key,
      logger: this.logger,
      timing: this.timing,
      repository: this.repository,
      links: () => this.links.values(),
      ownAddress: () => ({ host: this.boundAddress!.host === '0.0.0.0' || this.boundAddress!.host === '::' ? '127.0.0.1' : this.boundAddress!.host, port: this.boundAddress!.port }),
      stamp: (body) => this.stamper.stamp(body),
    });
    ({ relay: this.relay, paths: this.paths } = memberRelay({
      ...{ id: this.id, logger: this.logger, timing: this.timing, stamper: this.stamper, links: this.links },
      ...{ repository: this.repository, connections: this.connections, limits: options.relayLimits },
      active: () => this.state === 'joining' || this.state === 'joined',
    }));
    this.dispatch = {
      ...{ id: this.id, group: this.group, logger: this.logger, stamper: this.stamper, bans: this.bans, sync: this.sync },
      ...{ pathStats: this.pathStats, failover: this.failover, relay: this.relay },
      lamport: () => this.lamport,
      refused: (error, link) => this.emit('messageRefused', error, link.member),
    };
    this.repository.on('lost', (error) => {
      this.failover.repositoryLost();
      this.emit('repositoryLost', error);
    });
    this.repository.on('restored', () => {
      this.failover.repositoryRestored();
      this.emit('repositoryRestored');
    });
    this.repository.on('relisted', (members) => void this.connections.dialMembers(members));
  }

  /** Where this node listens, once joined. */
  get listenAddress(): HostPort | undefined {
    return this.boundAddress;
  }

  get joined(): boolean {
    return this.state === 'joined';
  }

  /** The members this node is connected to. */
  members(): Member[] {
    return [...this.links.values()].map((link) => link.member);
  }

  /** Bytes waiting to be sent on all member links (what a slow or stalled link holds in memory). */
  queuedBytes(): number {
    return this.sync.queuedBytes();
  }

  /** The members the repository lists, connected or not. */
  listedMembers(): MemberInfo[] {
    return this.repository.listed();
  }

  /**
   * Listens, registers with the repository and connects to every member already in the group.
   * Resolves once every member has been dialed (those that cannot be reached are reported as
   * `connectionError`). Rejects with `ERR_REPOSITORY_UNREACHABLE` when no repository answers.
   */
  async join(): Promise<void> {
    if (this.state !== 'idle') throw new NetError('ERR_CLOSED', `Cannot join: the node is ${this.state}`);
    this.state = 'joining';
    try {
      await cryptoReady();
      await this.bans.resolveAll();
      const { server, address } = await listen((socket) => this.connections.accept(socket), {
        host: this.options.listen?.host ?? '0.0.0.0',
        port: this.options.listen?.port ?? 0,
      });
      server.on('error', (err) => this.logger.error(`Listener failed: ${err.message}`));
      this.server = server;
      this.boundAddress = address;
      const listed = await this.repository.connect();
      this.failover.repositoryRestored();
      this.sync.hold();
      await this.connections.dialMembers(listed);
      if (this.state !== 'joining') throw new NetError('ERR_CLOSED', 'The node was closed while joining');
      this.state = 'joined';
      this.sync.release();
      this.pingTimer = setInterval(() => this.pingAll(), this.timing.pingIntervalMs);
      const tick = Math.max(10, Math.min(this.timing.pingIntervalMs, Math.floor(this.timing.peerTimeoutMs / 3)));
      this.livenessTimer = setInterval(() => this.connections.closeSilent(), tick);
      this.logger.info(`Joined ${this.group} as ${this.name} (${this.id}), listening on ${formatAddress(address)}, ${this.links.size} members connected`);
    } catch (err) {
      await this.close();
      throw toNetError(err);
    }
  }

  /**
   * Sends a message to every connected member; returns it as sent (with its envelope). A chat or
   * board message takes this member's next log number and is kept in the history first, so
   * members not connected now get it when they catch up.
   */
  broadcast<B extends MessageBody>(body: B, binary?: Uint8Array): B & Message {
    this.requireJoined();
    const { message, frames } = prepareOutgoing({ stamper: this.stamper, key: this.key, history: this.history }, body, binary);
    if (isSignedType(message)) this.sync.recordOwn(message as HistoryMessage, frames);
    for (const link of this.links.values()) link.connection.sendEncoded(frames, message);
    return message;
  }

  /**
   * Sends a message to one member by peer id; throws `ERR_UNKNOWN_MEMBER` when not connected to it.
   * A direct chat message is kept and resent until the member acknowledges it.
   */
  sendTo<B extends MessageBody>(memberId: string, body: B, binary?: Uint8Array): B & Message {
    this.requireJoined();
    const link = this.links.get(memberId);
    if (link === undefined) throw new NetError('ERR_UNKNOWN_MEMBER', `Not connected to member ${memberId}`);
    const { message, frames } = prepareOutgoing({ stamper: this.stamper, key: this.key, history: this.history }, body, binary);
    if (isSignedType(message)) this.sync.recordOwn(message as HistoryMessage, frames);
    if (message.type === 'chat' && message.to === memberId) this.sync.holdDirect(memberId, message, frames);
    link.connection.sendEncoded(frames, message);
    return message;
  }

  /** How a member's messages travel now: direct, or relayed through another member; undefined when not linked. */
  pathOf(memberId: string): MemberPath | undefined {
    return this.paths.pathOf(this.links.get(memberId));
  }

  /** True while a member that could not be dialed waits for its second try or for a relay being set up. */
  pathsSettling(): boolean {
    return this.paths.settling;
  }

  /** How far `memberId` has acknowledged this member's log (0 when not connected to it). */
  acknowledgedBy(memberId: string): number {
    return this.sync.acknowledgedBy(memberId);
  }

  /** True while registered with a repository (the configured one or a member standing in). */
  get repositoryConnected(): boolean {
    return this.repository.connected;
  }

  /** Where this member registers now (the repository, or a member standing in for it). */
  get repositoryTarget(): HostPort {
    return this.repository.currentTarget;
  }

  /** Belongs with the repository at `to` from now on (it has served the group longer on this LAN). */
  moveRepository(to: HostPort): void {
    this.repository.moveTo(to);
  }

  /** True while this member stands in as the group's repository (the configured one went away). */
  get actingRepository(): boolean {
    return this.failover.isActing;
  }

  /** True while a catch-up page is awaited from some member. */
  get catchingUp(): boolean {
    return this.sync.catchingUp;
  }

  /** Sends a chat message to the group, or to one member when `to` (a peer id) is given. */
  chat(text: string, to?: string): ChatMessage {
    return to === undefined ? this.broadcast({ type: 'chat', text }) : this.sendTo(to, { type: 'chat', text, to });
  }

  /** The Lamport clock value for this node's next board change. */
  nextClock(): number {
    this.lamport += 1;
    return this.lamport;
  }

  /** Bans an IP address, host name or peer id: closes matching connections and refuses new ones. */
  async ban(entry: string): Promise<void> {
    await this.bans.add(entry);
    this.bans.closeBanned(this.links.values());
  }

  /** The whole ban list, replaced (an entry removed is lifted at once; one added closes its links). */
  async setBans(entries: readonly string[]): Promise<void> {
    await this.bans.replace(entries);
    this.bans.closeBanned(this.links.values());
  }

  /** Leaves the group: `bye` to every member, `unregister` to the repository, then closes. Idempotent. */
  leave(): Promise<void> {
    return this.close();
  }

  /** Same as {@link leave}. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasJoined = this.state === 'joined';
    this.state = 'closed';
    clearInterval(this.pingTimer);
    clearInterval(this.livenessTimer);
    this.redial.close();
    this.paths.close();
    this.sync.close();
    this.repository.close();
    await this.failover.close();
    if (wasJoined) {
      const bye = this.stamper.stamp({ type: 'bye' });
      await sendBye(this.links.values(), bye);
      this.repository.send(this.stamper.stamp({ type: 'unregister' }));
    }
    this.links.clear();
    await this.connections.closeAll();
    this.relay.close();
    if (this.server !== undefined) await closeServer(this.server);
    if (wasJoined) this.logger.info(`Left ${this.group}`);
  }

  private advertisedPort(): number {
    return this.options.advertisePort ?? this.boundAddress!.port;
  }

  private requireJoined(): void {
    if (this.state !== 'joined') throw new NetError('ERR_CLOSED', `Not joined (the node is ${this.state})`);
  }

  private addLink(hello: HelloMessage, connection: Connection, dialer: string, host: string, via?: string): void {
    const member: Member = { id: hello.from, name: hello.name, host, port: hello.port };
    connection.admitFullFrames();
    connection.label = `member ${member.name} (${member.id}) ${via === undefined ? `at ${formatAddress(member)}` : `through ${via}`}`;
    const link = new MemberLink(member, connection, dialer, this.options.rateLimits, via);
    if (via === undefined) this.paths.reachable(member.id);
    const existing = this.links.get(member.id);
    if (existing !== undefined) {
      // Two connections to one member. A direct one beats a relayed one. Otherwise a redial by the
      // same side replaces the old one; a simultaneous dial from both sides is settled the same way
      // on both: keep the connection dialed by the smaller peer id. The dropped connection's close
      // event finds it unlinked.
      const preferredDialer = this.id < member.id ? this.id : member.id;
      const sameKind = (existing.via === undefined) === (via === undefined);
      if (sameKind ? existing.dialer === dialer || dialer === preferredDialer : via === undefined) {
        this.links.set(member.id, link);
        this.watchLink(link);
        existing.connection.close();
        this.sync.opened(link);
        if (existing.via !== via) this.safeEmit('pathChanged', member, this.paths.pathOf(link)!);
      } else {
        connection.close();
      }
      return;
    }
    this.links.set(member.id, link);
    this.repository.noteName(member);
    this.history.setName(member.id, member.name);
    this.redial.stop(member.id);
    this.watchLink(link);
    this.logger.info(`Connected to ${member.name} (${member.id}) at ${formatAddress(member)}`);
    // Inside the hello handler, whose errors close the link as the remote's fault: a throwing
    // listener is this program's fault, logged as such, and the member stays.
    this.safeEmit('memberJoined', member);
    this.sync.opened(link);
    this.safeEmit('pathChanged', member, this.paths.pathOf(link)!);
  }

  private safeEmit<K extends keyof PeerNodeEvents>(event: K, ...args: PeerNodeEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: PeerNodeEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error(`ERR_LOCAL_FAULT in a ${event} listener: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  }

  private watchLink(link: MemberLink): void {
    this.pathStats.linked(link.member.id, link.connection);
    link.connection.on('message', (message, binary, xml) => onLinkMessage(this.dispatch, link, message, binary, xml));
    link.connection.on('imagePending', (message) => this.sync.onImagePending(link, message));
    link.connection.on('close', (error) => this.onLinkClosed(link, error));
  }

  private onLinkClosed(link: MemberLink, error: NetError | undefined): void {
    this.relay.linkClosed(link);
    if (this.links.get(link.member.id) !== link) return; // replaced, or this node is closing
    this.links.delete(link.member.id);
    this.pathStats.unlinked(link.member.id, error, link.member);
    const reason: MemberLeftReason = link.leaveReason ?? (error?.code === 'ERR_PEER_TIMEOUT' ? 'timeout' : 'closed');
    this.logger.info(`${link.member.name} (${link.member.id}) left: ${reason}`);
    if (error !== undefined && reason !== 'banned') this.emit('connectionError', error);
    this.emit('memberLeft', link.member, reason);
    if (this.state === 'joined' && reason !== 'bye' && reason !== 'banned') this.redial.schedule(link.member);
  }

  // --- liveness -----------------------------------------------------------------------------

  /** Pings every member now (the timer does every ping interval); the pongs time the round trips in {@link paths}. */
  pingLinks(): void {
    const ping = this.stamper.stamp({ type: 'ping' });
    const frames = encodeOutgoing(ping);
    for (const link of this.links.values()) {
      this.pathStats.pingSent(link.member.id, ping.id);
      link.connection.sendEncoded(frames, ping);
    }
  }

  /** Dials every listed member not linked now (the doctor's fresh look at those it cannot reach); never rejects. */
  async dialUnlinked(): Promise<void> {
    if (this.state === 'joined') await this.connections.dialMembers(this.repository.listed().filter((m) => !this.links.has(m.id)));
  }

  private pingAll(): void {
    this.pingLinks();
    this.repository.send(this.stamper.stamp({ type: 'ping' }));
    this.sync.resendUnacknowledged(this.timing.pingIntervalMs);
  }
}
