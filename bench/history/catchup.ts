/**
 * Catch-up and history at scale, each beside a reference measured in the same run:
 *
 * - a newcomer to a group holding 10,000 chat messages (from an author who has left, handed on by
 *   another member, each proven by the author's signature: one per page, the rest by the hash
 *   chain) and 10,000 notes, from `join()` until it holds them all, against pushing the same
 *   documents over one plain loopback socket as length-prefixed frames (the bare transfer);
 * - opening that history from disk (checksums, decoding, indexing) against reading the file.
 *
 *   npm run bench          (runs this after the network benchmark)
 *   node --import tsx bench/history/catchup.ts [--save] [--count N]
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupHistory, groupHistoryFolder } from '../../src/net/groupHistory';
import { MemberKey } from '../../src/net/memberKey';
import { PeerNode } from '../../src/net/peerNode';
import type { PeerNodeOptions } from '../../src/net/peerNode';
import { RepositoryServer } from '../../src/net/repositoryServer';
import { saveBenchmarkSection } from '../saveSection';

const argCount = process.argv.indexOf('--count');
const COUNT = argCount > 0 ? Number(process.argv[argCount + 1]) : 10_000;
const ROUNDS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends `frames` over one loopback socket and resolves when the other end has read every byte, in ms. */
async function bareTransfer(frames: Buffer[]): Promise<number> {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = createServer((socket) =>
    socket.on('data', (chunk) => {
      received += chunk.length;
      if (received >= total) done();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const start = performance.now();
  const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, noDelay: true });
  await once(socket, 'connect');
  for (const frame of frames) {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(frame.length);
    socket.write(header);
    socket.write(frame);
  }
  await finished;
  const ms = performance.now() - start;
  socket.destroy();
  server.close();
  return ms;
}

async function main(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'team-notes-bench-history-'));
  const repository = new RepositoryServer();
  const { port } = await repository.listen(0, '127.0.0.1');
  const options = (name: string, extra: Partial<PeerNodeOptions> = {}): PeerNodeOptions => ({
    name, group: 'bench', repository: { host: '127.0.0.1', port }, listen: { host: '127.0.0.1', port: 0 }, rateLimits: false, ...extra,
  });
  try {
    const bobKey = MemberKey.generate();
    const alice = new PeerNode(options('alice'));
    const bob = new PeerNode(options('bob', { key: bobKey, history: GroupHistory.open(data, 'bench', bobKey.id) }));
    await alice.join();
    await bob.join();
    await waitFor(() => alice.members().length === 1 && bob.members().length === 1, 'alice and bob to meet');
    for (let i = 0; i < COUNT; i++) alice.chat(`chat message number ${i}, about the release on friday`);
    for (let i = 0; i < COUNT; i++) {
      bob.broadcast({ type: 'note', op: 'add', item: `note-${String(i).padStart(8, '0')}`, clock: bob.nextClock(), text: `note ${i}`, font: 'sans-serif', size: 16, colour: '#ffd54f', x: (i % 100) * 260, y: Math.floor(i / 100) * 200 });
    }
    await waitFor(() => bob.history.contiguous(alice.id) === COUNT, 'bob to hold alice\'s messages');
    await alice.leave(); // the author is gone: what a newcomer gets of her comes from bob
    const frames = bob.history.entries().map((e) => e.xml);
    const bytes = frames.reduce((n, f) => n + f.length, 0);

    const bare: number[] = [];
    const catchUp: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await bareTransfer(frames));
      const carol = new PeerNode(options(`carol${round}`));
      const start = performance.now();
      await carol.join();
      await waitFor(() => carol.history.size === 2 * COUNT, 'the newcomer to hold everything');
      catchUp.push(performance.now() - start);
      await carol.leave();
    }
    await bob.leave();
    bob.history.close();

    const file = join(groupHistoryFolder(data, 'bench'), 'log');
    const readFile: number[] = [];
    const open: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      readFileSync(file);
      readFile.push(performance.now() - start);
      start = performance.now();
      const history = GroupHistory.open(data, 'bench', bobKey.id);
      open.push(performance.now() - start);
      if (history.size !== 2 * COUNT) throw new Error(`opened ${history.size} messages, expected ${2 * COUNT}`);
      history.close();
    }

    const b = median(bare);
    const c = median(catchUp);
    const r = median(readFile);
    const o = median(open);
    const mb = (bytes / 1e6).toFixed(1);
    const table = [
      `| ${(2 * COUNT).toLocaleString('en')} messages (${mb} MB of XML), medians of ${ROUNDS} | ms | vs reference |`,
      '|---|---:|---:|',
      `| the same documents over one plain loopback socket (reference) | ${b.toFixed(0)} | 1.0x |`,
      `| a newcomer's catch-up: join, handshakes, pages, the ${COUNT.toLocaleString('en')} handed-on messages proven by their author's signatures and hash chain, kept | ${c.toFixed(0)} | ${(c / b).toFixed(1)}x |`,
      `| reading the history file (reference) | ${r.toFixed(1)} | 1.0x |`,
      `| opening the history: checksums, decoding, indexing | ${o.toFixed(0)} | ${(o / r).toFixed(0)}x |`,
    ].join('\n');
    console.log(table);
    if (process.argv.includes('--save')) {
      saveBenchmarkSection(
        'history',
        `## History and catch-up\n\nMeasured by \`bench/history/catchup.ts\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}). A newcomer joins a group whose history holds ${COUNT.toLocaleString('en')} chat messages by an author who has left (handed on by another member, each proven by its author's signature and the hash chain of the author's log) and ${COUNT.toLocaleString('en')} notes, and is timed from \`join()\` until it holds them all; the reference pushes the same documents over one plain socket. Opening is what a restarted member or a reloaded window does before any network traffic.\n\n${table}`,
      );
      console.log('Wrote the history section of docs/benchmarks.md');
    }
  } finally {
    await repository.close();
    rmSync(data, { recursive: true, force: true });
  }
}

void main();
