/**
 * Group passwords and member keys through the real CLI, as separate processes: two members with one
 * password chat, a third with another password is refused with "authentication failed", and a
 * member with `--data` keeps its id across restarts in a key file only it can read.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcesses } from '../helpers/cliProcess';
import type { CliEvent, CliProcess } from '../helpers/cliProcess';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

describe('team-notes CLI with group passwords and member keys (separate processes)', function () {
  this.timeout(30_000);
  const processes = new CliProcesses(cli);
  const start = (args: string[], env: NodeJS.ProcessEnv = {}): CliProcess => processes.start(args, env);

  before(() => assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first'));
  afterEach(() => processes.killAll());

  async function repository(): Promise<number> {
    const repo = start(['repository', '--host', '127.0.0.1', '--port', '0', '--json']);
    return (await repo.waitFor((e) => e.event === 'listening', 'repository listening')).port as number;
  }

  const peerArgs = (name: string, port: number, extra: string[] = []): string[] => [
    'chat', '--group', 'design', '--name', name, '--repository', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--json', ...extra,
  ];

  it('lets two members with the same TEAM_NOTES_PASSWORD chat and refuses a third with another password', async () => {
    const port = await repository();
    const alice = start(peerArgs('alice', port), { TEAM_NOTES_PASSWORD: 'correct horse battery staple' });
    const aliceReady = await alice.waitFor((e) => e.event === 'ready', 'alice ready');
    assert.equal(aliceReady.passwordProtected, true);
    const bob = start(peerArgs('bob', port), { TEAM_NOTES_PASSWORD: 'correct horse battery staple' });
    await bob.waitFor((e) => e.event === 'ready', 'bob ready');
    await alice.waitFor((e) => e.event === 'joined' && (e.member as { name: string }).name === 'bob', 'alice meets bob');
    bob.type('the build is green');
    await alice.waitFor((e) => e.event === 'message' && e.text === 'the build is green', 'bob -> alice');

    const mallory = start(peerArgs('mallory', port), { TEAM_NOTES_PASSWORD: 'Tr0ub4dor&3' });
    const refused = await mallory.waitFor((e: CliEvent) => e.event === 'error' && e.code === 'ERR_AUTH_FAILED', 'mallory refused');
    assert.match(String(refused.message), /authentication failed/i);
    await mallory.waitFor((e) => e.event === 'ready', 'mallory is in the repository list, alone');
    mallory.type('/members');
    const list = await mallory.waitFor((e) => e.event === 'members', 'mallory lists members');
    assert.deepEqual(list.members, [], 'no member is shown before it completed the handshake');
    mallory.type('let me in');
    alice.type('still here');
    await bob.waitFor((e) => e.event === 'message' && e.text === 'still here', 'alice -> bob after the attempt');
    assert.ok(!alice.events.some((e) => e.text === 'let me in'));
  });

  it('reads the password from --password-file and refuses a member without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'team-notes-pw-'));
    const file = join(dir, 'password');
    writeFileSync(file, 'from a file\n', { mode: 0o600 });
    const port = await repository();
    const alice = start(peerArgs('alice', port, ['--password-file', file]));
    await alice.waitFor((e) => e.event === 'ready', 'alice ready');
    const bob = start(peerArgs('bob', port), { TEAM_NOTES_PASSWORD: 'from a file' });
    await bob.waitFor((e) => e.event === 'joined' && (e.member as { name: string }).name === 'alice', 'same password from the environment');
    const eve = start(peerArgs('eve', port), { TEAM_NOTES_PASSWORD: '' });
    const ready = await eve.waitFor((e) => e.event === 'ready' || (e.event === 'error' && e.code === 'ERR_AUTH_FAILED'), 'eve without a password');
    if (ready.event === 'ready') {
      assert.equal(ready.passwordProtected, false);
      await eve.waitFor((e) => e.event === 'error' && e.code === 'ERR_AUTH_FAILED', 'eve refused');
    }
  });

  it('keeps a member key in --data DIR (mode 0600) so a restarted member has the same id', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'team-notes-data-')), 'nested', 'folder');
    const port = await repository();
    const first = start(peerArgs('dana', port, ['--data', data]));
    const one = await first.waitFor((e) => e.event === 'ready', 'first run');
    first.signal('SIGTERM');
    await first.exited;
    const keyFile = join(data, 'member-key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(data).mode & 0o777, 0o700);
    assert.ok(!readFileSync(keyFile, 'utf8').includes(String(one.id)), 'the file keeps the secret seed, not the public id');
    const second = start(peerArgs('dana', port, ['--data', data]));
    const two = await second.waitFor((e) => e.event === 'ready', 'second run');
    assert.equal(two.id, one.id);
    assert.match(String(two.id), /^[A-Za-z0-9_-]{43}$/);
    const fresh = start(peerArgs('dana', port));
    const other = await fresh.waitFor((e) => e.event === 'ready', 'a run without --data');
    assert.notEqual(other.id, one.id);
    assert.notEqual(other.fingerprint, one.fingerprint);
  });
});
