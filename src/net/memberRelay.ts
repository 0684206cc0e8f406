/**
 * The relay of a peer node wired to its parts: the tunnel service (`relay.ts`) over the node's
 * links and connections, and the path policy (`relayPaths.ts`) that decides when a member is
 * reached through another. Kept apart so `peerNode.ts` only hooks it in.
 */
import { toNetError } from './errors';
import type { EnvelopeStamper } from './ids';
import type { Logger } from './logger';
import type { Message } from './messages';
import type { MemberConnections } from './memberConnections';
import type { MemberLink, PeerNodeTiming } from './peerNodeTypes';
import { RelayService } from './relay';
import type { RelayLimits } from './relay';
import { RelayPaths } from './relayPaths';
import type { RepositoryClient } from './repositoryClient';

export interface MemberRelayParts {
  id: string;
  logger: Logger;
  timing: PeerNodeTiming;
  stamper: EnvelopeStamper;
  links: ReadonlyMap<string, MemberLink>;
  repository: RepositoryClient;
  connections: MemberConnections;
  /** True while the node joins or is joined. */
  active(): boolean;
  limits?: Partial<RelayLimits>;
}

export function memberRelay(parts: MemberRelayParts): { relay: RelayService; paths: RelayPaths } {
  const { links, repository, connections } = parts;
  const relay = new RelayService(
    {
      id: parts.id,
      logger: parts.logger,
      stamp: (body) => parts.stamper.stamp(body),
      link: (id) => links.get(id),
      listedHost: (id) => repository.lookup(id)?.host,
      incoming: (socket, peer, via) => connections.acceptTunnel(socket, peer, via.member.id),
    },
    parts.limits,
  );
  const paths = new RelayPaths({
    logger: parts.logger,
    timing: parts.timing,
    active: parts.active,
    link: (id) => links.get(id),
    links: () => links.values(),
    listed: (id) => repository.lookup(id),
    dialDirect: (member) => connections.dialMember(member),
    dialRelayed: async (member, via) => {
      let socket;
      try {
        socket = relay.open(via, member.id);
      } catch (err) {
        // This side's own bound (tunnels over one link): that relay is not asked now.
        parts.logger.info(`No tunnel to ${member.id} through ${via.member.id}: ${toNetError(err, 'ERR_RELAY').message}`);
        return false;
      }
      return connections.dialOver(member, socket, via.member.id);
    },
  });
  return { relay, paths };
}

/**
 * Says `bye` on every link: relayed links first, then a turn for their tunnels to write, then the
 * direct ones (the bye to a relay closes the link that carries the tunnels through it).
 */
export async function sendBye(links: Iterable<MemberLink>, bye: Message): Promise<void> {
  const all = [...links];
  for (const link of all) if (link.via !== undefined) link.connection.send(bye);
  await new Promise((resolve) => setImmediate(resolve));
  for (const link of all) if (link.via === undefined) link.connection.send(bye);
}
