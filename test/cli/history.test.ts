/**
 * History through the real CLI, as separate processes: `--data` replays what a member held before
 * it says anything on the network, one data folder is one process, and `team-notes export` writes
 * the history as Markdown.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { CliProcesses } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

describe('team-notes CLI history, data folders and export (separate processes)', function () {
  this.timeout(30_000);
  const processes = new CliProcesses(cli);
  const start = (args: string[]): CliProcess => processes.start(args);
  const folders: string[] = [];

  before(() => assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first'));
  afterEach(async () => {
    await processes.killAll();
    for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
  });

  async function repository(): Promise<number> {
    const repo = start(['repository', '--host', '127.0.0.1', '--port', '0', '--json']);
    return (await repo.waitFor((e) => e.event === 'listening', 'repository listening')).port as number;
  }

  const peerArgs = (name: string, port: number, extra: string[] = []): string[] => [
    'chat', '--group', 'design', '--name', name, '--repository', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--json', ...extra,
  ];

  it('replays what a member held before the network, refuses a second process on its folder, and exports it as Markdown', async () => {
    const data = mkdtempSync(join(tmpdir(), 'team-notes-cli-history-'));
    folders.push(data);
    const image = join(data, '..', `pixel-${process.pid}.png`);
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(200);
    writeFileSync(image, PNG.sync.write(png));
    const port = await repository();
    const bob = start(peerArgs('bob', port));
    await bob.waitFor((e) => e.event === 'ready', 'bob ready');
    const alice = start(peerArgs('alice', port, ['--data', data]));
    await alice.waitFor((e) => e.event === 'ready', 'alice ready');
    await alice.waitFor((e) => e.event === 'joined', 'alice meets bob');
    alice.type('the release is **friday**');
    alice.type('/note remember <the> tests');
    alice.type(`/image ${image}`);
    bob.type('ok from bob');
    await alice.waitFor((e) => e.event === 'message' && e.text === 'ok from bob', 'bob -> alice');
    await bob.waitFor((e) => e.event === 'message' && e.type === 'image', 'alice\'s image at bob');

    const twin = start(peerArgs('alice-again', port, ['--data', data]));
    assert.equal(await twin.exited, 1);
    assert.match(twin.stderr, /in use by another team-notes process/);

    alice.type('/quit');
    assert.equal(await alice.exited, 0);
    await bob.kill(); // nobody left to answer: what the restarted alice shows comes from disk

    const again = start(peerArgs('alice', port, ['--data', data]));
    await again.waitFor((e) => e.event === 'ready', 'alice ready again');
    const replayed = again.events.filter((e) => e.history === true);
    const readyAt = again.events.findIndex((e) => e.event === 'ready');
    assert.ok(replayed.length === 4 && again.events.indexOf(replayed[3]!) < readyAt, `four messages replayed before ready: ${JSON.stringify(again.events)}`);
    assert.deepEqual(replayed.map((e) => e.type).sort(), ['chat', 'chat', 'image', 'note']);
    assert.ok(replayed.some((e) => e.text === 'ok from bob' && (e.from as { name: string }).name === 'bob'));
    again.type('/quit');
    await again.exited;

    const out = join(data, 'export', 'design.md');
    const exported = start(['export', '--data', data, '--group', 'design', '--out', out, '--json']);
    rmSync(join(data, 'export'), { recursive: true, force: true });
    // The target folder must exist: export writes into it, it does not guess.
    assert.equal(await exported.exited, 1);
    const outFile = join(data, 'design.md');
    const second = start(['export', '--data', data, '--group', 'design', '--out', outFile, '--json']);
    assert.equal(await second.exited, 0, second.stderr);
    const markdown = readFileSync(outFile, 'utf8');
    assert.match(markdown, /the release is \\\*\\\*friday\\\*\\\*/, 'chat text kept literal');
    assert.match(markdown, /remember \\<the\\> tests/);
    assert.match(markdown, /ok from bob/);
    assert.match(markdown, /!\[image by alice\]\(design-images\/[0-9a-f]{16}\.png\)/);
    assert.equal(readdirSync(join(data, 'design-images')).length, 1);
    rmSync(image, { force: true });
  });
});
