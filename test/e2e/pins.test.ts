/**
 * A pin as a person sees it in a real VS Code (code-server + Chromium): a `team-notes chat` member
 * with its own, older, version of a file pins a note; this window shows the comment thread in the
 * editor, under the moved lines, and a reply typed into the thread reaches the CLI member. Saves a
 * screenshot in test-results/pins.png.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerQuickInput, quickInput, runFromPalette, screenshot } from '../editor/browser';
import { CliProcess, cliEvents, startRepository } from '../helpers/cliProcess';
import { cliPath, EditorWindow, resultsDir, typeGroup } from './editorWindow';

const PEER_VERSION = ['export function area(w: number, h: number): number {', '  return w * h;', '}', '', 'export function next(n: number): number {', '  const step = 1;', '  return n + step;', '}', ''].join('\n');
const OUR_VERSION = `// Geometry helpers.\n// Shared by the team.\n\n${PEER_VERSION}`;

/** The number of the editor line right above the first comment thread (run in the page). */
const LINE_ABOVE_THREAD = `(() => {
  const widget = document.querySelector('.review-widget').getBoundingClientRect();
  const lines = [...document.querySelectorAll('.margin-view-overlays .line-numbers')].map((el) => ({ n: Number(el.textContent), bottom: el.getBoundingClientRect().bottom }));
  return lines.filter((l) => l.bottom <= widget.top + 2).sort((a, b) => b.bottom - a.bottom)[0]?.n;
})()`;

describe('a pin in a real VS Code window (code-server + Chromium)', function () {
  this.timeout(240_000);
  const group = `pin-ui-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;
  let peer: CliProcess;
  let peerFolder: string | undefined;

  before(async function () {
    this.timeout(300_000);
    const repository = await startRepository(cliPath);
    processes.push(repository.proc);
    peerFolder = mkdtempSync(join(tmpdir(), 'team-notes-pin-peer-'));
    writeFileSync(join(peerFolder, 'shapes.ts'), PEER_VERSION);
    peer = new CliProcess(cliPath, ['chat', '--group', group, '--name', 'cli-quinn', '--repository', repository.address, '--listen', '127.0.0.1:0', '--json'], 'chat peer cli-quinn', {}, { cwd: peerFolder });
    processes.push(peer);
    await peer.waitFor((e) => e.event === 'ready', 'cli-quinn ready');
    window = await EditorWindow.open({
      label: 'pins',
      person: 'pat',
      files: { 'shapes.ts': OUR_VERSION },
      settings: { 'teamNotes.repositoryAddress': repository.address, 'teamNotes.listenHost': '127.0.0.1', 'teamNotes.displayName': 'pat' },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure(30);
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
    if (peerFolder !== undefined) rmSync(peerFolder, { recursive: true, force: true });
  });

  it('shows the CLI member\'s pin as a comment thread under the moved lines, and sends a reply typed there', async () => {
    const page = window!.page;
    await runFromPalette(page, 'Team Notes: Join Group…');
    await typeGroup(page, group);
    await answerQuickInput(page, /password/i, '');
    await peer.waitFor(cliEvents.joined('pat'), 'cli-quinn to see pat join', 20_000);
    // The board opens on joining and takes the focus: close it, as a person would, to open the file.
    await window!.board();
    await runFromPalette(page, 'View: Close All Editors');
    await page.keyboard.press('Control+P');
    await quickInput(page).locator('input').fill('shapes.ts');
    await quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: 'shapes.ts' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 15_000 });

    peer.type('/pin shapes.ts:6-7 Why a named step of one?');
    const thread = page.locator('.review-widget', { hasText: 'Why a named step of one?' });
    await thread.waitFor({ state: 'visible', timeout: 20_000 });
    // The zone widget sits right under the last line it is on: line 10 here (7 in cli-quinn's file).
    const below = await page.evaluate(LINE_ABOVE_THREAD);
    assert.equal(below, 10, 'the thread is not under line 10');
    assert.match((await thread.textContent()) ?? '', /cli-quinn/);

    const reply = thread.locator('.comment-form');
    await reply.click();
    await page.keyboard.type('Clearer than a bare 1.');
    await thread.getByRole('button', { name: 'Reply' }).click();
    await peer.waitFor((e) => e.event === 'message' && e.type === 'pin' && e.op === 'reply' && e.text === 'Clearer than a bare 1.', 'the reply at cli-quinn');
    // A comment of the thread, not the text still in the reply box.
    await thread.locator('.review-comment', { hasText: 'Clearer than a bare 1.' }).waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, join(resultsDir, 'pins.png'));
  });
});
