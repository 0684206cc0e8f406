/**
 * The `team-notes` CLI end to end: a repository and several chat peers as separate processes,
 * talking over real sockets on 127.0.0.1.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { CliProcess as CliProcessBase } from '../helpers/cliProcess';
import type { CliEvent as Event } from '../helpers/cliProcess';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

/** The shared helper (test/helpers/cliProcess.ts) bound to this repository's dist/cli.js. */
class CliProcess extends CliProcessBase {
  constructor(args: string[]) {
    super(cli, args);
  }
}

describe('team-notes CLI (separate processes)', function () {
  this.timeout(30_000);
  const processes: CliProcess[] = [];
  const start = (args: string[]): CliProcess => {
    const p = new CliProcess(args);
    processes.push(p);
    return p;
  };

  before(() => assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first'));
  afterEach(async () => {
    for (const p of processes.splice(0)) {
      p.signal('SIGKILL');
      await p.exited;
    }
  });

  async function repository(): Promise<number> {
    const repo = start(['repository', '--host', '127.0.0.1', '--port', '0', '--json']);
    const listening = await repo.waitFor((e) => e.event === 'listening', 'repository listening');
    return listening.port as number;
  }

  async function chatPeer(name: string, port: number): Promise<{ proc: CliProcess; id: string }> {
    const proc = start(['chat', '--group', 'design', '--name', name, '--repository', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--json']);
    const ready = await proc.waitFor((e) => e.event === 'ready', `${name} ready`);
    assert.equal(ready.name, name);
    assert.equal(ready.group, 'design');
    assert.match(String(ready.listen), /^127\.0\.0\.1:\d+$/);
    return { proc, id: ready.id as string };
  }

  const chatFrom = (name: string, text: string) => (e: Event) =>
    e.event === 'message' && e.type === 'chat' && (e.from as { name: string }).name === name && e.text === text;

  it('three peers see each other join, exchange group and direct messages, and see a killed member leave', async () => {
    const port = await repository();
    const alice = await chatPeer('alice', port);
    const bob = await chatPeer('bob', port);
    const carol = await chatPeer('carol', port);
    await alice.proc.waitFor((e) => e.event === 'joined' && (e.member as { name: string }).name === 'carol', 'alice sees carol');
    await carol.proc.waitFor((e) => e.event === 'joined' && (e.member as { name: string }).name === 'alice', 'carol sees alice');

    alice.proc.type('hello design <b>&amp;</b> 007');
    for (const other of [bob, carol]) {
      const message = await other.proc.waitFor(chatFrom('alice', 'hello design <b>&amp;</b> 007'), 'group message');
      assert.equal(message.to, null);
      assert.equal((message.from as { id: string }).id, alice.id);
    }

    bob.proc.type('/to alice just for you');
    const direct = await alice.proc.waitFor(chatFrom('bob', 'just for you'), 'direct message');
    assert.equal(direct.to, alice.id);

    carol.proc.signal('SIGKILL');
    for (const other of [alice, bob]) {
      const left = await other.proc.waitFor((e) => e.event === 'left' && (e.member as { name: string }).name === 'carol', 'carol left');
      assert.equal(left.reason, 'closed');
    }
    assert.ok(!carol.proc.events.some(chatFrom('bob', 'just for you')), 'carol never saw the direct message');
  });

  it('leaves with bye and exits 0 on end of input, SIGTERM and /quit', async () => {
    const port = await repository();
    const watcher = await chatPeer('watcher', port);
    for (const [name, leave] of [
      ['eof', (p: CliProcess) => p.endInput()],
      ['term', (p: CliProcess) => p.signal('SIGTERM')],
      ['quitter', (p: CliProcess) => p.type('/quit')],
    ] as const) {
      const peer = await chatPeer(name, port);
      await watcher.proc.waitFor((e) => e.event === 'joined' && (e.member as { name: string }).name === name, `${name} joined`);
      leave(peer.proc);
      assert.equal(await peer.proc.exited, 0);
      const left = await watcher.proc.waitFor((e) => e.event === 'left' && (e.member as { name: string }).name === name, `${name} left`);
      assert.equal(left.reason, 'bye');
    }
  });

  it('reports an unreachable repository as a coded error and exit code 1, without a stack trace', async () => {
    const port = await repository();
    processes[0]!.signal('SIGKILL');
    await processes[0]!.exited;
    const lonely = start(['chat', '--group', 'design', '--name', 'lonely', '--repository', `127.0.0.1:${port}`, '--json']);
    assert.equal(await lonely.exited, 1);
    const error = lonely.events.find((e) => e.event === 'error');
    assert.equal(error?.code, 'ERR_REPOSITORY_UNREACHABLE');
    assert.doesNotMatch(lonely.stderr, /\n\s+at /);
  });

  it('reports an unknown /to recipient and keeps running', async () => {
    const port = await repository();
    const alice = await chatPeer('alice', port);
    alice.proc.type('/to nobody hi');
    const error = await alice.proc.waitFor((e) => e.event === 'error', 'error event');
    assert.equal(error.code, 'ERR_UNKNOWN_MEMBER');
    const bob = await chatPeer('bob', port);
    alice.proc.type('after the error');
    await bob.proc.waitFor(chatFrom('alice', 'after the error'), 'message after the error');
  });

  it('puts notes and checked images on the board from the terminal, and refuses a fake image', async () => {
    const port = await repository();
    const alice = await chatPeer('alice', port);
    const bob = await chatPeer('bob', port);
    await alice.proc.waitFor((e) => e.event === 'joined' && (e.member as { name: string }).name === 'bob', 'alice sees bob');
    alice.proc.type('/note <b>ship</b> on Friday');
    const note = await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'note', 'the note');
    assert.deepEqual([note.op, note.text], ['add', '<b>ship</b> on Friday']);

    const dir = mkdtempSync(join(tmpdir(), 'team-notes-cli-'));
    const png = new PNG({ width: 64, height: 32 });
    png.data.fill(200);
    const real = join(dir, 'real.png');
    writeFileSync(real, PNG.sync.write(png));
    const fake = join(dir, 'fake.png');
    writeFileSync(fake, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]));
    alice.proc.type(`/image ${fake}`);
    const refused = await alice.proc.waitFor((e) => e.event === 'error', 'the fake image refused');
    assert.equal(refused.code, 'ERR_IMAGE');
    alice.proc.type(`/image ${real}`);
    const image = await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'image', 'the image');
    assert.deepEqual([image.op, image.mime, image.bytes, image.width, image.height], ['add', 'image/png', readFileSync(real).length, 64, 32]);
    assert.equal(bob.proc.events.filter((e) => e.event === 'message' && e.type === 'image').length, 1, 'the fake image never left alice');
  });

  it('rejects bad arguments with a clear message and exit code 1', async () => {
    const bad = start(['chat', '--name', 'x']);
    assert.equal(await bad.exited, 1);
    assert.match(bad.stderr, /--group is required/);
    const badAddress = start(['chat', '--group', 'g', '--repository', 'host:99999']);
    assert.equal(await badAddress.exited, 1);
    assert.match(badAddress.stderr, /ERR_BAD_ADDRESS/);
    // A bad log level is the user's to fix: one coded line, no stack trace.
    const badLevel = start(['repository', '--log-level', 'bogus']);
    assert.equal(await badLevel.exited, 1);
    assert.equal(badLevel.stderr.trim(), 'team-notes: ERR_BAD_INPUT: --log-level must be one of trace, debug, info, warn, error, off');
  });

  it('listens on an IPv6 host given without brackets, and says so with brackets', async () => {
    const repo = start(['repository', '--host', '::1', '--port', '0']);
    const line = await repo.waitFor((e) => e.event === 'text' && String(e.line).includes('listening on'), 'the listening line');
    assert.match(String(line.line), /^Team Notes repository listening on \[::1\]:\d+$/);
  });
});
