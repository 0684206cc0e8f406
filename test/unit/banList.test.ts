import { strict as assert } from 'node:assert';
import { BanList } from '../../src/net/banList';
import { silentLogger } from '../../src/net/logger';
import { MemberKey } from '../../src/net/memberKey';
import { TestNetwork, waitUntil } from '../helpers/net';

describe('BanList', () => {
  it('matches an IPv6 ban whatever its case, and an IPv4-mapped address as the plain one', async () => {
    const bans = new BanList(['FE80::1', '::FFFF:10.0.0.5'], silentLogger);
    await bans.add(' 2001:DB8::7 ');
    assert.equal(bans.hasAddress('fe80::1'), true);
    assert.equal(bans.hasAddress('FE80::1'), true);
    assert.equal(bans.hasAddress('10.0.0.5'), true);
    assert.equal(bans.hasAddress('::ffff:10.0.0.5'), true);
    assert.equal(bans.hasAddress('2001:db8::7'), true);
    assert.equal(bans.hasAddress('fe80::2'), false);
  });

  it('keeps peer ids as typed: they are case-sensitive keys', async () => {
    const id = MemberKey.generate().id;
    const bans = new BanList([id], silentLogger);
    assert.equal(bans.hasPeer(id), true);
    const other = id === id.toLowerCase() ? id.toUpperCase() : id.toLowerCase();
    assert.equal(bans.hasPeer(other), false);
  });
});

describe('PeerNode bans', () => {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('lifts a ban removed from the list at once: the member can come back without a new join', async () => {
    const { port } = await net.repository();
    const [alice, bob] = await net.joinedPeers(['alice', 'bob'], port);
    await alice!.setBans([bob!.id]);
    await waitUntil(() => alice!.members().length === 0, 'bob banned');
    await alice!.setBans([]);
    // Bob redials (his link dropped without a goodbye) and alice lets him in again.
    await waitUntil(() => alice!.members().some((m) => m.id === bob!.id), 'bob back once the ban is lifted', 10_000);
  });
});
