/**
 * Relay through a member on a real (virtual) network: alice and carol on one segment, dave on a
 * second, and the hub on both (it runs the repository and bob). The hub forwards nothing, so dave
 * reaches only the hub: every message between dave and alice or carol travels through bob, and each
 * member gets each message once. Then the hub starts routing between its segments (IPv4 forwarding
 * on; every host already has its route through the hub): dave's direct dials get through, the direct
 * paths take over, and the next messages arrive once each too. No iptables or nft is needed.
 *
 * Without namespaces (no root, not Linux) the same four members run in this process on loopback,
 * with a firewall in front of dave's dials, and the test says so.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemberKey } from '../../src/net/memberKey';
import type { DeliveredMessage, Member, PeerNode } from '../../src/net/peerNode';
import { cliEvents } from '../helpers/cliProcess';
import type { CliEvent, CliMember, CliProcess } from '../helpers/cliProcess';
import { Firewall } from '../helpers/firewall';
import { TestNetwork, waitUntil } from '../helpers/net';
import { LanLab } from './lanLab';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const unavailable = LanLab.unavailable();
const names = ['alice', 'bob', 'carol', 'dave'] as const;
type Name = (typeof names)[number];

/** The chat texts of a round: one per member, "<round> from <name>". */
function round(label: string): Map<Name, string> {
  return new Map(names.map((n) => [n, `${label} from ${n}`]));
}

/** What each member must have been shown: every other member's text of every round, once. */
function expected(me: Name, rounds: Map<Name, string>[]): string[] {
  return rounds.flatMap((r) => names.filter((n) => n !== me).map((n) => `${n}: ${r.get(n)!}`)).sort();
}

describe('Relay through a member across network namespaces (a host on a second segment reached only through the hub)', function () {
  this.timeout(120_000);

  if (unavailable !== undefined) {
    // Not a skipped test: the same four members and the same checks, on loopback in this process.
    console.log(`      network namespaces not available here: ${unavailable}; running the loopback stand-in (a firewall in front of dave's dials)`);
    loopbackStandIn();
    return;
  }

  let lab: LanLab | undefined;
  before(() => {
    assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first');
    lab = LanLab.create(
      [
        { name: 'hub', segments: ['lan', 'far'] },
        { name: 'h1', segments: ['lan'] },
        { name: 'h2', segments: ['lan'] },
        { name: 'h3', segments: ['far'] },
      ],
      cli,
    );
  });
  after(async () => {
    await lab?.close();
  });

  it('dave, on the far segment, exchanges every message with everyone through bob, once each, and goes direct once the hub routes', async () => {
    const l = lab!;
    const hubLan = l.address('hub', 'lan');
    const hubFar = l.address('hub', 'far');
    // Every host knows its way through the hub; the hub does not forward (yet).
    l.setForwarding('hub', false);
    for (const host of ['h1', 'h2']) l.ipIn(host, 'route', 'add', '10.200.1.0/24', 'via', hubLan);
    l.ipIn('h3', 'route', 'add', '10.200.0.0/24', 'via', hubFar);

    const repository = l.run('hub', ['repository', '--json']);
    await repository.waitFor((e) => e.event === 'listening', 'the repository on the hub');
    const where: Record<Name, { host: string; repository: string }> = {
      bob: { host: 'hub', repository: hubLan },
      alice: { host: 'h1', repository: hubLan },
      carol: { host: 'h2', repository: hubLan },
      dave: { host: 'h3', repository: hubFar },
    };
    const members = new Map<Name, CliProcess>();
    for (const name of ['bob', 'alice', 'carol', 'dave'] as const) {
      const { host, repository: repo } = where[name];
      const member = l.run(host, ['chat', '--group', 'relay', '--name', name, '--repository', `${repo}:46800`, '--no-discovery', '--json'], `${name} on ${host}`);
      await member.waitFor((e) => e.event === 'ready', `${name} to join`);
      members.set(name, member);
    }
    /** A member's `path` event for its link to `to`. */
    const path = (to: Name, kind: 'direct' | 'relayed') => (e: CliEvent) => e.event === 'path' && (e.member as CliMember | undefined)?.name === to && e.kind === kind;
    const dave = members.get('dave')!;
    const bobId = (await members.get('bob')!.waitFor((e) => e.event === 'ready', 'bob')).id;
    for (const other of ['alice', 'carol'] as const) {
      const relayed = await dave.waitFor(path(other, 'relayed'), `dave to reach ${other} through bob`, 30_000);
      assert.equal(relayed.via, bobId);
      await members.get(other)!.waitFor(path('dave', 'relayed'), `${other} to reach dave through bob`, 30_000);
      console.log(`      dave (${l.address('h3')}) reaches ${other} (${l.address(where[other].host)}) through bob on the hub`);
    }

    const chatTexts = (member: CliProcess): string[] =>
      member.events.filter((e) => e.event === 'message' && e.type === 'chat' && !e.history).map((e) => `${(e.from as CliMember).name}: ${String(e.text)}`);
    const exchange = async (rounds: Map<Name, string>[]): Promise<void> => {
      const last = rounds.at(-1)!;
      for (const name of names) members.get(name)!.type(last.get(name)!);
      for (const me of names) {
        for (const other of names) if (other !== me) await members.get(me)!.waitFor(cliEvents.chat(other, last.get(other)!), `${me} to get ${other}'s "${last.get(other)!}"`, 30_000);
      }
      // Acknowledgements show each log is settled everywhere: anything sent twice would have arrived.
      for (const me of names) {
        const member = members.get(me)!;
        const ready = await member.waitFor((e) => e.event === 'ready', me);
        for (const other of names) {
          if (other === me) continue;
          const otherId = (await members.get(other)!.waitFor((e) => e.event === 'ready', other)).id;
          await member.waitFor((e) => e.event === 'delivered' && e.member === otherId && (e.upTo as number) >= rounds.length, `${other} to acknowledge ${me}'s messages`, 30_000);
        }
        assert.deepEqual(chatTexts(member).sort(), expected(me, rounds), `${me} (${String(ready.id)}) got each message once`);
      }
    };
    const first = round('relayed');
    await exchange([first]);
    console.log('      through the relay: each of the 4 members got the 3 others\' messages, each once');

    l.setForwarding('hub', true);
    for (const other of ['alice', 'carol'] as const) {
      await dave.waitFor(path(other, 'direct'), `dave to reach ${other} directly once the hub routes`, 60_000);
      await members.get(other)!.waitFor(path('dave', 'direct'), `${other} to reach dave directly`, 30_000);
    }
    console.log('      the hub routes: dave reaches alice and carol directly');
    await exchange([first, round('direct')]);
    console.log('      direct: every member got every message of both rounds, each once');
  });
});

/** The scenario above on loopback, in this process: dave's dials to alice and carol (and theirs to dave) fail until lifted. */
function loopbackStandIn(): void {
  const net = new TestNetwork();
  afterEach(() => net.closeAll());

  it('dave, cut off from alice and carol, exchanges every message with everyone through bob, once each, and goes direct when the block is lifted', async () => {
    const { port } = await net.repository();
    const firewall = new Firewall();
    const keys = new Map(names.map((n) => [n, MemberKey.generate()]));
    firewall.block(keys.get('dave')!.id, keys.get('alice')!.id);
    firewall.block(keys.get('dave')!.id, keys.get('carol')!.id);
    const timing = { directRetryMinMs: 40, directRetryMaxMs: 160 };
    const nodes = new Map<Name, PeerNode>();
    const shown = new Map<Name, string[]>();
    for (const name of ['bob', 'alice', 'carol', 'dave'] as const) {
      const node = net.peer(name, port, { key: keys.get(name), dial: firewall.dialFor(keys.get(name)!.id), timing });
      const texts: string[] = [];
      node.on('message', (m: DeliveredMessage, from: Member) => m.type === 'chat' && texts.push(`${from.name}: ${m.text}`));
      await node.join();
      nodes.set(name, node);
      shown.set(name, texts);
    }
    const pathIs = (of: Name, to: Name, kind: 'direct' | 'relayed'): boolean => nodes.get(of)!.pathOf(nodes.get(to)!.id)?.kind === kind;
    await waitUntil(() => (['alice', 'carol'] as const).every((o) => pathIs('dave', o, 'relayed') && pathIs(o, 'dave', 'relayed')), 'dave relayed to alice and carol', 15_000);
    assert.equal(nodes.get('dave')!.pathOf(nodes.get('alice')!.id)?.via, nodes.get('bob')!.id);
    const exchange = async (rounds: Map<Name, string>[]): Promise<void> => {
      for (const name of names) nodes.get(name)!.chat(rounds.at(-1)!.get(name)!);
      await waitUntil(() => names.every((me) => shown.get(me)!.length === 3 * rounds.length), 'every message', 15_000);
      await waitUntil(() => names.every((me) => names.every((o) => o === me || nodes.get(me)!.acknowledgedBy(nodes.get(o)!.id) === rounds.length)), 'every log acknowledged', 15_000);
      for (const me of names) assert.deepEqual([...shown.get(me)!].sort(), expected(me, rounds), `${me} got each message once`);
    };
    const first = round('relayed');
    await exchange([first]);
    firewall.lift();
    await waitUntil(() => (['alice', 'carol'] as const).every((o) => pathIs('dave', o, 'direct') && pathIs(o, 'dave', 'direct')), 'the direct paths', 15_000);
    await exchange([first, round('direct')]);
  });
}
