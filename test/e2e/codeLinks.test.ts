/**
 * Links to code as a person uses them in a real VS Code (code-server in Chromium, the packaged
 * .vsix), with a CLI peer: a `path:line` from a teammate's chat opens that line; Share Selection to
 * Chat sends the code, and its link finds the code after lines were added above it; a snippet card
 * on the board says "moved" once the file is edited.
 */
import { strict as assert } from 'node:assert';
import type { Frame, Page } from 'playwright-core';
import { answerQuickInput, focusEditor, runFromPalette } from '../editor/browser';
import { cliEvents } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { EditorWindow, fitToContent, startGroupWithPeer, typeGroup } from './editorWindow';

const MATH = ['// math helpers', 'export function add(a: number, b: number): number {', '  const sum = a + b;', '  return sum;', '}', '', 'export function twice(n: number): number {', '  return add(n, n);', '}', ''].join('\n');

describe('links to code in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const group = `code-links-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  let window: EditorWindow | undefined;
  let bob: { proc: CliProcess; id: string };
  const page = (): Page => window!.page;
  /** The cursor's line as the status bar says it ("Ln 7, Col 3"). */
  const cursorLine = async (): Promise<number> => Number(/Ln (\d+)/.exec((await page().locator('.statusbar').textContent()) ?? '')?.[1] ?? 0);
  const waitForCursorLine = async (line: number): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while ((await cursorLine()) !== line) {
      if (Date.now() > deadline) assert.fail(`the cursor is on line ${await cursorLine()}, not ${line}`);
      await page().waitForTimeout(200);
    }
  };
  const openMath = async (): Promise<void> => {
    await page().locator('.explorer-folders-view .monaco-list-row', { hasText: 'math.ts' }).first().dblclick();
    await focusEditor(page(), 'math helpers');
  };
  const codeLink = (board: Frame, text: string) => board.locator('.chat-message button.chat-code-location', { hasText: text }).last();

  before(async function () {
    this.timeout(240_000);
    const { peer, settings } = await startGroupWithPeer(group, 'cli-bob', processes);
    bob = peer;
    window = await EditorWindow.open({ label: 'code-links', person: 'ann', files: { 'math.ts': MATH }, settings: { ...settings, 'teamNotes.displayName': 'ann' } });
    await runFromPalette(page(), 'Team Notes: Join Group…');
    await typeGroup(page(), group);
    await answerQuickInput(page(), /password/i, '');
    await bob.proc.waitFor(cliEvents.joined('ann'), 'the CLI peer to see ann join', 20_000);
    await window.board();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await window?.reportFailure();
  });

  after(async () => {
    await window?.close();
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('opens the line a teammate named in chat', async () => {
    bob.proc.type('the bug is at math.ts:8, not at 10:30');
    const board = await window!.board();
    const link = codeLink(board, 'math.ts:8');
    await link.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await board.locator('.chat-message button.chat-code-location').count(), 1, 'a time became a link');
    await link.click();
    await page().locator('.tabs-container .tab.active', { hasText: 'math.ts' }).waitFor({ state: 'visible', timeout: 15_000 });
    await waitForCursorLine(8);
  });

  it('shares a selection to chat, and its link finds the code after lines were added above', async () => {
    await openMath();
    await page().keyboard.press('Control+A');
    await runFromPalette(page(), 'Team Notes: Share Selection to Chat');
    await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'chat' && String(e.text).startsWith('`math.ts:1-9`\n```typescript\n// math helpers'), 'the CLI peer to print the shared selection', 20_000);
    const board = await window!.board();
    await board.locator('.chat-message pre.chat-fence .tok-keyword').first().waitFor({ state: 'visible', timeout: 15_000 });

    await openMath();
    await page().keyboard.press('Control+Home');
    // Code, not comments: the editor would continue a comment on the next line.
    await page().keyboard.type('export const one = 1;\nexport const two = 2;\n');
    await codeLink(await window!.board(), 'math.ts:1-9').click();
    // Lines 1-9 as shared are lines 3-11 now: the selection ends on line 11.
    await waitForCursorLine(11);
  });

  it('marks a snippet card "moved" once its code moves in the file', async () => {
    await openMath();
    await page().keyboard.press('Control+A');
    await runFromPalette(page(), 'Team Notes: Share Selection to Board');
    const board = await window!.board();
    const card = board.locator('.board-item[data-kind="snippet"]').first();
    await card.waitFor({ state: 'attached', timeout: 20_000 });
    await openMath();
    await page().keyboard.press('Control+Home');
    await page().keyboard.type('export const three = 3;\n');
    await page().keyboard.press('Control+S');
    // Opening the file may have covered the board in its group: bring it back, as a person would.
    await runFromPalette(page(), 'Team Notes: Open Board');
    const again = await window!.board();
    await fitToContent(again);
    const badge = again.locator('.board-item[data-kind="snippet"] .snippet-status[data-status="moved"]').first();
    await badge.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await badge.textContent(), 'moved to line 2');
  });
});
