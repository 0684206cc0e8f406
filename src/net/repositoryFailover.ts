/**
 * When the repository goes away, the group keeps a repository: the member that joined earliest
 * among those still present (by the order the repository listed them in, which every member saw
 * alike) starts answering registrations on its own listener and tells every member over their
 * links (`moved`); the others register there. Each waits a random moment first, so they do not
 * all rush at once (the coordinator rule of the group chat report). A newcomer may name any
 * member's address as its repository: a member that is not the repository answers `register` with
 * `moved`, saying where the repository is.
 *
 * Members on a stand-in keep probing the configured repository; when it answers again they go
 * back to it and say so over their links, and the stand-in stops: the group does not split.
 */
import type { Connection } from './connection';
import { toNetError } from './errors';
import type { Logger } from './logger';
import type { MemberKey } from './memberKey';
import type { Message, MessageBody, MovedMessage, RegisterMessage } from './messages';
import type { MemberLink } from './peerNodeTypes';
import type { RepositoryClient } from './repositoryClient';
import { RepositoryServer } from './repositoryServer';
import { dial, formatAddress } from './tcp';
import type { HostPort } from './tcp';

export interface FailoverTiming {
  /** Shortest and longest random wait after losing the repository before a member takes over, in ms. */
  failoverMinMs: number;
  failoverMaxMs: number;
  /** How often a member on a stand-in checks whether the configured repository is back, in ms. */
  failoverProbeMs: number;
  connectTimeoutMs: number;
}

export interface FailoverHost {
  readonly id: string;
  readonly key: MemberKey;
  readonly logger: Logger;
  readonly timing: FailoverTiming;
  readonly repository: RepositoryClient;
  links(): Iterable<MemberLink>;
  /** Where this member's own listener answers on this machine. */
  ownAddress(): HostPort;
  stamp<B extends MessageBody>(body: B): B & Message;
}

const isLoopback = (host: string): boolean => host.startsWith('127.') || host === '::1' || host === 'localhost';

export class RepositoryFailover {
  private acting: RepositoryServer | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private checks = 0;
  private closed = false;

  constructor(private readonly host: FailoverHost) {}

  /** True while this member stands in as the group's repository. */
  get isActing(): boolean {
    return this.acting !== undefined;
  }

  /** The repository connection was lost: after a random wait, see who takes over. */
  repositoryLost(): void {
    this.checks = 0;
    this.scheduleCheck();
  }

  /** Registered again (wherever): no take-over needed; keep probing the configured repository when on a stand-in. */
  repositoryRestored(): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = undefined;
    if (!this.host.repository.atConfigured && this.host.repository.knowsConfigured) this.scheduleProbe();
  }

  /** A connection whose handshake named nobody said `register`: serve it when standing in, else say where the repository is. */
  serveClient(connection: Connection, register: RegisterMessage): void {
    if (this.acting !== undefined) {
      this.acting.adopt(connection, register);
      return;
    }
    const repository = this.host.repository;
    const address = repository.remoteAddress;
    if (address === undefined) {
      // Between repositories: the member that takes over is the one to ask (this one, at once, if it is that member).
      const first = this.takeOverCandidate();
      if (first === undefined) {
        this.startActing();
        this.acting!.adopt(connection, register);
        return;
      }
      connection.send(this.host.stamp({ type: 'moved', host: first.member.host, port: first.member.port }));
      connection.close();
      return;
    }
    // The repository on this member's machine is reached, from the newcomer's side, at this machine's address.
    const host = isLoopback(address) ? connection.localAddress : address;
    const moved: MessageBody<'moved'> = { type: 'moved', port: repository.currentTarget.port };
    if (host !== '') moved.host = host;
    connection.send(this.host.stamp(moved));
    connection.close();
  }

  /** A member says where the repository is now: followed while this member has none or is on a stand-in. */
  onMoved(link: MemberLink, message: MovedMessage): void {
    const repository = this.host.repository;
    const to = { host: message.host ?? link.member.host, port: message.port };
    if (repository.connected && repository.atConfigured) {
      this.host.logger.debug(`Ignored ${link.member.name}'s word that the repository is at ${formatAddress(to)}: registered at the configured one`);
      return;
    }
    if (this.acting !== undefined) {
      if (to.port === this.host.ownAddress().port && to.host === link.member.host) return;
      void this.stopActing();
    }
    repository.retarget(to);
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.checkTimer);
    clearTimeout(this.probeTimer);
    return this.stopActing();
  }

  private scheduleCheck(): void {
    clearTimeout(this.checkTimer);
    const { failoverMinMs, failoverMaxMs } = this.host.timing;
    const delay = failoverMinMs + Math.random() * (failoverMaxMs - failoverMinMs);
    this.checkTimer = setTimeout(() => this.check(), delay);
  }

  private check(): void {
    this.checkTimer = undefined;
    const repository = this.host.repository;
    if (this.closed || repository.connected || this.acting !== undefined) return;
    this.checks += 1;
    const candidate = this.takeOverCandidate();
    if (candidate === undefined) {
      this.startActing();
      return;
    }
    // The one to take over is alive; after a second wait without its word, ask it directly.
    if (this.checks >= 2) repository.retarget({ host: candidate.member.host, port: candidate.member.port });
    this.scheduleCheck();
  }

  /** The link to the member that should stand in (the earliest registered still linked), or undefined when that is this member. */
  private takeOverCandidate(): MemberLink | undefined {
    const links = new Map<string, MemberLink>();
    for (const link of this.host.links()) links.set(link.member.id, link);
    const first = this.host.repository.earliest(new Set([this.host.id, ...links.keys()])) ?? this.host.id;
    return first === this.host.id ? undefined : links.get(first);
  }

  private startActing(): void {
    const { key, logger } = this.host;
    this.acting = new RepositoryServer({ key, logger });
    logger.info('The repository went away and this member joined the group earliest: it answers as the repository now');
    const moved = this.host.stamp({ type: 'moved', port: this.host.ownAddress().port });
    for (const link of this.host.links()) link.connection.send(moved);
    this.host.repository.retarget(this.host.ownAddress());
    if (this.host.repository.knowsConfigured) this.scheduleProbe();
  }

  private async stopActing(): Promise<void> {
    const acting = this.acting;
    this.acting = undefined;
    await acting?.close();
  }

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.probe(), this.host.timing.failoverProbeMs);
  }

  /** On a stand-in: is the configured repository back? Then go back, say so, and stop standing in. */
  private async probe(): Promise<void> {
    this.probeTimer = undefined;
    const repository = this.host.repository;
    if (this.closed || repository.atConfigured) return;
    const configured = repository.configuredTarget;
    let address: string;
    try {
      const socket = await dial(configured, { timeoutMs: this.host.timing.connectTimeoutMs });
      address = socket.remoteAddress ?? configured.host;
      socket.destroy();
    } catch (err) {
      this.host.logger.debug(`The configured repository at ${formatAddress(configured)} is still away: ${toNetError(err).message}`);
      this.scheduleProbe();
      return;
    }
    if (this.closed || repository.atConfigured) return;
    this.host.logger.info(`The configured repository at ${formatAddress(configured)} is back: registering there again`);
    const moved: MessageBody<'moved'> = { type: 'moved', port: configured.port };
    // A repository on this machine is, for the others, at this machine's address: the one they reach us at.
    if (!isLoopback(address)) moved.host = address.startsWith('::ffff:') ? address.slice(7) : address;
    const notice = this.host.stamp(moved);
    for (const link of this.host.links()) link.connection.send(notice);
    await this.stopActing();
    repository.retarget(undefined);
  }
}
