/**
 * Mocha hooks shared by the board suites: one Chromium and one server per file, a fresh page per
 * test, and after each test the checks every board test makes: no Content-Security-Policy
 * violation and no error in the page.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview, WebviewToHost } from '../../src/webview/protocol';
import { WebviewServer, launchChromium, openBoard } from './harness';
import type { BoardPage } from './harness';

export const ROOT = join(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');

export interface BoardSuite {
  readonly board: BoardPage;
  readonly page: Page;
  send(message: HostToWebview | unknown): Promise<void>;
  /** Everything posted after `ready` (the board's reports of where it looks are kept apart: `viewReports`). */
  posted(): Promise<WebviewToHost[]>;
  /** Posted messages of one type (after `ready`). */
  postedOf<T extends WebviewToHost['type']>(type: T): Promise<Array<Extract<WebviewToHost, { type: T }>>>;
  /** Resolves after the page drew its next frame (the board draws changes in animation frames). */
  nextFrame(): Promise<void>;
  /** The board viewport's box on the page. */
  viewport(): Promise<{ x: number; y: number; width: number; height: number }>;
}

export function useBoard(viewport = { width: 1280, height: 800 }): BoardSuite {
  let browser: Browser;
  let server: WebviewServer;
  let board: BoardPage | undefined;

  before(async () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'webview.js')), 'dist/webview.js is missing: run `npm run build` first');
    server = await WebviewServer.start();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    board = await openBoard(browser, server.origin, viewport);
  });

  afterEach(async () => {
    if (board === undefined) return;
    const violations = await board.cspViolations();
    const errors = board.errors;
    await board.page.context().close();
    board = undefined;
    assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
    assert.deepEqual(errors, [], 'no errors in the page');
  });

  const current = (): BoardPage => {
    assert.ok(board !== undefined, 'no page open');
    return board;
  };
  const suite: BoardSuite = {
    get board() {
      return current();
    },
    get page() {
      return current().page;
    },
    send: (message) => current().send(message),
    posted: async () => (await current().posted()).slice(1),
    postedOf: async <T extends WebviewToHost['type']>(type: T) =>
      (await current().posted()).filter((m): m is Extract<WebviewToHost, { type: T }> => m.type === type),
    nextFrame: () => current().page.evaluate(() => new Promise<void>((resolve) => (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame(() => resolve()))),
    viewport: async () => {
      const box = await current().page.locator('.board-viewport').boundingBox();
      assert.ok(box !== null, 'the board is visible');
      return box;
    },
  };
  return suite;
}
