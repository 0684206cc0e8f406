/**
 * The terminal tools find their group on the LAN with nothing typed: a `repository` announces the
 * groups it serves, `chat --group G` without `--repository` finds it, and a joined member announces
 * the group too. Separate processes; discovery isolated on loopback (test/helpers/isolatedDiscovery.ts).
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliProcesses, cliEvents } from '../helpers/cliProcess';
import type { CliEvent } from '../helpers/cliProcess';
import { ISOLATED_DISCOVERY_ENV } from '../helpers/isolatedDiscovery';
import { LanDiscovery } from '../../src/net/lanDiscovery';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

describe('team-notes finds its group on the local network (separate processes)', function () {
  this.timeout(30_000);
  const processes = new CliProcesses(cli);
  let listener: LanDiscovery | undefined;

  before(() => assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first'));
  afterEach(async () => {
    listener?.close();
    await processes.killAll();
  });

  /** A discovery instance in this test process, on the isolated port, to hear what the processes announce. */
  async function listen(): Promise<LanDiscovery> {
    listener = await LanDiscovery.start({
      id: 'test-listener-0001',
      port: Number(ISOLATED_DISCOVERY_ENV.TEAM_NOTES_DISCOVERY_PORT),
      targets: [ISOLATED_DISCOVERY_ENV.TEAM_NOTES_DISCOVERY_TARGETS!],
      intervalMs: 500,
    });
    return listener;
  }

  async function repository(...extra: string[]): Promise<number> {
    const repo = processes.start(['repository', '--host', '127.0.0.1', '--port', '0', '--json', ...extra]);
    const listening = await repo.waitFor((e) => e.event === 'listening', 'repository listening');
    return listening.port as number;
  }

  it('chat --group without --repository joins the repository announced on the LAN, and a joined member announces the group', async () => {
    const group = `lan-${Date.now().toString(36)}`;
    const port = await repository();
    const peer = (name: string) => processes.start(['chat', '--group', group, '--name', name, '--listen', '127.0.0.1:0', '--json']);
    const alice = peer('alice');
    // Nobody is in the group yet: the first member starts it with the repository heard on the LAN.
    const found = await alice.waitFor((e: CliEvent) => e.event === 'discovered', 'alice to find a repository on the LAN', 10_000);
    assert.deepEqual([found.group, found.groupFound, found.role, found.port], [group, false, 'repository', port]);
    await alice.waitFor((e) => e.event === 'ready', 'alice ready');
    const bob = peer('bob');
    const bobFound = await bob.waitFor((e) => e.event === 'discovered', 'bob to find the group');
    assert.deepEqual([bobFound.groupFound, bobFound.role, bobFound.port], [true, 'repository', port]);
    await bob.waitFor((e) => e.event === 'ready', 'bob ready');
    await alice.waitFor(cliEvents.joined('bob'), 'alice to see bob join');
    bob.type('found you without an address');
    await alice.waitFor(cliEvents.chat('bob', 'found you without an address'), 'alice to get bob\'s message');

    // Both members announce the group as members, with the password state they know.
    const lan = await listen();
    const heard = await lan.find(group, 5_000);
    assert.ok(heard, 'the group was not heard on the LAN');
    const deadline = Date.now() + 5_000;
    while ((lan.groups().find((g) => g.group === group)?.servers.length ?? 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const servers = lan.groups().find((g) => g.group === group)!.servers;
    assert.deepEqual(servers.map((s) => s.role), ['repository', 'member', 'member'], JSON.stringify(servers));
    assert.equal(lan.groups().find((g) => g.group === group)!.passwordRequired, false);
    console.log(`      ${group}: found at 127.0.0.1:${port} with nothing typed; heard ${servers.map((s) => `${s.role} ${s.host}:${s.port}`).join(', ')}`);
  });

  it('two repositories serving one group end up as one group: the members of the younger move to the longer-serving one', async () => {
    const group = `split-${Date.now().toString(36)}`;
    const older = await repository();
    // A second later, another window starts its own repository for the same group.
    await new Promise((r) => setTimeout(r, 1_100));
    const younger = await repository();
    const peer = (port: number, name: string) => processes.start(['chat', '--group', group, '--name', name, '--repository', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--json', '--log-level', 'info']);
    const alice = peer(older, 'alice');
    await alice.waitFor((e) => e.event === 'ready', 'alice ready on the older repository');
    const bob = peer(younger, 'bob');
    await bob.waitFor((e) => e.event === 'ready', 'bob ready on the younger repository');
    // Each heard the other's repository serve the group: bob moves, and the two meet.
    await alice.waitFor(cliEvents.joined('bob'), 'alice to meet bob once bob follows the older repository', 15_000);
    await bob.waitFor(cliEvents.joined('alice'), 'bob to meet alice');
    bob.type('one group, not two');
    await alice.waitFor(cliEvents.chat('bob', 'one group, not two'), "alice to get bob's message");
    alice.type('agreed');
    await bob.waitFor(cliEvents.chat('alice', 'agreed'), "bob to get alice's message");
    // And the younger repository no longer serves the group: a newcomer finds the older one only.
    const lan = await listen();
    const deadline = Date.now() + 8_000;
    let ports: number[] = [];
    while (Date.now() < deadline) {
      ports = (lan.groups().find((g) => g.group === group)?.servers ?? []).filter((s) => s.role === 'repository').map((s) => s.port);
      if (ports.length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(ports, [older], `the repositories heard serving ${group}`);
    const carol = processes.start(['chat', '--group', group, '--name', 'carol', '--listen', '127.0.0.1:0', '--json']);
    await carol.waitFor((e) => e.event === 'ready', 'carol ready');
    await carol.waitFor(cliEvents.joined('alice'), 'carol to meet alice');
    await carol.waitFor(cliEvents.joined('bob'), 'carol to meet bob');
  });

  it('--no-discovery announces nothing', async () => {
    const group = `quiet-${Date.now().toString(36)}`;
    const quietPort = await repository('--no-discovery');
    const loudPort = await repository();
    const peer = (port: number, name: string) => processes.start(['chat', '--group', group, '--name', name, '--repository', `127.0.0.1:${port}`, '--no-discovery', '--listen', '127.0.0.1:0', '--json']);
    await peer(quietPort, 'quiet').waitFor((e) => e.event === 'ready', 'the quiet member ready');
    const loud = processes.start(['chat', '--group', `${group}-loud`, '--name', 'loud', '--repository', `127.0.0.1:${loudPort}`, '--listen', '127.0.0.1:0', '--json']);
    await loud.waitFor((e) => e.event === 'ready', 'the loud member ready');
    const lan = await listen();
    assert.ok(await lan.find(`${group}-loud`, 5_000), 'the announcing repository was not heard');
    // Two more beats of the loud ones: the quiet ones would have been heard by now.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(lan.groups().find((g) => g.group === group), undefined, 'a process started with --no-discovery was heard');
  });
});
