import { strict as assert } from 'node:assert';
import { parseWebviewMessage } from '../../src/webview/protocol';

describe('webview protocol checks', () => {
  it('accepts the messages the board sends', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'sendChat', text: 'hi' }), { type: 'sendChat', text: 'hi' });
    assert.deepEqual(parseWebviewMessage({ type: 'sendChat', text: 'hi', to: 'abcdefgh12' }), { type: 'sendChat', text: 'hi', to: 'abcdefgh12' });
    assert.deepEqual(parseWebviewMessage({ type: 'addNote', text: '', x: 1.5, y: -2 }), { type: 'addNote', text: '', x: 1.5, y: -2 });
    assert.deepEqual(parseWebviewMessage({ type: 'joinGroup' }), { type: 'joinGroup' });
  });

  it('rejects anything else and says why', () => {
    const bad: unknown[] = [
      null,
      'ready',
      [],
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
      { type: 'ready', extra: 1 },
      { type: 'sendChat', text: '' },
      { type: 'sendChat', text: 'x'.repeat(16_001) },
      { type: 'sendChat', text: 5 },
      { type: 'sendChat', text: 'hi', to: 7 },
      { type: 'addNote', text: 'n', x: Number.NaN, y: 0 },
      { type: 'addNote', text: 'n', x: 0, y: Infinity },
      { type: 'addNote', text: 'n', x: '1', y: 0 },
    ];
    for (const raw of bad) {
      const reasons: string[] = [];
      assert.equal(parseWebviewMessage(raw, (r) => reasons.push(r)), undefined, JSON.stringify(raw));
      assert.equal(reasons.length, 1);
    }
  });
});
