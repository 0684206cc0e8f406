/**
 * What reading one received message costs: the one-pass reader of src/net/xmlScanner.ts against
 * the general route it replaced (a markup scan, fast-xml-parser's `XMLValidator`, its parser; kept
 * in test/helpers/xmlOracle.ts), on the same 100-character chat document, in the same run.
 *
 * At chat rates a receiver's code runs mostly cold (V8 optimises a function after about a thousand
 * calls), so each figure is taken in a fresh process: the first call, the mean of the next 10, of
 * the next 1,000, and hot (after 20,000 more). The two take turns, process by process; medians of
 * the rounds. The full decode (reader and schema checks, `decodeMessage`) is shown beside it.
 *
 *   npm run bench          (runs this after the network benchmark)
 *   node --import tsx bench/network/codec.ts [--save] [--rounds 7]
 */
import { execFileSync } from 'node:child_process';
import type { Message } from '../../src/net/messages';
import { decodeMessage, encodeMessage } from '../../src/net/xmlCodec';
import { parseDocument } from '../../src/net/xmlScanner';
import { parseDocumentReference } from '../../test/helpers/xmlOracle';
import { saveBenchmarkSection } from '../saveSection';

type Route = 'reader' | 'reference' | 'decode';
const ROUTES: Route[] = ['reader', 'reference', 'decode'];
const STAGES = ['first call', 'next 10, each', 'next 1,000, each', 'hot'] as const;

const CHAT = {
  v: '1',
  id: '3f6c1a2e-9b7d-4c1e-8f2a-5d6b7c8e9f01',
  from: 'Qw8eRt6yUi4oPa2sDf0gHjQw8eRt6yUi4oPa2sDf0gH',
  group: 'design team',
  seq: 3,
  ts: 1732190000000,
  sig: `${'Ab3_-'.repeat(17)}w`,
  type: 'chat',
  text: 'Can someone look at the framing code before Friday? The deadline moved and I am not sure why.',
} as Message;

/** In a child process: the four figures of one route, in µs. */
function measure(route: Route): number[] {
  const doc = encodeMessage(CHAT);
  const run = route === 'reader' ? () => parseDocument(doc) : route === 'reference' ? () => parseDocumentReference(doc) : () => decodeMessage(doc);
  const each = (n: number): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run();
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  const first = each(1);
  const next10 = each(10);
  const next1000 = each(1000);
  each(20_000);
  return [first, next10, next1000, each(20_000)];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (us: number): string => (us >= 100 ? us.toFixed(0) : us.toFixed(1));

function main(): void {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(measure(process.argv[child + 1] as Route)));
    return;
  }
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(process.argv[roundsAt + 1]) : 7;
  const samples = new Map<Route, number[][]>(ROUTES.map((r) => [r, []]));
  for (let i = 0; i < rounds; i++) {
    for (const route of ROUTES) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', route], { encoding: 'utf8' });
      samples.get(route)!.push(JSON.parse(out) as number[]);
    }
  }
  const figure = (route: Route, stage: number): number => median(samples.get(route)!.map((s) => s[stage]!));
  const bytes = encodeMessage(CHAT).length;
  const lines = [
    '## Reading a received message',
    '',
    `Measured by \`bench/network/codec.ts\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}): a ${bytes}-byte chat document, each figure in a fresh process (cold code, as at chat rates), ${rounds} rounds taken in turns; medians. *Reader*: the one-pass strict reader of \`src/net/xmlScanner.ts\`. *Reference*: the general route it replaced (markup scan, fast-xml-parser's validator and parser). *Decode*: the reader and the schema's checks, the whole of \`decodeMessage\`.`,
    '',
    '| µs per document | reader | reference | reference ÷ reader | decode (reader + schema) |',
    '|---|---:|---:|---:|---:|',
    ...STAGES.map((stage, i) => `| ${stage} | ${fmt(figure('reader', i))} | ${fmt(figure('reference', i))} | ${(figure('reference', i) / figure('reader', i)).toFixed(1)}x | ${fmt(figure('decode', i))} |`),
  ];
  const body = lines.join('\n');
  console.log(body);
  if (process.argv.includes('--save')) saveBenchmarkSection('codec', body);
}

main();
