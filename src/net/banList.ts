/**
 * The bans of one member: IP addresses, host names (resolved here, once, because the user typed
 * them) and peer ids (member keys). A banned key cannot finish a handshake with this member; a
 * banned address cannot even start one.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from './logger';

export class BanList {
  private readonly entries = new Set<string>();
  /** Addresses the banned host names resolved to. */
  private readonly resolved = new Set<string>();

  constructor(
    entries: readonly string[],
    private readonly logger: Logger,
  ) {
    for (const entry of entries) this.entries.add(entry.trim());
  }

  /** Resolves the banned host names given at construction. */
  resolveAll(): Promise<void> {
    return this.resolve([...this.entries]);
  }

  /** Adds an entry (and resolves it when it is a host name). */
  async add(entry: string): Promise<void> {
    const value = entry.trim();
    this.entries.add(value);
    await this.resolve([value]);
  }

  hasPeer(id: string): boolean {
    return this.entries.has(id);
  }

  hasAddress(address: string): boolean {
    return this.entries.has(address) || this.entries.has(address.toLowerCase()) || this.resolved.has(address);
  }

  private async resolve(entries: string[]): Promise<void> {
    const hostNames = entries.filter((e) => isIP(e) === 0 && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(e) && /[.]|^localhost$/i.test(e));
    await Promise.all(
      hostNames.map(async (host) => {
        try {
          for (const { address } of await lookup(host, { all: true })) this.resolved.add(address);
        } catch {
          this.logger.debug(`Banned host name ${host} does not resolve`);
        }
      }),
    );
  }
}
