/**
 * Runs the board webview in a real Chromium the way VS Code hosts it: the host's HTML, served with
 * its Content-Security-Policy (header and meta, a fresh nonce per page), board.css and the built
 * dist/webview.js from a local HTTP server on 127.0.0.1, and a stub `acquireVsCodeApi` that records
 * what the page posts and keeps `setState` across reloads (sessionStorage), as VS Code does across
 * hide/show. Theme variables like VS Code's Dark Modern are set on <html> through the CSSOM.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview, WebviewToHost } from '../../src/webview/protocol';
import type { PageWindow } from './pageTypes';
import { boardHtml } from '../../src/webview/boardHtml';

// Used only inside functions that run in the page (see pageTypes.ts).
declare const window: PageWindow;

const ROOT = join(__dirname, '..', '..');

const FILES: Record<string, { path: string; type: string }> = {
  '/media/board.css': { path: 'media/board.css', type: 'text/css; charset=utf-8' },
  '/media/team-notes.svg': { path: 'media/team-notes.svg', type: 'image/svg+xml' },
  '/dist/webview.js': { path: 'dist/webview.js', type: 'text/javascript; charset=utf-8' },
};

/** The host's HTML (the very function the extension uses), with the page's own origin as the sources. */
export function hostHtml(cspSource: string, nonce: string, mediaUri: string, distUri: string): { html: string; csp: string } {
  return boardHtml({ cspSource, nonce, mediaUri, distUri });
}

export class WebviewServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<WebviewServer> {
    let origin = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/') {
        const { html, csp } = hostHtml(origin, randomBytes(16).toString('base64'), `${origin}/media`, `${origin}/dist`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' });
        res.end(html);
        return;
      }
      if (url.pathname === '/favicon.ico') {
        // Chromium asks for one on its own; a webview has none.
        res.writeHead(204).end();
        return;
      }
      const file = FILES[url.pathname];
      if (file === undefined) {
        res.writeHead(404).end();
        return;
      }
      readFile(join(ROOT, file.path)).then(
        (body) => res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new WebviewServer(server, origin);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A subset of VS Code's Dark Modern theme, as VS Code sets it on the webview's <html>. */
export const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '13px',
  '--vscode-editor-font-weight': 'normal',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-widget-border': '#313131',
  '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.36)',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-input-placeholderForeground': '#989898',
  '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-border': 'rgba(255, 255, 255, 0.07)',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-sideBar-background': '#181818',
  '--vscode-sideBar-foreground': '#cccccc',
  '--vscode-sideBarSectionHeader-background': '#181818',
  '--vscode-sideBarSectionHeader-foreground': '#cccccc',
  '--vscode-sideBarSectionHeader-border': '#2b2b2b',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-editorGroupHeader-tabsBackground': '#181818',
  '--vscode-editorGroupHeader-tabsBorder': '#2b2b2b',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWidget-foreground': '#cccccc',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-editorWhitespace-foreground': 'rgba(227, 228, 226, 0.16)',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-toolbar-hoverBackground': 'rgba(90, 93, 94, 0.31)',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-keybindingLabel-background': 'rgba(128, 128, 128, 0.17)',
  '--vscode-keybindingLabel-foreground': '#cccccc',
  '--vscode-keybindingLabel-border': 'rgba(51, 51, 51, 0.6)',
  '--vscode-keybindingLabel-bottomBorder': 'rgba(68, 68, 68, 0.6)',
  '--vscode-scrollbarSlider-background': 'rgba(121, 121, 121, 0.4)',
  '--vscode-scrollbarSlider-hoverBackground': 'rgba(100, 100, 100, 0.7)',
  '--vscode-scrollbarSlider-activeBackground': 'rgba(191, 191, 191, 0.4)',
};

/** A subset of VS Code's Light Modern theme (the variables that differ from Dark Modern). */
export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-editor-background': '#ffffff',
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#bf8803',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-widget-border': '#e5e5e5',
  '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.16)',
  '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b',
  '--vscode-input-border': '#cecece',
  '--vscode-input-placeholderForeground': '#767676',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-hoverBackground': '#0258a8',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-button-secondaryHoverBackground': '#cccccc',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-dropdown-border': '#cecece',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-sideBar-foreground': '#3b3b3b',
  '--vscode-sideBarSectionHeader-background': '#f8f8f8',
  '--vscode-sideBarSectionHeader-foreground': '#3b3b3b',
  '--vscode-sideBarSectionHeader-border': '#e5e5e5',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-editorGroupHeader-tabsBackground': '#f8f8f8',
  '--vscode-editorGroupHeader-tabsBorder': '#e5e5e5',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWidget-foreground': '#3b3b3b',
  '--vscode-editorWidget-border': '#c8c8c8',
  '--vscode-editorWhitespace-foreground': 'rgba(51, 51, 51, 0.2)',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-textCodeBlock-background': '#f8f8f8',
  '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-toolbar-hoverBackground': 'rgba(184, 184, 184, 0.31)',
  '--vscode-keybindingLabel-background': 'rgba(221, 221, 221, 0.4)',
  '--vscode-keybindingLabel-foreground': '#3b3b3b',
  '--vscode-scrollbarSlider-background': 'rgba(100, 100, 100, 0.4)',
};

/**
 * Runs in the page before any of its scripts: the VS Code API stub, a CSP violation recorder and
 * the theme. Plain JavaScript text (tsx would wrap a TypeScript function's inner functions in
 * helpers that do not exist in the page).
 */
const pageInit = (kind: 'dark' | 'light'): string => `(() => {
  const KEY = '__teamNotesViewState';
  const theme = ${JSON.stringify(kind === 'light' ? LIGHT_THEME : DARK_THEME)};
  const posted = [];
  const viewReports = [];
  const violations = [];
  window.__posted = posted;
  // The board reports where it looks whenever the view settles: kept apart, so that what a test
  // expects the user's actions to post is all there is in __posted.
  window.__viewReports = viewReports;
  window.__cspViolations = violations;
  document.addEventListener('securitypolicyviolation', (e) => {
    violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    // VS Code allows one acquisition per page.
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      // A structured clone, as VS Code's postMessage makes: image bytes stay Uint8Arrays.
      postMessage: (message) => { (message.type === 'viewport' ? viewReports : posted).push(structuredClone(message)); },
      getState: () => {
        const s = sessionStorage.getItem(KEY);
        return s === null ? undefined : JSON.parse(s);
      },
      setState: (state) => { sessionStorage.setItem(KEY, JSON.stringify(state)); return state; },
    });
  };
  const applyTheme = () => {
    for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
  };
  if (document.documentElement !== null) applyTheme();
  document.addEventListener('DOMContentLoaded', () => {
    applyTheme();
    document.body.classList.add('vscode-${kind}');
    document.body.dataset.vscodeThemeKind = 'vscode-${kind}';
  });
})();`;

export interface BoardPage {
  page: Page;
  /** Uncaught exceptions and console errors in the page. */
  errors: string[];
  /** Delivers a message as the host would, resolving once the page has handled it and drawn the next frame. */
  send(message: HostToWebview | unknown): Promise<void>;
  posted(): Promise<WebviewToHost[]>;
  /** The board's `viewport` reports (where it looks), oldest first. */
  viewReports(): Promise<Array<Extract<WebviewToHost, { type: 'viewport' }>>>;
  cspViolations(): Promise<unknown[]>;
}

export async function openBoard(browser: Browser, origin: string, viewport = { width: 1280, height: 800 }, theme: 'dark' | 'light' = 'dark'): Promise<BoardPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.addInitScript({ content: pageInit(theme) });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window.__posted ?? []).length > 0);
  return {
    page,
    errors,
    send: (message) =>
      page.evaluate(
        (m) =>
          new Promise<void>((resolve) => {
            // Registered after the board's own listener, so it runs once the board handled it; the
            // board draws changes in the next animation frame, whose callbacks run in order.
            window.addEventListener('message', () => window.requestAnimationFrame(() => resolve()), { once: true });
            window.postMessage(m, '*');
          }),
        message,
      ),
    posted: () => page.evaluate(() => window.__posted as WebviewToHost[]),
    viewReports: () => page.evaluate(() => window.__viewReports as Array<Extract<WebviewToHost, { type: 'viewport' }>>),
    cspViolations: () => page.evaluate(() => window.__cspViolations),
  };
}

/** Waits for the page to be loaded again after `reload` and to have said `ready`. */
export async function reloadBoard(board: BoardPage): Promise<void> {
  await board.page.reload();
  await board.page.waitForFunction(() => (window.__posted ?? []).length > 0);
}
