/**
 * A newcomer's first hour in a real VS Code (code-server in Chromium, the packaged .vsix): the group
 * picker says why Enter with nothing typed does nothing, Start Repository Server listens on the
 * port of Repository Address, the board tab survives a click on a file in the Explorer after Share
 * Selection, Join Group says what it does while in a group, Leave Group asks first, and a repository
 * name that does not resolve is said in words with buttons that help.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { answerQuickInput, focusEditor, quickInput, quickInputShows, runFromPalette } from '../editor/browser';
import { freePort } from '../helpers/ports';
import { EditorWindow, typeGroup } from './editorWindow';

const sample = ['export function greet(name: string): string {', '  return `Hello, ${name}!`;', '}', ''].join('\n');

/** True when something accepts TCP connections at 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The notification toast whose text matches `text`. */
function toast(page: Page, text: RegExp): Locator {
  return page.locator('.notification-toast', { hasText: text }).last();
}

/** In the page: the text of every element under the quick pick's first row that overflows its box (shown cut, with an ellipsis). */
const CUT_LINES = `[...document.querySelectorAll('.quick-input-list .monaco-list-row:first-child *')]
  .filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
  .map((e) => e.textContent)`; // an expression: page.evaluate runs it

function cutLines(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(CUT_LINES);
}

describe('a newcomer\'s first hour with Team Notes in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const group = `first-${Date.now().toString(36)}`;
  let window: EditorWindow | undefined;
  let port: number;

  before(async function () {
    this.timeout(240_000);
    port = await freePort();
    window = await EditorWindow.open({
      label: 'first-hour',
      person: 'alice',
      files: { 'greet.ts': sample, 'other.ts': 'export const other = 1;\n' },
      settings: { 'teamNotes.repositoryAddress': `127.0.0.1:${port}`, 'teamNotes.listenHost': '127.0.0.1', 'teamNotes.displayName': 'alice' },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure();
  });

  after(async () => {
    await window?.close();
  });

  const page = (): Page => window!.page;

  it('keeps the group picker open on Enter with nothing typed and says why; a bad name says what is wrong, uncut', async () => {
    await runFromPalette(page(), 'Team Notes: Join Group…');
    await quickInputShows(page(), /Team Notes: Join Group/);
    await quickInput(page()).locator('input').press('Enter');
    await quickInputShows(page(), /Type a group name first, then press Enter/);
    assert.ok(await quickInput(page()).isVisible(), 'Enter with nothing typed closed the picker');

    await quickInput(page()).locator('input').fill('team/notes!');
    await quickInputShows(page(), /"\/" "!" cannot be in a group name/);
    assert.deepEqual(await cutLines(page()), [], 'a line of the hint is cut off');
    assert.match((await quickInput(page()).textContent()) ?? '', /Use letters, digits, spaces, "\.", "_" or "-", at most 64 in all\./);
    // The measure itself: a row that cannot fit (a long, valid name of wide letters) counts as cut.
    await quickInput(page()).locator('input').fill('W'.repeat(64));
    await quickInputShows(page(), /Join "WWWW/);
    assert.notDeepEqual(await cutLines(page()), [], 'a row too wide for the picker was not seen as cut');
    await page().keyboard.press('Escape');
  });

  it('Start Repository Server listens on the port of Repository Address, and says so again when it runs', async () => {
    assert.equal(await listening(port), false, `port ${port} was taken before the test`);
    await runFromPalette(page(), 'Team Notes: Start Repository Server');
    const started = toast(page(), /a repository server runs in this window/);
    await started.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await started.textContent()) ?? '', new RegExp(`Teammates join with Repository Address 127\\.0\\.0\\.1:${port}\\.`));
    await started.getByRole('button', { name: 'Copy Address' }).waitFor({ state: 'visible' });
    assert.equal(await listening(port), true, `nothing listens on the configured port ${port}`);

    await runFromPalette(page(), 'Team Notes: Start Repository Server');
    const again = toast(page(), /already runs in this window/);
    await again.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await again.textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
    await again.getByRole('button', { name: 'Copy Address' }).waitFor({ state: 'visible' });
  });

  it('joins through it, and the board tab stays (not a preview) after Share Selection and a click on a file in the Explorer', async () => {
    await runFromPalette(page(), 'Team Notes: Join Group…');
    await typeGroup(page(), group);
    await answerQuickInput(page(), /password/i, '');
    await window!.board();
    const boardTab = page().locator('.tabs-container .tab', { hasText: `Team Notes: ${group}` });
    await boardTab.waitFor({ state: 'visible', timeout: 15_000 });

    // Open the file from the Explorer in the board's group (the board is the active editor after joining), so the board hides behind it.
    const explorerRow = (name: string): Locator => page().locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
    await explorerRow('greet.ts').dblclick();
    await focusEditor(page(), 'greet');
    await page().keyboard.press('Control+A');
    await page().locator('.statusbar').getByText(/selected/).waitFor({ state: 'visible', timeout: 10_000 });
    await runFromPalette(page(), 'Team Notes: Share Selection to Board');
    await (await window!.board()).locator('.board-item[data-kind="snippet"]').first().waitFor({ state: 'attached', timeout: 20_000 });

    const isPreview = (): Promise<boolean> => boardTab.evaluate((el) => el.classList.contains('italic') || el.classList.contains('preview') || el.querySelector('.italic') !== null);
    const deadline = Date.now() + 10_000;
    while ((await isPreview()) && Date.now() < deadline) await page().waitForTimeout(100);
    assert.equal(await isPreview(), false, 'the board tab is a preview (italic) after Share Selection');

    // A single click on a file while the board's group is active opens that file as a preview there: it must not replace the board.
    await boardTab.click();
    await explorerRow('other.ts').click();
    await page().locator('.tabs-container .tab', { hasText: 'other.ts' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page().waitForTimeout(500);
    assert.equal(await boardTab.count(), 1, 'a click on a file in the Explorer replaced the board tab');
  });

  it('Send Message… says "Enter" once, and Join Group says that joining another group leaves this one', async () => {
    await runFromPalette(page(), 'Team Notes: Send Message…');
    const prompt = await quickInputShows(page(), /Everyone in the group reads it/);
    assert.equal(prompt.match(/Enter/g)?.length, 1, `the message box repeats itself: "${prompt}"`);
    await page().keyboard.press('Escape');

    await runFromPalette(page(), 'Team Notes: Join Group…');
    await quickInputShows(page(), new RegExp(`you are in "${group}"; joining another group leaves it`));
    await quickInputShows(page(), /you are in this group/);
    await page().keyboard.press('Escape');
  });

  it('Leave Group asks first while the board shows the group, and leaves only when confirmed', async () => {
    await runFromPalette(page(), 'Team Notes: Open Board');
    await (await window!.board()).getByRole('textbox', { name: /message/i }).waitFor({ state: 'visible', timeout: 15_000 });
    const dialog = page().locator('.monaco-dialog-box');
    await runFromPalette(page(), 'Team Notes: Leave Group');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Leave "${group}"\\?`));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page().waitForTimeout(500);
    assert.ok(await (await window!.board()).getByRole('textbox', { name: /message/i }).isVisible(), 'Cancel left the group');

    await runFromPalette(page(), 'Team Notes: Leave Group');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Leave Group' }).click();
    await (await window!.board()).getByRole('button', { name: 'Join Group…' }).waitFor({ state: 'visible', timeout: 15_000 });
  });

  it('says in words that the repository name does not resolve, with the buttons that help, and keeps the code in the log', async () => {
    // The newcomer types the address a teammate gave them, with a typo, into the Settings editor.
    await runFromPalette(page(), 'Preferences: Open Settings (UI)');
    await page().locator('.settings-editor').waitFor({ state: 'visible', timeout: 15_000 });
    await page().keyboard.type('teamNotes.repositoryAddress');
    const setting = page().locator('.settings-editor .setting-item', { hasText: 'Repository Address' }).locator('input').first();
    await setting.waitFor({ state: 'visible', timeout: 15_000 });
    await setting.fill('repository.team-notes.invalid:46800');
    await setting.press('Tab');
    const settingsFile = join(window!.server.userDataDir, 'User', 'settings.json');
    const deadline = Date.now() + 10_000;
    while (!readFileSync(settingsFile, 'utf8').includes('repository.team-notes.invalid') && Date.now() < deadline) await page().waitForTimeout(100);

    await runFromPalette(page(), 'Team Notes: Join Group…');
    await typeGroup(page(), `${group}-elsewhere`);
    await answerQuickInput(page(), /password/i, '');
    const error = toast(page(), /does not resolve/);
    await error.waitFor({ state: 'visible', timeout: 20_000 });
    const text = (await error.textContent()) ?? '';
    assert.match(text, /The name "repository\.team-notes\.invalid" does not resolve: no machine of that name is known on this network\./);
    assert.doesNotMatch(text, /ENOTFOUND/, 'the notification shows the operating system code instead of words');
    for (const button of ['Open Settings', 'Try Again', 'Show Log']) await error.getByRole('button', { name: button }).waitFor({ state: 'visible' });

    await error.getByRole('button', { name: 'Show Log' }).click();
    await page().locator('.part.panel .monaco-editor', { hasText: 'ERR_REPOSITORY_UNREACHABLE (ENOTFOUND)' }).waitFor({ state: 'visible', timeout: 15_000 });
  });
});
