/**
 * This window on the local network (setting `teamNotes.discovery`): it listens for the groups
 * announced there while Join Group is open, announces the group it is in once joined (the name and
 * whether it has a password, never content) and the repository server it runs, and keeps the
 * member on the repository that has served its group longest (src/net/lanGroupServers.ts).
 *
 * Like the rest of the network, nothing opens before the user asks: the UDP socket opens with the
 * first Join Group or join, and closes when the setting is turned off.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { toNetError } from '../net/errors';
import { LanDiscovery } from '../net/lanDiscovery';
import type { DiscoveredGroup, DiscoveredServer } from '../net/lanDiscovery';
import { announceRepository, discoveryEnvironment, followLongestServing } from '../net/lanGroupServers';
import type { Logger } from '../net/logger';
import { Disposable } from './disposable';
import type { Session } from './session';
import { onDidChangeSettings, readSettings } from './settings';

/** How long a join waits to hear its group's repository on the LAN before using the configured address, in ms. */
export const FIND_GROUP_MS = 1_500;

export class LanPresence extends Disposable {
  private member: Promise<LanDiscovery | undefined> | undefined;
  private repository: { discovery: LanDiscovery; stop: () => void } | undefined;
  private unfollow: (() => void) | undefined;
  private readonly changes = this.register(new vscode.EventEmitter<void>());
  /** Fires when the groups heard on the LAN change. */
  readonly onDidChangeGroups = this.changes.event;
  /** Said once: a socket that cannot open (the port taken by another program) is not worth more. */
  private warned = false;

  constructor(
    private readonly session: Session,
    private readonly logger: Logger,
  ) {
    super();
    this.register(session.onDidChange((change) => change.kind === 'session' && void this.update()));
    this.register(session.onDidStartRepository(() => void this.update()));
    this.register(onDidChangeSettings((settings) => void (settings.discovery ? this.update() : this.stop())));
    this.register({ dispose: () => this.stop() });
  }

  get enabled(): boolean {
    return readSettings().discovery;
  }

  /** Starts listening (Join Group is open) and asks everyone to announce now. */
  async listen(): Promise<void> {
    (await this.open())?.ask();
  }

  /** The groups heard on the LAN; empty while discovery is off or not started. */
  async groups(): Promise<DiscoveredGroup[]> {
    return (await this.member)?.groups() ?? [];
  }

  /**
   * Where to register for `group`, as heard on the LAN within {@link FIND_GROUP_MS}: one of its
   * repositories, else its longest-serving member; for a group nobody is in yet, the
   * longest-serving repository heard. Undefined when discovery is off or nothing answers.
   */
  async find(group: string): Promise<DiscoveredServer | undefined> {
    const discovery = await this.open();
    if (discovery === undefined) return undefined;
    return (await discovery.find(group, FIND_GROUP_MS))?.servers[0] ?? discovery.repositories()[0];
  }

  /** The member's announcement and repository following, and the embedded repository's announcement, as the session stands. */
  private async update(): Promise<void> {
    if (!this.enabled || this.isDisposed) return;
    const node = this.session.joinedNode;
    const embedded = this.session.embeddedServer;
    if (node === undefined && embedded === undefined && this.member === undefined) return;
    const discovery = await this.open();
    if (discovery === undefined) return;
    this.unfollow?.();
    this.unfollow = undefined;
    const port = node?.listenAddress?.port;
    if (node !== undefined && port !== undefined) {
      discovery.serve('member', port, [{ group: node.group, passwordRequired: node.passwordProtected }]);
      this.unfollow = followLongestServing(discovery, node, this.logger);
    } else {
      discovery.stopServing();
    }
    if (embedded !== undefined && this.repository === undefined) {
      // Its own beacon (its own random id): the member side of this window hears it as any other.
      const repository = await this.start();
      if (repository !== undefined) this.repository = { discovery: repository, stop: announceRepository(repository, embedded.server, embedded.port, embedded.since) };
    }
  }

  private open(): Promise<LanDiscovery | undefined> {
    if (!this.enabled || this.isDisposed) return Promise.resolve(undefined);
    this.member ??= this.start().then((discovery) => {
      discovery?.on('changed', () => this.changes.fire());
      return discovery;
    });
    return this.member;
  }

  private async start(): Promise<LanDiscovery | undefined> {
    try {
      return await LanDiscovery.start({ id: randomBytes(12).toString('base64url'), logger: this.logger, ...discoveryEnvironment(process.env) });
    } catch (err) {
      const error = toNetError(err, 'ERR_DISCOVERY');
      if (!this.warned) this.logger.warn(`${error.code}: ${error.message}; groups on the local network are not listed`);
      this.warned = true;
      return undefined;
    }
  }

  private stop(): void {
    this.unfollow?.();
    this.unfollow = undefined;
    this.repository?.stop();
    this.repository?.discovery.close();
    this.repository = undefined;
    const member = this.member;
    this.member = undefined;
    void member?.then((discovery) => discovery?.close());
  }
}
