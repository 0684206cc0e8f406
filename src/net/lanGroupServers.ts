/**
 * What repositories and members do with LAN discovery (lanDiscovery.ts), for the terminal tools and
 * the extension alike: a repository announces the groups it serves; a member follows the repository
 * that has served its group longest, so that two repositories that find each other for one group
 * (two windows that each started one) end up as one group, not two halves.
 */
import { NetError, toNetError } from './errors';
import { isLocalHost } from './interfaceAddresses';
import type { DiscoveredServer, LanDiscovery, LanDiscoveryOptions } from './lanDiscovery';
import type { Logger } from './logger';
import type { RepositoryServer } from './repositoryServer';
import { dial, formatAddress } from './tcp';
import type { HostPort } from './tcp';

/**
 * The discovery port and targets from the environment: `TEAM_NOTES_DISCOVERY_PORT` (default
 * 46801) and `TEAM_NOTES_DISCOVERY_TARGETS` (comma-separated addresses to send to instead of
 * multicast and broadcast on every interface) keep a team's or a test's discovery apart.
 */
export function discoveryEnvironment(env: NodeJS.ProcessEnv): Pick<LanDiscoveryOptions, 'port' | 'targets'> {
  const options: Pick<LanDiscoveryOptions, 'port' | 'targets'> = {};
  const port = env.TEAM_NOTES_DISCOVERY_PORT;
  if (port !== undefined && port !== '') {
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
      throw new NetError('ERR_BAD_INPUT', `TEAM_NOTES_DISCOVERY_PORT=${port} is not a port number (1 to 65535)`);
    }
    options.port = Number(port);
  }
  const targets = env.TEAM_NOTES_DISCOVERY_TARGETS;
  if (targets !== undefined && targets !== '') options.targets = targets.split(',').map((t) => t.trim()).filter((t) => t !== '');
  return options;
}

/**
 * Announces the groups `server` serves (listening on `port` since `since`) now and whenever a
 * member comes or goes. A repository cannot know a group's password (members prove it to each
 * other, not to it). With no group yet it still announces itself, so that the first member of a
 * new group finds it. Returns a function that stops following the server.
 */
export function announceRepository(discovery: LanDiscovery, server: RepositoryServer, port: number, since: number): () => void {
  const announce = (): void => discovery.serve('repository', port, server.groupNames().map((group) => ({ group, passwordRequired: undefined })), since);
  announce();
  server.on('memberJoined', announce);
  server.on('memberLeft', announce);
  return () => {
    server.off('memberJoined', announce);
    server.off('memberLeft', announce);
  };
}

/** True when a server heard on the LAN is the one at `target` (this machine's own by any of its addresses). */
export function isServerAt(server: Pick<DiscoveredServer, 'host' | 'port'>, target: HostPort): boolean {
  if (server.port !== target.port) return false;
  return server.host === target.host || (isLocalHost(server.host) && isLocalHost(target.host));
}

/** The member side of a group, as {@link followLongestServing} needs it (a PeerNode). */
export interface RepositoryFollower {
  readonly group: string;
  readonly repositoryTarget: HostPort;
  moveRepository(to: HostPort): void;
}

/**
 * The repository `member` should move to, or undefined to stay: one that has served the group
 * longer than the one the member registers at, when both are heard. Every member of the group
 * hears the same beacons and picks the same one, so the group ends up on one repository. A member
 * whose repository is not heard (one across a router, a stand-in member) stays where it is: it
 * cannot tell which of the two is older.
 */
export function longerServing(discovery: Pick<LanDiscovery, 'groups'>, member: Pick<RepositoryFollower, 'group' | 'repositoryTarget'>): DiscoveredServer | undefined {
  const servers = discovery.groups().find((g) => g.group === member.group)?.servers.filter((s) => s.role === 'repository') ?? [];
  const current = servers.find((s) => isServerAt(s, member.repositoryTarget));
  if (current === undefined) return undefined;
  // Longest-serving first; the beacon's random id breaks a tie the same way everywhere.
  const oldest = [...servers].sort((a, b) => a.since - b.since || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))[0]!;
  return oldest === current ? undefined : oldest;
}

/** How long a member waits before trying again to move to a repository that did not answer, in ms. */
const UNANSWERED_RETRY_MS = 30_000;
/** How long the check that a repository answers may take, in ms. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Keeps `member` on the repository that has served its group longest on the LAN: checks whenever
 * what is heard changes. A beacon's source address can be forged, so the member moves only to a
 * repository that accepts a connection, and tries one that did not at most every 30 s. Returns a
 * function that stops.
 */
export function followLongestServing(discovery: LanDiscovery, member: RepositoryFollower, logger: Logger): () => void {
  const unanswered = new Map<string, number>();
  let probing = false;
  let stopped = false;
  const check = async (): Promise<void> => {
    const to = longerServing(discovery, member);
    if (to === undefined || probing || stopped) return;
    const target = { host: to.host, port: to.port };
    const address = formatAddress(target);
    if ((unanswered.get(address) ?? 0) > Date.now()) return;
    probing = true;
    try {
      (await dial(target, { timeoutMs: PROBE_TIMEOUT_MS })).destroy();
    } catch (err) {
      unanswered.set(address, Date.now() + UNANSWERED_RETRY_MS);
      logger.warn(`A repository announced for "${member.group}" at ${address} does not answer (${toNetError(err).code}): staying at ${formatAddress(member.repositoryTarget)}`);
      return;
    } finally {
      probing = false;
    }
    // Still the one to follow (nothing changed while the probe ran, or stopped)?
    if (stopped || longerServing(discovery, member)?.port !== to.port || longerServing(discovery, member)?.host !== to.host) return;
    logger.info(`Another repository has served "${member.group}" longer on this network, at ${address}: moving there so that the group is one`);
    member.moveRepository(target);
  };
  const onChange = (): void => void check();
  discovery.on('changed', onChange);
  // Beacons that repeat themselves change nothing: one that did not answer is tried again on a timer.
  const retry = setInterval(onChange, UNANSWERED_RETRY_MS);
  retry.unref();
  onChange();
  return () => {
    stopped = true;
    clearInterval(retry);
    discovery.off('changed', onChange);
  };
}
