/**
 * Freehand strokes with fewer points: a radial-distance pass (drops points closer than the
 * tolerance to the last kept one), then Ramer–Douglas–Peucker (keeps the points that bend the
 * line by more than the tolerance), repeated with a doubled tolerance until the stroke fits a point
 * budget. Linear work per pass on real strokes; RDP's rare quadratic cases are cut off by a work
 * budget and fall back to even thinning, so even a million points never freeze the panel. Pure.
 */

/** Distance evaluations one RDP pass may spend before it gives up on the input. */
const RDP_WORK_BUDGET = 20_000_000;
/** Tolerance doublings before falling back to even thinning. */
const MAX_PASSES = 24;

/** Number of x, y pairs in a flat point list. */
export const pointCount = (points: ArrayLike<number>): number => Math.floor(points.length / 2);

/**
 * Simplifies flat points `x0, y0, x1, y1, …` to at most `maxPoints` pairs, never moving the line by
 * more than `tolerance` (board units) unless the budget forces a larger tolerance. The first and last
 * points are always kept. Non-finite values are dropped. Coordinates are rounded to 1/100 unit.
 */
export function simplifyStroke(points: ArrayLike<number>, tolerance: number, maxPoints: number): number[] {
  const max = Math.max(2, Math.floor(maxPoints));
  let tol = Number.isFinite(tolerance) && tolerance > 0 ? tolerance : 0.5;
  let current = radialFilter(points, tol);
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    if (pointCount(current) <= 2) break;
    const reduced = douglasPeucker(current, tol);
    if (reduced === undefined) {
      current = thinEvenly(current, max);
      break;
    }
    current = reduced;
    if (pointCount(current) <= max) break;
    tol *= 2;
  }
  if (pointCount(current) > max) current = thinEvenly(current, max);
  return current.map((v) => Math.round(v * 100) / 100);
}

/** Drops finite-less pairs and points within `tol` of the previous kept point (the last one is kept). */
export function radialFilter(points: ArrayLike<number>, tol: number): number[] {
  const n = pointCount(points);
  const out: number[] = [];
  const tol2 = tol * tol;
  let lastX = Number.NaN;
  let lastY = Number.NaN;
  let pendingX = Number.NaN;
  let pendingY = Number.NaN;
  for (let i = 0; i < n; i += 1) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (out.length === 0) {
      out.push(x, y);
      lastX = x;
      lastY = y;
      continue;
    }
    const dx = x - lastX;
    const dy = y - lastY;
    if (dx * dx + dy * dy > tol2) {
      out.push(x, y);
      lastX = x;
      lastY = y;
      pendingX = Number.NaN;
    } else {
      pendingX = x;
      pendingY = y;
    }
  }
  if (!Number.isNaN(pendingX)) out.push(pendingX, pendingY);
  return out;
}

/** Squared distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Iterative Ramer–Douglas–Peucker; undefined when the work budget runs out. */
export function douglasPeucker(points: ArrayLike<number>, tol: number): number[] | undefined {
  const n = pointCount(points);
  if (n <= 2) return Array.prototype.slice.call(points, 0, n * 2) as number[];
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: number[] = [0, n - 1];
  const tol2 = tol * tol;
  let work = 0;
  while (stack.length > 0) {
    const last = stack.pop()!;
    const first = stack.pop()!;
    const ax = points[2 * first]!;
    const ay = points[2 * first + 1]!;
    const bx = points[2 * last]!;
    const by = points[2 * last + 1]!;
    let worst = -1;
    let worstD = tol2;
    for (let i = first + 1; i < last; i += 1) {
      const d = segmentDistance2(points[2 * i]!, points[2 * i + 1]!, ax, ay, bx, by);
      if (d > worstD) {
        worstD = d;
        worst = i;
      }
    }
    work += last - first;
    if (work > RDP_WORK_BUDGET) return undefined;
    if (worst > 0) {
      keep[worst] = 1;
      stack.push(first, worst, worst, last);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) if (keep[i] === 1) out.push(points[2 * i]!, points[2 * i + 1]!);
  return out;
}

/** Every k-th point so that at most `max` remain, first and last kept. */
export function thinEvenly(points: ArrayLike<number>, max: number): number[] {
  const n = pointCount(points);
  if (n <= max) return Array.prototype.slice.call(points, 0, n * 2) as number[];
  const out: number[] = [];
  const step = (n - 1) / (max - 1);
  for (let k = 0; k < max; k += 1) {
    const i = k === max - 1 ? n - 1 : Math.round(k * step);
    out.push(points[2 * i]!, points[2 * i + 1]!);
  }
  return out;
}
