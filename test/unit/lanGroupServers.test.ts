/**
 * A member follows the repository that has served its group longest on the LAN (so that two
 * repositories of one group end up as one), but never on a beacon's word alone: a forged beacon
 * pointing at an address that does not answer moves nobody. Real discovery on the loopback
 * broadcast address and a free port; beacons from a raw UDP socket; real TCP listeners.
 */
import { strict as assert } from 'node:assert';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { encodeBeacon } from '../../src/net/beacon';
import type { Beacon } from '../../src/net/beacon';
import { LanDiscovery } from '../../src/net/lanDiscovery';
import { followLongestServing, isServerAt, longerServing } from '../../src/net/lanGroupServers';
import type { RepositoryFollower } from '../../src/net/lanGroupServers';
import type { Logger } from '../../src/net/logger';
import type { HostPort } from '../../src/net/tcp';
import { freeUdpPort } from '../helpers/ports';

const LOOPBACK_BROADCAST = '127.255.255.255';

async function until(what: string, probe: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;

const repositoryBeacon = (from: string, port: number, since: number, group = 'design'): Beacon => ({ from, role: 'repository', port, since, ask: false, offers: [{ group, passwordRequired: undefined }] });

describe('following the longest-serving repository of a group', function () {
  this.timeout(20_000);
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  /** The member's discovery, and a raw socket repeating `beacons` every second (within the per-address rate). */
  async function lan(): Promise<{ discovery: LanDiscovery; announce: (beacon: Beacon, repeat?: boolean) => void }> {
    const port = await freeUdpPort();
    const discovery = await LanDiscovery.start({ id: 'member-under-test', port, targets: [LOOPBACK_BROADCAST], intervalMs: 1_000 });
    const raw: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', () => resolve()));
    raw.setBroadcast(true);
    const beacons: Beacon[] = [];
    const send = (): void => {
      for (const b of beacons) raw.send(encodeBeacon(b), port, LOOPBACK_BROADCAST);
    };
    const timer = setInterval(send, 1_000);
    cleanups.push(() => {
      clearInterval(timer);
      raw.close();
      discovery.close();
    });
    return {
      discovery,
      announce: (beacon, repeat = true) => {
        if (repeat) beacons.push(beacon);
        raw.send(encodeBeacon(beacon), port, LOOPBACK_BROADCAST);
      },
    };
  }

  function member(target: HostPort): RepositoryFollower & { moves: HostPort[] } {
    const moves: HostPort[] = [];
    const follower = {
      group: 'design',
      repositoryTarget: target,
      moves,
      moveRepository(to: HostPort) {
        moves.push(to);
        follower.repositoryTarget = to;
      },
    };
    return follower;
  }

  function recordingLogger(): Logger & { lines: string[] } {
    const lines: string[] = [];
    const log = (message: string): void => void lines.push(message);
    return { lines, trace: log, debug: log, info: log, warn: log, error: log } as Logger & { lines: string[] };
  }

  it('stays on a forged older repository that does not answer, and moves to a real older one', async () => {
    const { discovery, announce } = await lan();
    const own = await listen();
    const older = await listen();
    const closed = await listen();
    const closedPort = portOf(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    cleanups.push(() => own.close(), () => older.close());
    const m = member({ host: '127.0.0.1', port: portOf(own) });
    const logger = recordingLogger();
    cleanups.push(followLongestServing(discovery, m, logger));

    announce(repositoryBeacon('own-repository', portOf(own), 2_000_000));
    // Forged: the oldest of all, at a port where nothing listens; sent once.
    announce(repositoryBeacon('forger-00', closedPort, 1), false);
    await until('the forged repository to be tried', () => logger.lines.some((l) => l.includes('does not answer')));
    assert.deepEqual(m.moves, [], 'a forged beacon moved the member');

    announce(repositoryBeacon('older-repository', portOf(older), 1_000_000));
    // The forged one is still the oldest heard: the member waits out its retry, then sees it fail again.
    assert.deepEqual(m.moves, []);
    // Once the forger falls silent (it never repeats, its beacon expires), the real older one is followed.
    await until('the member to move to the older repository', () => m.moves.length > 0, 15_000);
    assert.deepEqual(m.moves, [{ host: '127.0.0.1', port: portOf(older) }]);
  });

  it('moves nobody when its own repository is not heard, or is already the longest-serving', () => {
    const server = (from: string, port: number, since: number) => ({ host: '127.0.0.1', port, role: 'repository' as const, from, since, via: undefined, lastSeen: 0 });
    const groups = (servers: ReturnType<typeof server>[]) => ({ groups: () => [{ group: 'design', passwordRequired: undefined, servers }] });
    const at = (port: number) => ({ group: 'design', repositoryTarget: { host: '127.0.0.1', port } });
    assert.equal(longerServing(groups([server('older', 1, 10)]), at(2)), undefined, 'its own repository is not heard');
    assert.equal(longerServing(groups([server('own', 2, 10), server('younger', 1, 20)]), at(2)), undefined, 'its own is the oldest');
    assert.equal(longerServing(groups([server('own', 2, 20), server('older', 1, 10)]), at(2))?.port, 1);
    // A tie in `since` goes the same way for everyone: by the beacon id.
    assert.equal(longerServing(groups([server('b', 2, 10), server('a', 1, 10)]), at(2))?.port, 1);
    assert.equal(longerServing(groups([server('a', 2, 10), server('b', 1, 10)]), at(2)), undefined);
    // This machine's repository, heard from one of its addresses, is the one at 127.0.0.1.
    assert.equal(isServerAt({ host: '127.0.0.1', port: 5 }, { host: 'localhost', port: 5 }), true);
    assert.equal(isServerAt({ host: '127.0.0.1', port: 5 }, { host: '127.0.0.1', port: 6 }), false);
    assert.equal(isServerAt({ host: '192.0.2.7', port: 5 }, { host: '127.0.0.1', port: 5 }), false);
  });
});
