/** Sample host data for the board tests: a small team, a conversation and a board. */
import type { BoardNote, BoardSnippet, ChatEntry, HostToWebview, MemberView, SessionView } from '../../src/webview/protocol';

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

export function note(id: string, text: string, x: number, y: number, extra: Partial<BoardNote> = {}): BoardNote {
  return { kind: 'note', id, author: BOB, text, font: 'sans-serif', size: 15, colour: '#ffd54f', x, y, ...extra };
}

export function snippet(id: string, code: string, x: number, y: number, extra: Partial<BoardSnippet> = {}): BoardSnippet {
  return { kind: 'snippet', id, author: DMITRI, code, language: 'typescript', path: 'src/net/framing.ts', startLine: 42, endLine: 58, x, y, ...extra };
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
