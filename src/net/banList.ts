/**
 * The bans of one member: IP addresses, host names (resolved here, once, because the user typed
 * them) and peer ids (member keys). A banned key cannot finish a handshake with this member; a
 * banned address cannot even start one.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { NetError } from './errors';
import type { Logger } from './logger';
import type { MemberLink } from './peerNodeTypes';

export class BanList {
  private readonly entries = new Set<string>();
  /** Addresses the banned host names resolved to. */
  private readonly resolved = new Set<string>();

  constructor(
    entries: readonly string[],
    private readonly logger: Logger,
  ) {
    for (const entry of entries) this.entries.add(normalEntry(entry));
  }

  /** Closes, with `ERR_BANNED`, the links of banned members and of members at banned addresses. */
  closeBanned(links: Iterable<MemberLink>): void {
    for (const link of links) {
      if (this.hasPeer(link.member.id) || this.hasAddress(link.connection.remoteAddress)) {
        link.leaveReason = 'banned';
        link.connection.close(new NetError('ERR_BANNED', 'You are banned by this member'));
      }
    }
  }

  /** Resolves the banned host names given at construction. */
  resolveAll(): Promise<void> {
    return this.resolve([...this.entries]);
  }

  /** Adds an entry (and resolves it when it is a host name). */
  async add(entry: string): Promise<void> {
    const value = normalEntry(entry);
    this.entries.add(value);
    await this.resolve([value]);
  }

  /** Replaces every entry (the user edited the list): a removed entry is lifted at once. */
  async replace(entries: readonly string[]): Promise<void> {
    this.entries.clear();
    this.resolved.clear();
    for (const entry of entries) this.entries.add(normalEntry(entry));
    await this.resolveAll();
  }

  hasPeer(id: string): boolean {
    return this.entries.has(id);
  }

  hasAddress(address: string): boolean {
    const normal = normalEntry(address);
    return this.entries.has(normal) || this.resolved.has(normal);
  }

  private async resolve(entries: string[]): Promise<void> {
    const hostNames = entries.filter((e) => isIP(e) === 0 && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(e) && /[.]|^localhost$/i.test(e));
    await Promise.all(
      hostNames.map(async (host) => {
        try {
          for (const { address } of await lookup(host, { all: true })) this.resolved.add(normalEntry(address));
        } catch {
          this.logger.debug(`Banned host name ${host} does not resolve`);
        }
      }),
    );
  }
}

/**
 * One spelling per ban entry: an IP address in lower case without IPv4-mapping (`FE80::1` and
 * `fe80::1` are one address; so are `::ffff:10.0.0.5` and `10.0.0.5`); peer ids and host names as
 * typed (peer ids are case-sensitive).
 */
function normalEntry(entry: string): string {
  const value = entry.trim();
  if (isIP(value) === 0) return value;
  const lower = value.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
