/**
 * Board time-travel in a real VS Code (code-server with the packaged .vsix, in Chromium): a
 * session is recorded (a CLI teammate puts a note on the board, the person adds one and deletes
 * it), then the person opens History, steps back to see the board as it was, hides the teammate's
 * layer, restores the deleted note, and goes back to now.
 */
import { strict as assert } from 'node:assert';
import type { Frame } from 'playwright-core';
import { answerQuickInput, runFromPalette, screenshot } from '../editor/browser';
import type { CliProcess } from '../helpers/cliProcess';
import { cliEvents } from '../helpers/cliProcess';
import { EditorWindow, fitToContent, resultsDir, startGroupWithPeer, typeGroup, waitForCount } from './editorWindow';
import { join } from 'node:path';

const NOTE = '.board-item[data-kind="note"]';

/** Waits until the slider's step label starts with `Step <step> of`. */
async function waitForStep(board: Frame, step: number): Promise<string> {
  const label = board.locator('.history-step');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = (await label.textContent()) ?? '';
    if (text.startsWith(`Step ${step} of`)) return text;
    if (Date.now() > deadline) throw new Error(`the history slider never showed step ${step}; it shows "${text}"`);
    await board.page().waitForTimeout(100);
  }
}

const pastNotes = (board: Frame): Promise<string[]> => board.locator('.past-board .past-note .past-text').allTextContents();

describe('board time-travel in a real VS Code (code-server + Chromium)', function () {
  this.timeout(240_000);
  const group = `history-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;
  let peer: CliProcess | undefined;

  before(async function () {
    this.timeout(300_000);
    const started = await startGroupWithPeer(group, 'bob', processes);
    peer = started.peer.proc;
    window = await EditorWindow.open({ label: 'board-history', person: 'alice', settings: { ...started.settings, 'teamNotes.displayName': 'alice' } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure();
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('records a session: a teammate adds a note, the person adds one and deletes it', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    await typeGroup(page, group);
    await answerQuickInput(page, /password/i, '');
    const board = await window!.board();
    await peer!.waitFor(cliEvents.joined('alice'), 'alice to join', 30_000);
    peer!.type("/note Bob's plan");
    await waitForCount(board, NOTE, 1);

    const viewport = (await board.locator('.board-viewport').boundingBox())!;
    await page.mouse.dblclick(viewport.x + 80, viewport.y + viewport.height - 140);
    const editor = board.locator('.note-editor textarea');
    await editor.waitFor({ state: 'visible', timeout: 10_000 });
    await editor.fill('Draft by alice');
    await editor.press('Enter');
    await waitForCount(board, NOTE, 2);

    await board.locator(NOTE, { hasText: 'Draft by alice' }).click();
    await page.keyboard.press('Delete');
    const deadline = Date.now() + 20_000;
    while ((await board.locator(NOTE).count()) !== 1) {
      assert.ok(Date.now() < deadline, 'the deleted note went away');
      await page.waitForTimeout(200);
    }
  });

  it('opens History at the board now, steps back to see the deleted note, and hides a layer', async () => {
    const board = await window!.board();
    await board.getByRole('button', { name: 'History' }).click();
    const slider = board.getByRole('slider', { name: 'Board history' });
    assert.match(await waitForStep(board, 3), /^Step 3 of 3: alice deleted a note/);
    assert.deepEqual(await pastNotes(board), ["Bob's plan"]);
    assert.match((await board.locator('.history-banner').textContent()) ?? '', /^Viewing the board as it was at /);

    await slider.press('ArrowLeft');
    assert.match(await waitForStep(board, 2), /alice added a note/);
    assert.deepEqual((await pastNotes(board)).sort(), ["Bob's plan", 'Draft by alice']);
    await slider.press('Home');
    await waitForStep(board, 0);
    assert.deepEqual(await pastNotes(board), []);
    await slider.press('ArrowRight');
    await slider.press('ArrowRight');
    await waitForStep(board, 2);

    await board.getByRole('checkbox', { name: /^bob \(/ }).uncheck();
    assert.deepEqual(await pastNotes(board), ['Draft by alice'], "bob's layer hidden");
    await screenshot(window!.page, join(resultsDir, 'e2e-board-history.png'));
  });

  it('restores the deleted note as a new note on the board now, and goes back to now', async () => {
    const board = await window!.board();
    await board.getByRole('button', { name: /^Restore this item/ }).click();
    await board.locator('.board-toasts').getByText('Restored to the board').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await board.locator('.history-view').isVisible(), false, 'back to the board now');
    await fitToContent(board);
    await waitForCount(board, NOTE, 2);
    assert.equal(await board.locator(NOTE, { hasText: 'Draft by alice' }).count(), 1);
    // The teammate got it as a new note from alice.
    await peer!.waitFor((e) => e.event === 'message' && e.type === 'note' && e.op === 'add' && e.text === 'Draft by alice' && (e.from as { name?: string } | undefined)?.name === 'alice', 'the restored note', 20_000);

    // The history now has the restore as its last step; Back to now leaves the board as it is.
    await board.getByRole('button', { name: 'History' }).click();
    await waitForStep(board, 4);
    await board.getByRole('button', { name: 'Back to now' }).click();
    assert.equal(await board.locator('.history-view').isVisible(), false);
    assert.equal(await board.locator(NOTE).count(), 2);
  });
});
