import { strict as assert } from 'node:assert';
import { MemberKey } from '../../src/net/memberKey';
import { isNetError } from '../../src/net/errors';
import { MAX_GROUP_MEMBERS, PEERS_PAGE_SIZE } from '../../src/net/limits';
import { TestNetwork, waitUntil } from '../helpers/net';

describe('RepositoryServer', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('answers register with the members already there, then tells them about the newcomer', async () => {
    const { port, server } = await net.repository();
    const alice = await net.secure(port);
    alice.send(alice.stamp({ type: 'register', name: 'alice', port: 5001 }));
    const first = await alice.next('peers');
    assert.equal(first.event, 'snapshot');
    assert.deepEqual(first.members, []);

    const bob = await net.secure(port);
    bob.send(bob.stamp({ type: 'register', name: 'bob', port: 5002 }));
    const snapshot = await bob.next('peers');
    assert.equal(snapshot.event, 'snapshot');
    assert.deepEqual(snapshot.members, [{ id: alice.key.id, name: 'alice', host: '127.0.0.1', port: 5001 }]);

    const joined = await alice.next('peers');
    assert.equal(joined.event, 'joined');
    assert.deepEqual(joined.members, [{ id: bob.key.id, name: 'bob', host: '127.0.0.1', port: 5002 }]);
    assert.deepEqual(server.members('team').map((m) => m.name), ['alice', 'bob']);
  });

  it('advertises the address a member names instead of the address it saw', async () => {
    const { port, server } = await net.repository();
    const client = await net.secure(port);
    client.send(client.stamp({ type: 'register', name: 'carol', port: 6000, host: '10.1.2.3' }));
    await client.next('peers');
    assert.deepEqual(server.members('team').map((m) => `${m.host}:${m.port}`), ['10.1.2.3:6000']);
  });

  it('refuses a register whose host is a name, never looking it up (ERR_BAD_MESSAGE)', async () => {
    const { port, server, logger } = await net.repository();
    const client = await net.secure(port);
    client.sendXml(
      `<register v="1" id="${'m'.repeat(22)}" from="${client.key.id}" group="team" seq="1" ts="1" name="carol" port="6000" host="carol.office.lan"/>`,
    );
    await client.whenClosed;
    await logger.waitFor('ERR_BAD_MESSAGE');
    assert.deepEqual(server.members('team'), []);
  });

  it('keeps groups apart and lets two members share a display name', async () => {
    const { port, server } = await net.repository();
    const [a, b, c] = [await net.secure(port, { group: 'design' }), await net.secure(port, { group: 'design' }), await net.secure(port, { group: 'backend' })];
    a.send(a.stamp({ type: 'register', name: 'sam', port: 1 }));
    b.send(b.stamp({ type: 'register', name: 'sam', port: 2 }));
    c.send(c.stamp({ type: 'register', name: 'sam', port: 3 }));
    await waitUntil(() => server.members('design').length === 2 && server.members('backend').length === 1, 'three registrations');
    const design = server.members('design');
    assert.notEqual(design[0]!.id, design[1]!.id);
    assert.deepEqual(server.groupNames().sort(), ['backend', 'design']);
    const backendSnapshot = await c.next('peers');
    assert.deepEqual(backendSnapshot.members, []);
  });

  it('drops a member on unregister and tells the group', async () => {
    const { port, server } = await net.repository();
    const [a, b] = [await net.secure(port), await net.secure(port)];
    a.send(a.stamp({ type: 'register', name: 'a', port: 1 }));
    await a.next('peers');
    b.send(b.stamp({ type: 'register', name: 'b', port: 2 }));
    await a.next('peers'); // joined
    b.send(b.stamp({ type: 'unregister' }));
    const left = await a.next('peers');
    assert.equal(left.event, 'left');
    assert.equal(left.members[0]!.id, b.key.id);
    await b.whenClosed;
    assert.deepEqual(server.members('team').map((m) => m.name), ['a']);
  });

  it('drops a member whose connection closes and tells the group', async () => {
    const { port, server } = await net.repository();
    const [a, b] = [await net.secure(port), await net.secure(port)];
    a.send(a.stamp({ type: 'register', name: 'a', port: 1 }));
    await a.next('peers');
    b.send(b.stamp({ type: 'register', name: 'b', port: 2 }));
    await a.next('peers');
    b.socket.destroy();
    const left = await a.next('peers');
    assert.equal(left.event, 'left');
    assert.equal(left.members[0]!.name, 'b');
    assert.equal(server.members('team').length, 1);
  });

  it('drops a member that misses its heartbeats, with ERR_PEER_TIMEOUT in the log', async () => {
    const { port, server, logger } = await net.repository({ heartbeatTimeoutMs: 300 });
    const [a, b] = [await net.secure(port), await net.secure(port)];
    a.send(a.stamp({ type: 'register', name: 'a', port: 1 }));
    await a.next('peers');
    b.send(b.stamp({ type: 'register', name: 'silent', port: 2 }));
    await a.next('peers');
    // a keeps pinging, b stays silent.
    const pinger = setInterval(() => a.send(a.stamp({ type: 'ping' })), 100);
    try {
      const left = await a.next('peers', 3000);
      assert.equal(left.event, 'left');
      assert.equal(left.members[0]!.name, 'silent');
      assert.ok(logger.has('ERR_PEER_TIMEOUT'));
      assert.deepEqual(server.members('team').map((m) => m.name), ['a']);
      const pong = await a.next('pong');
      assert.ok(pong.re.length > 0);
    } finally {
      clearInterval(pinger);
    }
  });

  it('closes a connection whose first message is not register with ERR_PROTOCOL and says why', async () => {
    const { port, logger } = await net.repository();
    const client = await net.secure(port);
    client.send(client.stamp({ type: 'chat', text: 'hi' }));
    const error = await client.next('error');
    assert.equal(error.code, 'ERR_PROTOCOL');
    await client.whenClosed;
    assert.ok(logger.has('ERR_PROTOCOL'));
  });

  it('closes a connection that never completes the handshake with ERR_HANDSHAKE_TIMEOUT', async () => {
    const { port, logger } = await net.repository({ handshakeDeadlineMs: 100 });
    const client = await net.raw(port);
    await client.whenClosed;
    assert.ok(logger.has('ERR_HANDSHAKE_TIMEOUT'));
  });

  it('lets the same key replace its registration from a new connection (a restart)', async () => {
    const { port, server } = await net.repository();
    const key = MemberKey.generate();
    const first = await net.secure(port, { key });
    first.send(first.stamp({ type: 'register', name: 'a', port: 1 }));
    await first.next('peers');
    const second = await net.secure(port, { key });
    second.send(second.stamp({ type: 'register', name: 'a', port: 2 }));
    await second.next('peers');
    await first.whenClosed;
    assert.deepEqual(server.members('team').map((m) => m.port), [2]);
  });

  it('refuses a register, unregister or heartbeat for an id other than the one proven, and changes nothing', async () => {
    const { port, server, logger } = await net.repository();
    const victim = await net.secure(port);
    victim.send(victim.stamp({ type: 'register', name: 'victim', port: 7001 }));
    await victim.next('peers');
    for (const type of ['register', 'unregister', 'ping'] as const) {
      const impostor = await net.secure(port);
      // The impostor proves its own key, then speaks with the victim's id.
      const claimed = { ...impostor.stamp(type === 'register' ? { type, name: 'victim', port: 7002 } : { type }), from: victim.key.id };
      impostor.send(claimed);
      await impostor.whenClosed;
    }
    await logger.waitFor('ERR_PROTOCOL');
    assert.deepEqual(server.members('team').map((m) => `${m.id} ${m.port}`), [`${victim.key.id} 7001`]);
    assert.equal(victim.closed, false);
  });

  it('sends a long member list in as many peers frames as it needs', async function () {
    // 205 handshakes, and every registration told to all before it: seconds of CPU on a busy machine.
    this.timeout(90_000);
    const { port } = await net.repository({ maxRegistrationsPerAddress: 1000, addressLimits: { maxConnections: 1000 } });
    const count = PEERS_PAGE_SIZE * 2 + 5;
    const name = 'n'.repeat(64);
    for (let i = 0; i < count; i++) {
      const member = await net.secure(port);
      member.send(member.stamp({ type: 'register', name, port: 1000 + i }));
      await member.next('peers');
    }
    const newcomer = await net.secure(port);
    newcomer.send(newcomer.stamp({ type: 'register', name: 'newcomer', port: 9000 }));
    await waitUntil(() => newcomer.received.filter((m) => m.type === 'peers' && m.more === undefined).length === 1, 'the last snapshot page');
    const pages = newcomer.received.filter((m) => m.type === 'peers');
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.map((p) => (p.type === 'peers' ? p.more : 'x')), ['true', 'true', undefined]);
    assert.equal(pages.reduce((n, p) => n + (p.type === 'peers' ? p.members.length : 0), 0), count);
  });

  it('refuses registrations beyond the per-address and per-group limits with ERR_LIMIT, and keeps serving', async () => {
    const { port, server, logger } = await net.repository({ maxRegistrationsPerAddress: 3, maxGroupMembers: 10 });
    for (let i = 0; i < 3; i++) {
      const member = await net.secure(port);
      member.send(member.stamp({ type: 'register', name: `m${i}`, port: 1000 + i }));
      await member.next('peers');
    }
    const fourth = await net.secure(port);
    fourth.send(fourth.stamp({ type: 'register', name: 'm3', port: 1003 }));
    const error = await fourth.next('error');
    assert.equal(error.code, 'ERR_LIMIT');
    await logger.waitFor('ERR_LIMIT');
    assert.equal(server.members('team').length, 3);
  });

  it('closes a registered member that floods it with pings (ERR_RATE_LIMITED), and keeps the others', async () => {
    const { port, server, logger } = await net.repository();
    const honest = await net.secure(port);
    honest.send(honest.stamp({ type: 'register', name: 'honest', port: 1 }));
    await honest.next('peers');
    const flood = await net.secure(port);
    flood.send(flood.stamp({ type: 'register', name: 'flood', port: 2 }));
    await flood.next('peers');
    for (let i = 0; i < 500; i++) flood.send(flood.stamp({ type: 'ping' }));
    await flood.whenClosed;
    await logger.waitFor('ERR_RATE_LIMITED');
    assert.ok(flood.received.filter((m) => m.type === 'pong').length <= 25, 'no pong beyond the burst');
    assert.deepEqual(server.members('team').map((m) => m.name), ['honest']);
  });
});

describe('a member list longer than a group may be', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('is refused by the newcomer with ERR_LIMIT, however many pages it comes in', async function () {
    this.timeout(60_000);
    // A repository that lets one address register far more than a group may hold: what a hostile one would list.
    const { port } = await net.repository({ maxGroupMembers: 10_000, maxRegistrationsPerAddress: 10_000, addressLimits: { maxConnections: 10_000, maxPendingHandshakes: 10_000 } });
    const count = MAX_GROUP_MEMBERS + 10;
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
          const member = await net.secure(port);
          member.send(member.stamp({ type: 'register', name: `m${i + j}`, port: 1000 + i + j }));
          await member.next('peers');
        }),
      );
    }
    const newcomer = net.peer('newcomer', port);
    await assert.rejects(newcomer.join(), (err) => isNetError(err, 'ERR_REPOSITORY_UNREACHABLE') || isNetError(err, 'ERR_LIMIT'));
    await newcomer.log.waitFor('ERR_LIMIT');
    assert.deepEqual(newcomer.listedMembers(), []);
  });
});
