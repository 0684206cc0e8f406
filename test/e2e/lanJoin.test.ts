/**
 * Zero configuration in a real VS Code (code-server in Chromium, the packaged .vsix): a group
 * announced on the local network by a terminal repository and member is listed by Join Group, and
 * a pick joins it with no repository address set and nothing typed. Discovery stays on loopback on
 * this run's own port (test/helpers/isolatedDiscovery.ts, given to code-server and the CLI alike).
 */
import { strict as assert } from 'node:assert';
import { quickInput, runFromPalette, answerQuickInput } from '../editor/browser';
import { cliEvents } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { EditorWindow, startGroupWithPeer } from './editorWindow';

describe('Join Group lists the groups on the local network in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const group = `lan-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;
  let bob: { proc: CliProcess; id: string };

  before(async function () {
    this.timeout(240_000);
    ({ peer: bob } = await startGroupWithPeer(group, 'cli-bob', processes));
    // No repository address: only what is heard on the LAN says where the group is.
    window = await EditorWindow.open({ label: 'lan-join', person: 'ann', settings: { 'teamNotes.listenHost': '127.0.0.1', 'teamNotes.displayName': 'ann' } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure();
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('lists the group heard on the LAN, and joins it with a pick and nothing typed', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    const row = quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: group });
    await row.first().waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await row.first().textContent()) ?? '';
    assert.match(text, /on the local network · open/, `the row says where the group was found: "${text}"`);
    assert.match(text, /1 member; repository at 127\.0\.0\.1:\d+/, `the row names the member count and the repository: "${text}"`);
    assert.equal(await quickInput(page).locator('input').inputValue(), '', 'nothing typed');
    await row.first().click();
    await answerQuickInput(page, /password/i, '');
    await window!.board();
    await bob.proc.waitFor(cliEvents.joined('ann'), 'the CLI member to see ann join through the repository heard on the LAN', 30_000);
    bob.proc.type('found without an address');
    const board = await window!.board();
    await board.getByText('found without an address').waitFor({ state: 'visible', timeout: 15_000 });
  });
});
