/**
 * `team-notes doctor` as a separate process against a real repository and real chat peers
 * (dist/cli.js, run `npm run build` first), all on 127.0.0.1: members reached directly with a round
 * trip, a listed member whose port refuses, a different password, and the exit codes.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, startChatPeer, startRepository } from '../helpers/cliProcess';
import type { CliEvent } from '../helpers/cliProcess';
import { freePort } from '../helpers/ports';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const GROUP = 'design';

interface ReportMember {
  name: string;
  fingerprint: string;
  state: 'linked' | 'unreachable';
  kind?: string;
  /** The relay, for a relayed path: its name and fingerprint. */
  viaLabel?: string;
  direct?: { failure?: { code: string; errno?: string; port: number }; verdict: { cause: string } };
  rttMs?: number;
  interface?: string;
  localAddress?: string;
  remoteAddress?: string;
  failure?: { code: string; errno?: string; host: string; port: number };
  verdict?: { cause: string; summary: string; advice: string };
}

function passwordFile(password: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'team-notes-doctor-')), 'password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

describe('team-notes doctor (separate processes)', function () {
  this.timeout(60_000);
  const processes: CliProcess[] = [];
  const track = <T extends { proc: CliProcess }>(started: T): T => {
    processes.push(started.proc);
    return started;
  };
  const doctor = (args: string[], env: NodeJS.ProcessEnv = {}): CliProcess => {
    const proc = new CliProcess(cli, ['doctor', '--group', GROUP, '--no-discovery', '--wait', '1000', ...args], 'doctor', env);
    processes.push(proc);
    return proc;
  };

  before(() => assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first'));
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill();
  });

  async function report(proc: CliProcess): Promise<ReportMember[]> {
    const event = await proc.waitFor((e: CliEvent) => e.event === 'report', 'the report', 30_000);
    assert.equal(await proc.exited, 0, `doctor exited non-zero; stderr: ${proc.stderr}`);
    return event.members as ReportMember[];
  }

  it('lists two chat peers as direct with a round trip, and a member whose port refuses as reached through one of them', async () => {
    const repository = track(await startRepository(cli));
    track(await startChatPeer(cli, GROUP, 'alice', repository.address));
    track(await startChatPeer(cli, GROUP, 'bob', repository.address));
    // Listed at a port where nothing listens: what a member whose window is gone leaves behind.
    const refusedPort = await freePort();
    const ghost = new CliProcess(cli, ['chat', '--group', GROUP, '--name', 'ghost', '--repository', repository.address, '--listen', '127.0.0.1:0', '--advertise-port', String(refusedPort), '--json'], 'ghost');
    processes.push(ghost);
    await ghost.waitFor((e) => e.event === 'ready', 'ghost to be ready');

    // The relay to the ghost comes after two refused dials and a tunnel through alice or bob: well
    // under a second on a quiet machine, several on a loaded one, so this run waits the way a user's
    // doctor does (its default is 3 s) and more.
    const members = await report(doctor(['--repository', repository.address, '--json', '--wait', '5000']));
    assert.deepEqual(members.map((m) => m.name), ['alice', 'bob', 'ghost']);
    for (const name of ['alice', 'bob']) {
      const member = members.find((m) => m.name === name)!;
      assert.equal(member.state, 'linked', name);
      assert.equal(member.kind, 'direct', name);
      assert.ok(typeof member.rttMs === 'number' && member.rttMs >= 0 && member.rttMs < 1000, `${name} rtt ${String(member.rttMs)}`);
      assert.equal(member.localAddress, '127.0.0.1');
      assert.equal(typeof member.interface, 'string');
      assert.match(member.fingerprint, /^[0-9a-f]{4}-[0-9a-f]{4}$/);
    }
    // The doctor cannot dial the ghost (its port refuses), but the ghost dialed alice and bob: after
    // two refused dials the doctor reaches it through one of them, and says so.
    const ghostReport = members.find((m) => m.name === 'ghost')!;
    assert.equal(ghostReport.state, 'linked', JSON.stringify(ghostReport));
    assert.equal(ghostReport.kind, 'relayed');
    assert.match(String(ghostReport.viaLabel), /^(alice|bob) \[[0-9a-f]{4}-[0-9a-f]{4}\]$/);
    assert.equal(ghostReport.direct?.verdict.cause, 'refused', 'why the direct path does not work');
    assert.equal(ghostReport.direct?.failure?.errno, 'ECONNREFUSED');
    assert.equal(ghostReport.direct?.failure?.port, refusedPort);
    console.log(`      alice ${members[0]!.rttMs!.toFixed(2)} ms, bob ${members[1]!.rttMs!.toFixed(2)} ms over ${members[0]!.interface}; ghost (port ${refusedPort} refuses) relayed via ${String(ghostReport.viaLabel)}`);
  });

  it('says "a different password" when the members use another one, and prints blocks a terminal can show safely', async () => {
    const repository = track(await startRepository(cli));
    const alice = new CliProcess(cli, ['chat', '--group', GROUP, '--name', 'al\\ice ☕', '--repository', repository.address, '--listen', '127.0.0.1:0', '--password-file', passwordFile('correct horse battery staple'), '--json'], 'alice');
    processes.push(alice);
    await alice.waitFor((e) => e.event === 'ready', 'alice to be ready');

    const members = await report(doctor(['--repository', repository.address, '--json', '--password-file', passwordFile('wrong horse')]));
    assert.equal(members.length, 1);
    assert.equal(members[0]!.verdict?.cause, 'password');
    assert.equal(members[0]!.failure?.code, 'ERR_AUTH_FAILED');

    const text = doctor(['--repository', repository.address, '--password-file', passwordFile('wrong horse')]);
    assert.equal(await text.exited, 0);
    const lines = text.events.map((e) => String(e.line));
    assert.match(lines[0]!, /^Connection diagnosis of "design" as .* \(doctor\) \[[0-9a-f]{4}-[0-9a-f]{4}\]: 0 of 1 members reached \(password group\)$/);
    // The backslash of the member's name is escaped, so every escape in the output is ours.
    assert.ok(lines.some((l) => /^al\\\\ice ☕ \[[0-9a-f]{4}-[0-9a-f]{4}\]$/.test(l)), JSON.stringify(lines));
    assert.ok(lines.some((l) => /^ {2}cause: A different password/.test(l)), JSON.stringify(lines));
    assert.ok(lines.some((l) => /^ {2}what to do: .*password/.test(l)), JSON.stringify(lines));
  });

  it('exits 1 with one coded line and no stack when it cannot join, and 0 with "nobody else" in an empty group', async () => {
    const failed = doctor(['--repository', `127.0.0.1:${await freePort()}`]);
    assert.equal(await failed.exited, 1);
    assert.match(failed.stderr, /^error ERR_REPOSITORY_UNREACHABLE: cannot join "design": .*ECONNREFUSED\n$/);
    assert.doesNotMatch(failed.stderr, /\bat .*\.js:\d+/);

    const badWait = doctor(['--wait', 'soon']);
    assert.equal(await badWait.exited, 1);
    assert.match(badWait.stderr, /^team-notes: ERR_BAD_INPUT: --wait/);

    const repository = track(await startRepository(cli));
    const empty = doctor(['--repository', repository.address]);
    assert.equal(await empty.exited, 0);
    assert.ok(empty.events.some((e) => e.line === '  nobody else is in the group'), JSON.stringify(empty.events));
  });

  it('is listed in the help with its options', async () => {
    const help = new CliProcess(cli, ['help'], 'help');
    processes.push(help);
    assert.equal(await help.exited, 0);
    const text = help.events.map((e) => String(e.line)).join('\n');
    assert.match(text, /team-notes doctor --group G \[--repository H:P\] \[--no-discovery\] \[--password-file FILE\] \[--wait MS\] \[--json\]/);
  });

  it('finds the group on the (loopback) LAN when no repository is named', async () => {
    const repository = new CliProcess(cli, ['repository', '--host', '127.0.0.1', '--port', '0', '--json'], 'repository');
    processes.push(repository);
    const listening = await repository.waitFor((e) => e.event === 'listening', 'the repository to listen');
    track(await startChatPeer(cli, GROUP, 'alice', `127.0.0.1:${String(listening.port)}`));
    const proc = new CliProcess(cli, ['doctor', '--group', GROUP, '--wait', '500', '--json'], 'doctor');
    processes.push(proc);
    const found = await proc.waitFor((e) => e.event === 'discovered', 'the doctor to find the group');
    assert.equal(found.port, listening.port);
    const members = await report(proc);
    assert.deepEqual(members.map((m) => [m.name, m.state]), [['alice', 'linked']]);
  });
});
