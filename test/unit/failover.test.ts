import { strict as assert } from 'node:assert';
import type { PeerNodeOptions } from '../../src/net/peerNode';
import { RepositoryServer } from '../../src/net/repositoryServer';
import { RecordingLogger, TestNetwork, waitUntil } from '../helpers/net';

/** Timings short enough for a test: take-over within ~150 ms, probes every 200 ms. */
const fast: Partial<PeerNodeOptions> = {
  timing: { failoverMinMs: 50, failoverMaxMs: 150, failoverProbeMs: 200, reconnectMinMs: 50, reconnectMaxMs: 200 },
};

describe('Repository fail-over', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('the earliest member stands in when the repository goes away; chat goes on; a newcomer joins through any member', async () => {
    const { port, server } = await net.repository();
    const [alice, bob, carol] = await net.joinedPeers(['alice', 'bob', 'carol'], port, fast);
    alice!.chat('before');
    await server.close();
    await waitUntil(() => alice!.actingRepository, 'alice (joined first) stands in', 5000);
    assert.equal(bob!.actingRepository, false);
    assert.equal(carol!.actingRepository, false);
    // Bob and carol register with alice: each lists the other two.
    await waitUntil(() => bob!.repositoryConnected && carol!.repositoryConnected && bob!.listedMembers().length === 2 && carol!.listedMembers().length === 2, 'everyone registered with alice', 5000);
    const seen: string[] = [];
    carol!.on('message', (m) => m.type === 'chat' && seen.push(m.text));
    bob!.chat('during');
    await waitUntil(() => seen.includes('during'), 'chat goes on');
    // Dave names bob's address as the repository: bob points him to alice, who registers him.
    const dave = net.peer('dave', bob!.listenAddress!.port, fast);
    const daveSeen: string[] = [];
    dave.on('message', (m) => m.type === 'chat' && daveSeen.push(m.text));
    await dave.join();
    await waitUntil(() => dave.members().length === 3, 'dave meets all three');
    await waitUntil(() => daveSeen.includes('before') && daveSeen.includes('during'), 'dave caught up');
  });

  it('goes back to the configured repository when it returns, so the group does not split', async () => {
    const { port, server } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port, fast);
    await server.close();
    await waitUntil(() => alice!.actingRepository && bob!.repositoryConnected, 'alice stands in, bob registered with her', 5000);
    const revived = new RepositoryServer({ logger: new RecordingLogger() });
    await revived.listen(port, '127.0.0.1');
    try {
      await waitUntil(() => revived.members('team').length === 2, 'both back at the configured repository', 5000);
      await waitUntil(() => !alice!.actingRepository, 'alice no longer stands in');
      // A newcomer using the configured address finds the whole group there.
      const erin = net.peer('erin', port, fast);
      await erin.join();
      await waitUntil(() => erin.members().length === 2, 'erin meets both');
    } finally {
      await revived.close();
    }
  });

  it('a password-protected member answers a repository client without the password, but never makes it a member', async () => {
    const { port } = await net.repository();
    const [alice] = await net.joinedPeers(['alice'], port, { password: 'pw' });
    // No key named, no password: a repository client. register is answered with where the repository is.
    const client = await net.secure(alice!.listenAddress!.port);
    client.send(client.stamp({ type: 'register', name: 'x', port: 1 }));
    const moved = await client.next('moved');
    assert.equal(moved.port, port);
    await client.whenClosed;
    // The same, saying hello: refused as authentication failed, and no member joined.
    const impostor = await net.secure(alice!.listenAddress!.port);
    impostor.send(impostor.stamp({ type: 'hello', name: 'impostor', port: 1 }));
    await impostor.whenClosed;
    assert.ok(alice!.log.has('ERR_AUTH_FAILED'));
    assert.deepEqual(alice!.members(), []);
  });
});
