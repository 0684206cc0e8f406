/**
 * LAN discovery: repositories and members say which groups they serve in a UDP beacon
 * (`beacon.ts`) every couple of seconds, and listen for everyone else's, so a newcomer finds its
 * group with nothing typed.
 *
 * Plain `node:dgram` rather than mDNS (`multicast-dns`, `bonjour-service`): those libraries query
 * on one interface only and go unanswered with several adapters (open issues in both), and a
 * beacon needs none of DNS-SD's records. Like BeeBEEP, each beat goes out on every IPv4 interface
 * twice: to the multicast group (joined on each interface) and to the interface's broadcast
 * address, which reaches hosts whose switch drops multicast. A typed repository address stays the
 * fallback for networks that carry neither.
 *
 * What a stranger on the LAN can do with it is bounded: a beacon is at most 1,200 bytes and 16
 * groups; the address is always the datagram's source, never one the beacon names; each source
 * and all of them together have a rate; the table holds at most 256 sources and forgets one that
 * falls silent. A forged beacon can only make a group be listed; joining still runs the handshake,
 * which proves the group password and every member's key.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';
import { decodeBeacon, encodeBeacon } from './beacon';
import type { Beacon, BeaconOffer, BeaconRole } from './beacon';
import { NetError, toNetError } from './errors';
import { silentLogger } from './logger';
import type { Logger } from './logger';
import { broadcastAddress, interfaceFor } from './interfaceAddresses';
import type { NamedAddress } from './interfaceAddresses';
import { TokenBucket } from './rateLimit';

export { broadcastAddress, interfaceFor } from './interfaceAddresses';

export const DEFAULT_DISCOVERY_PORT = 46801;
/** An administratively scoped (RFC 2365, organisation-local) group: it stays inside the site. */
export const DEFAULT_MULTICAST_GROUP = '239.255.46.80';

export interface DiscoveryLimits {
  /** Sources (address + peer id) remembered at once; a newcomer beyond it waits for one to expire. */
  maxSources: number;
  /** Beacons per second taken from one source address (burst twice that). */
  perSource: number;
  /** Beacons per second taken from all sources together (burst twice that). */
  total: number;
}

export const DEFAULT_DISCOVERY_LIMITS: DiscoveryLimits = { maxSources: 256, perSource: 5, total: 200 };

export interface LanDiscoveryOptions {
  /** This process's peer id: its own beacons are recognised and ignored. */
  id: string;
  port?: number;
  multicastGroup?: string;
  /**
   * Send to these addresses only, and join no multicast group (tests: `['127.255.255.255']`, the
   * loopback broadcast). Default: multicast and broadcast on every IPv4 interface.
   */
  targets?: readonly string[];
  /** Interval between beats, in ms (default 2,000). */
  intervalMs?: number;
  /** A source not heard for this long is forgotten (default three beats and a second). */
  expiryMs?: number;
  limits?: Partial<DiscoveryLimits>;
  logger?: Logger;
  /** The machine's interfaces (default `os.networkInterfaces`), read again at every beat. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** One repository or member that serves a group, as heard on the LAN. */
export interface DiscoveredServer {
  /** The address the beacon came from: where to connect. */
  host: string;
  port: number;
  role: BeaconRole;
  from: string;
  since: number;
  /** The local interface whose subnet holds `host`, when one does. */
  via: string | undefined;
  lastSeen: number;
}

export interface DiscoveredGroup {
  group: string;
  /** True when any member says so; undefined when only repositories (which cannot know) were heard. */
  passwordRequired: boolean | undefined;
  /** Repositories first, then the longest-serving. */
  servers: DiscoveredServer[];
}

interface Source {
  beacon: Beacon;
  server: DiscoveredServer;
}

interface LanDiscoveryEvents {
  /** The list of groups heard changed. */
  changed: [];
  /** A datagram was refused (a coded error; nothing else happens). */
  refused: [NetError, string];
}

interface Served {
  role: BeaconRole;
  port: number;
  since: number;
  offers: BeaconOffer[];
}

export class LanDiscovery extends EventEmitter<LanDiscoveryEvents> {
  private readonly sources = new Map<string, Source>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly totalBucket: TokenBucket;
  private readonly limits: DiscoveryLimits;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly expiryMs: number;
  private readonly memberships = new Set<string>();
  private served: Served | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly options: LanDiscoveryOptions,
    readonly port: number,
  ) {
    super();
    this.limits = { ...DEFAULT_DISCOVERY_LIMITS, ...options.limits };
    this.logger = options.logger ?? silentLogger;
    this.intervalMs = options.intervalMs ?? 2_000;
    this.expiryMs = options.expiryMs ?? 3 * this.intervalMs + 1_000;
    this.totalBucket = new TokenBucket(this.limits.total, 2 * this.limits.total);
  }

  /** Binds the discovery port (shared with other Team Notes processes on this machine) and starts beating. */
  static async start(options: LanDiscoveryOptions): Promise<LanDiscovery> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    const port = await new Promise<number>((resolve, reject) => {
      socket.once('error', (err) => reject(new NetError('ERR_DISCOVERY', `Cannot listen for LAN discovery on UDP port ${options.port ?? DEFAULT_DISCOVERY_PORT}: ${err.message}`, { cause: err })));
      socket.bind(options.port ?? DEFAULT_DISCOVERY_PORT, () => resolve(socket.address().port));
    });
    const discovery = new LanDiscovery(socket, options, port);
    socket.removeAllListeners('error');
    // A send or receive error (an interface gone, a full buffer) is the network's, not fatal.
    socket.on('error', (err) => discovery.logger.debug(`LAN discovery: ${err.message}`));
    socket.on('message', (datagram, remote) => discovery.onDatagram(datagram, remote));
    socket.setBroadcast(true);
    // Discovery never keeps a process alive by itself: what it serves does.
    socket.unref();
    discovery.refreshMemberships();
    discovery.timer = setInterval(() => discovery.beat(), discovery.intervalMs);
    discovery.timer.unref();
    discovery.send(discovery.ourBeacon(true));
    return discovery;
  }

  /** Announces `offers` (replacing what was announced), at once and then at every beat. */
  serve(role: BeaconRole, port: number, offers: readonly BeaconOffer[], since = Date.now()): void {
    this.served = { role, port, since, offers: [...offers] };
    this.send(this.ourBeacon(false));
  }

  /** Stops announcing (listening goes on). */
  stopServing(): void {
    this.served = undefined;
  }

  /** Asks everyone on the LAN to announce now, rather than at their next beat. */
  ask(): void {
    this.send(this.ourBeacon(true));
  }

  /** The groups heard on the LAN, by name. */
  groups(): DiscoveredGroup[] {
    this.expire();
    const byGroup = new Map<string, DiscoveredGroup>();
    for (const { beacon, server } of this.sources.values()) {
      for (const offer of beacon.offers) {
        const group: DiscoveredGroup = byGroup.get(offer.group) ?? { group: offer.group, passwordRequired: undefined, servers: [] };
        if (offer.passwordRequired !== undefined) group.passwordRequired = group.passwordRequired === true || offer.passwordRequired;
        group.servers.push(server);
        byGroup.set(offer.group, group);
      }
    }
    const order = (a: DiscoveredServer, b: DiscoveredServer): number => (a.role === b.role ? 0 : a.role === 'repository' ? -1 : 1) || longestServingFirst(a, b);
    return [...byGroup.values()].map((g) => ({ ...g, servers: g.servers.sort(order) })).sort((a, b) => a.group.localeCompare(b.group));
  }

  /** The repositories heard, whatever they serve (a new group needs one), the longest-serving first. */
  repositories(): DiscoveredServer[] {
    this.expire();
    return [...this.sources.values()].filter((s) => s.server.role === 'repository').map((s) => s.server).sort(longestServingFirst);
  }

  /**
   * Where `group` is served, asking the LAN and waiting up to `timeoutMs` for a repository of it
   * (members answer too, often first; what was heard by then is the answer).
   */
  async find(group: string, timeoutMs: number): Promise<DiscoveredGroup | undefined> {
    const found = (): DiscoveredGroup | undefined => this.groups().find((g) => g.group === group);
    const complete = (): boolean => found()?.servers.some((s) => s.role === 'repository') === true;
    if (complete()) return found();
    this.ask();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.off('changed', onChange);
        resolve(found());
      };
      const onChange = (): void => {
        if (complete() || this.closed) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.on('changed', onChange);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.socket.close();
    this.sources.clear();
    this.emit('changed');
  }

  private beat(): void {
    this.refreshMemberships();
    if (this.expire()) this.emit('changed');
    if (this.served !== undefined) this.send(this.ourBeacon(false));
  }

  private ourBeacon(ask: boolean): Beacon {
    const served = this.served;
    return {
      from: this.options.id,
      role: served?.role ?? 'member',
      // A beacon that only asks still needs a valid port; it offers no group, so nobody dials it.
      port: served?.port ?? this.port,
      since: served?.since ?? 0,
      ask,
      offers: served?.offers ?? [],
    };
  }

  private send(beacon: Beacon, to?: RemoteInfo): void {
    if (this.closed) return;
    let datagram: Buffer;
    try {
      datagram = encodeBeacon(beacon);
    } catch (err) {
      this.logger.warn(`LAN discovery: cannot announce: ${toNetError(err).message}`);
      return;
    }
    const port = this.options.port ?? DEFAULT_DISCOVERY_PORT;
    const sendTo = (address: string, targetPort: number): void => this.socket.send(datagram, targetPort, address, () => undefined);
    if (to !== undefined) return sendTo(to.address, to.port);
    if (this.options.targets !== undefined) {
      for (const target of this.options.targets) sendTo(target, port);
      return;
    }
    const group = this.options.multicastGroup ?? DEFAULT_MULTICAST_GROUP;
    for (const address of this.interfaceAddresses()) {
      try {
        this.socket.setMulticastInterface(address.address);
        sendTo(group, port);
      } catch (err) {
        this.logger.debug(`LAN discovery: no multicast on ${address.name}: ${(err as Error).message}`);
      }
      const broadcast = broadcastAddress(address);
      if (broadcast !== undefined) sendTo(broadcast, port);
    }
  }

  private onDatagram(datagram: Buffer, remote: RemoteInfo): void {
    if (this.closed) return;
    if (!this.totalBucket.take() || !this.bucketOf(remote.address).take()) return; // over the rate: dropped unread
    let beacon: Beacon;
    try {
      beacon = decodeBeacon(datagram);
    } catch (err) {
      const error = toNetError(err, 'ERR_BAD_BEACON');
      this.logger.debug(`LAN discovery: refused a datagram from ${remote.address}:${remote.port}: ${error.code} ${error.message}`);
      this.emit('refused', error, remote.address);
      return;
    }
    if (beacon.from === this.options.id) return; // our own, looped back
    if (beacon.ask && this.served !== undefined) this.send(this.ourBeacon(false), remote);
    this.remember(beacon, remote);
  }

  private remember(beacon: Beacon, remote: RemoteInfo): void {
    const key = `${remote.address}|${beacon.from}`;
    const known = this.sources.get(key);
    // A member serving nothing is nothing to list; a repository with no group yet still is (for a new group).
    if (beacon.offers.length === 0 && beacon.role === 'member') {
      if (known !== undefined && this.sources.delete(key)) this.emit('changed');
      return;
    }
    if (known === undefined && this.sources.size >= this.limits.maxSources) {
      this.expire();
      if (this.sources.size >= this.limits.maxSources) return; // full: the ones already heard keep their places
    }
    const server: DiscoveredServer = {
      host: remote.address,
      port: beacon.port,
      role: beacon.role,
      from: beacon.from,
      since: beacon.since,
      via: interfaceFor(remote.address, this.interfaceAddresses(true)),
      lastSeen: performance.now(),
    };
    const changed = known === undefined || !sameOffer(known.beacon, beacon);
    this.sources.set(key, { beacon, server });
    if (changed) this.emit('changed');
  }

  /** Forgets silent sources and their rate buckets; true when a source went. */
  private expire(): boolean {
    const now = performance.now();
    let gone = false;
    for (const [key, source] of this.sources) {
      if (now - source.server.lastSeen > this.expiryMs) {
        this.sources.delete(key);
        gone = true;
      }
    }
    if (this.buckets.size > 4 * this.limits.maxSources) this.buckets.clear();
    return gone;
  }

  private bucketOf(address: string): TokenBucket {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limits.perSource, 2 * this.limits.perSource);
      this.buckets.set(address, bucket);
    }
    return bucket;
  }

  /** Joins the multicast group on interfaces that appeared since the last beat (a VPN coming up). */
  private refreshMemberships(): void {
    if (this.options.targets !== undefined) return;
    const group = this.options.multicastGroup ?? DEFAULT_MULTICAST_GROUP;
    for (const address of this.interfaceAddresses()) {
      if (this.memberships.has(address.address)) continue;
      try {
        this.socket.addMembership(group, address.address);
        this.memberships.add(address.address);
      } catch (err) {
        this.logger.debug(`LAN discovery: cannot join ${group} on ${address.name}: ${(err as Error).message}`);
      }
    }
  }

  private interfaceAddresses(withLoopback = false): NamedAddress[] {
    const all = (this.options.interfaces ?? networkInterfaces)();
    const out: NamedAddress[] = [];
    for (const [name, addresses] of Object.entries(all)) {
      for (const a of addresses ?? []) if (a.family === 'IPv4' && (withLoopback || !a.internal)) out.push({ ...a, name });
    }
    return out;
  }
}


function longestServingFirst(a: DiscoveredServer, b: DiscoveredServer): number {
  return a.since - b.since || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0);
}

function sameOffer(a: Beacon, b: Beacon): boolean {
  return a.port === b.port && a.role === b.role && a.since === b.since && a.offers.length === b.offers.length && a.offers.every((o, i) => o.group === b.offers[i]!.group && o.passwordRequired === b.offers[i]!.passwordRequired);
}
