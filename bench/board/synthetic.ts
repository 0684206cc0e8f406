/**
 * A synthetic board for the benchmark: notes, strokes, images (small real PNGs made with pngjs) and
 * code snippets, spread over a square whose area grows with the item count (one item per
 * {@link AREA_PER_ITEM} board units², about a dozen items in a 1,000 × 750 view at 100%).
 * Deterministic: the same seed gives the same board.
 */
import { PNG } from 'pngjs';
import type { BoardItem } from '../../src/webview/protocol';

/** Board area per item, in board units² (a 250 × 250 square). */
export const AREA_PER_ITEM = 250 * 250;

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the board rate limit frame peer group review ship friday decoder buffer image stroke note snippet chat member repository port latency join handshake timeout backoff jitter queue drain socket codec xml binary test bench zoom pan fit'.split(' ');
const NOTE_COLOURS = ['#f5e17a', '#ffb86c', '#9be3a0', '#8cc8ff', '#f7a8c8', '#c9b3ff'];
const PEN_COLOURS = ['#3794ff', '#f14c4c', '#23a55a', '#f59e0b', '#a371f7'];
const FONTS = ['sans-serif', 'serif', 'monospace'];

const CODE: Array<{ language: string; path: string; code: string }> = [
  {
    language: 'typescript',
    path: 'src/net/framing.ts',
    code: `export function encodeFrame(type: FrameType, payload: Uint8Array): Uint8Array {\n  if (payload.length > MAX_FRAME_BYTES) {\n    throw new NetError('ERR_FRAME_TOO_LARGE', \`frame of \${payload.length} bytes\`);\n  }\n  const frame = new Uint8Array(5 + payload.length);\n  new DataView(frame.buffer).setUint32(0, payload.length + 1);\n  frame[4] = type;\n  frame.set(payload, 5);\n  return frame;\n}`,
  },
  {
    language: 'python',
    path: 'tools/report.py',
    code: `def percentile(values, p):\n    """The p-th percentile of values (0 to 100)."""\n    if not values:\n        return None\n    ordered = sorted(values)\n    k = (len(ordered) - 1) * p / 100\n    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)\n    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)`,
  },
  {
    language: 'go',
    path: 'cmd/relay/main.go',
    code: `func (r *Relay) Broadcast(from string, msg []byte) {\n\tr.mu.RLock()\n\tdefer r.mu.RUnlock()\n\tfor id, c := range r.clients {\n\t\tif id == from {\n\t\t\tcontinue\n\t\t}\n\t\tselect {\n\t\tcase c.send <- msg:\n\t\tdefault:\n\t\t\tgo r.drop(id)\n\t\t}\n\t}\n}`,
  },
  {
    language: 'json',
    path: 'package.json',
    code: `{\n  "name": "team-notes",\n  "version": "0.1.0",\n  "scripts": {\n    "build": "node scripts/build.mjs",\n    "bench:board": "node --import tsx bench/board/run.ts"\n  }\n}`,
  },
];

function makePng(width: number, height: number, rnd: () => number): Uint8Array {
  const png = new PNG({ width, height });
  const a = [rnd() * 255, rnd() * 255, rnd() * 255];
  const b = [rnd() * 255, rnd() * 255, rnd() * 255];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const t = (x / width + y / height) / 2;
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c += 1) png.data[i + c] = Math.round(a[c]! * (1 - t) + b[c]! * t);
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

export interface SyntheticBoard {
  items: BoardItem[];
  /** Side of the square the items are spread over, in board units. */
  side: number;
  counts: Record<BoardItem['kind'], number>;
  imageBytes: number;
}

export function syntheticBoard(count: number, seed = 42): SyntheticBoard {
  const rnd = prng(seed);
  const side = Math.round(Math.sqrt(count * AREA_PER_ITEM));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const authors = [
    { id: 'alice-0000000000000001', name: 'Alice' },
    { id: 'bob-00000000000000000002', name: 'Bob' },
    { id: 'carol-000000000000000003', name: 'Carol' },
  ];
  // A few distinct pictures, shared by many image items (each item still carries its own bytes).
  const pictures = Array.from({ length: 16 }, () => {
    const w = 48 + Math.floor(rnd() * 160);
    const h = 36 + Math.floor(rnd() * 120);
    return { bytes: makePng(w, h, rnd), w, h };
  });
  const items: BoardItem[] = [];
  const counts = { note: 0, snippet: 0, image: 0, stroke: 0 };
  let imageBytes = 0;
  for (let i = 0; i < count; i += 1) {
    const id = `item-${String(i).padStart(6, '0')}-${Math.floor(rnd() * 1e9).toString(36)}`;
    const author = pick(authors);
    const x = Math.round(rnd() * side);
    const y = Math.round(rnd() * side);
    const base = { id, author, x, y, order: i + 1 };
    const r = rnd();
    if (r < 0.4) {
      const words = Array.from({ length: 3 + Math.floor(rnd() * 40) }, () => pick(WORDS));
      items.push({ kind: 'note', ...base, text: words.join(' '), font: pick(FONTS), size: pick([13, 15, 16, 18, 24]), colour: pick(NOTE_COLOURS) });
      counts.note += 1;
    } else if (r < 0.65) {
      const points: number[] = [];
      let px = x;
      let py = y;
      let angle = rnd() * Math.PI * 2;
      const n = 20 + Math.floor(rnd() * 180);
      for (let k = 0; k < n; k += 1) {
        points.push(Math.round(px * 10) / 10, Math.round(py * 10) / 10);
        angle += (rnd() - 0.5) * 0.6;
        px += Math.cos(angle) * 4;
        py += Math.sin(angle) * 4;
      }
      let minX = Infinity;
      let minY = Infinity;
      for (let k = 0; k < points.length; k += 2) {
        minX = Math.min(minX, points[k]!);
        minY = Math.min(minY, points[k + 1]!);
      }
      items.push({ kind: 'stroke', ...base, x: minX, y: minY, points: Float64Array.from(points), width: pick([2, 4, 8]), colour: pick(PEN_COLOURS) });
      counts.stroke += 1;
    } else if (r < 0.8) {
      const sample = pick(CODE);
      const start = 1 + Math.floor(rnd() * 400);
      const lines = sample.code.split('\n').length;
      items.push({ kind: 'snippet', ...base, code: sample.code, language: sample.language, path: sample.path, startLine: start, endLine: start + lines - 1 });
      counts.snippet += 1;
    } else {
      const p = pick(pictures);
      const scale = 1 + rnd() * 1.5;
      const bytes = p.bytes.slice();
      imageBytes += bytes.length;
      items.push({ kind: 'image', ...base, mime: 'image/png', bytes, width: Math.round(p.w * scale), height: Math.round(p.h * scale) });
      counts.image += 1;
    }
  }
  return { items, side, counts, imageBytes };
}
