/**
 * What repositories and members do with LAN discovery (lanDiscovery.ts), for the terminal tools and
 * the extension alike: a repository announces the groups it serves; a member follows the repository
 * that has served its group longest, so that two repositories that find each other for one group
 * (two windows that each started one) end up as one group, not two halves.
 */
import { NetError } from './errors';
import { isLocalHost } from './interfaceAddresses';
import type { DiscoveredServer, LanDiscovery, LanDiscoveryOptions } from './lanDiscovery';
import type { Logger } from './logger';
import type { RepositoryServer } from './repositoryServer';
import { formatAddress } from './tcp';
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

/**
 * Keeps `member` on the repository that has served its group longest on the LAN: checks whenever
 * what is heard changes. Returns a function that stops.
 */
export function followLongestServing(discovery: LanDiscovery, member: RepositoryFollower, logger: Logger): () => void {
  const check = (): void => {
    const to = longerServing(discovery, member);
    if (to === undefined) return;
    logger.info(`Another repository has served "${member.group}" longer on this network, at ${formatAddress(to)}: moving there so that the group is one`);
    member.moveRepository({ host: to.host, port: to.port });
  };
  discovery.on('changed', check);
  check();
  return () => discovery.off('changed', check);
}
