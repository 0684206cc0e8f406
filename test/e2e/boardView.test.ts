/**
 * The board view in a real VS Code (code-server with the packaged .vsix, in Chromium): the person
 * pans the board away from everything, shares a selection as an image, and the image lands inside
 * the part of the board they are looking at; they close the board and open it again with "Team
 * Notes: Open Board", and it comes back looking at the same place at the same zoom.
 */
import { strict as assert } from 'node:assert';
import type { Frame } from 'playwright-core';
import { answerQuickInput, focusEditor, quickInput, runFromPalette } from '../editor/browser';
import { startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { cliPath, EditorWindow, typeGroup } from './editorWindow';

const sample = ['export function total(prices: number[]): number {', '  return prices.reduce((sum, p) => sum + p, 0);', '}', ''].join('\n');

type Box = { x: number; y: number; width: number; height: number };
const inside = (outer: Box, inner: Box): boolean => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

async function boxOf(board: Frame, selector: string): Promise<Box> {
  const box = await board.locator(selector).first().boundingBox();
  assert.ok(box !== null, `${selector} is shown`);
  return box;
}

/** The board point at the centre of the board's viewport (to the nearest unit), and the zoom level. */
async function centreOf(board: Frame): Promise<{ x: number; y: number; zoom: string | null }> {
  const { transform, zoom } = await viewOf(board);
  const [tx, ty, scale] = (transform.match(/-?[\d.]+/g) ?? []).map((v) => Number.parseFloat(v));
  const view = await boxOf(board, '.board-viewport');
  return { x: Math.round((view.width / 2 - tx!) / scale!), y: Math.round((view.height / 2 - ty!) / scale!), zoom };
}

/** What the board shows of where it looks: the world's transform and the zoom level. */
async function viewOf(board: Frame): Promise<{ transform: string; zoom: string | null }> {
  return { transform: await board.locator('.board-world').evaluate((el) => (el as unknown as { style: { transform: string } }).style.transform), zoom: await board.locator('.zoom-level').textContent() };
}

describe('the board view in a real VS Code (code-server + Chromium)', function () {
  this.timeout(240_000);
  const group = `view-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;

  before(async function () {
    this.timeout(300_000);
    const repository = await startRepository(cliPath);
    processes.push(repository.proc);
    window = await EditorWindow.open({
      label: 'board-view',
      person: 'alice',
      files: { 'prices.ts': sample },
      settings: { 'teamNotes.repositoryAddress': repository.address, 'teamNotes.listenHost': '127.0.0.1', 'teamNotes.displayName': 'alice' },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure();
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('joins a group and opens the board', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    await typeGroup(page, group);
    await answerQuickInput(page, /password/i, '');
    await window!.board();
  });

  it('places an image shared after panning away inside the part of the board in view, and says so', async () => {
    const page = window!.page;
    let board = await window!.board();
    const viewport = await boxOf(board, '.board-viewport');
    await page.mouse.move(viewport.x + viewport.width / 2, viewport.y + viewport.height / 2);
    for (let i = 0; i < 5; i += 1) await page.mouse.wheel(1500, 1000);
    await board.getByRole('button', { name: 'Zoom Out' }).click();
    // The board tells the host where it looks once the view rests.
    await page.waitForTimeout(1000);
    const looking = await viewOf(board);

    await page.keyboard.press('Control+P');
    await quickInput(page).locator('input').fill('prices.ts');
    await quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: 'prices.ts' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    await focusEditor(page, 'total');
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 2; i += 1) await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    await page.locator('.statusbar').getByText(/selected/).waitFor({ state: 'visible', timeout: 10_000 });
    await runFromPalette(page, 'Team Notes: Share Selection as Image');

    board = await window!.board();
    await board.locator('.board-item[data-kind="image"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    await board.locator('.board-toasts').getByText('Shared to the board').waitFor({ state: 'visible', timeout: 10_000 });
    // The board did not have to move to show it: the zoom is the user's (the panel may have moved
    // beside the editor, keeping the centre of the view).
    assert.equal((await viewOf(board)).zoom, looking.zoom, 'the view kept its zoom');
    const image = await boxOf(board, '.board-item[data-kind="image"]');
    const view = await boxOf(board, '.board-viewport');
    assert.ok(inside(view, image), `the image ${JSON.stringify(image)} is inside the board's viewport ${JSON.stringify(view)}`);
  });

  it('keeps zoom and scroll when the board is closed and opened again', async () => {
    const page = window!.page;
    let board = await window!.board();
    // The same centre and zoom (the panel may open at another size than it had).
    const before = await centreOf(board);
    assert.equal(before.zoom, '80%');
    const tab = page.locator('.tabs-container .tab', { hasText: `Team Notes: ${group}` });
    await tab.click();
    await runFromPalette(page, 'View: Close Editor');
    await tab.waitFor({ state: 'detached', timeout: 10_000 });

    await runFromPalette(page, 'Team Notes: Open Board');
    board = await window!.board();
    await board.locator('.board-item[data-kind="image"]').first().waitFor({ state: 'visible', timeout: 30_000 });
    const after = await centreOf(board);
    assert.ok(after.zoom === before.zoom && Math.abs(after.x - before.x) <= 1 && Math.abs(after.y - before.y) <= 1, `the board opened again at ${JSON.stringify(after)}, closed at ${JSON.stringify(before)}`);
  });
});
