/**
 * What the journeys in a real VS Code share: a code-server window with the packaged .vsix on a
 * workspace of its own, opened in Chromium, its failure report (screenshot, browser console,
 * code-server output, the Team Notes log), and the board and group-picker steps a person goes through.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { findFrame, openWorkbench, quickInput, runFromPalette, screenshot, waitForWorkbenchReady } from '../editor/browser';
import type { Workbench } from '../editor/browser';
import { repoRoot, startCodeServer } from '../editor/codeServer';
import type { CodeServer } from '../editor/codeServer';
import { startChatPeer, startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { currentVsix } from './vsixFile';

export const cliPath = join(repoRoot, 'dist', 'cli.js');
export const resultsDir = join(repoRoot, 'test-results');

export interface EditorWindowOptions {
  /** Names the workspace folder and the failure screenshot (`test-results/<label>-failure.png`). */
  label: string;
  /** Files to put in the workspace, by relative path. */
  files?: Record<string, string>;
  /** User settings (merged over the test defaults in codeServer.ts). */
  settings?: Record<string, unknown>;
  /** Who uses this window (their display name), for messages; defaults to the label. */
  person?: string;
  /** An existing workspace folder to open instead of a new one (teammates sharing one checkout). */
  folder?: string;
}

/** One person's VS Code: code-server with the packaged extension, in its own Chromium. */
export class EditorWindow {
  private constructor(
    readonly label: string,
    readonly person: string,
    readonly server: CodeServer,
    readonly workbench: Workbench,
    readonly folder: string,
    private readonly ownsFolder: boolean,
  ) {}

  static async open(options: EditorWindowOptions): Promise<EditorWindow> {
    assert.ok(existsSync(cliPath), 'dist/cli.js is missing: run `npm run build` first');
    const vsix = currentVsix();
    rmSync(join(resultsDir, `${options.label}-failure.png`), { force: true });
    const folder = options.folder ?? mkdtempSync(join(tmpdir(), `team-notes-${options.label}-`));
    for (const [path, text] of Object.entries(options.files ?? {})) writeFileSync(join(folder, path), text);
    const server = await startCodeServer({ folder, vsix, settings: options.settings ?? {} });
    const workbench = await openWorkbench(server.workbenchUrl());
    await waitForWorkbenchReady(workbench.page);
    return new EditorWindow(options.label, options.person ?? options.label, server, workbench, folder, options.folder === undefined);
  }

  get page(): Page {
    return this.workbench.page;
  }

  /** The board frame, looked up afresh: VS Code discards a hidden webview's page and makes a new frame when it shows again. */
  board(timeoutMs = 30_000): Promise<Frame> {
    return findFrame(this.page, (frame) => frame.locator('.board-viewport'), `${this.person}'s board`, timeoutMs);
  }

  /** For an afterEach hook: a screenshot and the last lines of the console and code-server output. */
  async reportFailure(lines = 40): Promise<void> {
    const path = await screenshot(this.page, join(resultsDir, `${this.label}-failure.png`)).catch(() => undefined);
    console.log(`      ${this.label}: screenshot of the failure: ${String(path)}`);
    console.log(`      ${this.label}: browser console (last ${lines}):\n${this.workbench.console.slice(-lines).join('\n')}`);
    console.log(`      ${this.label}: code-server output (last ${lines}):\n${this.server.output.split('\n').slice(-lines).join('\n')}`);
    for (const log of teamNotesLogs(this.server.userDataDir)) {
      console.log(`      ${this.label}: the Team Notes log (last ${lines}):\n${readFileSync(log, 'utf8').split('\n').slice(-lines).join('\n')}`);
    }
  }

  async close(): Promise<void> {
    await this.workbench.close();
    await this.server.stop();
    if (this.ownsFolder) rmSync(this.folder, { recursive: true, force: true });
  }
}

/** The extension's output channel as the extension host writes it, in each session under `userDataDir`. */
function teamNotesLogs(userDataDir: string): string[] {
  const logs = join(userDataDir, 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('Team Notes.log'))
    .map((file) => join(logs, file));
}

/**
 * A CLI repository on 127.0.0.1 and a CLI peer named `peerName` in `group`, with the settings a
 * window needs to join them. Both processes go into `processes` (for the caller to kill).
 */
export async function startGroupWithPeer(
  group: string,
  peerName: string,
  processes: CliProcess[],
): Promise<{ peer: { proc: CliProcess; id: string }; settings: Record<string, unknown> }> {
  const repository = await startRepository(cliPath);
  processes.push(repository.proc);
  const peer = await startChatPeer(cliPath, group, peerName, repository.address);
  processes.push(peer.proc);
  return { peer, settings: { 'teamNotes.repositoryAddress': repository.address, 'teamNotes.listenHost': '127.0.0.1' } };
}

/**
 * Types a group name into the open group picker and accepts it. A picker that closes again as it
 * opens (the focus taken back by a webview) is opened once more with Join Group, as a person would.
 */
export async function typeGroup(page: Page, group: string): Promise<void> {
  const widget = quickInput(page);
  const input = widget.locator('input');
  for (let attempt = 1; ; attempt += 1) {
    const deadline = Date.now() + 15_000;
    while ((await input.inputValue().catch(() => '>')).startsWith('>') || !/group/i.test((await input.getAttribute('placeholder').catch(() => '')) ?? '')) {
      if (Date.now() > deadline) throw new Error(`the group picker never appeared; quick input shows "${(await widget.textContent()) ?? ''}"`);
      await page.waitForTimeout(100);
    }
    try {
      await input.fill(group, { timeout: 5_000 });
      await widget.locator('.quick-input-list .monaco-list-row', { hasText: group }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await input.press('Enter');
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await runFromPalette(page, 'Team Notes: Join Group…');
    }
  }
}

/** Clicks the board's "Fit to Content", so that every item is in view (and rendered). */
export async function fitToContent(board: Frame): Promise<void> {
  await board.getByRole('button', { name: 'Fit to Content' }).click();
}

/** Waits until the board holds `count` elements matching `selector`, fitting the view to the content while it waits. */
export async function waitForCount(board: Frame, selector: string, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await board.locator(selector).count()) < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} of ${selector}, found ${await board.locator(selector).count()}`);
    await fitToContent(board);
    await board.page().waitForTimeout(250);
  }
}
