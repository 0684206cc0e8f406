import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { newItemId } from '../../src/net/ids';
import { MemberKey } from '../../src/net/memberKey';
import type { DeliveredMessage, Member, PeerNode } from '../../src/net/peerNode';
import type { MemberPath } from '../../src/net/relayPaths';
import { Firewall } from '../helpers/firewall';
import { nextEvent, TestNetwork, waitUntil } from '../helpers/net';
import type { RecordingLogger } from '../helpers/net';

/** Retries fast enough for a test: the policy is the same as with the defaults. */
const FAST = { directRetryMinMs: 40, directRetryMaxMs: 160, redialMinMs: 40, redialMaxMs: 160 };

type Node = PeerNode & { log: RecordingLogger };

/** Every chat text and image a node is shown, as "sender: text", duplicates kept (so they show). */
function inbox(node: Node): string[] {
  const seen: string[] = [];
  node.on('message', (m: DeliveredMessage, from: Member, binary) => {
    if (m.type === 'chat') seen.push(`${from.name}${m.to !== undefined ? ' (direct)' : ''}: ${m.text}`);
    if (m.type === 'image' && m.op === 'add') seen.push(`${from.name}: image of ${binary?.length ?? 0} bytes`);
  });
  return seen;
}

/** Resolves when `node`'s link to `other` takes `kind` (now or at a later pathChanged). */
async function pathBecomes(node: Node, other: Node, kind: MemberPath['kind'], timeoutMs = 10_000): Promise<MemberPath> {
  if (node.pathOf(other.id)?.kind === kind) return node.pathOf(other.id)!;
  const [, path] = await nextEvent<[Member, MemberPath]>(node, 'pathChanged', (m, p) => m.id === other.id && p.kind === kind, timeoutMs);
  return path;
}

function sendImage(node: Node, size: number): void {
  const bytes = randomBytes(size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  node.broadcast({ type: 'image', op: 'add', item: newItemId(), clock: node.nextClock(), x: 0, y: 0, width: 10, height: 10, mime: 'image/png', bytes: size, sha256 }, bytes);
}

describe('Relay through a member', function () {
  this.timeout(30_000);
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  /** alice, bob and carol, where alice and carol cannot dial each other; bob reaches both. */
  async function blockedTrio(firewall: Firewall, password?: string): Promise<[Node, Node, Node, number]> {
    const { port } = await net.repository();
    const keys = [MemberKey.generate(), MemberKey.generate(), MemberKey.generate()] as const;
    firewall.block(keys[0].id, keys[2].id);
    const nodes = (['alice', 'bob', 'carol'] as const).map((name, i) =>
      net.peer(name, port, { key: keys[i], dial: firewall.dialFor(keys[i]!.id), timing: FAST, password }),
    ) as [Node, Node, Node];
    for (const node of nodes) await node.join();
    return [...nodes, port];
  }

  it('carries every message between two members that cannot dial each other through a third, once each, and goes direct when the block is lifted', async () => {
    const firewall = new Firewall();
    const [alice, bob, carol] = await blockedTrio(firewall, 'open sesame');
    const [toAlice, toBob, toCarol] = [inbox(alice), inbox(bob), inbox(carol)];
    assert.deepEqual(await pathBecomes(carol, alice, 'relayed'), { kind: 'relayed', via: bob.id });
    assert.deepEqual(await pathBecomes(alice, carol, 'relayed'), { kind: 'relayed', via: bob.id });
    assert.deepEqual(alice.pathOf(bob.id), { kind: 'direct' });
    assert.ok(firewall.refused.length >= 2, 'the relay came after failed dials');

    for (let i = 0; i < 20; i++) alice.chat(`a${i}`);
    for (let i = 0; i < 20; i++) carol.chat(`c${i}`);
    alice.chat('for carol only', carol.id);
    sendImage(carol, 600 * 1024); // more than two windows, in many chunks
    await waitUntil(() => toAlice.length === 21 && toCarol.length === 21 && toBob.length === 41, 'every message of the first round');

    const firstRound = (from: string, prefix: string): string[] => Array.from({ length: 20 }, (_, i) => `${from}: ${prefix}${i}`);
    assert.deepEqual(toAlice, [...firstRound('carol', 'c'), 'carol: image of 614400 bytes']);
    assert.deepEqual(toCarol, [...firstRound('alice', 'a'), 'alice (direct): for carol only']);
    assert.equal(alice.pathOf(carol.id)?.kind, 'relayed', 'still relayed while blocked');

    firewall.lift();
    assert.deepEqual(await pathBecomes(carol, alice, 'direct'), { kind: 'direct' });
    assert.deepEqual(await pathBecomes(alice, carol, 'direct'), { kind: 'direct' });
    alice.chat('direct now');
    carol.chat('me too');
    await waitUntil(() => toAlice.length === 22 && toCarol.length === 22, 'the second round');
    await waitUntil(() => alice.acknowledgedBy(carol.id) === 21 && carol.acknowledgedBy(alice.id) === 22, 'catch-up settled');
    assert.equal(toAlice.at(-1), 'carol: me too');
    assert.equal(toCarol.at(-1), 'alice: direct now');
    assert.equal(new Set(toAlice).size, toAlice.length, 'nothing shown twice to alice');
    assert.equal(new Set(toCarol).size, toCarol.length, 'nothing shown twice to carol');
    assert.equal(alice.members().length, 2);
    assert.equal(carol.members().length, 2);
  });

  it('tells a relayed member goodbye through the tunnel when leaving', async () => {
    const firewall = new Firewall();
    const [alice, , carol] = await blockedTrio(firewall);
    await pathBecomes(alice, carol, 'relayed');
    await pathBecomes(carol, alice, 'relayed');
    const left = nextEvent<[Member, string]>(alice, 'memberLeft', (m) => m.id === carol.id);
    await carol.leave();
    assert.equal((await left)[1], 'bye');
  });

  it('finds another relay when the relaying member leaves, and nothing is shown twice', async () => {
    const firewall = new Firewall();
    const [alice, bob, carol, port] = await blockedTrio(firewall);
    const dave = net.peer('dave', port, { timing: FAST });
    await dave.join();
    await waitUntil(() => alice.members().length === 3 && carol.members().length === 3, 'dave linked to everyone');
    const first = await pathBecomes(alice, carol, 'relayed');
    await pathBecomes(carol, alice, 'relayed');
    const [toAlice, toCarol] = [inbox(alice), inbox(carol)];
    alice.chat('before');
    await waitUntil(() => toCarol.length === 1, 'the first message');
    const relay = first.via === bob.id ? bob : dave;
    const other = relay === bob ? dave : bob;
    await relay.leave();
    const [, second] = await nextEvent<[Member, MemberPath]>(alice, 'pathChanged', (m, p) => m.id === carol.id && p.via === other.id, 15_000);
    assert.deepEqual(second, { kind: 'relayed', via: other.id });
    await pathBecomes(carol, alice, 'relayed');
    alice.chat('after');
    carol.chat('back');
    await waitUntil(() => toCarol.length === 2 && toAlice.length === 1, 'messages through the new relay');
    assert.deepEqual(toCarol, ['alice: before', 'alice: after']);
    assert.deepEqual(toAlice, ['carol: back']);
  });
});
