/**
 * Moving around the board: pan, zoom, fit, reveal; the toolbar as a keyboard-operable toolbar; and a
 * 5,000-item board that keeps only what is near the view in the DOM.
 */
import { strict as assert } from 'node:assert';
import type { BoardItem } from '../../src/webview/protocol';
import { image, makePng, note, snapshot, snippet, stroke } from './fixtures';
import type { PageDocument, PageElement } from './pageTypes';
import { useBoard } from './boardSuite';

// Used only inside functions that run in the page (see pageTypes.ts).
declare const document: PageDocument;

const transform = (el: PageElement): string => el.style.transform;

/** A grid of `n` mixed items, 300 units apart. */
function manyItems(n: number): BoardItem[] {
  const png = makePng(40, 30);
  const items: BoardItem[] = [];
  const columns = Math.ceil(Math.sqrt(n));
  for (let i = 0; i < n; i += 1) {
    const x = (i % columns) * 300;
    const y = Math.floor(i / columns) * 300;
    const id = `many-${String(i).padStart(6, '0')}`;
    switch (i % 4) {
      case 0:
        items.push(note(id, `note ${i}`, x, y));
        break;
      case 1:
        items.push(snippet(id, `const n = ${i};`, x, y));
        break;
      case 2:
        items.push(image(id, png, x, y, 120, 90));
        break;
      default:
        items.push(stroke(id, [x, y, x + 50, y + 30, x + 100, y]));
    }
  }
  return items;
}

describe('board navigation', function () {
  this.timeout(60_000);
  const t = useBoard();
  const world = () => t.page.locator('.board-world');

  it('pans with the wheel, by dragging the empty board and with the middle button', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000401', 'a', 100, 100)] }));
    const vp = await t.viewport();
    await t.page.mouse.move(vp.x + 600, vp.y + 400);
    await t.page.mouse.wheel(200, 100);
    assert.equal(await world().evaluate(transform), 'translate(-200px, -100px) scale(1)');
    await t.page.mouse.down();
    await t.page.mouse.move(vp.x + 700, vp.y + 450, { steps: 4 });
    await t.page.mouse.up();
    assert.equal(await world().evaluate(transform), 'translate(-100px, -50px) scale(1)');
    await t.page.mouse.down({ button: 'middle' });
    await t.page.mouse.move(vp.x + 600, vp.y + 400, { steps: 4 });
    await t.page.mouse.up({ button: 'middle' });
    assert.equal(await world().evaluate(transform), 'translate(-200px, -100px) scale(1)');
    assert.deepEqual(await t.posted(), []);
  });

  it('zooms with Ctrl+wheel around the pointer', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000402', 'anchor', 300, 200)] }));
    const before = await t.page.locator('.note').boundingBox();
    assert.ok(before !== null);
    await t.page.mouse.move(before.x, before.y);
    await t.page.keyboard.down('Control');
    await t.page.mouse.wheel(0, -200);
    await t.page.keyboard.up('Control');
    await t.nextFrame();
    const after = await t.page.locator('.note').boundingBox();
    assert.ok(after !== null);
    assert.ok(Math.abs(after.x - before.x) <= 1 && Math.abs(after.y - before.y) <= 1, 'the point under the pointer stays put');
    assert.ok(after.width > before.width * 1.2, `zoomed in: ${before.width} → ${after.width}`);
    assert.notEqual(await t.page.locator('.zoom-level').textContent(), '100%');
  });

  it('zooms and pans with a two-finger pinch', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000408', 'pinch me', 300, 200)] }));
    const zoom = await t.page.evaluate(`(async () => {
      const vp = document.querySelector('.board-viewport');
      const r = vp.getBoundingClientRect();
      const touch = (type, id, x, y) => vp.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', isPrimary: id === 11, clientX: r.left + x, clientY: r.top + y, button: 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, cancelable: true }));
      touch('pointerdown', 11, 400, 300);
      touch('pointerdown', 12, 500, 300);
      for (let i = 1; i <= 10; i += 1) {
        touch('pointermove', 11, 400 - i * 5, 300);
        touch('pointermove', 12, 500 + i * 5, 300);
      }
      touch('pointerup', 11, 350, 300);
      touch('pointerup', 12, 550, 300);
      await new Promise((resolve) => requestAnimationFrame(resolve));
      return document.querySelector('.zoom-level').textContent;
    })()`);
    assert.equal(zoom, '200%', 'the fingers moved twice as far apart');
    assert.deepEqual(await t.posted(), []);
  });

  it('zooms with the toolbar and with + / − / 0', async () => {
    await t.send(snapshot({ board: [] }));
    const level = t.page.locator('.zoom-level');
    await t.page.getByRole('button', { name: 'Zoom In' }).click();
    assert.equal(await level.textContent(), '125%');
    await t.page.getByRole('button', { name: 'Zoom Out' }).click();
    await t.page.getByRole('button', { name: 'Zoom Out' }).click();
    assert.equal(await level.textContent(), '80%');
    await t.page.getByRole('button', { name: 'Reset Zoom to 100%' }).click();
    assert.equal(await level.textContent(), '100%');
    await t.page.locator('.board-viewport').focus();
    await t.page.keyboard.press('+');
    await t.page.keyboard.press('+');
    assert.equal(await level.textContent(), '150%');
    await t.page.keyboard.press('-');
    assert.equal(await level.textContent(), '125%');
    await t.page.keyboard.press('0');
    assert.equal(await level.textContent(), '100%');
  });

  it('fits all the content into view from the toolbar and with Shift+1', async () => {
    const items = [note('note-0000000000000403', 'top left', -800, -300), note('note-0000000000000404', 'bottom right', 1200, 900), snippet('snip-0000000000000401', 'x', 300, 200)];
    await t.send(snapshot({ board: items }));
    await t.page.getByRole('button', { name: 'Fit to Content' }).click();
    await t.nextFrame();
    const vp = await t.viewport();
    const boxes = await t.page.locator('.board-item').evaluateAll((els: PageElement[]) => els.map((el) => el.getBoundingClientRect()));
    assert.equal(boxes.length, 3);
    for (const b of boxes) assert.ok(b.left >= vp.x && b.top >= vp.y && b.left + b.width <= vp.x + vp.width && b.top + b.height <= vp.y + vp.height, JSON.stringify(b));
    const fitted = await t.page.locator('.zoom-level').textContent();
    await t.page.keyboard.press('0');
    await t.page.locator('.board-viewport').focus();
    await t.page.keyboard.press('Shift+1');
    assert.equal(await t.page.locator('.zoom-level').textContent(), fitted);
  });

  it('reveals an item: brings it into view, selects and focuses it (also one that arrives just after)', async () => {
    const far = note('note-0000000000000405', 'far away', 6000, 4000);
    await t.send(snapshot({ board: [note('note-0000000000000406', 'home', 10, 10), far] }));
    await t.send({ type: 'reveal', id: far.id });
    const vp = await t.viewport();
    const box = await t.page.locator(`[data-id="${far.id}"]`).boundingBox();
    assert.ok(box !== null && box.x >= vp.x && box.y >= vp.y && box.x + box.width <= vp.x + vp.width && box.y + box.height <= vp.y + vp.height);
    assert.equal(await t.page.evaluate(() => document.activeElement?.dataset.id), far.id);
    assert.equal(await t.page.locator('.selection-box').isVisible(), true);
    await t.send({ type: 'reveal', id: 'note-0000000000000407' });
    await t.send({ type: 'boardItem', item: note('note-0000000000000407', 'late', -3000, -2000) });
    await t.nextFrame();
    assert.equal(await t.page.evaluate(() => document.activeElement?.dataset.id), 'note-0000000000000407');
  });

  describe('toolbar', () => {
    it('is a labelled toolbar: every control has a name and a tooltip with its shortcut', async () => {
      await t.send(snapshot({ board: [] }));
      await t.page.getByRole('button', { name: 'Pen', exact: true }).click();
      const toolbar = t.page.getByRole('toolbar', { name: 'Board tools' });
      const controls = await toolbar.locator('button').evaluateAll((els: PageElement[]) => els.map((el) => ({ label: el.getAttribute('aria-label'), title: el.getAttribute('title'), keys: el.getAttribute('aria-keyshortcuts') })));
      assert.ok(controls.length >= 17, `${controls.length} controls`);
      for (const c of controls) assert.ok(c.label !== null && c.label !== '' && c.title !== null && c.title !== '', JSON.stringify(c));
      const byLabel = new Map(controls.map((c) => [c.label, c]));
      assert.deepEqual(byLabel.get('Pen'), { label: 'Pen', title: 'Pen (P)', keys: 'P' });
      assert.deepEqual(byLabel.get('Eraser'), { label: 'Eraser', title: 'Eraser (E)', keys: 'E' });
      assert.deepEqual(byLabel.get('Fit to Content'), { label: 'Fit to Content', title: 'Fit to Content (Shift+1)', keys: 'Shift+1' });
      assert.equal(byLabel.get('New Note')?.title, 'New Note (N)');
      assert.equal(byLabel.get('Blue ink')?.title, 'Pen colour: Blue');
    });

    it('has one tab stop and moves between its controls with the arrow keys, Home and End', async () => {
      await t.send(snapshot({ board: [] }));
      const toolbar = t.page.getByRole('toolbar', { name: 'Board tools' });
      assert.equal(await toolbar.locator('button[tabindex="0"]').count(), 1);
      await toolbar.getByRole('button', { name: 'Select', exact: true }).focus();
      const focused = (): Promise<string | null | undefined> => t.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      await t.page.keyboard.press('ArrowRight');
      assert.equal(await focused(), 'Pen');
      await t.page.keyboard.press('ArrowRight');
      assert.equal(await focused(), 'Eraser');
      await t.page.keyboard.press('ArrowRight');
      assert.equal(await focused(), 'New Note', 'the hidden pen options are skipped');
      await t.page.keyboard.press('End');
      assert.equal(await focused(), 'Fit to Content');
      await t.page.keyboard.press('Home');
      assert.equal(await focused(), 'Select');
      await t.page.keyboard.press('ArrowLeft');
      assert.equal(await focused(), 'Fit to Content', 'wraps around');
      assert.equal(await toolbar.locator('button[tabindex="0"]').count(), 1);
      await t.page.keyboard.press('Tab');
      assert.equal(await t.page.evaluate(() => document.activeElement?.closest('[role="toolbar"]') === null), true, 'Tab leaves the toolbar');
    });

    it('shows a visible focus ring on toolbar buttons and the board', async () => {
      await t.send(snapshot({ board: [] }));
      await t.page.getByRole('toolbar', { name: 'Board tools' }).getByRole('button', { name: 'Select', exact: true }).focus();
      await t.page.keyboard.press('ArrowRight');
      const outline = await t.page.getByRole('button', { name: 'Pen', exact: true }).evaluate((el: PageElement) => (globalThis as unknown as { getComputedStyle(e: PageElement): { outlineStyle: string; outlineColor: string } }).getComputedStyle(el).outlineStyle);
      assert.equal(outline, 'solid');
    });
  });

  describe('a board of 5,000 items', () => {
    it('keeps only the items near the view in the DOM, mounting others as the view moves', async () => {
      const items = manyItems(5000);
      await t.send(snapshot({ board: items }));
      assert.equal(await t.page.locator('.board-count').textContent(), '5,000 items');
      const first = await t.page.locator('.board-item').evaluateAll((els: PageElement[]) => els.map((el) => el.dataset.id));
      assert.ok(first.length > 5 && first.length < 120, `${first.length} items mounted`);
      assert.ok(first.includes('many-000000'));
      const vp = await t.viewport();
      await t.page.mouse.move(vp.x + 400, vp.y + 300);
      await t.page.mouse.wheel(9000, 9000);
      await t.nextFrame();
      await t.nextFrame();
      const moved = await t.page.locator('.board-item').evaluateAll((els: PageElement[]) => els.map((el) => el.dataset.id));
      assert.ok(moved.length > 5 && moved.length < 120, `${moved.length} items mounted`);
      assert.ok(!moved.includes('many-000000'), 'items left behind are unmounted');
      assert.equal(await t.page.locator('.board-overview').isVisible(), false);
    });

    it('draws the whole board as an overview on one canvas when zoomed far out, with no item in the DOM', async () => {
      await t.send(snapshot({ board: manyItems(5000) }));
      await t.page.getByRole('button', { name: 'Fit to Content' }).click();
      await t.nextFrame();
      assert.equal(await t.page.locator('.board-item').count(), 0);
      assert.equal(await t.page.locator('.board-overview').isVisible(), true);
      const painted = await t.page.evaluate(`(() => {
        const c = document.querySelector('.board-overview');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4 * 97) if (data[i] > 0) n += 1;
        return n;
      })()`);
      assert.ok((painted as number) > 100, `${String(painted)} sampled pixels painted`);
      // Zooming back in brings the DOM items back.
      await t.page.keyboard.press('0');
      await t.nextFrame();
      await t.nextFrame();
      assert.ok((await t.page.locator('.board-item').count()) > 0);
      assert.equal(await t.page.locator('.board-overview').isVisible(), false);
    });

    it('selects and drags an item in the overview', async () => {
      const items = manyItems(400);
      await t.send(snapshot({ board: items }));
      await t.page.locator('.board-viewport').focus();
      for (let i = 0; i < 5; i += 1) await t.page.keyboard.press('-');
      assert.equal(await t.page.locator('.zoom-level').textContent(), '25%');
      await t.nextFrame();
      const vp = await t.viewport();
      // The first note sits at the board origin, where the world's transform puts (0, 0).
      const camera = await world().evaluate(transform);
      const m = /translate\((-?[\d.]+)px, (-?[\d.]+)px\)/.exec(camera);
      assert.ok(m !== null, camera);
      const ox = vp.x + Number(m[1]);
      const oy = vp.y + Number(m[2]);
      await t.page.mouse.move(ox + 5, oy + 5);
      await t.page.mouse.down();
      await t.page.mouse.move(ox + 55, oy + 30, { steps: 5 });
      await t.page.mouse.up();
      assert.deepEqual(await t.posted(), [{ type: 'moveItem', id: 'many-000000', x: 200, y: 100 }]);
    });
  });
});
