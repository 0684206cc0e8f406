/**
 * A person's first session, end to end in a real VS Code (code-server in Chromium, driven by
 * playwright-core): the packaged .vsix installed, "Team Notes: Join Group…" run from the command
 * palette with the prompts answered, a message typed in the board panel reaching a CLI peer, and the
 * CLI peer's reply appearing in the panel. Saves screenshots of the board in test-results/.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { answerQuickInput, findFrame, runFromPalette, screenshot } from '../editor/browser';
import { cliEvents } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { EditorWindow, resultsDir, startGroupWithPeer, typeGroup } from './editorWindow';
import { version } from './vsixFile';

describe('a person\'s first Team Notes session in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const group = `e2e-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;
  let bob: { proc: CliProcess; id: string };

  before(async function () {
    this.timeout(240_000);
    const { peer, settings } = await startGroupWithPeer(group, 'cli-bob', processes);
    bob = peer;
    // Settings a team would give a newcomer; no display name, so VS Code asks for it as it would the first time.
    window = await EditorWindow.open({
      label: 'e2e',
      person: 'alice',
      files: { 'README.md': '# A project the team works on\n' },
      settings,
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure();
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('runs the installed .vsix, not this repository', () => {
    const installed = readdirSync(window!.server.extensionsDir).filter((d) => d.startsWith('team-notes.team-notes-'));
    assert.deepEqual(installed, [`team-notes.team-notes-${version}`]);
    const manifest = JSON.parse(readFileSync(join(window!.server.extensionsDir, installed[0]!, 'package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.version, version);
    assert.ok(!existsSync(join(window!.server.extensionsDir, installed[0]!, 'src')), 'the installed extension holds its sources');
  });

  let board: Frame | undefined;

  it('joins a group from the command palette, answering the prompts, and opens the board', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    // The group picker: type a new group's name; the picker offers to join it.
    await typeGroup(page, group);
    // First time: VS Code asks for the display name (pre-filled with the user name).
    await answerQuickInput(page, /display name/i, 'alice');
    // Then the optional group password: none, so an open group (bob, the CLI peer, has none either).
    await answerQuickInput(page, /password/i, '');
    await bob.proc.waitFor(cliEvents.joined('alice'), 'the CLI peer to see alice join', 20_000);
    board = await findFrame(page, (frame) => frame.getByRole('textbox', { name: /message/i }), 'the board\'s message box');
    const tab = page.locator('.tabs-container .tab', { hasText: `Team Notes: ${group}` });
    await tab.waitFor({ state: 'visible', timeout: 10_000 });
  });

  it('sends what the person types in the board panel, and shows the CLI peer\'s reply there', async () => {
    assert.ok(board, 'not run: the board never opened above');
    const page = window!.page;
    const message = board.getByRole('textbox', { name: /message/i });
    await message.click();
    await message.pressSequentially('Hello from the board, bob!');
    await message.press('Enter');
    await bob.proc.waitFor(cliEvents.chat('alice', 'Hello from the board, bob!'), 'the CLI peer to print the message typed in the board');
    assert.equal(await message.inputValue(), '', 'the message box was not cleared after sending');

    bob.proc.type('Hi alice, the terminal hears you.');
    const log = board.getByRole('log');
    await log.getByText('Hi alice, the terminal hears you.').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await log.textContent()) ?? '', /cli-bob/, 'the reply is not attributed to cli-bob in the chat log');
    await log.getByText('Hello from the board, bob!').waitFor({ state: 'visible', timeout: 5_000 });

    await page.waitForTimeout(300); // let the panel finish painting before the picture
    const path = await screenshot(page, join(resultsDir, 'e2e-board.png'));
    const panel = join(resultsDir, 'e2e-board-panel.png');
    await page.locator('.monaco-workbench .part.editor').screenshot({ path: panel });
    console.log(`      screenshots: ${path}, ${panel}`);
  });
});
