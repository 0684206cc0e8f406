/**
 * renderCodeImage (src/webview/app/codeImage.ts) in a real headless Chromium: bundled with esbuild
 * into .cache/, loaded in a page under a webview-like Content-Security-Policy, and its PNG bytes
 * brought back to Node and decoded by a real PNG decoder (pngjs).
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { MAX_IMAGE_EDGE } from '../../src/board/limits';
import { codeImageSource, readPngText } from '../../src/board/pngText';
import type { CodeImageSource } from '../../src/webview/protocol';

/**
 * renderCodeImage's options, restated: importing even a type from codeImage.ts would pull DOM code
 * into the Node type-check of the tests.
 */
interface CodeImageOptions {
  scale?: number;
  fontFamily?: string;
}

/** What the test page exposes; used only inside functions that run in the page. */
interface TestWindow {
  renderCodeImage(source: CodeImageSource, theme: 'dark' | 'light', options?: CodeImageOptions): Promise<Uint8Array>;
  OffscreenCanvas: unknown;
  __pwned?: number;
  requestAnimationFrame(callback: () => void): number;
}
declare const window: TestWindow;
declare const document: { querySelector(selector: string): { innerHTML: string } | null };
declare function btoa(data: string): string;

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, '.cache', 'code-image-test', 'codeImage.js');
const RESULTS = join(ROOT, 'test-results');
const ORIGIN = 'http://code-image.test';

const THREE_LINES: CodeImageSource = {
  code: 'export function greet(name: string): string {\n  return `Hello, ${name}! <script>window.__pwned = 1</script>`; // 👋\n}\n',
  language: 'typescript',
  path: 'src/greeting/greet.ts',
  startLine: 12,
  endLine: 14,
};

const THIRTY_LINES: CodeImageSource = {
  code: [
    "import { createServer } from 'node:http';",
    "import type { IncomingMessage, ServerResponse } from 'node:http';",
    '',
    '/** Largest request body we accept, in bytes. */',
    'const MAX_BODY = 64 * 1024;',
    '',
    'interface Route {',
    '  method: string;',
    '  path: RegExp;',
    '  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;',
    '}',
    '',
    'export class Router {',
    '  private readonly routes: Route[] = [];',
    '',
    '  add(method: string, path: RegExp, handle: Route["handle"]): this {',
    '    this.routes.push({ method, path, handle });',
    '    return this;',
    '  }',
    '',
    '  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {',
    "\tconst route = this.routes.find((r) => r.method === req.method && r.path.test(req.url ?? ''));",
    '    if (route === undefined) {',
    "      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');",
    '      return;',
    '    }',
    '    await route.handle(req, res); // errors reach the caller',
    '  }',
    '}',
    'createServer((req, res) => void new Router().dispatch(req, res)).listen(0, "127.0.0.1");',
  ].join('\n'),
  language: 'typescript',
  path: 'src/server/router.ts',
  startLine: 101,
  endLine: 130,
};

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

/** The colour at (x, y) as `#rrggbbaa`. */
function pixel(png: PNG, x: number, y: number): string {
  const i = (y * png.width + x) * 4;
  return `#${[...png.data.subarray(i, i + 4)].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function distinctColours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add(png.data.readUInt32BE(i));
  return seen.size;
}

describe('code image (renderCodeImage in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;

  before(async () => {
    await mkdir(join(ROOT, '.cache', 'code-image-test'), { recursive: true });
    await mkdir(RESULTS, { recursive: true });
    await build({
      stdin: {
        contents: "import { renderCodeImage } from './src/webview/app/codeImage';\n(window as unknown as { renderCodeImage: unknown }).renderCodeImage = renderCodeImage;\n",
        resolveDir: ROOT,
        sourcefile: 'codeImageTestEntry.ts',
        loader: 'ts',
      },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      outfile: BUNDLE,
      logLevel: 'warning',
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const script = await readFile(BUNDLE);
    const nonce = randomBytes(16).toString('base64');
    // As strict as the board webview's policy: no network, one nonce'd script, images only from blob:/data:.
    const csp = `default-src 'none'; img-src blob: data:; script-src 'nonce-${nonce}'; connect-src 'none';`;
    await page.route(`${ORIGIN}/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/codeImage.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: script });
      if (url.pathname === '/') {
        return route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          headers: { 'content-security-policy': csp },
          body: `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre><code class="language-js">let untouched = "&lt;b&gt;";</code></pre>
<script nonce="${nonce}" src="${ORIGIN}/codeImage.js"></script></body></html>`,
        });
      }
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/`);
    assert.deepEqual(errors, []);
  });

  afterEach(async () => {
    await page?.close();
  });

  async function render(source: CodeImageSource, theme: 'dark' | 'light', options?: CodeImageOptions): Promise<Uint8Array> {
    const base64 = await page.evaluate(
      async ({ source, theme, options }) => {
        const bytes = await window.renderCodeImage(source, theme, options);
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(binary);
      },
      { source, theme, options },
    );
    return new Uint8Array(Buffer.from(base64, 'base64'));
  }

  it('renders 3 and 30 lines as valid PNGs that grow with the lines and carry their exact source', async () => {
    const small = await render(THREE_LINES, 'dark');
    const large = await render(THIRTY_LINES, 'dark');
    await writeFile(join(RESULTS, 'code-image-dark.png'), large);
    await writeFile(join(RESULTS, 'code-image-dark-3-lines.png'), small);
    const smallPng = decode(small);
    const largePng = decode(large);
    assert.ok(largePng.height > smallPng.height, `${largePng.height} > ${smallPng.height}`);
    for (const png of [smallPng, largePng]) {
      assert.ok(png.width > 0 && png.width <= MAX_IMAGE_EDGE && png.height > 0 && png.height <= MAX_IMAGE_EDGE, `${png.width} × ${png.height}`);
    }
    assert.deepEqual(codeImageSource(readPngText(small)), THREE_LINES);
    assert.deepEqual(codeImageSource(readPngText(large)), THIRTY_LINES);
  });

  it('draws text: many colours on the Dark+ background, and transparent rounded corners', async () => {
    const png = decode(await render(THIRTY_LINES, 'dark'));
    assert.ok(distinctColours(png) > 50, `${distinctColours(png)} colours`);
    assert.equal(pixel(png, 0, 0), '#00000000');
    assert.equal(pixel(png, png.width - 1, png.height - 1), '#00000000');
    assert.equal(pixel(png, 8, png.height - 30), '#1e1e1eff'); // inside the card, left of the line numbers
  });

  it('uses the Light+ background for the light theme', async () => {
    const bytes = await render(THIRTY_LINES, 'light');
    await writeFile(join(RESULTS, 'code-image-light.png'), bytes);
    const png = decode(bytes);
    assert.equal(pixel(png, 8, png.height - 30), '#ffffffff');
    assert.ok(distinctColours(png) > 50);
  });

  it('renders at 2 device pixels per CSS pixel by default, and at the scale asked for', async () => {
    const double = decode(await render(THREE_LINES, 'dark'));
    const single = decode(await render(THREE_LINES, 'dark', { scale: 1 }));
    assert.ok(Math.abs(double.width - 2 * single.width) <= 2, `${double.width} vs ${single.width}`);
    assert.ok(Math.abs(double.height - 2 * single.height) <= 2, `${double.height} vs ${single.height}`);
  });

  it('keeps very long lines and very many lines within MAX_IMAGE_EDGE, with the whole code still in the text chunks', async () => {
    const wide: CodeImageSource = { code: `const s = "${'x'.repeat(5000)}";\nlet y = 1;`, language: 'typescript', path: 'wide.ts', startLine: 1, endLine: 2 };
    const widePng = decode(await render(wide, 'dark'));
    assert.ok(widePng.width <= MAX_IMAGE_EDGE && widePng.width >= 2400, `${widePng.width}`);

    const lines = Array.from({ length: 1000 }, (_, i) => `line(${i});`).join('\n');
    const tall: CodeImageSource = { code: lines, language: 'javascript', path: 'tall.js', startLine: 1, endLine: 1000 };
    const tallBytes = await render(tall, 'dark');
    const tallPng = decode(tallBytes);
    assert.ok(tallPng.height <= MAX_IMAGE_EDGE && tallPng.height > MAX_IMAGE_EDGE - 100, `${tallPng.height}`);
    assert.ok(tallPng.width <= MAX_IMAGE_EDGE);
    assert.deepEqual(codeImageSource(readPngText(tallBytes)), tall);
  });

  it('falls back to a detached <canvas> where OffscreenCanvas is missing', async () => {
    const base64 = await page.evaluate(async (source) => {
      window.OffscreenCanvas = undefined;
      const bytes = await window.renderCodeImage(source, 'dark');
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(binary);
    }, THREE_LINES);
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    const png = decode(bytes);
    assert.ok(distinctColours(png) > 20);
    assert.deepEqual(codeImageSource(readPngText(bytes)), THREE_LINES);
  });

  it('leaves the page alone: Prism highlights nothing in the document and no code runs from the snippet', async () => {
    await render(THREE_LINES, 'dark');
    const html = await page.evaluate(
      () => new Promise<string>((resolve) => window.requestAnimationFrame(() => resolve(document.querySelector('code')?.innerHTML ?? ''))),
    );
    assert.equal(html, 'let untouched = "&lt;b&gt;";');
    assert.equal(await page.evaluate(() => 'Prism' in window), false);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('rejects an invalid source with a clear error', async () => {
    const message = await page.evaluate(
      (source) => window.renderCodeImage(source, 'dark').then(() => 'resolved', (error: Error) => error.message),
      { ...THREE_LINES, startLine: 0 },
    );
    assert.match(message, /Invalid code image source: startLine/);
  });
});
