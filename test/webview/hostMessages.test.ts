/** The board's run-time checks on host messages (src/webview/app/hostMessages.ts), in Node: they are pure. */
import { strict as assert } from 'node:assert';
import { MAX_ITEM_SIZE, MAX_STROKE_POINTS } from '../../src/board/limits';
import { MAX_STROKE_POINTS_ACCEPTED, parseBoardItem, parseHostMessage } from '../../src/webview/app/hostMessages';
import { MAX_BATCH_MESSAGES } from '../../src/webview/protocol';
import { BOB, image, makePng, note, stroke } from './fixtures';

describe('host message checks', () => {
  it('keeps an item’s order, defaults a missing one to 0 and refuses a non-number', () => {
    const n = note('note-0000000000000601', 'x', 0, 0, { order: 17 });
    assert.equal(parseBoardItem(n)?.order, 17);
    const { order: _order, ...unordered } = n;
    assert.equal(parseBoardItem(unordered)?.order, 0);
    assert.equal(parseBoardItem({ ...n, order: '3' }), undefined);
    assert.equal(parseBoardItem({ ...n, order: Number.NaN }), undefined);
  });

  it('accepts images with bytes, a PNG, JPEG or GIF type and a positive size, clamped to the largest item size', () => {
    const bytes = makePng(4, 4);
    const parsed = parseBoardItem(image('img-0000000000000601', bytes, 1, 2, 1e9, 30));
    assert.ok(parsed?.kind === 'image');
    assert.equal(parsed.bytes, bytes);
    assert.deepEqual([parsed.width, parsed.height], [MAX_ITEM_SIZE, 30]);
    assert.ok(parseBoardItem({ ...image('img-0000000000000602', bytes, 0, 0, 10, 10), bytes: bytes.buffer })?.kind === 'image', 'an ArrayBuffer is accepted');
    for (const bad of [{ bytes: [1, 2, 3] }, { bytes: new Uint8Array(0) }, { mime: 'image/svg+xml' }, { width: 0 }, { height: Number.POSITIVE_INFINITY }, { bytes: 'iVBORw0KGgo=' }]) {
      assert.equal(parseBoardItem({ ...image('img-0000000000000603', bytes, 0, 0, 10, 10), ...bad }), undefined, JSON.stringify(Object.keys(bad)));
    }
  });

  it('keeps a valid code-image source and drops a malformed one without dropping the image', () => {
    const bytes = makePng(4, 4);
    const source = { code: 'let a;', language: 'typescript', path: 'a.ts', startLine: 1, endLine: 1 };
    const withSource = parseBoardItem(image('img-0000000000000604', bytes, 0, 0, 10, 10, { source }));
    assert.ok(withSource?.kind === 'image');
    assert.deepEqual(withSource.source, source);
    const broken = parseBoardItem({ ...image('img-0000000000000605', bytes, 0, 0, 10, 10), source: { code: 5 } });
    assert.ok(broken?.kind === 'image');
    assert.equal(broken.source, undefined);
  });

  it('accepts strokes of finite points, simplifying more than MAX_STROKE_POINTS and refusing more than it accepts', () => {
    assert.deepEqual(parseBoardItem(stroke('str-0000000000000601', [1, 2, 3, 4]))?.kind, 'stroke');
    const many = Array.from({ length: 3 * MAX_STROKE_POINTS }, (_, i) => [i, Math.sin(i / 7) * 100]).flat();
    const simplified = parseBoardItem(stroke('str-0000000000000602', many));
    assert.ok(simplified?.kind === 'stroke');
    assert.ok(simplified.points.length / 2 <= MAX_STROKE_POINTS);
    const tooMany = new Array<number>(2 * MAX_STROKE_POINTS_ACCEPTED + 2).fill(0);
    assert.equal(parseBoardItem(stroke('str-0000000000000603', tooMany)), undefined);
    for (const points of [[], [1], [1, 2, 3], [1, Number.NaN], [1, '2'], 'M0 0']) {
      assert.equal(parseBoardItem({ ...stroke('str-0000000000000604', [0, 0]), points }), undefined, JSON.stringify(points));
    }
    assert.equal(parseBoardItem({ ...stroke('str-0000000000000605', [0, 0]), width: 0 }), undefined);
  });

  it('checks each delta of a batch as if it came alone, and refuses what a batch may not carry', () => {
    const a = note('note-0000000000000611', 'a', 0, 0);
    const b = note('note-0000000000000612', 'b', 10, 0);
    const reasons: string[] = [];
    const batch = parseHostMessage(
      {
        type: 'batch',
        messages: [
          { type: 'boardItem', item: a },
          { type: 'boardItem', item: { ...b, x: 'far' } },
          { type: 'snapshot', session: {}, members: [], chat: [], board: [] },
          { type: 'batch', messages: [{ type: 'boardItem', item: b }] },
          { type: 'renderCodeImage', requestId: 'r1', source: {}, theme: 'dark' },
          'boardItem',
          { type: 'boardRemove', id: 'note-0000000000000613' },
        ],
      },
      (reason) => reasons.push(reason),
    );
    assert.ok(batch?.type === 'batch');
    assert.deepEqual(batch.messages.map((m) => m.type), ['boardItem', 'boardRemove']);
    assert.equal(reasons.length, 5, reasons.join('; '));
    const tooMany = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, () => ({ type: 'boardRemove', id: 'note-0000000000000613' }));
    assert.equal(parseHostMessage({ type: 'batch', messages: tooMany }), undefined);
    assert.equal(parseHostMessage({ type: 'batch', messages: 'x' }), undefined);
  });

  it('skips kinds it does not know', () => {
    assert.equal(parseBoardItem({ ...note('note-0000000000000602', 'x', 0, 0), kind: 'video' }), undefined);
  });

  it('checks renderCodeImage and reveal', () => {
    const source = { code: 'x', language: 'go', path: 'main.go', startLine: 3, endLine: 4 };
    assert.deepEqual(parseHostMessage({ type: 'renderCodeImage', requestId: 'r1', source, theme: 'light' }), { type: 'renderCodeImage', requestId: 'r1', source, theme: 'light' });
    for (const theme of ['dark', 'highContrast', 'highContrastLight']) assert.equal((parseHostMessage({ type: 'renderCodeImage', requestId: 'r1', source, theme }) as { theme?: string } | undefined)?.theme, theme);
    assert.equal(parseHostMessage({ type: 'renderCodeImage', requestId: 'r1', source, theme: 'sepia' }), undefined);
    assert.equal(parseHostMessage({ type: 'renderCodeImage', requestId: 'r1', source, theme: 'high-contrast' }), undefined);
    assert.equal(parseHostMessage({ type: 'renderCodeImage', requestId: '', source, theme: 'dark' }), undefined);
    assert.equal(parseHostMessage({ type: 'renderCodeImage', requestId: 'r2', source: { ...source, startLine: 'one' }, theme: 'dark' }), undefined);
    assert.deepEqual(parseHostMessage({ type: 'reveal', id: 'note-1' }), { type: 'reveal', id: 'note-1' });
    assert.equal(parseHostMessage({ type: 'reveal', id: 42 }), undefined);
  });

  it('rebuilds items from their known fields only', () => {
    const parsed = parseBoardItem({ ...note('note-0000000000000603', 'x', 0, 0), author: { ...BOB, extra: 1 }, __proto__: { polluted: true }, onclick: 'x' });
    assert.deepEqual(Object.keys(parsed ?? {}).sort(), ['author', 'colour', 'font', 'id', 'kind', 'order', 'size', 'text', 'x', 'y']);
    assert.deepEqual(parsed?.author, BOB);
  });

  it('checks the time-travel answers and drops one that does not match, whole', () => {
    const timeline = { steps: 12, first: 1, last: 2, authors: [{ id: BOB.id, name: 'Bob', fingerprint: 'abcd-ef01' }] };
    assert.deepEqual(parseHostMessage({ type: 'historyTimeline', timeline }), { type: 'historyTimeline', timeline });
    const n = note('note-0000000000000701', 'then', 0, 0);
    const state = { step: 3, items: [n], restorable: [n.id], change: { author: BOB, ts: 5, kind: 'note', op: 'move' } };
    assert.deepEqual(parseHostMessage({ type: 'historyState', state }), { type: 'historyState', state });
    const reasons: string[] = [];
    const bad: unknown[] = [
      { type: 'historyTimeline', timeline: { ...timeline, steps: -1 } },
      { type: 'historyTimeline', timeline: { ...timeline, steps: 2.5 } },
      { type: 'historyTimeline', timeline: { ...timeline, authors: 'Bob' } },
      { type: 'historyState', state: { ...state, step: '3' } },
      { type: 'historyState', state: { ...state, items: {} } },
      { type: 'historyState', state: { ...state, change: { ...state.change, op: 'undelete' } } },
      { type: 'historyState', state: { ...state, change: { ...state.change, kind: 'script' } } },
      { type: 'historyState', state: { ...state, change: { ...state.change, ts: Number.NaN } } },
      { type: 'historyState' },
    ];
    for (const raw of bad) assert.equal(parseHostMessage(raw, (reason) => reasons.push(reason)), undefined, JSON.stringify(raw));
    assert.equal(reasons.length, bad.length);
    // A bad author or item is left out; the answer stays.
    const parsed = parseHostMessage({ type: 'historyTimeline', timeline: { ...timeline, authors: [{ id: '', name: 'x', fingerprint: 'y' }, ...timeline.authors] } });
    assert.ok(parsed?.type === 'historyTimeline');
    assert.deepEqual(parsed.timeline.authors, timeline.authors);
    // Times come as a pair or not at all.
    const timeless = parseHostMessage({ type: 'historyTimeline', timeline: { steps: 0, first: 1, authors: [] } });
    assert.deepEqual(timeless, { type: 'historyTimeline', timeline: { steps: 0, authors: [] } });
  });
});
