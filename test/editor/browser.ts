/**
 * Chromium (Debian's, driven by playwright-core) pointed at a code-server workbench, and the few
 * things a person does there: the command palette, quick picks, input boxes, webview frames.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Frame, Locator, Page } from 'playwright-core';

export const chromiumPath = process.env.TEAM_NOTES_CHROMIUM ?? '/usr/bin/chromium';

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Console messages and page errors of the workbench, for failure reports. */
  console: string[];
  close(): Promise<void>;
}

export async function openWorkbench(url: string, options: { waitForWorkbench?: boolean } = {}): Promise<Workbench> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not at ${chromiumPath}: run scripts/ensure-code-server.sh (as root it installs it; else: sudo apt-get install -y chromium), or set TEAM_NOTES_CHROMIUM`);
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.push(`[pageerror] ${e.message}`));
  await page.goto(url);
  if (options.waitForWorkbench !== false) await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  return {
    browser,
    page,
    console,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Waits until the workbench is idle enough to take keyboard input (the status bar and editor area exist). */
export async function waitForWorkbenchReady(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout: 60_000 });
}

/** The quick input widget (command palette, quick picks, input boxes). */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/**
 * Runs a command from the palette the way a person does: Control+Shift+P, types its title,
 * waits until the palette lists it, presses Enter. Right after the page loads, the commands of
 * installed extensions may not be known yet (the server scans them): then it closes the palette and
 * tries again, as a person would, until `timeoutMs`.
 */
export async function runFromPalette(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const widget = quickInput(page);
  const deadline = Date.now() + timeoutMs;
  let shown: string[];
  // A quick input that is still closing (the answer to the last command) would swallow the keys.
  await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  for (;;) {
    await page.keyboard.press('Control+Shift+P');
    try {
      await widget.waitFor({ state: 'visible', timeout: 5_000 });
    } catch {
      // The workbench may not have focus yet: click a neutral spot (the status bar) and try again.
      await page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`Control+Shift+P never opened the command palette within ${timeoutMs} ms`);
      continue;
    }
    const input = widget.locator('input');
    const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      // The palette closes again when something takes the focus back as it opens (a webview that
      // was just clicked does): then it is opened once more.
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      await input.press('Enter');
      return;
    } catch {
      shown = await widget.locator('.quick-input-list .monaco-list-row').allTextContents();
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`the command palette never listed "${title}" within ${timeoutMs} ms; it showed: ${JSON.stringify(shown)}`);
    }
  }
}

/**
 * Puts the keyboard focus in the text editor that shows a line with `lineText`, in whichever editor
 * group it is (the board may have taken the active group): a click on that line, as a person does.
 * When something lies over the line (the tab strip over an editor that scrolled while it opened),
 * the palette's Focus First Editor Group does it instead: the tests that use this are about what
 * follows, not about where a click lands.
 */
export async function focusEditor(page: Page, lineText: string): Promise<void> {
  const line = page.locator('.editor-group-container .monaco-editor .view-line', { hasText: lineText }).first();
  await line.waitFor({ state: 'visible', timeout: 15_000 });
  try {
    await line.click({ position: { x: 1, y: 2 }, timeout: 5_000 });
  } catch {
    await runFromPalette(page, 'View: Focus First Editor Group');
  }
  // Monaco marks the editor that has the keyboard focus with the class "focused".
  await page.locator('.editor-group-container .monaco-editor.focused .view-line', { hasText: lineText }).first().waitFor({ state: 'visible', timeout: 10_000 })
    .catch(() => Promise.reject(new Error(`the editor showing "${lineText}" never took the keyboard focus`)));
}

/** Waits until the quick input shows `text` anywhere (title, rows, message). */
export async function quickInputShows(page: Page, text: RegExp, timeoutMs = 10_000): Promise<string> {
  const widget = quickInput(page);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = (await widget.isVisible()) ? ((await widget.textContent()) ?? '') : '';
    if (text.test(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`the quick input never showed ${String(text)}; it shows "${shown}"`);
    await page.waitForTimeout(100);
  }
}

/** Answers an open quick pick or input box: waits until its prompt/placeholder matches, types, presses Enter. */
export async function answerQuickInput(page: Page, prompt: RegExp, text: string): Promise<void> {
  const widget = quickInput(page);
  await widget.waitFor({ state: 'visible', timeout: 15_000 });
  const input = widget.locator('input');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const placeholder = (await input.getAttribute('placeholder')) ?? '';
    // The title and the prompt, not the list: a picker that is closing may still show rows that
    // mention what the next question asks (a group "· password" before the password box).
    const message = (await widget.locator('.quick-input-title, .quick-input-message').allTextContents()).join(' ');
    if (prompt.test(placeholder) || prompt.test(message)) break;
    if (Date.now() > deadline) throw new Error(`the quick input never asked for ${String(prompt)}; placeholder "${placeholder}", text "${message}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await input.fill(text);
  await input.press('Enter');
}

/** Finds the frame (among all of the page's frames, webviews included) where `locate` matches something. */
export async function findFrame(page: Page, locate: (frame: Frame) => Locator, what: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        if ((await locate(frame).count()) > 0) return frame;
      } catch {
        // The frame navigated or was detached while we looked.
      }
    }
    if (Date.now() > deadline) throw new Error(`no frame shows ${what} within ${timeoutMs} ms; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function screenshot(page: Page, path: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
  return path;
}
