/**
 * LAN discovery on a real (virtual) LAN: three hosts, each a network namespace with its own
 * interface on one bridged segment, run the CLI with no address configured. The repository on one
 * of them announces by multicast and broadcast on its interface; the members find it, join and
 * exchange messages. Prints the path each used and what each got.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliEvents } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { LanLab } from './lanLab';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const unavailable = LanLab.unavailable();

describe('LAN discovery across network namespaces (three hosts on one segment)', function () {
  this.timeout(60_000);
  if (unavailable !== undefined) {
    // Not a skipped test: there is none to run here. The same logic runs on loopback in test/cli/discovery.test.ts.
    console.log(`      not run here: ${unavailable}; test/cli/discovery.test.ts runs the same discovery on loopback`);
    return;
  }
  let lab: LanLab | undefined;

  before(() => {
    assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first');
    lab = LanLab.create(
      [
        { name: 'h1', segments: ['lan'] },
        { name: 'h2', segments: ['lan'] },
        { name: 'h3', segments: ['lan'] },
      ],
      cli,
    );
  });

  after(async () => {
    await lab?.close();
  });

  it('members find the repository with nothing typed, join, and every member gets every message exactly once', async () => {
    const group = 'design';
    const repository = lab!.run('h1', ['repository', '--json']);
    await repository.waitFor((e) => e.event === 'listening', 'the repository on h1 to listen');
    const names = ['alice', 'bob', 'carol'];
    const hosts = ['h1', 'h2', 'h3'];
    const members: CliProcess[] = [];
    for (const [i, name] of names.entries()) {
      const member = lab!.run(hosts[i]!, ['chat', '--group', group, '--name', name, '--json'], `${name} on ${hosts[i]}`);
      const found = await member.waitFor((e) => e.event === 'discovered', `${name} to find the group on the LAN`, 15_000);
      assert.equal(found.host, lab!.address('h1'), `${name} found ${String(found.host)}`);
      assert.equal(found.port, 46800);
      assert.equal(found.role, 'repository');
      await member.waitFor((e) => e.event === 'ready', `${name} to join`);
      console.log(`      ${name} on ${hosts[i]} (${lab!.address(hosts[i]!)}): found "${group}" at ${String(found.host)}:${String(found.port)} via ${String(found.via)}, no address typed`);
      members.push(member);
    }
    for (const [i, member] of members.entries()) {
      for (const [j, other] of names.entries()) if (j !== i) await member.waitFor(cliEvents.joined(other), `${names[i]} to see ${other}`);
    }
    for (const [i, member] of members.entries()) member.type(`hello from ${names[i]} on ${hosts[i]}`);
    for (const [i, member] of members.entries()) {
      for (const [j, other] of names.entries()) {
        if (j === i) continue;
        await member.waitFor(cliEvents.chat(other, `hello from ${other} on ${hosts[j]}`), `${names[i]} to get ${other}'s message`);
      }
    }
    await new Promise((r) => setTimeout(r, 500)); // anything sent twice would have arrived by now
    for (const [i, member] of members.entries()) {
      const chats = member.events.filter((e) => e.event === 'message' && e.type === 'chat' && !e.history);
      const texts = chats.map((e) => String(e.text)).sort();
      assert.deepEqual(texts, names.filter((_, j) => j !== i).map((o, j) => `hello from ${o} on ${hosts.filter((_, k) => k !== i)[j]}`).sort());
      console.log(`      ${names[i]}: got ${chats.length} of ${names.length - 1} messages, each exactly once`);
    }
  });
});
