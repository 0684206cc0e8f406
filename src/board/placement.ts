/**
 * Where an item the user adds without placing it lands (a shared selection, a code image, a note
 * from the command): on a free spot of the part of the board the user is looking at, as near its
 * centre as there is room; without a known view, on a simple cascade from the board's origin.
 * Pure: board rectangles in, a board position out.
 */

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

/** Room kept between a placed item, its neighbours and the edge of the view, in board units. */
export const PLACEMENT_GAP = 24;
/** Candidate positions tried across the view in each direction (the search is this squared at most). */
const GRID_STEPS = 24;

/** Where the n-th item lands when the view is unknown: rows of three from the origin. */
export function cascadePosition(n: number): { x: number; y: number } {
  return { x: 40 + (n % 3) * 520, y: 40 + Math.floor(n / 3) * 340 };
}

const overlaps = (a: Area, b: Area): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * The top-left corner for an item of `size` inside `view`, clear of every area in `occupied` by
 * {@link PLACEMENT_GAP}, nearest the view's centre. When no spot is clear (a crowded view) it is the
 * spot in view that covers the least of what is there: in sight matters more than overlap. An item
 * larger than the view is centred on it. Without a view, the cascade position after
 * `occupied.length` items.
 */
export function placeItem(view: Area | undefined, size: Size, occupied: readonly Area[]): { x: number; y: number } {
  if (view === undefined || !(view.width > 0) || !(view.height > 0)) return cascadePosition(occupied.length);
  const centred = { x: view.x + (view.width - size.width) / 2, y: view.y + (view.height - size.height) / 2 };
  const room = { width: view.width - size.width - 2 * PLACEMENT_GAP, height: view.height - size.height - 2 * PLACEMENT_GAP };
  if (room.width < 0 || room.height < 0) return rounded(centred);
  // Only what is near the view can be in the way.
  const near = occupied.filter((a) => overlaps(a, view));
  const stepX = Math.max(1, room.width / GRID_STEPS);
  const stepY = Math.max(1, room.height / GRID_STEPS);
  const candidates: Array<{ x: number; y: number; distance: number }> = [];
  for (let y = view.y + PLACEMENT_GAP; y <= view.y + PLACEMENT_GAP + room.height + 1e-9; y += stepY) {
    for (let x = view.x + PLACEMENT_GAP; x <= view.x + PLACEMENT_GAP + room.width + 1e-9; x += stepX) {
      candidates.push({ x, y, distance: Math.hypot(x - centred.x, y - centred.y) });
    }
  }
  candidates.sort((a, b) => a.distance - b.distance);
  let best = { x: centred.x, y: centred.y, covered: Infinity };
  for (const c of candidates) {
    const padded = { x: c.x - PLACEMENT_GAP, y: c.y - PLACEMENT_GAP, width: size.width + 2 * PLACEMENT_GAP, height: size.height + 2 * PLACEMENT_GAP };
    if (!near.some((a) => overlaps(a, padded))) return rounded(c);
    const covered = coveredArea({ x: c.x, y: c.y, ...size }, near);
    if (covered < best.covered) best = { x: c.x, y: c.y, covered };
  }
  return rounded(best);
}

/** How much of the areas `rect` covers, in square board units (overlaps among them counted twice). */
function coveredArea(rect: Area, areas: readonly Area[]): number {
  let total = 0;
  for (const a of areas) {
    const w = Math.min(rect.x + rect.width, a.x + a.width) - Math.max(rect.x, a.x);
    const h = Math.min(rect.y + rect.height, a.y + a.height) - Math.max(rect.y, a.y);
    if (w > 0 && h > 0) total += w * h;
  }
  return total;
}

function rounded(p: { x: number; y: number }): { x: number; y: number } {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}
