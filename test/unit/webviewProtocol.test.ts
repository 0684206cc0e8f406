import { strict as assert } from 'node:assert';
import { BOARD_EXTENT, MAX_IMAGE_BYTES, MAX_ITEM_SIZE, MAX_NOTE_SIZE, MAX_NOTE_TEXT, MAX_PEN_WIDTH, MAX_STROKE_POINTS, MIN_NOTE_SIZE, MIN_PEN_WIDTH } from '../../src/board/limits';
import { MAX_LINK_LENGTH } from '../../src/board/links';
import { MAX_CHAT_INPUT, MAX_FAILURE_TEXT } from '../../src/webview/protocol';
import type { WebviewToHost } from '../../src/webview/protocol';
import { checkWebviewMessage, describeRejection, parseWebviewMessage } from '../../src/webview/webviewMessageChecks';
import type { WebviewRejection, WebviewRejectionCode } from '../../src/webview/webviewMessageChecks';

const ITEM = '3f2b8c1e-7a4d-4b7e-9c0a-1d2e3f4a5b6c';
const MEMBER = 'Qm9iJ3MgcGVlciBpZCEhIQ';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One valid message of every webview-to-host type, each field at a legal value (optional ones too). */
const VALID: { readonly [T in WebviewToHost['type']]: Extract<WebviewToHost, { type: T }> } = {
  ready: { type: 'ready' },
  sendChat: { type: 'sendChat', text: 'hi', to: MEMBER },
  addNote: { type: 'addNote', text: 'note', x: 1.5, y: -2, font: 'Comic Sans MS, cursive', size: 16, colour: '#f5e17a' },
  editNote: { type: 'editNote', id: ITEM, text: 'new text', font: 'serif', size: 24, colour: '#336699' },
  moveItem: { type: 'moveItem', id: ITEM, x: -BOARD_EXTENT, y: BOARD_EXTENT, width: 200, height: 100 },
  deleteItem: { type: 'deleteItem', id: ITEM },
  addImage: { type: 'addImage', bytes: PNG, x: 0, y: 0, width: 40, height: 30 },
  addStroke: { type: 'addStroke', points: [0, 0, 10, 10, 20, 5], width: 4, colour: '#3794ff' },
  openSnippet: { type: 'openSnippet', id: ITEM },
  copyText: { type: 'copyText', id: ITEM },
  codeImage: { type: 'codeImage', requestId: ITEM, png: PNG },
  codeImageFailed: { type: 'codeImageFailed', requestId: ITEM, message: 'no canvas' },
  joinGroup: { type: 'joinGroup' },
  openLink: { type: 'openLink', url: 'https://example.com/docs?q=team+notes#limits' },
  openCode: { type: 'openCode', path: 'src/net/peerNode.ts', startLine: 40, endLine: 52, code: 'const a = 1;' },
  viewport: { type: 'viewport', x: -1200.5, y: 300, width: 1600, height: 900.25, zoom: 0.5 },
  historyOpen: { type: 'historyOpen' },
  historyAt: { type: 'historyAt', step: 12 },
  historyClose: { type: 'historyClose' },
  restoreItem: { type: 'restoreItem', step: 3, id: ITEM },
};

/** Runs the check and returns the rejection; fails when the message is accepted. */
function rejection(raw: unknown): WebviewRejection {
  const result = checkWebviewMessage(raw);
  assert.equal(result.ok, false, `accepted: ${show(raw)}`);
  return (result as { rejection: WebviewRejection }).rejection;
}

function show(raw: unknown): string {
  try {
    return JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))?.slice(0, 200) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/** `[payload, expected code, expected field]` */
type Bad = [unknown, WebviewRejectionCode, string?];

describe('webview protocol checks', () => {
  it('accepts one message of every type with every field, and returns a fresh copy', () => {
    for (const message of Object.values(VALID)) {
      const result = checkWebviewMessage(message);
      assert.ok(result.ok, `${message.type}: ${result.ok ? '' : describeRejection(result.rejection)}`);
      assert.deepEqual(result.message, message);
      assert.notEqual(result.message, message, 'the host gets its own object, not the one posted');
    }
    // Optional fields may be absent, or present as undefined (structured clone keeps such keys).
    assert.deepEqual(parseWebviewMessage({ type: 'sendChat', text: 'hi', to: undefined }), { type: 'sendChat', text: 'hi' });
    assert.deepEqual(parseWebviewMessage({ type: 'addNote', text: '', x: 0, y: 0 }), { type: 'addNote', text: '', x: 0, y: 0 });
    assert.deepEqual(parseWebviewMessage({ type: 'moveItem', id: ITEM, x: 0, y: 0 }), { type: 'moveItem', id: ITEM, x: 0, y: 0 });
    assert.deepEqual(parseWebviewMessage({ type: 'editNote', id: ITEM, text: '' }), { type: 'editNote', id: ITEM, text: '' });
    // A null-prototype object is plain data too.
    assert.deepEqual(parseWebviewMessage(Object.assign(Object.create(null) as object, { type: 'ready' })), { type: 'ready' });
  });

  it('accepts the limits themselves', () => {
    const edge: WebviewToHost[] = [
      { type: 'sendChat', text: 'x'.repeat(MAX_CHAT_INPUT) },
      { type: 'addNote', text: 'x'.repeat(MAX_NOTE_TEXT), x: BOARD_EXTENT, y: -BOARD_EXTENT, size: MIN_NOTE_SIZE },
      { type: 'editNote', id: 'a'.repeat(64), size: MAX_NOTE_SIZE },
      { type: 'editNote', id: 'A_-b0123', colour: '#ABCDEF' },
      { type: 'moveItem', id: ITEM, x: 0, y: 0, width: MAX_ITEM_SIZE, height: Number.MIN_VALUE },
      { type: 'addImage', bytes: new Uint8Array(MAX_IMAGE_BYTES), x: 0, y: 0, width: 1, height: 1 },
      { type: 'addStroke', points: new Array<number>(MAX_STROKE_POINTS * 2).fill(BOARD_EXTENT), width: MIN_PEN_WIDTH, colour: '#000000' },
      { type: 'addStroke', points: [0, 0], width: MAX_PEN_WIDTH, colour: '#ffffff' },
      { type: 'codeImageFailed', requestId: ITEM, message: 'x'.repeat(MAX_FAILURE_TEXT) },
      { type: 'codeImageFailed', requestId: ITEM, message: '' },
      { type: 'openLink', url: `https://example.com/${'x'.repeat(MAX_LINK_LENGTH - 'https://example.com/'.length)}` },
      { type: 'openLink', url: 'HTTP://EXAMPLE.COM' },
      { type: 'openLink', url: 'http://127.0.0.1:8080/a_(b)' },
    ];
    for (const message of edge) if (!checkWebviewMessage(message).ok) assert.fail(`refused ${show(message)}`);
  });

  it('refuses what is not a plain object of data, or has no known type', () => {
    const getter = { type: 'deleteItem', get id() { return ITEM; } };
    class Message { type = 'ready'; }
    const throwing = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
    const bad: Bad[] = [
      [null, 'ERR_WEBVIEW_NOT_OBJECT'],
      [undefined, 'ERR_WEBVIEW_NOT_OBJECT'],
      ['ready', 'ERR_WEBVIEW_NOT_OBJECT'],
      [42, 'ERR_WEBVIEW_NOT_OBJECT'],
      [[], 'ERR_WEBVIEW_NOT_OBJECT'],
      [[{ type: 'ready' }], 'ERR_WEBVIEW_NOT_OBJECT'],
      [new Message(), 'ERR_WEBVIEW_NOT_OBJECT'],
      [new Map([['type', 'ready']]), 'ERR_WEBVIEW_NOT_OBJECT'],
      [PNG, 'ERR_WEBVIEW_NOT_OBJECT'],
      [getter, 'ERR_WEBVIEW_NOT_OBJECT'],
      [throwing, 'ERR_WEBVIEW_NOT_OBJECT'],
      [{}, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: 'runCommand', command: 'workbench.action.terminal.new' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: '__proto__' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: 'constructor' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: 'toString' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: 'hasOwnProperty' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: 'READY' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: ['ready'] }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      [{ type: { toString: () => 'ready' } }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
      // A type inherited, not own, does not count.
      [Object.create({ type: 'ready' }) as object, 'ERR_WEBVIEW_NOT_OBJECT'],
    ];
    check(bad);
  });

  it('refuses extra keys, prototype keys among them, on every type', () => {
    const bad: Bad[] = [];
    for (const message of Object.values(VALID)) {
      bad.push([{ ...message, extra: 1 }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'extra']);
      // JSON.parse makes `__proto__` an own key, as structured clone does: it must not pass as nothing.
      bad.push([JSON.parse(`${JSON.stringify(message).slice(0, -1)}${Object.keys(message).length > 0 ? ',' : ''}"__proto__":{"polluted":1}}`), 'ERR_WEBVIEW_UNEXPECTED_FIELD', '__proto__']);
      bad.push([{ ...message, constructor: 'x' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'constructor']);
      bad.push([{ ...message, [Symbol('s')]: 1 }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', '(a symbol key)']);
      bad.push([{ ...message, 'a\u0000\u202eb': 1 }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', '(a key that is not a plain name)']);
    }
    check(bad);
    assert.equal(({} as { polluted?: number }).polluted, undefined, 'Object.prototype was not touched');
  });

  it('refuses every field of every type at a wrong type, out of range or in the wrong form', () => {
    const id = (type: 'editNote' | 'moveItem' | 'deleteItem' | 'openSnippet' | 'copyText' | 'restoreItem'): Bad[] => {
      const base = VALID[type];
      return [
        [{ ...base, id: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'id'],
        [{ ...base, id: 12345678 }, 'ERR_WEBVIEW_FIELD_TYPE', 'id'],
        [{ ...base, id: { toString: () => ITEM } }, 'ERR_WEBVIEW_FIELD_TYPE', 'id'],
        [{ ...base, id: '' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'id'],
        [{ ...base, id: 'short' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'id'],
        [{ ...base, id: 'x'.repeat(65) }, 'ERR_WEBVIEW_FIELD_FORMAT', 'id'],
        [{ ...base, id: '../../etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'id'],
        [{ ...base, id: `${ITEM}\n` }, 'ERR_WEBVIEW_FIELD_FORMAT', 'id'],
      ];
    };
    const coordinate = (base: WebviewToHost, field: string): Bad[] => [
      [{ ...base, [field]: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', field],
      [{ ...base, [field]: '1' }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: null }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: 10n }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: Infinity }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: -Infinity }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: BOARD_EXTENT + 1 }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: -1e300 }, 'ERR_WEBVIEW_FIELD_RANGE', field],
    ];
    const size = (base: WebviewToHost, field: string, optional: boolean): Bad[] => [
      ...(optional ? [] : ([[{ ...base, [field]: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', field]] as Bad[])),
      [{ ...base, [field]: '10' }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: -5 }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: MAX_ITEM_SIZE + 1 }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: Infinity }, 'ERR_WEBVIEW_FIELD_RANGE', field],
    ];
    const style = (base: WebviewToHost): Bad[] => [
      [{ ...base, font: 12 }, 'ERR_WEBVIEW_FIELD_TYPE', 'font'],
      [{ ...base, font: '' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'font'],
      [{ ...base, font: 'serif; background: url(x)' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'font'],
      [{ ...base, font: 'x'.repeat(65) }, 'ERR_WEBVIEW_FIELD_FORMAT', 'font'],
      [{ ...base, size: '16' }, 'ERR_WEBVIEW_FIELD_TYPE', 'size'],
      [{ ...base, size: MIN_NOTE_SIZE - 1 }, 'ERR_WEBVIEW_FIELD_RANGE', 'size'],
      [{ ...base, size: MAX_NOTE_SIZE + 0.5 }, 'ERR_WEBVIEW_FIELD_RANGE', 'size'],
      [{ ...base, size: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', 'size'],
      [{ ...base, colour: 0xff0000 }, 'ERR_WEBVIEW_FIELD_TYPE', 'colour'],
      [{ ...base, colour: 'red' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'colour'],
      [{ ...base, colour: '#fff' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'colour'],
      [{ ...base, colour: 'red;background:url(x)' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'colour'],
      [{ ...base, colour: '#ffffff\n' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'colour'],
    ];
    const bytes = (base: WebviewToHost, field: string): Bad[] => [
      [{ ...base, [field]: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', field],
      [{ ...base, [field]: [...PNG] }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: PNG.buffer }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: new Uint16Array(4) }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: 'iVBORw0KGgo=' }, 'ERR_WEBVIEW_FIELD_TYPE', field],
      [{ ...base, [field]: new Uint8Array(0) }, 'ERR_WEBVIEW_FIELD_RANGE', field],
      [{ ...base, [field]: new Uint8Array(MAX_IMAGE_BYTES + 1) }, 'ERR_WEBVIEW_FIELD_RANGE', field],
    ];
    const requestId = (base: WebviewToHost): Bad[] => [
      [{ ...base, requestId: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'requestId'],
      [{ ...base, requestId: 7 }, 'ERR_WEBVIEW_FIELD_TYPE', 'requestId'],
      [{ ...base, requestId: 'x'.repeat(65) }, 'ERR_WEBVIEW_FIELD_FORMAT', 'requestId'],
      [{ ...base, requestId: 'a b c d e f' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'requestId'],
    ];
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [0, , 10, 10];
    const bad: Bad[] = [
      // sendChat
      [{ type: 'sendChat' }, 'ERR_WEBVIEW_MISSING_FIELD', 'text'],
      [{ type: 'sendChat', text: 5 }, 'ERR_WEBVIEW_FIELD_TYPE', 'text'],
      [{ type: 'sendChat', text: ['hi'] }, 'ERR_WEBVIEW_FIELD_TYPE', 'text'],
      [{ type: 'sendChat', text: '' }, 'ERR_WEBVIEW_FIELD_RANGE', 'text'],
      [{ type: 'sendChat', text: 'x'.repeat(MAX_CHAT_INPUT + 1) }, 'ERR_WEBVIEW_FIELD_RANGE', 'text'],
      [{ type: 'sendChat', text: ' \n\t ' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'text'],
      [{ type: 'sendChat', text: 'hi', to: 7 }, 'ERR_WEBVIEW_FIELD_TYPE', 'to'],
      [{ type: 'sendChat', text: 'hi', to: null }, 'ERR_WEBVIEW_FIELD_TYPE', 'to'],
      [{ type: 'sendChat', text: 'hi', to: 'bob' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'to'],
      [{ type: 'sendChat', text: 'hi', to: 'everyone in the group' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'to'],
      // addNote
      [{ type: 'addNote', x: 0, y: 0 }, 'ERR_WEBVIEW_MISSING_FIELD', 'text'],
      [{ type: 'addNote', text: 1, x: 0, y: 0 }, 'ERR_WEBVIEW_FIELD_TYPE', 'text'],
      [{ type: 'addNote', text: 'x'.repeat(MAX_NOTE_TEXT + 1), x: 0, y: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', 'text'],
      ...coordinate(VALID.addNote, 'x'),
      ...coordinate(VALID.addNote, 'y'),
      ...style(VALID.addNote),
      // editNote
      ...id('editNote'),
      [{ type: 'editNote', id: ITEM }, 'ERR_WEBVIEW_MISSING_FIELD'],
      [{ type: 'editNote', id: ITEM, text: 3 }, 'ERR_WEBVIEW_FIELD_TYPE', 'text'],
      [{ type: 'editNote', id: ITEM, text: 'x'.repeat(MAX_NOTE_TEXT + 1) }, 'ERR_WEBVIEW_FIELD_RANGE', 'text'],
      ...style(VALID.editNote),
      // moveItem
      ...id('moveItem'),
      ...coordinate(VALID.moveItem, 'x'),
      ...coordinate(VALID.moveItem, 'y'),
      ...size(VALID.moveItem, 'width', true),
      ...size(VALID.moveItem, 'height', true),
      [{ type: 'moveItem', id: ITEM, x: 0, y: 0, width: 10 }, 'ERR_WEBVIEW_MISSING_FIELD'],
      [{ type: 'moveItem', id: ITEM, x: 0, y: 0, height: 10 }, 'ERR_WEBVIEW_MISSING_FIELD'],
      // deleteItem, openSnippet, copyText
      ...id('deleteItem'),
      ...id('openSnippet'),
      ...id('copyText'),
      [{ type: 'openSnippet', id: ITEM, path: '../../etc/passwd' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'path'],
      [{ type: 'copyText', id: ITEM, text: 'what the clipboard should get' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'text'],
      // addImage
      ...bytes(VALID.addImage, 'bytes'),
      ...coordinate(VALID.addImage, 'x'),
      ...coordinate(VALID.addImage, 'y'),
      ...size(VALID.addImage, 'width', false),
      ...size(VALID.addImage, 'height', false),
      // addStroke
      [{ ...VALID.addStroke, points: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'points'],
      [{ ...VALID.addStroke, points: '0,0 1,1' }, 'ERR_WEBVIEW_FIELD_TYPE', 'points'],
      [{ ...VALID.addStroke, points: new Float64Array([0, 0]) }, 'ERR_WEBVIEW_FIELD_TYPE', 'points'],
      [{ ...VALID.addStroke, points: [] }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: [1] }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: [0, 0, 10] }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: new Array<number>(MAX_STROKE_POINTS * 2 + 2).fill(0) }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: [0, 0, '1', 1] }, 'ERR_WEBVIEW_FIELD_TYPE', 'points'],
      [{ ...VALID.addStroke, points: [0, 0, Number.NaN, 1] }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: [0, 0, 1, Infinity] }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: [0, 0, BOARD_EXTENT * 2, 0] }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
      [{ ...VALID.addStroke, points: [0, 0, { x: 1 }, 1] }, 'ERR_WEBVIEW_FIELD_TYPE', 'points'],
      // A hole would reach the session as undefined; `every` would have skipped it.
      [{ ...VALID.addStroke, points: sparse }, 'ERR_WEBVIEW_FIELD_TYPE', 'points'],
      [{ ...VALID.addStroke, width: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'width'],
      [{ ...VALID.addStroke, width: '4' }, 'ERR_WEBVIEW_FIELD_TYPE', 'width'],
      [{ ...VALID.addStroke, width: MIN_PEN_WIDTH - 0.5 }, 'ERR_WEBVIEW_FIELD_RANGE', 'width'],
      [{ ...VALID.addStroke, width: MAX_PEN_WIDTH + 1 }, 'ERR_WEBVIEW_FIELD_RANGE', 'width'],
      [{ ...VALID.addStroke, width: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', 'width'],
      [{ ...VALID.addStroke, colour: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'colour'],
      [{ ...VALID.addStroke, colour: 'blue' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'colour'],
      // codeImage, codeImageFailed
      ...requestId(VALID.codeImage),
      ...bytes(VALID.codeImage, 'png'),
      ...requestId(VALID.codeImageFailed),
      [{ ...VALID.codeImageFailed, message: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'message'],
      [{ ...VALID.codeImageFailed, message: { text: 'x' } }, 'ERR_WEBVIEW_FIELD_TYPE', 'message'],
      [{ ...VALID.codeImageFailed, message: 'x'.repeat(MAX_FAILURE_TEXT + 1) }, 'ERR_WEBVIEW_FIELD_RANGE', 'message'],
      // openCode: a relative path checkAnchorPath takes, whole line numbers in order, bounded code
      [{ type: 'openCode', startLine: 1, endLine: 1 }, 'ERR_WEBVIEW_MISSING_FIELD', 'path'],
      [{ ...VALID.openCode, path: 7 }, 'ERR_WEBVIEW_FIELD_TYPE', 'path'],
      [{ ...VALID.openCode, path: '' }, 'ERR_WEBVIEW_FIELD_RANGE', 'path'],
      [{ ...VALID.openCode, path: `a/${'x'.repeat(1024)}` }, 'ERR_WEBVIEW_FIELD_RANGE', 'path'],
      [{ ...VALID.openCode, path: '../etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'path'],
      [{ ...VALID.openCode, path: 'src/../../x.ts' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'path'],
      [{ ...VALID.openCode, path: '/etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'path'],
      [{ ...VALID.openCode, path: 'C:/Windows/win.ini' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'path'],
      [{ ...VALID.openCode, path: 'src\\a.ts' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'path'],
      [{ ...VALID.openCode, path: 'file:///etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'path'],
      [{ ...VALID.openCode, startLine: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', 'startLine'],
      [{ ...VALID.openCode, startLine: 1.5 }, 'ERR_WEBVIEW_FIELD_RANGE', 'startLine'],
      [{ ...VALID.openCode, startLine: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', 'startLine'],
      [{ ...VALID.openCode, endLine: '3' }, 'ERR_WEBVIEW_FIELD_TYPE', 'endLine'],
      [{ ...VALID.openCode, endLine: 10_000_000 }, 'ERR_WEBVIEW_FIELD_RANGE', 'endLine'],
      [{ ...VALID.openCode, startLine: 9, endLine: 3 }, 'ERR_WEBVIEW_FIELD_RANGE', undefined],
      [{ ...VALID.openCode, code: '' }, 'ERR_WEBVIEW_FIELD_RANGE', 'code'],
      [{ ...VALID.openCode, code: 'x'.repeat(MAX_CHAT_INPUT + 1) }, 'ERR_WEBVIEW_FIELD_RANGE', 'code'],
      // openLink: http and https only, bounded
      [{ type: 'openLink' }, 'ERR_WEBVIEW_MISSING_FIELD', 'url'],
      [{ type: 'openLink', url: 42 }, 'ERR_WEBVIEW_FIELD_TYPE', 'url'],
      [{ type: 'openLink', url: new URL('https://example.com') }, 'ERR_WEBVIEW_FIELD_TYPE', 'url'],
      [{ type: 'openLink', url: '' }, 'ERR_WEBVIEW_FIELD_RANGE', 'url'],
      [{ type: 'openLink', url: `https://example.com/${'x'.repeat(MAX_LINK_LENGTH)}` }, 'ERR_WEBVIEW_FIELD_RANGE', 'url'],
      [{ type: 'openLink', url: 'javascript:alert(1)' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'JavaScript://example.com/%0aalert(1)' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'data:text/html,<script>alert(1)</script>' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'file:///etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'command:workbench.action.terminal.new' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'vscode://settings/teamNotes' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: '//example.com/path' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'https://' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: ' https://example.com' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'https://example.com/a\nb' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'https://exa mple.com' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
      [{ type: 'openLink', url: 'https://example.com', target: '_self' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'target'],
      // where the board looks: coordinates, spans within the board, the zoom range
      ...coordinate(VALID.viewport, 'x'),
      ...coordinate(VALID.viewport, 'y'),
      [{ ...VALID.viewport, width: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', 'width'],
      [{ ...VALID.viewport, height: -5 }, 'ERR_WEBVIEW_FIELD_RANGE', 'height'],
      [{ ...VALID.viewport, width: 2 * BOARD_EXTENT + 1 }, 'ERR_WEBVIEW_FIELD_RANGE', 'width'],
      [{ ...VALID.viewport, height: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', 'height'],
      [{ ...VALID.viewport, zoom: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', 'zoom'],
      [{ ...VALID.viewport, zoom: 4.01 }, 'ERR_WEBVIEW_FIELD_RANGE', 'zoom'],
      [{ ...VALID.viewport, zoom: '1' }, 'ERR_WEBVIEW_FIELD_TYPE', 'zoom'],
      [{ ...VALID.viewport, zoom: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'zoom'],
      [{ ...VALID.viewport, item: ITEM }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'item'],
      // ready, joinGroup carry nothing
      [{ type: 'joinGroup', group: 'evil', name: 'mallory' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'group'],
      [{ type: 'ready', board: [] }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'board'],
      // time travel: a step is a whole number within the history's bound; restore names an item
      ...(['historyAt', 'restoreItem'] as const).flatMap((type): Bad[] => [
        [{ ...VALID[type], step: undefined }, 'ERR_WEBVIEW_MISSING_FIELD', 'step'],
        [{ ...VALID[type], step: '3' }, 'ERR_WEBVIEW_FIELD_TYPE', 'step'],
        [{ ...VALID[type], step: -1 }, 'ERR_WEBVIEW_FIELD_RANGE', 'step'],
        [{ ...VALID[type], step: 2.5 }, 'ERR_WEBVIEW_FIELD_RANGE', 'step'],
        [{ ...VALID[type], step: Number.NaN }, 'ERR_WEBVIEW_FIELD_RANGE', 'step'],
        [{ ...VALID[type], step: 200_001 }, 'ERR_WEBVIEW_FIELD_RANGE', 'step'],
      ]),
      ...id('restoreItem'),
      [{ ...VALID.restoreItem, text: 'forged' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'text'],
      [{ type: 'historyOpen', steps: [] }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'steps'],
      [{ type: 'historyClose', all: true }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'all'],
    ];
    check(bad);
    // Every type has at least one bad payload here or above.
    const covered = new Set(bad.map(([raw]) => (raw as { type: string }).type));
    assert.deepEqual(Object.keys(VALID).filter((t) => !covered.has(t)), []);
  });

  it('copies a stroke into a fresh dense array', () => {
    const points = [0, 0, 10, 10];
    const result = checkWebviewMessage({ type: 'addStroke', points, width: 2, colour: '#000000' });
    assert.ok(result.ok && result.message.type === 'addStroke');
    assert.notEqual(result.message.points, points);
    points[0] = Number.NaN;
    assert.deepEqual(result.message.points, [0, 0, 10, 10], 'a later change to the posted array does not reach the host');
  });

  it('says what is wrong without repeating the message', () => {
    const secret = '<img src=x onerror=alert(1)>\u202e\u0000secret';
    const rejections = [
      rejection({ type: secret }),
      rejection({ type: 'sendChat', text: secret, to: secret }),
      rejection({ type: 'addNote', text: secret, x: 0, y: 0, colour: secret }),
      rejection({ type: 'ready', [secret]: secret }),
      rejection({ type: 'codeImageFailed', requestId: ITEM, message: `${secret}${'x'.repeat(MAX_FAILURE_TEXT)}` }),
    ];
    for (const r of rejections) {
      const line = describeRejection(r);
      assert.ok(!line.includes('secret') && !line.includes('<img'), line);
      assert.match(line, /^ERR_WEBVIEW_[A-Z_]+ /);
    }
    assert.equal(describeRejection(rejection({ type: 'addNote', text: 'n', x: Number.NaN, y: 0 })), 'ERR_WEBVIEW_FIELD_RANGE addNote.x: must be a finite number from -1,000,000 to 1,000,000');
  });

  it('reports through parseWebviewMessage once per refusal', () => {
    const reasons: WebviewRejection[] = [];
    assert.equal(parseWebviewMessage({ type: 'sendChat', text: '' }, (r) => reasons.push(r)), undefined);
    assert.equal(parseWebviewMessage({ type: 'ready' }, (r) => reasons.push(r))?.type, 'ready');
    assert.deepEqual(reasons.map((r) => [r.code, r.type, r.field]), [['ERR_WEBVIEW_FIELD_RANGE', 'sendChat', 'text']]);
  });
});

function check(bad: Bad[]): void {
  const wrong: string[] = [];
  for (const [raw, code, field] of bad) {
    const result = checkWebviewMessage(raw);
    if (result.ok) {
      wrong.push(`accepted ${show(raw)}`);
      continue;
    }
    const r = result.rejection;
    if (r.code !== code || (field !== undefined && r.field !== field)) wrong.push(`${show(raw)}: got ${r.code} ${r.field ?? ''}, expected ${code} ${field ?? ''}`);
  }
  assert.deepEqual(wrong, []);
}
