/**
 * The board view: what the user shares lands in sight with a brief confirmation; teammates' items
 * that land out of sight get a "new items" pill that brings them into view; the view is reported
 * to the host and kept when the page is discarded or the panel opened again; the toolbar stays on
 * one line with the pen; a member's items are shown on request.
 */
import { strict as assert } from 'node:assert';
import { checkWebviewMessage } from '../../src/webview/webviewMessageChecks';
import type { WebviewToHost } from '../../src/webview/protocol';
import { ALICE, BOB, CAROL, chat, note, snapshot } from './fixtures';
import type { PageElement } from './pageTypes';
import { reloadBoard } from './harness';
import { useBoard } from './boardSuite';
import type { BoardSuite } from './boardSuite';

type Box = { x: number; y: number; width: number; height: number };
const inside = (outer: Box, inner: Box): boolean =>
  inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;

const worldTransform = (t: BoardSuite): Promise<string> => t.page.locator('.board-world').evaluate((el: PageElement) => el.style.transform);

async function boxOf(t: BoardSuite, selector: string): Promise<Box> {
  const box = await t.page.locator(selector).boundingBox();
  assert.ok(box !== null, `${selector} is shown`);
  return box;
}

/** Waits for the board to report a view after the last change (reports come once the view rests). */
async function settledReport(t: BoardSuite, count: number): Promise<Extract<WebviewToHost, { type: 'viewport' }>> {
  await t.page.waitForFunction((n) => (globalThis as unknown as { __viewReports: unknown[] }).__viewReports.length > n, count, { timeout: 5000 });
  const reports = await t.board.viewReports();
  return reports[reports.length - 1]!;
}

describe('board view', function () {
  this.timeout(60_000);
  const t = useBoard();
  const pill = () => t.page.locator('.new-items');

  it('reports where it looks once panning and zooming rest, in a message the host accepts', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000501', 'a', 100, 100)] }));
    const first = await settledReport(t, 0);
    const vp = await t.viewport();
    assert.deepEqual(first, { type: 'viewport', x: 0, y: 0, width: vp.width, height: vp.height, zoom: 1 });
    await t.page.mouse.move(vp.x + 300, vp.y + 300);
    await t.page.mouse.wheel(400, 200);
    await t.page.getByRole('button', { name: 'Zoom Out' }).click();
    const report = await settledReport(t, 1);
    assert.equal(report.zoom, 0.8);
    assert.ok(Math.abs(report.width - vp.width / 0.8) < 0.01 && Math.abs(report.height - vp.height / 0.8) < 0.01, JSON.stringify(report));
    assert.ok(report.x > 400 - vp.width && report.y > 0, JSON.stringify(report));
    assert.equal(checkWebviewMessage(report).ok, true);
    assert.deepEqual(await t.posted(), [], 'nothing else is posted');
  });

  it('brings an item the host shared into view and confirms it briefly', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000502', 'home', 40, 40)] }));
    const vp = await t.viewport();
    await t.page.mouse.move(vp.x + 300, vp.y + 300);
    await t.page.mouse.wheel(-3000, -2000);
    const shared = note('note-0000000000000503', 'shared by me', 2400, 1600, { author: ALICE });
    await t.send({ type: 'boardItem', item: shared });
    await t.send({ type: 'reveal', id: shared.id, confirmation: 'Shared to the board' });
    assert.ok(inside(await t.viewport(), await boxOf(t, `[data-id="${shared.id}"]`)), 'the shared item is in view');
    assert.match((await t.page.locator('.board-toasts [role="status"]').textContent()) ?? '', /Shared to the board/);
    assert.equal(await pill().isVisible(), false, 'no new-item pill for an own item');
  });

  it('shows a pill for teammates’ items that land out of sight and brings the nearest into view', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000504', 'home', 40, 40)] }));
    await t.send({ type: 'boardItem', item: note('note-0000000000000505', 'in sight', 300, 200, { author: BOB }) });
    assert.equal(await pill().isVisible(), false, 'an item that lands in view needs no pill');
    const below = note('note-0000000000000506', 'far below', 200, 4000, { author: BOB });
    const right = note('note-0000000000000507', 'farther right', 9000, 100, { author: CAROL });
    await t.send({ type: 'boardItem', item: below });
    assert.equal((await pill().textContent())?.trim(), '1 new item');
    assert.match((await pill().getAttribute('aria-label')) ?? '', /below/);
    await t.send({ type: 'boardItem', item: right });
    assert.equal((await pill().textContent())?.trim(), '2 new items');

    await pill().click();
    await t.nextFrame();
    assert.ok(inside(await t.viewport(), await boxOf(t, `[data-id="${below.id}"]`)), 'the nearest new item is in view');
    assert.equal((await pill().textContent())?.trim(), '1 new item', 'the one in view counts as seen');
    assert.match((await pill().getAttribute('aria-label')) ?? '', /to the right/);

    await pill().focus();
    await t.page.keyboard.press('Enter');
    await t.nextFrame();
    assert.ok(inside(await t.viewport(), await boxOf(t, `[data-id="${right.id}"]`)), 'the keyboard brings the other into view');
    assert.equal(await pill().isVisible(), false, 'the pill goes once every new item was seen');
  });

  it('applies a batch of deltas in order, in one go: a catch-up page of items, a removal and chat', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000508', 'home', 40, 40)] }));
    const page = Array.from({ length: 600 }, (_, i) => note(`note-${String(7000 + i).padStart(16, '0')}`, `n${i}`, 40 + (i % 30) * 40, 200 + Math.floor(i / 30) * 40, { author: BOB }));
    await t.send({
      type: 'batch',
      messages: [
        ...page.map((item) => ({ type: 'boardItem' as const, item })),
        { type: 'boardRemove', id: 'note-0000000000000508' },
        { type: 'chat', entry: chat(BOB, 'caught up') },
      ],
    });
    await t.nextFrame();
    assert.equal(await t.page.locator('[data-id="note-0000000000000508"]').count(), 0, 'the removal applied after the item it removes');
    assert.ok((await t.page.locator('.board-item').count()) > 20, 'the items in view are drawn');
    assert.equal(await t.page.locator(`[data-id="${page[0]!.id}"]`).count(), 1);
    assert.match((await t.page.locator('.chat-message').last().textContent()) ?? '', /caught up/);
  });

  it('ends a batch with the count and the new-items pill of everything in it', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000520', 'home', 40, 40)] }));
    // A full batch: 999 teammates’ items far to the right, the nearest last, and one that lands in view.
    const far = Array.from({ length: 999 }, (_, i) => note(`note-${String(9000 + i).padStart(16, '0')}`, `far ${i}`, 9000 - i * 5, 300, { author: BOB }));
    const inView = note('note-0000000000000521', 'in view', 300, 200, { author: CAROL });
    await t.send({ type: 'batch', messages: [...far, inView].map((item) => ({ type: 'boardItem' as const, item })) });
    assert.equal(await t.page.locator('.board-count').textContent(), '1,001 items');
    assert.equal((await pill().textContent())?.trim(), '999+ new items');
    assert.match((await pill().getAttribute('aria-label')) ?? '', /to the right/);
    await pill().click();
    await t.nextFrame();
    assert.ok(inside(await t.viewport(), await boxOf(t, `[data-id="${far[998]!.id}"]`)), 'the nearest of those tracked is in view');
  });

  it('counts a new item as seen when the user pans to it, and forgets a deleted one', async () => {
    await t.send(snapshot({ board: [] }));
    await t.send({ type: 'boardItem', item: note('note-0000000000000508', 'right', 1500, 100, { author: BOB }) });
    await t.send({ type: 'boardItem', item: note('note-0000000000000509', 'gone', -3000, 100, { author: BOB }) });
    assert.equal((await pill().textContent())?.trim(), '2 new items');
    await t.send({ type: 'boardRemove', id: 'note-0000000000000509' });
    assert.equal((await pill().textContent())?.trim(), '1 new item');
    const vp = await t.viewport();
    await t.page.mouse.move(vp.x + 300, vp.y + 300);
    await t.page.mouse.wheel(800, 0);
    await t.nextFrame();
    assert.equal(await pill().isVisible(), false);
  });

  it('fits the view to a member’s items and highlights them, and says so when there are none', async () => {
    const bobs = [note('note-0000000000000510', 'bob one', 3000, 2000, { author: BOB }), note('note-0000000000000511', 'bob two', 3600, 2300, { author: BOB })];
    await t.send(snapshot({ board: [note('note-0000000000000512', 'alice', 40, 40, { author: ALICE }), ...bobs] }));
    await t.send({ type: 'showMember', member: BOB });
    const vp = await t.viewport();
    for (const item of bobs) {
      assert.ok(inside(vp, await boxOf(t, `[data-id="${item.id}"]`)), `${item.id} is in view`);
      assert.equal(await t.page.locator(`[data-id="${item.id}"]`).evaluate((el: PageElement) => el.classList.contains('flash')), true);
    }
    assert.match((await t.page.locator('.board-toasts').textContent()) ?? '', /2 items by Bob/);
    // An item drawn again while it is highlighted (a teammate edits it) stays highlighted.
    await t.send({ type: 'boardItem', item: { ...bobs[0]!, text: 'bob one, edited' } });
    const edited = t.page.locator(`[data-id="${bobs[0]!.id}"]`);
    assert.match((await edited.textContent()) ?? '', /edited/);
    assert.equal(await edited.evaluate((el: PageElement) => el.classList.contains('flash')), true);
    await t.send({ type: 'showMember', member: CAROL });
    assert.match((await t.page.locator('.board-toasts').textContent()) ?? '', /Carol has nothing on the board/);
  });

  it('keeps zoom and scroll when the page is discarded, and opens a new page where the host says it was', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000513', 'a', 100, 100)] }));
    const vp = await t.viewport();
    await t.page.mouse.move(vp.x + 300, vp.y + 300);
    await t.page.mouse.wheel(500, 250);
    await t.page.getByRole('button', { name: 'Zoom In' }).click();
    const before = await worldTransform(t);
    await t.page.waitForTimeout(300);
    await reloadBoard(t.board);
    // The page's own stored view is the more recent: it wins over the host's.
    await t.send(snapshot({ board: [note('note-0000000000000513', 'a', 100, 100)], view: { x: 9000, y: 9000, zoom: 2 } }));
    assert.equal(await worldTransform(t), before, 'a discarded page comes back where it was');

    // A panel closed and opened again: a new page with no state of its own.
    await t.page.evaluate(() => (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear());
    await reloadBoard(t.board);
    await t.send(snapshot({ board: [note('note-0000000000000513', 'a', 100, 100)], view: { x: 500, y: 300, zoom: 0.5 } }));
    // The host keeps the centre of the view: board point (500, 300) is in the middle of the viewport.
    const { width, height } = await t.viewport();
    const [tx, ty] = ((await worldTransform(t)).match(/-?[\d.]+px/g) ?? []).map((v) => Number.parseFloat(v));
    assert.ok(Math.abs(width / 2 - tx! - 500 * 0.5) < 1 && Math.abs(height / 2 - ty! - 300 * 0.5) < 1, `board point 500, 300 at the centre of ${width}×${height}: ${await worldTransform(t)}`);
    assert.equal(await t.page.locator('.zoom-level').textContent(), '50%');
  });

  it('keeps the centre of the view when the panel is resized', async () => {
    await t.send(snapshot({ board: [note('note-0000000000000514', 'a', 100, 100)], view: { x: 2000, y: 1000, zoom: 1 } }));
    await t.page.setViewportSize({ width: 700, height: 500 });
    await t.page.waitForTimeout(200);
    const { width, height } = await t.viewport();
    const [tx, ty] = ((await worldTransform(t)).match(/-?[\d.]+px/g) ?? []).map((v) => Number.parseFloat(v));
    assert.ok(Math.abs(width / 2 - tx! - 2000) < 1 && Math.abs(height / 2 - ty! - 1000) < 1, `board point 2000, 1000 stays at the centre of ${width}×${height}: ${await worldTransform(t)}`);
  });
});

describe('board toolbar at the usual panel width', function () {
  this.timeout(60_000);
  const t = useBoard({ width: 800, height: 600 });

  /** The tops of the toolbar's visible controls outside the pen options (one value: one line). */
  const rowTops = (): Promise<number[]> =>
    t.page
      .getByRole('toolbar', { name: 'Board tools' })
      .locator('button')
      .evaluateAll((els: PageElement[]) => {
        const tops = new Set<number>();
        for (const el of els as unknown as Array<{ closest(s: string): unknown; getBoundingClientRect(): { top: number; height: number } }>) {
          const r = el.getBoundingClientRect();
          if (r.height > 0 && el.closest('.pen-options') === null) tops.add(Math.round(r.top));
        }
        return [...tops];
      });

  it('keeps the toolbar on one line with the pen tool chosen, its options on one line below it', async () => {
    await t.send(snapshot());
    const header = await boxOf(t, '.board-header');
    assert.equal((await rowTops()).length, 1);
    await t.page.getByRole('button', { name: 'Pen', exact: true }).click();
    assert.deepEqual(await boxOf(t, '.board-header'), header, 'the header keeps its height');
    assert.equal((await rowTops()).length, 1, 'the toolbar is on one line');
    const options = t.page.getByRole('group', { name: 'Pen options' });
    assert.equal(await options.isVisible(), true);
    const tops = await options.locator('button').evaluateAll((els: PageElement[]) => [...new Set((els as unknown as Array<{ getBoundingClientRect(): { top: number } }>).map((el) => Math.round(el.getBoundingClientRect().top)))]);
    assert.equal(tops.length, 1, 'the pen options are on one line');
    const box = await options.boundingBox();
    assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 800, `the pen options fit the panel: ${JSON.stringify(box)}`);
    await t.page.getByRole('button', { name: 'Red ink' }).click();
    assert.equal(await t.page.getByRole('button', { name: 'Red ink' }).getAttribute('aria-pressed'), 'true');
  });
});
