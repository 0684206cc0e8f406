/**
 * What reading and writing one message costs: the one-pass reader of src/net/xmlScanner.ts against
 * the general route it replaced (a markup scan, fast-xml-parser's `XMLValidator`, its parser), and
 * its writer against fast-xml-parser's builder (both kept in test/helpers/xmlOracle.ts), on the
 * same 100-character chat document, in the same run.
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
import { buildDocument, parseDocument } from '../../src/net/xmlScanner';
import type { XmlObject } from '../../src/net/xmlScanner';
import { buildDocumentReference, parseDocumentReference } from '../../test/helpers/xmlOracle';
import { saveBenchmarkSection } from '../saveSection';

type Route = 'reader' | 'reference' | 'decode' | 'writer' | 'builder' | 'encode';
const ROUTES: Route[] = ['reader', 'reference', 'decode', 'writer', 'builder', 'encode'];
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
  const tree = parseDocument(doc) as XmlObject;
  const root = JSON.parse(JSON.stringify(tree.chat), (key, value: unknown) => (key === '#cdata' && Array.isArray(value) ? value.join('') : value)) as XmlObject;
  const runs: Record<Route, () => unknown> = {
    reader: () => parseDocument(doc),
    reference: () => parseDocumentReference(doc),
    decode: () => decodeMessage(doc),
    writer: () => buildDocument('chat', root),
    builder: () => buildDocumentReference('chat', root),
    encode: () => encodeMessage(CHAT),
  };
  const run = runs[route];
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
    '## Reading and writing a message',
    '',
    `Measured by \`bench/network/codec.ts\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}): a ${bytes}-byte chat document, each figure in a fresh process (cold code, as at chat rates), ${rounds} rounds taken in turns; medians. *Reader*: the one-pass strict reader of \`src/net/xmlScanner.ts\`. *Reference*: the general route it replaced (markup scan, fast-xml-parser's validator and parser). *Decode*: the reader and the schema's checks, the whole of \`decodeMessage\`. *Writer*: \`buildDocument\` of the same module, against fast-xml-parser's *builder* with the options the product used; *encode*: the schema's checks and the writer, the whole of \`encodeMessage\` (once per message sent, and once per acknowledgement).`,
    '',
    '| µs per document | reader | reference | reference ÷ reader | decode (reader + schema) | writer | builder | builder ÷ writer | encode (schema + writer) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...STAGES.map((stage, i) => {
      const ratio = (a: Route, b: Route): string => `${(figure(a, i) / figure(b, i)).toFixed(1)}x`;
      return `| ${stage} | ${fmt(figure('reader', i))} | ${fmt(figure('reference', i))} | ${ratio('reference', 'reader')} | ${fmt(figure('decode', i))} | ${fmt(figure('writer', i))} | ${fmt(figure('builder', i))} | ${ratio('builder', 'writer')} | ${fmt(figure('encode', i))} |`;
    }),
  ];
  const body = lines.join('\n');
  console.log(body);
  if (process.argv.includes('--save')) saveBenchmarkSection('codec', body);
}

main();
