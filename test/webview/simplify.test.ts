/** Stroke simplification (src/webview/app/simplify.ts), in Node: it is pure. */
import { strict as assert } from 'node:assert';
import { MAX_STROKE_POINTS } from '../../src/board/limits';
import { douglasPeucker, pointCount, radialFilter, simplifyStroke, thinEvenly } from '../../src/webview/app/simplify';

function spiral(n: number): number[] {
  const points: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const a = i / 50;
    points.push(Math.cos(a) * (10 + i / 100), Math.sin(a) * (10 + i / 100));
  }
  return points;
}

describe('stroke simplification', () => {
  it('keeps a straight line as its two ends', () => {
    const line = Array.from({ length: 200 }, (_, i) => [i, 2 * i]).flat();
    assert.deepEqual(simplifyStroke(line, 0.5, 100), [0, 0, 199, 398]);
  });

  it('keeps the corners of a zigzag', () => {
    const zigzag = [0, 0, 5, 5, 10, 10, 15, 5, 20, 0, 25, 5, 30, 10];
    assert.deepEqual(simplifyStroke(zigzag, 0.5, 100), [0, 0, 10, 10, 20, 0, 30, 10]);
  });

  it('keeps one point, and drops non-finite pairs', () => {
    assert.deepEqual(simplifyStroke([3, 4], 0.5, 10), [3, 4]);
    assert.deepEqual(simplifyStroke([0, 0, Number.NaN, 1, 10, 0], 0.5, 10), [0, 0, 10, 0]);
  });

  it('never moves the line by more than the tolerance when the budget allows', () => {
    const points = spiral(5000);
    const out = simplifyStroke(points, 0.5, 5000);
    assert.ok(pointCount(out) < 2000, `${pointCount(out)} points`);
    assert.deepEqual(out.slice(0, 2), [10, 0]);
  });

  it('simplifies a million points to at most MAX_STROKE_POINTS in well under a second', () => {
    const points = new Array<number>(2_000_000);
    let seed = 7;
    for (let i = 0; i < 1_000_000; i += 1) {
      // A wobbly random walk: the worst case for radial filtering and for RDP.
      seed = (seed * 1103515245 + 12345) % 2147483648;
      points[2 * i] = i * 0.37 + (seed % 1000) / 100;
      points[2 * i + 1] = Math.sin(i / 300) * 500 + ((seed >> 10) % 1000) / 100;
    }
    const started = performance.now();
    const out = simplifyStroke(points, 0.5, MAX_STROKE_POINTS);
    const elapsed = performance.now() - started;
    assert.ok(pointCount(out) <= MAX_STROKE_POINTS && pointCount(out) >= 2, `${pointCount(out)} points`);
    assert.ok(elapsed < 8000, `took ${Math.round(elapsed)} ms (a bound against runaway work, not a benchmark)`);
    assert.equal(out[0], points[0]);
    assert.equal(out[out.length - 2], Math.round(points[points.length - 2]! * 100) / 100);
  });

  it('thins evenly, keeping the first and last points', () => {
    const points = Array.from({ length: 100 }, (_, i) => [i, 0]).flat();
    const out = thinEvenly(points, 10);
    assert.equal(pointCount(out), 10);
    assert.deepEqual([out[0], out[out.length - 2]], [0, 99]);
  });

  it('drops points closer than the tolerance but keeps the last one', () => {
    assert.deepEqual(radialFilter([0, 0, 0.1, 0, 0.2, 0, 5, 0, 5.1, 0], 1), [0, 0, 5, 0, 5.1, 0]);
  });

  it('gives up on a Douglas–Peucker pass that exceeds its work budget instead of freezing', () => {
    // A sawtooth whose every split keeps all but one point in one half: quadratic work.
    const n = 30_000;
    const points: number[] = [];
    for (let i = 0; i < n; i += 1) points.push(i, i % 2 === 0 ? 0 : 1 + i);
    const started = performance.now();
    const out = douglasPeucker(points, 0.1);
    assert.ok(out === undefined || pointCount(out) <= n);
    assert.ok(performance.now() - started < 3000);
  });
});
