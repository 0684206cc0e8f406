/**
 * LAN discovery over real UDP sockets on loopback: the beacons go to the loopback broadcast address
 * (127.255.255.255) on a free port, so several discovery instances, and a hostile raw socket,
 * share it as processes on one LAN segment would. Nothing leaves the machine.
 */
import { strict as assert } from 'node:assert';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import fc from 'fast-check';
import { decodeBeacon, encodeBeacon, MAX_BEACON_BYTES, MAX_BEACON_OFFERS } from '../../src/net/beacon';
import type { Beacon } from '../../src/net/beacon';
import { NetError } from '../../src/net/errors';
import { broadcastAddress, interfaceFor, LanDiscovery } from '../../src/net/lanDiscovery';
import type { DiscoveredGroup, LanDiscoveryOptions } from '../../src/net/lanDiscovery';
import { freeUdpPort } from '../helpers/ports';

const LOOPBACK_BROADCAST = '127.255.255.255';

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const beacon = (over: Partial<Beacon> = {}): Beacon => ({
  from: 'peer-aaaaaaaa',
  role: 'repository',
  port: 46800,
  since: 1_700_000_000_000,
  ask: false,
  offers: [{ group: 'design', passwordRequired: true }],
  ...over,
});

describe('LAN discovery beacons', () => {
  it('round-trips a beacon, and cuts the offers to what one datagram holds', () => {
    const b = beacon({ offers: [{ group: 'design', passwordRequired: true }, { group: 'ops infra', passwordRequired: false }] });
    assert.deepEqual(decodeBeacon(encodeBeacon(b)), b);
    const many = beacon({ offers: Array.from({ length: 40 }, (_, i) => ({ group: `${'g'.repeat(60)}${i}`, passwordRequired: i % 2 === 0 })) });
    const datagram = encodeBeacon(many);
    assert.ok(datagram.length <= MAX_BEACON_BYTES, `${datagram.length} bytes`);
    const decoded = decodeBeacon(datagram);
    assert.ok(decoded.offers.length >= 1 && decoded.offers.length <= MAX_BEACON_OFFERS);
    assert.deepEqual(decoded.offers, many.offers.slice(0, decoded.offers.length));
  });

  it('refuses with a code what is not a beacon of the schema', () => {
    const refusals: Array<[string, string]> = [
      ['<!DOCTYPE x [<!ENTITY a "b">]><beacon/>', 'ERR_BAD_XML'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no"><offer group="x" password="yes"><offer/></offer></beacon>', 'ERR_BAD_XML'],
      ['<chat v="1"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="2" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="repository" port="0" since="0" ask="no"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="-1" ask="no"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="admin" port="46800" since="0" ask="no"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no" host="10.0.0.9"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="x" role="repository" port="46800" since="0" ask="no"/>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no"><offer group="a\u0007b" password="yes"/></beacon>', 'ERR_BAD_BEACON'],
      ['<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no"><offer group="a" password="yes"/><offer group="a" password="no"/></beacon>', 'ERR_BAD_BEACON'],
      [`<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no">${'<offer group="a" password="yes"/>'.repeat(17)}</beacon>`, 'ERR_BAD_BEACON'],
      [`<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no">${' '.repeat(MAX_BEACON_BYTES)}</beacon>`, 'ERR_BAD_BEACON'],
    ];
    for (const [xml, code] of refusals) {
      assert.throws(() => decodeBeacon(Buffer.from(xml)), (err: unknown) => err instanceof NetError && err.code === code, `${code} expected for ${xml.slice(0, 90)}`);
    }
  });

  it('never throws anything but a coded error, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1_400 }), (bytes) => {
        try {
          decodeBeacon(bytes);
        } catch (err) {
          assert.ok(err instanceof NetError, String(err));
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('interface arithmetic', () => {
  it('computes directed broadcast addresses and which interface reaches a host', () => {
    assert.equal(broadcastAddress({ address: '192.168.1.23', netmask: '255.255.255.0' }), '192.168.1.255');
    assert.equal(broadcastAddress({ address: '10.4.0.1', netmask: '255.252.0.0' }), '10.7.255.255');
    assert.equal(broadcastAddress({ address: '10.4.0.1', netmask: '255.255.255.255' }), undefined);
    const addresses = [
      { name: 'eth0', address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '', internal: false, cidr: null },
      { name: 'tun0', address: '10.8.0.2', netmask: '255.255.0.0', family: 'IPv4' as const, mac: '', internal: false, cidr: null },
    ];
    assert.equal(interfaceFor('192.168.1.200', addresses), 'eth0');
    assert.equal(interfaceFor('10.8.44.1', addresses), 'tun0');
    assert.equal(interfaceFor('172.16.0.1', addresses), undefined);
  });
});

describe('LAN discovery on a shared UDP port (loopback broadcast)', function () {
  this.timeout(20_000);
  let port: number;
  const started: LanDiscovery[] = [];
  const raw: Socket[] = [];

  beforeEach(async () => {
    port = await freeUdpPort();
  });

  afterEach(() => {
    for (const d of started.splice(0)) d.close();
    for (const s of raw.splice(0)) s.close();
  });

  async function discovery(id: string, options: Partial<LanDiscoveryOptions> = {}): Promise<LanDiscovery> {
    const d = await LanDiscovery.start({ id, port, targets: [LOOPBACK_BROADCAST], intervalMs: 200, limits: { perSource: 1_000, total: 5_000 }, ...options });
    started.push(d);
    return d;
  }

  async function rawSender(): Promise<Socket> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.setBroadcast(true);
    raw.push(s);
    return s;
  }

  const groupOf = (d: LanDiscovery, name: string): DiscoveredGroup | undefined => d.groups().find((g) => g.group === name);

  it('three processes on one segment: a newcomer finds the group, repository first, at the address the beacon came from', async () => {
    const repository = await discovery('repo-11111111');
    const member = await discovery('member-22222222');
    const newcomer = await discovery('newcomer-33333333');
    member.serve('member', 40002, [{ group: 'design', passwordRequired: true }], 2_000);
    repository.serve('repository', 46800, [{ group: 'design', passwordRequired: true }, { group: 'ops', passwordRequired: false }], 1_000);
    const design = await newcomer.find('design', 3_000);
    assert.ok(design, 'design was not found');
    await until('both servers of design', () => (groupOf(newcomer, 'design')?.servers.length === 2 ? true : undefined));
    const servers = groupOf(newcomer, 'design')!.servers;
    assert.deepEqual(
      servers.map((s) => [s.role, s.host, s.port, s.from, s.via]),
      [
        ['repository', '127.0.0.1', 46800, 'repo-11111111', 'lo'],
        ['member', '127.0.0.1', 40002, 'member-22222222', 'lo'],
      ],
    );
    assert.equal(groupOf(newcomer, 'design')!.passwordRequired, true);
    assert.equal(groupOf(newcomer, 'ops')?.passwordRequired, false);
    // Nobody lists itself.
    assert.ok(!groupOf(repository, 'ops'), 'the repository lists its own group');
  });

  it('an ask is answered at once, not at the next beat', async () => {
    const repository = await discovery('repo-11111111', { intervalMs: 60_000 });
    repository.serve('repository', 46800, [{ group: 'design', passwordRequired: false }]);
    const newcomer = await discovery('newcomer-33333333', { intervalMs: 60_000 });
    const started = performance.now();
    const found = await newcomer.find('design', 2_000);
    assert.ok(found, 'the ask went unanswered');
    assert.ok(performance.now() - started < 1_500, `found after ${Math.round(performance.now() - started)} ms`);
  });

  it('forgets a server that stops announcing, and one that says it serves nothing any more', async () => {
    const a = await discovery('repo-11111111', { expiryMs: 700 });
    const b = await discovery('member-22222222', { expiryMs: 700 });
    const c = await discovery('watcher-33333333', { expiryMs: 700 });
    a.serve('repository', 46800, [{ group: 'design', passwordRequired: false }]);
    b.serve('member', 40002, [{ group: 'design', passwordRequired: false }]);
    await until('two servers', () => (groupOf(c, 'design')?.servers.length === 2 ? true : undefined));
    a.close();
    await until('the closed one forgotten', () => (groupOf(c, 'design')?.servers.length === 1 ? true : undefined), 3_000);
    b.serve('member', 40002, []);
    await until('the group gone', () => (groupOf(c, 'design') === undefined ? true : undefined), 3_000);
  });

  it('garbage, oversized and hostile datagrams are refused with a code and change nothing', async () => {
    const watcher = await discovery('watcher-33333333');
    const refused: string[] = [];
    watcher.on('refused', (error) => refused.push(error.code));
    const s = await rawSender();
    const datagrams = [
      Buffer.from('hello'),
      Buffer.alloc(1_400, 0x41),
      Buffer.from('<!DOCTYPE b [<!ENTITY x "y">]><beacon/>'),
      Buffer.from('<beacon v="1" from="peer-aaaaaaaa" role="repository" port="1" since="0" ask="no" __proto__="x"/>'),
      Buffer.from([0xff, 0xfe, 0x00, 0x3c]),
      Buffer.from(`<beacon v="1" from="peer-aaaaaaaa" role="repository" port="46800" since="0" ask="no"><offer group="\u202Eevil" password="no"/></beacon>`),
    ];
    for (const d of datagrams) s.send(d, port, LOOPBACK_BROADCAST);
    await until('every datagram refused', () => (refused.length === datagrams.length ? true : undefined));
    assert.deepEqual(watcher.groups(), []);
    // Names that are object keys elsewhere are just names here.
    s.send(encodeBeacon(beacon({ from: '__proto__', offers: [{ group: 'constructor', passwordRequired: false }] })), port, LOOPBACK_BROADCAST);
    const listed = await until('the odd names listed', () => groupOf(watcher, 'constructor'));
    assert.equal(listed.servers[0]!.from, '__proto__');
    assert.equal(({} as Record<string, unknown>).port, undefined);
    assert.ok(refused.every((code) => code === 'ERR_BAD_BEACON' || code === 'ERR_BAD_XML'), refused.join(' '));
  });

  it('a flood of forged beacons with thousands of groups stays bounded, and real ones are heard again after it', async () => {
    const watcher = await discovery('watcher-33333333', { limits: { maxSources: 64, perSource: 50, total: 100 } });
    const s = await rawSender();
    let sent = 0;
    for (let round = 0; round < 20; round += 1) {
      for (let i = 0; i < 250; i += 1) {
        const forged = beacon({ from: `forged-${String(sent).padStart(8, '0')}`, offers: Array.from({ length: 16 }, (_, g) => ({ group: `g${sent}-${g}`, passwordRequired: false })) });
        s.send(encodeBeacon(forged), port, LOOPBACK_BROADCAST);
        sent += 1;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    const groups = watcher.groups();
    assert.ok(groups.length <= 64 * 16, `${groups.length} groups held after ${sent} forged beacons`);
    const sources = new Set(groups.flatMap((g) => g.servers.map((x) => x.from)));
    assert.ok(sources.size <= 64, `${sources.size} sources held`);
    assert.ok(sources.size < sent / 10, `${sources.size} of ${sent} forged sources taken: the rate limit did not hold`);
    // The process is fine and listens on: once the flood is over, a real server is heard.
    await new Promise((r) => setTimeout(r, 1_100));
    const repository = await discovery('repo-11111111');
    repository.serve('repository', 46800, [{ group: 'design', passwordRequired: false }]);
    await until('the real group after the flood', () => groupOf(watcher, 'design'), 5_000);
  });
});
