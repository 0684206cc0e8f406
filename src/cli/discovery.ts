/**
 * LAN discovery for the terminal tools: `repository` announces the groups it serves, `chat`
 * finds its group's repository with nothing typed and then announces the group as a member (a
 * member's listener points a newcomer at the repository).
 * The environment can keep a team's or a test's discovery apart (`discoveryEnvironment` in
 * src/net/lanGroupServers.ts).
 */
import { toNetError } from '../net/errors';
import { DEFAULT_DISCOVERY_PORT, LanDiscovery } from '../net/lanDiscovery';
import type { DiscoveredServer } from '../net/lanDiscovery';
import { discoveryEnvironment } from '../net/lanGroupServers';
import type { Logger } from '../net/logger';
import { printError } from './output';

export const discoveryOptionUsage = `  --no-discovery    do not announce or look for groups on the local network (UDP port ${DEFAULT_DISCOVERY_PORT})`;

/** How long `chat` listens for its group on the LAN before it falls back to the default address. */
export const FIND_GROUP_MS = 1_500;

/**
 * Starts discovery unless it is turned off; a machine where it cannot listen (the port taken by
 * another program) goes on without it, and says so once.
 */
export async function startDiscovery(id: string, enabled: boolean, logger: Logger, json: boolean): Promise<LanDiscovery | undefined> {
  if (!enabled) return undefined;
  try {
    return await LanDiscovery.start({ id, logger, ...discoveryEnvironment(process.env) });
  } catch (err) {
    const error = toNetError(err, 'ERR_DISCOVERY');
    if (error.code === 'ERR_BAD_INPUT') throw error;
    printError(json, error.code, `${error.message}; going on without LAN discovery`);
    return undefined;
  }
}

/**
 * The server to register with for `group`, as heard on the LAN: one of its repositories, else its
 * longest-serving member; for a group nobody is in yet, the longest-serving repository heard.
 */
export async function findOnLan(discovery: LanDiscovery | undefined, group: string): Promise<{ server: DiscoveredServer; groupFound: boolean } | undefined> {
  if (discovery === undefined) return undefined;
  const found = (await discovery.find(group, FIND_GROUP_MS))?.servers[0];
  if (found !== undefined) return { server: found, groupFound: true };
  const repository = discovery.repositories()[0];
  return repository === undefined ? undefined : { server: repository, groupFound: false };
}
