import { strict as assert } from 'node:assert';
import { PLACEMENT_GAP, cascadePosition, placeItem } from '../../src/board/placement';
import type { Area } from '../../src/board/placement';

const inside = (outer: Area, inner: Area): boolean => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
const overlaps = (a: Area, b: Area): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('placement', () => {
  const view: Area = { x: 5000, y: -3000, width: 1200, height: 800 };
  const size = { width: 300, height: 200 };

  it('centres an item in an empty view', () => {
    assert.deepEqual(placeItem(view, size, []), { x: 5450, y: -2700 });
  });

  it('finds a free spot inside the view, clear of the items there by the gap', () => {
    const centre: Area = { x: 5400, y: -2750, width: 400, height: 300 };
    const placed = { ...placeItem(view, size, [centre]), ...size };
    assert.ok(inside(view, placed), JSON.stringify(placed));
    const padded = { x: placed.x - PLACEMENT_GAP + 1, y: placed.y - PLACEMENT_GAP + 1, width: size.width + 2 * PLACEMENT_GAP - 2, height: size.height + 2 * PLACEMENT_GAP - 2 };
    assert.equal(overlaps(padded, centre), false, JSON.stringify(placed));
  });

  it('places each of several items in turn without overlapping the ones before', () => {
    const occupied: Area[] = [];
    for (let i = 0; i < 6; i += 1) {
      const placed = { ...placeItem(view, size, occupied), ...size };
      assert.ok(inside(view, placed), `item ${i}: ${JSON.stringify(placed)}`);
      for (const other of occupied) assert.equal(overlaps(placed, other), false, `item ${i} overlaps ${JSON.stringify(other)}`);
      occupied.push(placed);
    }
  });

  it('ignores items outside the view', () => {
    assert.deepEqual(placeItem(view, size, [{ x: 0, y: 0, width: 2000, height: 2000 }]), { x: 5450, y: -2700 });
  });

  it('centres the item over what is there when the view is full', () => {
    assert.deepEqual(placeItem(view, size, [{ ...view }]), { x: 5450, y: -2700 });
  });

  it('covers as little as it can of what is there when no spot is clear', () => {
    // No spot 600 × 400 with the gap around it misses a 400 × 300 card in the middle of a 1200 × 800 view.
    const crowded: Area = { x: 0, y: 0, width: 1200, height: 800 };
    const card: Area = { x: 400, y: 250, width: 400, height: 300 };
    const placed = { ...placeItem(crowded, { width: 600, height: 400 }, [card]), width: 600, height: 400 };
    assert.ok(inside(crowded, placed), JSON.stringify(placed));
    const w = Math.min(placed.x + placed.width, card.x + card.width) - Math.max(placed.x, card.x);
    const h = Math.min(placed.y + placed.height, card.y + card.height) - Math.max(placed.y, card.y);
    assert.ok(w * h < (card.width * card.height) / 2, `covers ${w * h} of the card's ${card.width * card.height}: ${JSON.stringify(placed)}`);
  });

  it('centres an item larger than the view on the view', () => {
    assert.deepEqual(placeItem(view, { width: 2000, height: 1000 }, []), { x: 4600, y: -3100 });
  });

  it('falls back to the cascade when the view is unknown or empty', () => {
    const occupied = [{ x: 0, y: 0, width: 10, height: 10 }];
    assert.deepEqual(placeItem(undefined, size, occupied), cascadePosition(1));
    assert.deepEqual(placeItem({ x: 0, y: 0, width: 0, height: 600 }, size, occupied), cascadePosition(1));
    assert.deepEqual(placeItem({ x: 0, y: 0, width: Number.NaN, height: 600 }, size, []), cascadePosition(0));
    assert.deepEqual(cascadePosition(4), { x: 560, y: 380 });
  });
});
