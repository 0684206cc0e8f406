/** Sample host data for the board tests: a small team, a conversation and a board. */
import { PNG } from 'pngjs';
import type { BoardImage, BoardNote, BoardSnippet, BoardStroke, ChatEntry, HostToWebview, MemberView, SessionView } from '../../src/webview/protocol';

export const ALICE = { id: 'alice-0000000000000001', name: 'Alice' };
export const BOB = { id: 'bob-00000000000000000002', name: 'Bob' };
export const CAROL = { id: 'carol-000000000000000003', name: 'Carol' };
export const DMITRI = { id: 'dmitri-00000000000000004', name: 'Dmitri' };

export const JOINED: SessionView = { state: 'joined', group: 'design team', self: ALICE, repository: '127.0.0.1:46800' };
export const IDLE: SessionView = { state: 'idle' };

export const MEMBERS: MemberView[] = [
  { ...BOB, online: true },
  { ...ALICE, online: true },
  { ...CAROL, online: false },
  { ...DMITRI, online: true },
];

/** This morning at 09:30, so the chat shows times of day rather than dates. */
const T0 = new Date(new Date().setHours(9, 30, 0, 0)).getTime();
const minute = 60_000;

let seq = 0;
export function chat(from: { id: string; name: string }, text: string, options: { ts?: number; to?: { id: string; name: string } } = {}): ChatEntry {
  seq += 1;
  const entry: ChatEntry = { id: `msg-${String(seq).padStart(8, '0')}`, from, text, ts: options.ts ?? T0 + seq * minute, own: from.id === ALICE.id };
  if (options.to !== undefined) entry.to = options.to;
  return entry;
}

/** Stacking order: each fixture item is drawn above the ones made before it. */
let order = 0;

export function note(id: string, text: string, x: number, y: number, extra: Partial<BoardNote> = {}): BoardNote {
  order += 1;
  return { kind: 'note', id, author: BOB, text, font: 'sans-serif', size: 15, colour: '#ffd54f', x, y, order, ...extra };
}

export function snippet(id: string, code: string, x: number, y: number, extra: Partial<BoardSnippet> = {}): BoardSnippet {
  order += 1;
  return { kind: 'snippet', id, author: DMITRI, code, language: 'typescript', path: 'src/net/framing.ts', startLine: 42, endLine: 58, x, y, order, ...extra };
}

export function image(id: string, bytes: Uint8Array, x: number, y: number, width: number, height: number, extra: Partial<BoardImage> = {}): BoardImage {
  order += 1;
  return { kind: 'image', id, author: CAROL, mime: 'image/png', bytes, width, height, x, y, order, ...extra };
}

/** A stroke through flat absolute points; `x`/`y` is the top-left of their bounds. */
export function stroke(id: string, points: number[], extra: Partial<BoardStroke> = {}): BoardStroke {
  order += 1;
  let x = Infinity;
  let y = Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    x = Math.min(x, points[i]!);
    y = Math.min(y, points[i + 1]!);
  }
  return { kind: 'stroke', id, author: ALICE, points: Float64Array.from(points), width: 4, colour: '#3794ff', x, y, order, ...extra };
}

/**
 * A real PNG made with pngjs: a diagonal gradient with a few bands, so that a screenshot shows a
 * picture and a downscale has something to keep.
 */
export function makePng(width: number, height: number, hue = 0): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const t = (x / Math.max(1, width - 1) + y / Math.max(1, height - 1)) / 2;
      const band = Math.floor(t * 6) % 2 === 0 ? 1 : 0.85;
      png.data[i] = Math.round((40 + 180 * t) * band + hue) % 256;
      png.data[i + 1] = Math.round((120 + 90 * (1 - t)) * band);
      png.data[i + 2] = Math.round((200 - 120 * t) * band);
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** A PNG signature and a valid IHDR chunk claiming `width` × `height`, and nothing else (no pixels). */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const png = PNG.sync.write(new PNG({ width: 1, height: 1 }));
  const bytes = new Uint8Array(png.subarray(0, 33));
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(bytes.subarray(12, 29)));
  return bytes;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

export const CHAT: ChatEntry[] = [
  chat(BOB, 'Morning! I pinned the framing question on the board.'),
  chat(ALICE, 'Thanks, looking now. Is the 64 KiB limit per frame or per message?'),
  chat(DMITRI, 'Per frame. Images go in binary frames after the announcing message.'),
  chat(BOB, 'Can you review my PR before lunch?', { to: ALICE }),
  chat(ALICE, 'Sure, after standup.', { to: BOB }),
  chat(DMITRI, 'Shared the decoder loop: the length check happens before buffering.\nSee the card on the right.'),
];

const FRAMING_CODE = `export class FrameDecoder {
  push(chunk: Buffer): Frame[] {
    this.buffered += chunk.length;
    if (this.buffered > MAX_BUFFERED_BYTES) {
      throw new NetError('ERR_FRAME_TOO_LARGE', \`buffered \${this.buffered} bytes\`);
    }
    const frames: Frame[] = [];
    while (this.header()) {
      const length = this.view.getUint32(0);
      if (length > MAX_XML_FRAME_BYTES) throw new NetError('ERR_FRAME_TOO_LARGE');
      frames.push(this.take(length));
    }
    return frames;
  }
}`;

export const BOARD = [
  note('note-0000000000000001', 'Ship the board on Friday?', 40, 40, { colour: '#ffd54f', author: BOB }),
  note('note-0000000000000002', 'Rate limit: 5 msg/s per member,\nburst of 20.', 340, 56, { colour: '#81c784', author: DMITRI, font: 'serif', size: 16 }),
  note('note-0000000000000003', 'Who owns the CSP review?', 40, 232, { colour: '#4fc3f7', author: ALICE, size: 18 }),
  note('note-0000000000000004', 'Remember: peer text goes in with textContent only.', 340, 250, { colour: '#f48fb1', author: CAROL, font: 'monospace', size: 13 }),
  snippet('snip-0000000000000001', FRAMING_CODE, 640, 40),
];

export function snapshot(overrides: Partial<Extract<HostToWebview, { type: 'snapshot' }>> = {}): HostToWebview {
  return { type: 'snapshot', session: JOINED, members: MEMBERS, chat: CHAT, board: BOARD, ...overrides };
}
