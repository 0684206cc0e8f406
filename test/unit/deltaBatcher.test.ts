/** The host's batching of board deltas (src/extension/deltaBatcher.ts), with real timers. */
import { strict as assert } from 'node:assert';
import { DELTA_BATCH_MS, DeltaBatcher } from '../../src/extension/deltaBatcher';
import { MAX_BATCH_MESSAGES } from '../../src/webview/protocol';
import type { BatchedDelta, HostToWebview } from '../../src/webview/protocol';

const remove = (n: number): BatchedDelta => ({ type: 'boardRemove', id: `note-${String(n).padStart(16, '0')}` });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('board deltas in bursts', () => {
  it('posts a lone delta as itself within about a frame', async () => {
    const posted: HostToWebview[] = [];
    const batcher = new DeltaBatcher((m) => posted.push(m));
    batcher.add(remove(1));
    assert.equal(posted.length, 0);
    await sleep(DELTA_BATCH_MS + 30);
    assert.deepEqual(posted, [remove(1)]);
  });

  it('posts a burst as batches of at most MAX_BATCH_MESSAGES, in order', async () => {
    const posted: HostToWebview[] = [];
    const batcher = new DeltaBatcher((m) => posted.push(m));
    const burst = Array.from({ length: 2500 }, (_, i) => remove(i));
    for (const delta of burst) batcher.add(delta);
    await sleep(DELTA_BATCH_MS + 30);
    assert.deepEqual(posted.map((m) => (m.type === 'batch' ? m.messages.length : 1)), [MAX_BATCH_MESSAGES, MAX_BATCH_MESSAGES, 500]);
    assert.deepEqual(posted.flatMap((m) => (m.type === 'batch' ? m.messages : [m])), burst);
  });

  it('flushes before a message that must come after, and forgets what a snapshot replaces', async () => {
    const posted: HostToWebview[] = [];
    const batcher = new DeltaBatcher((m) => posted.push(m));
    batcher.add(remove(1));
    batcher.add(remove(2));
    batcher.flush();
    assert.deepEqual(posted, [{ type: 'batch', messages: [remove(1), remove(2)] }]);
    batcher.add(remove(3));
    batcher.drop();
    await sleep(DELTA_BATCH_MS + 30);
    assert.equal(posted.length, 1, 'nothing after the drop');
  });
});
