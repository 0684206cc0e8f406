/**
 * The window of unacknowledged image chunk bytes (src/net/imagePacing.ts): its rules, and a model of
 * a link (a rate, a round trip, a queue in front of it) on which the sender's chunks wait as they
 * would in kernel buffers or a VPN. On every link modelled, once the window has settled, a chunk
 * waits about the target in the queue at most (a chat written then waits as long), and the link
 * stays busy.
 */
import { strict as assert } from 'node:assert';
import { ImagePacing } from '../../src/net/imagePacing';
import { IMAGE_PACING_CHUNK_BYTES, IMAGE_QUEUE_TARGET_MS, IMAGE_WINDOW_MAX_BYTES, IMAGE_WINDOW_START_BYTES, MAX_IMAGE_BYTES } from '../../src/net/limits';

const CHUNK = IMAGE_PACING_CHUNK_BYTES;

describe('image pacing', () => {
  it('starts at two chunks and doubles each round trip while nothing is queued, up to its largest', () => {
    const pacing = new ImagePacing();
    assert.equal(pacing.window, IMAGE_WINDOW_START_BYTES);
    let now = 0;
    // Every chunk acknowledged 2 ms after it was written: the base, nothing queued.
    for (let round = 0; round < 20; round++) {
      const before = pacing.window;
      for (let sent = 0; sent < before; sent += CHUNK) pacing.acknowledged(CHUNK, now, now + 2);
      now += 2;
      assert.equal(pacing.window, Math.min(IMAGE_WINDOW_MAX_BYTES, 2 * before), `round ${round}`);
    }
    assert.equal(pacing.window, IMAGE_WINDOW_MAX_BYTES);
  });

  it('shrinks at once, once a round trip, to what brings the queue back to the target, never below a chunk', () => {
    const pacing = new ImagePacing();
    pacing.acknowledged(CHUNK, 0, 10);
    for (let i = 0; i < 6; i++) pacing.acknowledged(CHUNK, 10, 20);
    const grown = pacing.window;
    // 100 ms instead of the base 10: 90 queued; keep (10 + target) / 100 of the window.
    pacing.acknowledged(CHUNK, 20, 120);
    assert.equal(pacing.window, Math.round((grown * (10 + IMAGE_QUEUE_TARGET_MS)) / 100));
    const shrunk = pacing.window;
    // The next acknowledgements of that round trip say the same: no second cut.
    pacing.acknowledged(CHUNK, 25, 125);
    assert.equal(pacing.window, shrunk);
    // A round trip later, still queued: cut again, and never below one chunk.
    for (let t = 300; t < 3000; t += 200) pacing.acknowledged(CHUNK, t - 190, t);
    assert.equal(pacing.window, CHUNK);
  });

  it('grows by about a chunk a round trip between half the target and the target', () => {
    const pacing = new ImagePacing();
    pacing.acknowledged(CHUNK, 0, 10);
    const before = pacing.window;
    const queued = 10 + (3 * IMAGE_QUEUE_TARGET_MS) / 4;
    for (let sent = 0; sent < before; sent += CHUNK) pacing.acknowledged(CHUNK, 100, 100 + queued);
    assert.ok(pacing.window > before && pacing.window <= before + CHUNK + 1, `${before} → ${pacing.window}`);
  });

  /** A sender with an image of the largest size behind a link of `mbit` and a round trip of `rttMs`, chunk by chunk. */
  function modelLink(mbit: number, rttMs: number): { queuedMs: number[]; utilisation: number; window: number } {
    const bytesPerMs = (mbit * 1e6) / 8 / 1000;
    const pacing = new ImagePacing();
    const total = MAX_IMAGE_BYTES;
    let sent = 0;
    let now = 0;
    let linkFreeAt = 0;
    let unacknowledged = 0;
    // Acknowledgements on their way back: when each arrives, for what, written when.
    const acks: Array<{ at: number; bytes: number; sentAt: number }> = [];
    const queuedMs: number[] = [];
    while (sent < total || acks.length > 0) {
      // Write while the window allows (one chunk always may).
      while (sent < total && (unacknowledged === 0 || unacknowledged + CHUNK <= pacing.window)) {
        const start = Math.max(now, linkFreeAt);
        queuedMs.push(start - now);
        linkFreeAt = start + CHUNK / bytesPerMs;
        acks.push({ at: linkFreeAt + rttMs, bytes: CHUNK, sentAt: now });
        sent += CHUNK;
        unacknowledged += CHUNK;
      }
      const ack = acks.shift()!;
      now = ack.at;
      unacknowledged -= ack.bytes;
      pacing.acknowledged(ack.bytes, ack.sentAt, now);
    }
    return { queuedMs, utilisation: total / bytesPerMs / now, window: pacing.window };
  }

  for (const [mbit, rttMs] of [
    [10, 2],
    [10, 50],
    [2, 20],
    [100, 30],
    [1000, 0.2],
  ] as const) {
    it(`keeps the queue near the target and the link busy: ${mbit} Mbit/s, ${rttMs} ms round trip`, () => {
      const { queuedMs, utilisation, window } = modelLink(mbit, rttMs);
      // Once settled (the second half of the transfer), a chunk waits about the target at most: the
      // target and one chunk's transmission, which the base includes.
      const settled = queuedMs.slice(Math.floor(queuedMs.length / 2)).sort((a, b) => a - b);
      const chunkMs = CHUNK / ((mbit * 1e6) / 8 / 1000);
      const worst = settled.at(-1)!;
      assert.ok(worst <= IMAGE_QUEUE_TARGET_MS + 2 * chunkMs + 1, `worst queue ${worst.toFixed(1)} ms (window ${window})`);
      assert.ok(utilisation >= 0.75, `link used ${(utilisation * 100).toFixed(0)} % (window ${window})`);
    });
  }
});
