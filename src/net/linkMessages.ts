/**
 * What a member link does with each message once it is up: the sender and group must match the
 * link (except messages handed on inside a catch-up page, signed by their authors), logged
 * messages go to the history sync, the rest to the part of the node they concern. Kept apart from
 * `peerNode.ts`, which owns the links themselves.
 */
import { NetError } from './errors';
import type { HistoryMessage } from './groupHistory';
import type { HistorySync } from './historySync';
import type { EnvelopeStamper } from './ids';
import type { Logger } from './logger';
import { assertNever } from './messages';
import type { Message } from './messages';
import type { BanList } from './banList';
import type { PathStats } from './pathStats';
import type { MemberLink } from './peerNodeTypes';
import type { RelayService } from './relay';
import type { RepositoryFailover } from './repositoryFailover';
import { isSignedType } from './signing';

/** What the dispatch needs of its node. */
export interface LinkMessageHost {
  readonly id: string;
  readonly group: string;
  readonly logger: Logger;
  readonly stamper: EnvelopeStamper;
  readonly bans: BanList;
  readonly sync: HistorySync;
  readonly pathStats: PathStats;
  readonly failover: RepositoryFailover;
  readonly relay: RelayService;
  /** The node's Lamport clock now (board messages far ahead of it are refused). */
  lamport(): number;
  /** A message was refused by a rule (rate, clock bound): tell the node's user. */
  refused(error: NetError, link: MemberLink): void;
}

export function onLinkMessage(host: LinkMessageHost, link: MemberLink, message: Message, binary: Buffer | undefined, xml: Buffer): void {
  // Inside a catch-up page a member hands on other authors' messages (signed by them).
  const inPage = host.sync.inPage(link, message) && isSignedType(message);
  if ((message.from !== link.member.id && !inPage) || message.group !== host.group) {
    link.connection.close(new NetError('ERR_PROTOCOL', `Message claims to be from ${message.from} in "${message.group}"`));
    return;
  }
  if (host.bans.hasPeer(link.member.id)) return;
  if (message.type === 'chat' && !inPage && message.to !== undefined && message.to !== host.id) {
    host.logger.debug(`Ignored a direct message from ${link.member.id} addressed to ${message.to}`);
    return;
  }
  if (isSignedType(message)) {
    // A page was asked for, at this member's own pace: its messages keep the clock rule but not the live rates.
    host.sync.onLogged(link, message as HistoryMessage, xml, binary, link.refusal(message, host.lamport(), !inPage));
    return;
  }
  const refusal = link.refusal(message, host.lamport());
  if (refusal !== undefined) {
    link.logRefusal(host.logger, refusal);
    host.refused(refusal, link);
    return;
  }
  switch (message.type) {
    case 'ping':
      link.connection.send(host.stamper.stamp({ type: 'pong', re: message.id }));
      return;
    case 'pong':
      host.pathStats.pongReceived(link.member.id, message.re);
      return;
    case 'bye':
      link.leaveReason = 'bye';
      link.connection.close();
      return;
    case 'error':
      host.logger.warn(`${link.member.name} (${link.member.id}) reports ${message.code}: ${message.text}`);
      return;
    case 'chat':
    case 'note':
    case 'image':
    case 'stroke':
    case 'snippet':
    case 'pin':
      return; // taken above
    case 'ack':
      host.sync.onAck(link, message);
      return;
    case 'sync':
      host.sync.onSync(link, message);
      return;
    case 'moved':
      host.failover.onMoved(link, message);
      return;
    case 'relay':
      host.relay.onMessage(link, message);
      return;
    case 'blob':
      return; // the connection's own image flow: it never leaves the connection
    case 'hello':
    case 'register':
    case 'peers':
    case 'unregister':
      link.connection.close(new NetError('ERR_PROTOCOL', `Unexpected ${message.type} from a member`));
      return;
    default:
      assertNever(message);
  }
}
