/**
 * A newcomer's board filling in: 10,000 board items and 10,000 chat messages arrive while the
 * board is open (a catch-up), measured in the real webview in headless Chromium (the webview test
 * harness), from the first message posted to the frame painted after the last one was handled.
 *
 * - *batches*: as the host sends them (src/extension/deltaBatcher.ts): batches of up to 1,000 deltas;
 * - *one message per delta*: as the host sent them before batching;
 * - *snapshot* (the reference): the same state in one snapshot, as a reopened board gets it.
 *
 * Each way runs in a fresh page, taking turns; medians. The chat keeps the newest 1,000 entries
 * shown (the host and the board both bound it). The messages are handed to the page in a task of
 * their own before the clock starts: made in the same task, the decoding of Playwright's argument
 * (20,000 objects) left native work behind that ran after the posts and was counted as the board's.
 *
 *   npm run bench:board        (runs this after the board benchmark)
 *   node --import tsx bench/board/catchup.ts [--save] [--runs 5] [--items 10000] [--cpu-prof]
 *
 * `--cpu-prof` profiles the last run of each way (.cache/bench-board/prof/catchup-<way>.cpuprofile).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_BATCH_MESSAGES } from '../../src/webview/protocol';
import type { BatchedDelta, ChatEntry, HostToWebview } from '../../src/webview/protocol';
import { JOINED, MEMBERS } from '../../test/webview/fixtures';
import { WebviewServer, launchChromium, openBoard } from '../../test/webview/harness';
import { saveBenchmarkSection } from '../saveSection';
import { PROFILE, startProfile } from './profile';
import { syntheticBoard } from './synthetic';

declare const window: { postMessage(message: unknown, targetOrigin: string): void; __fill?: unknown; __messages?: unknown };

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const RUNS = argument('--runs', 5);
const ITEMS = argument('--items', 10_000);
const GOAL_MS = 500;

/** Posts every message, resolves with the time until the frame after the last was handled, in ms. */
const PAGE_FILL = `(() => {
  window.__fill = (messages) => new Promise((resolve) => {
    let left = messages.length;
    const t0 = performance.now();
    const onMessage = () => {
      left -= 1;
      if (left > 0) return;
      window.removeEventListener('message', onMessage);
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve(performance.now() - t0);
        ch.port2.postMessage(0);
      });
    };
    window.addEventListener('message', onMessage);
    for (const m of messages) window.postMessage(m, '*');
  });
})();`;

type Way = 'batches' | 'single' | 'snapshot';
const WAYS: Way[] = ['batches', 'single', 'snapshot'];

function messagesFor(way: Way, deltas: BatchedDelta[], chat: ChatEntry[], board: Extract<BatchedDelta, { type: 'boardItem' }>['item'][]): HostToWebview[] {
  if (way === 'snapshot') return [{ type: 'snapshot', session: JOINED, members: MEMBERS, chat: chat.slice(-1000), board }];
  if (way === 'single') return deltas;
  const batches: HostToWebview[] = [];
  for (let i = 0; i < deltas.length; i += MAX_BATCH_MESSAGES) batches.push({ type: 'batch', messages: deltas.slice(i, i + MAX_BATCH_MESSAGES) });
  return batches;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  if (!existsSync(join(root, 'dist', 'webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
  const board = syntheticBoard(ITEMS).items;
  const author = MEMBERS[1]!;
  const t0 = Date.now() - ITEMS * 1000;
  const chat: ChatEntry[] = Array.from({ length: ITEMS }, (_, i) => ({ id: `msg-${String(i).padStart(8, '0')}`, from: { id: author.id, name: author.name }, text: `Catch-up message ${i}: the framing code, line ${i % 400}`, ts: t0 + i * 1000, own: false }));
  // Board and chat interleaved, as pages hand on the group's history in its order, between the
  // host's word that a catch-up began and that it ended (the session's `catchUp`), as it sends them.
  const deltas: BatchedDelta[] = [{ type: 'session', session: { ...JOINED, catchUp: { received: 0 } } }];
  for (let i = 0; i < ITEMS; i++) deltas.push({ type: 'boardItem', item: board[i]! }, { type: 'chat', entry: chat[i]! });
  deltas.push({ type: 'session', session: JOINED });
  const server = await WebviewServer.start();
  const browser = await launchChromium();
  const times = new Map<Way, number[]>(WAYS.map((w) => [w, []]));
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const way of WAYS) {
        const page = await openBoard(browser, server.origin);
        await page.send({ type: 'snapshot', session: JOINED, members: MEMBERS, chat: [], board: [] });
        await page.page.evaluate(PAGE_FILL);
        const messages = messagesFor(way, deltas, chat, board);
        await page.page.evaluate((m) => {
          window.__messages = m;
        }, messages);
        const profile = PROFILE && run === RUNS - 1 ? await startProfile(page.page) : undefined;
        const ms = await page.page.evaluate(() => (window.__fill as (m: unknown) => Promise<number>)(window.__messages));
        await profile?.stop(`catchup-${way}`);
        times.get(way)!.push(ms);
        await page.page.context().close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const fmt = (way: Way): string => `${median(times.get(way)!).toFixed(0)} (${Math.min(...times.get(way)!).toFixed(0)}–${Math.max(...times.get(way)!).toFixed(0)})`;
  const batched = median(times.get('batches')!);
  const reference = median(times.get('snapshot')!);
  const lines = [
    '## A newcomer\'s board filling in',
    '',
    `Measured by \`bench/board/catchup.ts\` (${new Date().toISOString().slice(0, 10)}, headless Chromium, software rendering): ${ITEMS.toLocaleString('en')} board items and ${ITEMS.toLocaleString('en')} chat messages reach an open board, from the first message posted to the frame painted after the last; ${RUNS} runs per way, each in a fresh page, taking turns. The network part of a catch-up is in the History section.`,
    '',
    '| Delivered as | median ms (min–max) | vs the snapshot |',
    '|---|---:|---:|',
    `| one snapshot (reference) | ${fmt('snapshot')} | 1.0x |`,
    `| batches of up to ${MAX_BATCH_MESSAGES.toLocaleString('en')} deltas, as the host sends them | ${fmt('batches')} | ${(batched / reference).toFixed(1)}x |`,
    `| one message per delta, as before batching | ${fmt('single')} | ${(median(times.get('single')!) / reference).toFixed(1)}x |`,
    '',
    `| Goal | Target | Measured | Status |`,
    '|---|---:|---:|---|',
    `| The board paints a caught-up history of ${ITEMS.toLocaleString('en')} items and ${ITEMS.toLocaleString('en')} messages | ≤ ${GOAL_MS} ms | ${batched.toFixed(0)} ms | ${batched <= GOAL_MS ? 'met' : '**not met**'} |`,
  ];
  const body = lines.join('\n');
  console.log(body);
  if (process.argv.includes('--save')) saveBenchmarkSection('board-catchup', body);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
