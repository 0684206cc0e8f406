/**
 * The board survives a window reload with nobody left to ask, in a real VS Code (code-server with
 * the packaged .vsix, in Chromium driven by playwright-core): a person joins a group from the
 * command palette (a CLI repository and a CLI peer are there), adds a note and sends a chat message
 * with the palette commands, sees both on the board; then the CLI repository and peer are killed and
 * the window reloads. The board panel comes back by itself and shows the note and the message, read
 * from the history this machine keeps, without any teammate. Saves test-results/reload-before.png
 * and test-results/reload-after.png.
 *
 * After the reload the configured repository address is a port where nothing listens any more: the
 * extension may start its own repository there (it does when the address is this machine). That is
 * this window, not a teammate.
 */
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { answerQuickInput, findFrame, runFromPalette, screenshot, waitForWorkbenchReady } from '../editor/browser';
import { cliEvents, startChatPeer, startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { cliPath, EditorWindow, resultsDir, typeGroup } from './editorWindow';

/** How long the board may take to come back after the reload, with no teammate to ask. */
const RESTORE_WITHIN_MS = 20_000;

describe('the board comes back after a window reload with no teammate left (code-server + Chromium)', function () {
  this.timeout(240_000);
  const group = `reload-${Date.now().toString(36)}`;
  const stamp = Date.now().toString(36);
  const noteText = `Note kept across the reload ${stamp}`;
  const chatText = `Message kept across the reload ${stamp}`;
  const processes: CliProcess[] = [];
  let repository: { proc: CliProcess; address: string };
  let bob: { proc: CliProcess; id: string };
  let window: EditorWindow | undefined;

  before(async function () {
    this.timeout(300_000);
    for (const name of ['reload-before.png', 'reload-after.png']) rmSync(join(resultsDir, name), { force: true });
    repository = await startRepository(cliPath);
    processes.push(repository.proc);
    bob = await startChatPeer(cliPath, group, 'cli-bob', repository.address);
    processes.push(bob.proc);
    window = await EditorWindow.open({
      label: 'reload',
      person: 'alice',
      files: { 'README.md': '# A project the team works on\n' },
      settings: { 'teamNotes.repositoryAddress': repository.address, 'teamNotes.listenHost': '127.0.0.1', 'teamNotes.displayName': 'alice' },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure(60);
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  let ready = false;

  it('joins from the palette, adds a note and sends a message with the palette commands; the board shows both', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    await typeGroup(page, group);
    await answerQuickInput(page, /password/i, '');
    await bob.proc.waitFor(cliEvents.joined('alice'), 'the CLI peer to see alice join', 20_000);
    await boardOf(page);

    await runFromPalette(page, 'Team Notes: Add Note…');
    await answerQuickInput(page, /drag it into place/i, noteText);
    await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'note' && e.text === noteText, 'the CLI peer to print the note');
    await runFromPalette(page, 'Team Notes: Send Message…');
    await answerQuickInput(page, /everyone in the group reads it/i, chatText);
    await bob.proc.waitFor(cliEvents.chat('alice', chatText), 'the CLI peer to print the message');

    await waitForNote(page, noteText, 20_000);
    await (await boardOf(page)).getByRole('log').getByText(chatText).waitFor({ state: 'visible', timeout: 20_000 });
    await page.waitForTimeout(300);
    console.log(`      before the reload: ${await screenshot(page, join(resultsDir, 'reload-before.png'))}`);
    ready = true;
  });

  it('after the CLI repository and peer are killed and the window reloads, the board comes back with the note and the message from disk', async () => {
    assert.ok(ready, 'not run: the session above never showed the note and the message');
    const page = window!.page;
    // Nobody left who could answer: no repository, no teammate.
    await repository.proc.kill();
    await bob.proc.kill();
    assert.notEqual(repository.proc.exitCode, undefined, 'the CLI repository is still running');
    assert.notEqual(bob.proc.exitCode, undefined, 'the CLI peer is still running');

    // Reload the window as a person does; a marker on the old page tells the new page apart.
    await page.evaluate('window.teamNotesBeforeReload = true');
    await runFromPalette(page, 'Developer: Reload Window');
    const deadline = Date.now() + 60_000;
    while ((await page.evaluate('window.teamNotesBeforeReload === true').catch(() => true)) && Date.now() < deadline) {
      await page.waitForTimeout(100);
    }
    assert.ok(Date.now() < deadline, 'the window did not reload within 60 s');
    const reloaded = Date.now();
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await waitForWorkbenchReady(page);

    // The board panel is restored by itself (nobody opens it), and shows what it showed before.
    const left = (): number => Math.max(1_000, RESTORE_WITHIN_MS - (Date.now() - reloaded));
    const board = await boardOf(page, left());
    await page.locator('.tabs-container .tab', { hasText: `Team Notes: ${group}` }).waitFor({ state: 'visible', timeout: left() });
    await waitForNote(page, noteText, left());
    await (await boardOf(page, left())).getByRole('log').getByText(chatText).waitFor({ state: 'visible', timeout: left() });
    const took = Date.now() - reloaded;
    assert.ok(took <= RESTORE_WITHIN_MS, `the board took ${took} ms to show the note and the message after the reload`);
    assert.ok(board !== undefined);

    // Still nobody else: both CLI processes are gone.
    assert.notEqual(repository.proc.exitCode, undefined, 'the CLI repository came back');
    assert.notEqual(bob.proc.exitCode, undefined, 'the CLI peer came back');
    await page.waitForTimeout(300);
    console.log(`      after the reload (board back in ${took} ms): ${await screenshot(page, join(resultsDir, 'reload-after.png'))}`);
  });
});

/** The board frame, looked up afresh (a reload or a hidden panel makes a new frame). */
function boardOf(page: Page, timeoutMs = 30_000): Promise<Frame> {
  return findFrame(page, (frame) => frame.locator('.board-viewport'), 'the board', timeoutMs);
}

/** Waits until the board shows a note with `text`, fitting the view to the content while it waits. */
async function waitForNote(page: Page, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const board = await boardOf(page, Math.max(1_000, deadline - Date.now()));
    const note = board.locator('.board-item[data-kind="note"]', { hasText: text });
    try {
      if ((await note.count()) > 0) return;
      await board.getByRole('button', { name: 'Fit to Content' }).click({ timeout: 2_000 });
    } catch {
      // The frame was replaced while we looked.
    }
    if (Date.now() > deadline) {
      const shown = await board.locator('.board-item').allTextContents().catch(() => []);
      throw new Error(`the board shows no note "${text}" within ${timeoutMs} ms; items: ${JSON.stringify(shown)}`);
    }
    await page.waitForTimeout(250);
  }
}
