/**
 * Unread chat as a person sees it in a real VS Code (code-server in Chromium, the packaged .vsix):
 * with the board closed, messages from a CLI peer put a count on the Team Notes activity bar icon
 * and "N unread" in the status bar; a click on the peer in the Members view offers Message, Show on
 * Board and Ban, and Message sends a direct message; opening the board clears the count.
 */
import { strict as assert } from 'node:assert';
import type { Locator, Page } from 'playwright-core';
import { answerQuickInput, quickInput, quickInputShows, runFromPalette } from '../editor/browser';
import { cliEvents } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { EditorWindow, startGroupWithPeer, typeGroup } from './editorWindow';

/** The Team Notes icon in the activity bar (its label is the view container's title). */
function activityItem(page: Page): Locator {
  return page.locator('.part.activitybar li.action-item[aria-label^="Team Notes"], .part.activitybar li.action-item:has(a[aria-label^="Team Notes"])').first();
}

describe('unread chat on the activity bar in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const group = `badge-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;
  let bob: { proc: CliProcess; id: string };

  before(async function () {
    this.timeout(240_000);
    const { peer, settings } = await startGroupWithPeer(group, 'cli-bob', processes);
    bob = peer;
    window = await EditorWindow.open({ label: 'chat-badge', person: 'ann', settings: { ...settings, 'teamNotes.displayName': 'ann', 'teamNotes.notifications': false } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await window?.reportFailure();
      console.log(`      activity bar: ${(await window?.page.locator('.part.activitybar').innerHTML().catch(() => '')) ?? ''}`.slice(0, 4000));
    }
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('joins, closes the board, and shows the unread count on the Team Notes icon and in the status bar', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    await typeGroup(page, group);
    await answerQuickInput(page, /password/i, '');
    await bob.proc.waitFor(cliEvents.joined('ann'), 'the CLI peer to see ann join', 20_000);
    await window!.board();
    await runFromPalette(page, 'View: Close All Editors');
    await page.locator('.tabs-container .tab', { hasText: 'Team Notes:' }).waitFor({ state: 'detached', timeout: 10_000 });
    // The tab leaves the page before the extension host hears the board was closed; a message that
    // came in between would count as seen. A command the host answers goes after the close on the
    // same channel, so once its box shows, the host knows the board is gone.
    await runFromPalette(page, 'Team Notes: Send Message…');
    await quickInputShows(page, /Everyone in the group reads it/);
    await page.keyboard.press('Escape');

    const badge = activityItem(page).locator('.badge .badge-content');
    assert.equal(await badge.isVisible(), false, 'a count before any message arrived');
    bob.proc.type('are you around?');
    bob.proc.type('the build is red');
    const deadline = Date.now() + 20_000;
    while (!(await badge.isVisible()) || (await badge.textContent()) !== '2') {
      if (Date.now() > deadline) {
        const status = await page.locator('.part.statusbar .statusbar-item', { hasText: group }).textContent().catch(() => null);
        assert.fail(`the badge shows "${(await badge.textContent().catch(() => null)) ?? 'nothing'}", not 2 (the status bar: "${status ?? 'nothing'}")`);
      }
      await page.waitForTimeout(200);
    }
    const status = page.locator('.part.statusbar .statusbar-item', { hasText: group });
    await status.getByText(/2 unread/).waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await status.textContent()) ?? '', /2 online.*2 unread/, 'the status bar does not tell the member count from the unread count');
  });

  it('offers Message, Show on Board and Ban for a member clicked in the Members view, and Message sends a direct message', async () => {
    const page = window!.page;
    await activityItem(page).click();
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'cli-bob' });
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
    const picker = quickInput(page);
    await picker.waitFor({ state: 'visible', timeout: 10_000 });
    const options = picker.locator('.quick-input-list .monaco-list-row');
    await options.first().waitFor({ state: 'visible', timeout: 10_000 });
    // Visible labels only: a reused row keeps the hidden detail line of the last quick pick it showed.
    const labels = await options.locator('.label-name').evaluateAll((els) =>
      (els as unknown as Array<{ offsetParent: unknown; textContent: string | null }>).filter((el) => el.offsetParent !== null).map((el) => (el.textContent ?? '').trim()),
    );
    assert.deepEqual(labels, ['Message', 'Show on Board', 'Ban']);
    await options.filter({ hasText: 'Message' }).first().click();
    await answerQuickInput(page, /message to cli-bob/i, 'looking at it now');
    const received = await bob.proc.waitFor(cliEvents.chat('ann', 'looking at it now'), 'the CLI peer to get the direct message');
    assert.equal(received.to, bob.id);
  });

  it('clears the count once the board is open', async () => {
    const page = window!.page;
    const badge = activityItem(page).locator('.badge .badge-content');
    assert.equal(await badge.isVisible(), true, 'no count to clear');
    await runFromPalette(page, 'Team Notes: Open Board');
    await window!.board();
    await badge.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.locator('.part.statusbar .statusbar-item', { hasText: group }).getByText(/unread/).waitFor({ state: 'detached', timeout: 10_000 });
  });
});
