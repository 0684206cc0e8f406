/** The board's spatial grid and camera math (src/webview/app/spatialIndex.ts, camera.ts), in Node. */
import { strict as assert } from 'node:assert';
import { MAX_ZOOM, MIN_ZOOM, boardToScreen, fitRect, panBy, sanitizeCamera, screenToBoard, stepZoom, zoomAround } from '../../src/webview/app/camera';
import { SpatialIndex } from '../../src/webview/app/spatialIndex';

describe('spatial index', () => {
  it('finds the items whose bounds meet a rectangle, each once', () => {
    const index = new SpatialIndex();
    index.set('a', { x: 0, y: 0, width: 100, height: 100 });
    index.set('b', { x: 1000, y: 1000, width: 2000, height: 50 });
    index.set('c', { x: -5000, y: -5000, width: 10, height: 10 });
    assert.deepEqual(index.search({ x: 50, y: 50, width: 10, height: 10 }).sort(), ['a']);
    assert.deepEqual(index.search({ x: 2500, y: 1010, width: 10, height: 10 }).sort(), ['b']);
    assert.deepEqual(index.search({ x: -10_000, y: -10_000, width: 20_000, height: 20_000 }).sort(), ['a', 'b', 'c']);
    assert.deepEqual(index.search({ x: 200, y: 200, width: 100, height: 100 }), []);
  });

  it('moves and deletes items', () => {
    const index = new SpatialIndex();
    index.set('a', { x: 0, y: 0, width: 10, height: 10 });
    index.set('a', { x: 5000, y: 5000, width: 10, height: 10 });
    assert.deepEqual(index.search({ x: 0, y: 0, width: 20, height: 20 }), []);
    assert.deepEqual(index.search({ x: 5000, y: 5000, width: 1, height: 1 }), ['a']);
    index.delete('a');
    assert.equal(index.size, 0);
    assert.deepEqual(index.search({ x: 5000, y: 5000, width: 1, height: 1 }), []);
  });

  it('keeps an item spanning the whole board on a short list instead of in millions of cells', () => {
    const index = new SpatialIndex();
    index.set('huge', { x: -1_000_000, y: -1_000_000, width: 2_000_000, height: 2_000_000 });
    assert.deepEqual(index.search({ x: 123_456, y: -654_321, width: 1, height: 1 }), ['huge']);
  });

  it('answers a view query over 5,000 items in a fraction of a millisecond', () => {
    const index = new SpatialIndex();
    for (let i = 0; i < 5000; i += 1) index.set(`i${i}`, { x: (i * 7919) % 17_000, y: (i * 104_729) % 17_000, width: 280, height: 200 });
    const started = performance.now();
    let found = 0;
    for (let k = 0; k < 100; k += 1) found += index.search({ x: k * 100, y: k * 50, width: 1000, height: 750 }).length;
    const perQuery = (performance.now() - started) / 100;
    assert.ok(found > 0);
    assert.ok(perQuery < 1, `${perQuery.toFixed(3)} ms per query`);
  });
});

describe('camera', () => {
  it('maps screen and board points both ways', () => {
    const camera = { x: -100, y: 50, zoom: 2 };
    assert.deepEqual(screenToBoard(camera, 200, 100), { x: 0, y: 100 });
    assert.deepEqual(boardToScreen(camera, 0, 100), { x: 200, y: 100 });
  });

  it('zooms around a point, keeping the board point under it', () => {
    const camera = { x: 10, y: 20, zoom: 1 };
    const next = zoomAround(camera, 2, 300, 200);
    assert.deepEqual(screenToBoard(next, 300, 200), screenToBoard(camera, 300, 200));
    assert.equal(next.zoom, 2);
    assert.equal(zoomAround(camera, 1000, 0, 0).zoom, MAX_ZOOM);
    assert.equal(zoomAround(camera, 0, 0, 0).zoom, MIN_ZOOM);
  });

  it('pans so that content follows the pointer', () => {
    assert.deepEqual(panBy({ x: 0, y: 0, zoom: 2 }, 100, -50), { x: -50, y: 25, zoom: 2 });
  });

  it('steps through zoom levels and fits a rectangle', () => {
    assert.equal(stepZoom(1, 1), 1.25);
    assert.equal(stepZoom(1, -1), 0.8);
    assert.equal(stepZoom(MAX_ZOOM, 1), MAX_ZOOM);
    const fit = fitRect({ x: 0, y: 0, width: 2000, height: 1000 }, 1000, 500, 0, 1);
    assert.equal(fit.zoom, 0.5);
    assert.deepEqual(screenToBoard(fit, 500, 250), { x: 1000, y: 500 });
    assert.equal(fitRect({ x: 0, y: 0, width: 10, height: 10 }, 1000, 500, 0, 1).zoom, 1, 'small content is not blown up past 100 %');
  });

  it('repairs a stored camera', () => {
    assert.deepEqual(sanitizeCamera({ x: Number.NaN, y: 5e9, zoom: Number.POSITIVE_INFINITY }), { x: 0, y: 1_000_000, zoom: 1 });
  });
});
