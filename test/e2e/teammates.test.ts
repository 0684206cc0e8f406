/**
 * Two teammates, each in their own real VS Code (two code-server instances with the packaged .vsix,
 * each in its own Chromium), join one group. Alice shares a selection as text and as an image, adds
 * a note, draws a stroke and pastes an image on the board; Bob's board shows each of them. Saves a
 * screenshot of both boards in test-results/.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Frame } from 'playwright-core';
import { answerQuickInput, focusEditor, quickInput, runFromPalette, screenshot } from '../editor/browser';
import { startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { cliPath, EditorWindow, fitToContent, resultsDir, typeGroup, waitForCount } from './editorWindow';

const sample = ['export function total(prices: number[]): number {', '  return prices.reduce((sum, p) => sum + p, 0);', '}', '', 'export const VAT = 0.2;', ''].join('\n');

type Teammate = EditorWindow;

function boardOf(t: Teammate): Promise<Frame> {
  return t.board();
}

/** Pastes a PNG on the board as Ctrl+V with an image on the clipboard would. */
const PASTE_PNG = `(bytes) => {
  const dt = new DataTransfer();
  dt.items.add(new File([new Uint8Array(bytes)], 'diagram.png', { type: 'image/png' }));
  const target = document.querySelector('.board-viewport');
  target.focus();
  const event = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
  return event.defaultPrevented;
}`;

describe('two teammates share a board in two real VS Code windows (code-server + Chromium)', function () {
  this.timeout(240_000);
  const group = `pair-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  const teammates: Teammate[] = [];
  let workspace: string | undefined;

  before(async function () {
    this.timeout(300_000);
    const repository = await startRepository(cliPath);
    processes.push(repository.proc);
    workspace = mkdtempSync(join(tmpdir(), 'team-notes-pair-'));
    writeFileSync(join(workspace, 'prices.ts'), sample);
    for (const name of ['alice', 'bob']) {
      // The same project checked out by both; each has their own VS Code profile and display name.
      teammates.push(
        await EditorWindow.open({
          label: `teammates-${name}`,
          person: name,
          folder: workspace,
          settings: { 'teamNotes.repositoryAddress': repository.address, 'teamNotes.listenHost': '127.0.0.1', 'teamNotes.displayName': name },
        }),
      );
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const t of teammates) await t.reportFailure(20);
  });

  after(async () => {
    for (const t of teammates) await t.close();
    await Promise.all(processes.map((p) => p.kill()));
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  const alice = (): Teammate => teammates[0]!;
  const bob = (): Teammate => teammates[1]!;

  it('both join the group from the command palette and see each other', async () => {
    for (const t of teammates) {
      await runFromPalette(t.page, 'Team Notes: Join Group…');
      await typeGroup(t.page, group);
      // The same group password in both windows: they prove it to each other in every handshake.
      await answerQuickInput(t.page, /password/i, 'our team secret');
      await boardOf(t);
    }
    for (const [me, other] of [[alice(), bob()], [bob(), alice()]] as const) {
      await (await boardOf(me)).locator('.members').getByText(other.person, { exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    }
  });

  it('alice shares a selection as text and as an image; bob sees the card and the code image', async () => {
    const page = alice().page;
    await page.keyboard.press('Control+P');
    await quickInput(page).locator('input').fill('prices.ts');
    await quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: 'prices.ts' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    /** Selects lines 1-3 as a person does, and waits until VS Code reports the selection. */
    const selectFirstLines = async (): Promise<void> => {
      await focusEditor(page, 'total');
      await page.keyboard.press('Control+Home');
      for (let i = 0; i < 2; i += 1) await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+End');
      await page.locator('.statusbar').getByText(/selected/).waitFor({ state: 'visible', timeout: 10_000 });
    };
    await selectFirstLines();
    await runFromPalette(page, 'Team Notes: Share Selection to Board');
    await waitForCount(await boardOf(alice()), '.board-item[data-kind="snippet"]', 1);
    await selectFirstLines();
    await runFromPalette(page, 'Team Notes: Share Selection as Image');
    await waitForCount(await boardOf(alice()), '.board-item[data-kind="image"]', 1);

    const board = await boardOf(bob());
    await waitForCount(board, '.board-item[data-kind="snippet"]', 1);
    const card = board.locator('.board-item[data-kind="snippet"]');
    assert.match((await card.textContent()) ?? '', /prices\.reduce/);
    assert.match((await card.textContent()) ?? '', /prices\.ts:1-3/);
    await waitForCount(board, '.board-item[data-kind="image"].code-image, .board-item[data-kind="image"] .code-image', 1);
  });

  it('alice adds a note, draws a stroke and pastes an image; bob sees each', async () => {
    const page = alice().page;
    const board = await boardOf(alice());
    await fitToContent(board);
    const viewport = (await board.locator('.board-viewport').boundingBox())!;
    // Shared items land in the middle of the view: scrolling by half a view leaves its lower half empty.
    await page.mouse.move(viewport.x + viewport.width / 2, viewport.y + viewport.height / 2);
    await page.mouse.wheel(0, viewport.height / 2);
    // A note: double-click an empty spot near the bottom of the view, type, Enter.
    await page.mouse.dblclick(viewport.x + 60, viewport.y + viewport.height - 120);
    const editorBox = board.locator('.note-editor textarea');
    await editorBox.waitFor({ state: 'visible', timeout: 10_000 });
    await editorBox.fill('Ship the totals on Friday');
    await editorBox.press('Enter');
    // A stroke: the pen (P), one drag.
    await board.locator('.board-viewport').focus();
    await page.keyboard.press('p');
    const y = viewport.y + viewport.height - 60;
    await page.mouse.move(viewport.x + 260, y);
    await page.mouse.down();
    for (let i = 1; i <= 30; i += 1) await page.mouse.move(viewport.x + 260 + i * 6, y - Math.sin(i / 5) * 25);
    await page.mouse.up();
    await page.keyboard.press('v');
    // An image: a real PNG pasted on the board.
    const png = new PNG({ width: 120, height: 80 });
    for (let i = 0; i < png.data.length; i += 4) png.data.set([30 + ((i / 4) % 120), 120, 200, 255], i);
    const pasted = (await board.evaluate(`(${PASTE_PNG})(${JSON.stringify([...PNG.sync.write(png)])})`)) as boolean;
    assert.equal(pasted, true, 'the board did not take the pasted image');

    const other = await boardOf(bob());
    await waitForCount(other, '.board-item[data-kind="note"]', 1);
    assert.match((await other.locator('.board-item[data-kind="note"]').first().textContent()) ?? '', /Ship the totals on Friday/);
    await waitForCount(other, '.board-item[data-kind="stroke"]', 1);
    await waitForCount(other, '.board-item[data-kind="image"]', 2);

    for (const t of teammates) {
      await fitToContent(await boardOf(t));
      await t.page.waitForTimeout(500);
      const path = await screenshot(t.page, join(resultsDir, `${t.label}.png`));
      console.log(`      ${t.person}'s board: ${path}`);
    }
  });
});
