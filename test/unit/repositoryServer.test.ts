import { strict as assert } from 'node:assert';
import { EnvelopeStamper, newPeerId } from '../../src/net/ids';
import { TestNetwork, waitUntil } from '../helpers/net';

describe('RepositoryServer', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  const stamper = (group = 'team'): EnvelopeStamper => new EnvelopeStamper(newPeerId(), group);

  it('answers register with the members already there, then tells them about the newcomer', async () => {
    const { port, server } = await net.repository();
    const alice = await net.raw(port);
    const aliceId = stamper();
    alice.send(aliceId.stamp({ type: 'register', name: 'alice', port: 5001 }));
    const first = await alice.next('peers');
    assert.equal(first.event, 'snapshot');
    assert.deepEqual(first.members, []);

    const bob = await net.raw(port);
    const bobId = stamper();
    bob.send(bobId.stamp({ type: 'register', name: 'bob', port: 5002 }));
    const snapshot = await bob.next('peers');
    assert.equal(snapshot.event, 'snapshot');
    assert.deepEqual(snapshot.members, [{ id: aliceId.from, name: 'alice', host: '127.0.0.1', port: 5001 }]);

    const joined = await alice.next('peers');
    assert.equal(joined.event, 'joined');
    assert.deepEqual(joined.members, [{ id: bobId.from, name: 'bob', host: '127.0.0.1', port: 5002 }]);
    assert.deepEqual(server.members('team').map((m) => m.name), ['alice', 'bob']);
  });

  it('advertises the host a member names instead of the address it saw', async () => {
    const { port, server } = await net.repository();
    const client = await net.raw(port);
    client.send(stamper().stamp({ type: 'register', name: 'carol', port: 6000, host: 'carol.office.lan' }));
    await client.next('peers');
    assert.deepEqual(server.members('team').map((m) => `${m.host}:${m.port}`), ['carol.office.lan:6000']);
  });

  it('keeps groups apart and lets two members share a display name', async () => {
    const { port, server } = await net.repository();
    const [a, b, c] = [await net.raw(port), await net.raw(port), await net.raw(port)];
    a.send(stamper('design').stamp({ type: 'register', name: 'sam', port: 1 }));
    b.send(stamper('design').stamp({ type: 'register', name: 'sam', port: 2 }));
    c.send(stamper('backend').stamp({ type: 'register', name: 'sam', port: 3 }));
    await waitUntil(() => server.members('design').length === 2 && server.members('backend').length === 1, 'three registrations');
    const design = server.members('design');
    assert.notEqual(design[0]!.id, design[1]!.id);
    assert.deepEqual(server.groupNames().sort(), ['backend', 'design']);
    const backendSnapshot = await c.next('peers');
    assert.deepEqual(backendSnapshot.members, []);
  });

  it('drops a member on unregister and tells the group', async () => {
    const { port, server } = await net.repository();
    const [a, b] = [await net.raw(port), await net.raw(port)];
    const bId = stamper();
    a.send(stamper().stamp({ type: 'register', name: 'a', port: 1 }));
    await a.next('peers');
    b.send(bId.stamp({ type: 'register', name: 'b', port: 2 }));
    await a.next('peers'); // joined
    b.send(bId.stamp({ type: 'unregister' }));
    const left = await a.next('peers');
    assert.equal(left.event, 'left');
    assert.equal(left.members[0]!.id, bId.from);
    await b.whenClosed;
    assert.deepEqual(server.members('team').map((m) => m.name), ['a']);
  });

  it('drops a member whose connection closes and tells the group', async () => {
    const { port, server } = await net.repository();
    const [a, b] = [await net.raw(port), await net.raw(port)];
    a.send(stamper().stamp({ type: 'register', name: 'a', port: 1 }));
    await a.next('peers');
    b.send(stamper().stamp({ type: 'register', name: 'b', port: 2 }));
    await a.next('peers');
    b.socket.destroy();
    const left = await a.next('peers');
    assert.equal(left.event, 'left');
    assert.equal(left.members[0]!.name, 'b');
    assert.equal(server.members('team').length, 1);
  });

  it('drops a member that misses its heartbeats, with ERR_PEER_TIMEOUT in the log', async () => {
    const { port, server, logger } = await net.repository({ heartbeatTimeoutMs: 150 });
    const [a, b] = [await net.raw(port), await net.raw(port)];
    const aId = stamper();
    a.send(aId.stamp({ type: 'register', name: 'a', port: 1 }));
    await a.next('peers');
    b.send(stamper().stamp({ type: 'register', name: 'silent', port: 2 }));
    await a.next('peers');
    // a keeps pinging, b stays silent.
    const pinger = setInterval(() => a.send(aId.stamp({ type: 'ping' })), 40);
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
    const client = await net.raw(port);
    client.send(stamper().stamp({ type: 'chat', text: 'hi' }));
    const error = await client.next('error');
    assert.equal(error.code, 'ERR_PROTOCOL');
    await client.whenClosed;
    assert.ok(logger.has('ERR_PROTOCOL'));
  });

  it('closes a connection that never registers with ERR_HANDSHAKE_TIMEOUT', async () => {
    const { port, logger } = await net.repository({ handshakeDeadlineMs: 100 });
    const client = await net.raw(port);
    await client.whenClosed;
    assert.ok(logger.has('ERR_HANDSHAKE_TIMEOUT'));
  });

  it('replaces the registration of a member that registers again from a new connection', async () => {
    const { port, server } = await net.repository();
    const id = stamper();
    const first = await net.raw(port);
    first.send(id.stamp({ type: 'register', name: 'a', port: 1 }));
    await first.next('peers');
    const second = await net.raw(port);
    second.send(id.stamp({ type: 'register', name: 'a', port: 2 }));
    await second.next('peers');
    await first.whenClosed;
    assert.deepEqual(server.members('team').map((m) => m.port), [2]);
  });
});
