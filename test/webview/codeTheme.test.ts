/**
 * Code in every theme: a snippet card and a code image in VS Code's dark, light, Dark High Contrast
 * and Light High Contrast themes, switched the way VS Code switches a webview's theme (body classes
 * and `--vscode-*` variables on <html>), with VS Code's default webview style for <code> in force.
 * Screenshots go to test-results/code-card-<theme>.png and code-image-<theme>.png.
 */
import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { codeColours } from '../../src/board/codeTheme';
import type { CodeTheme } from '../../src/board/codeTheme';
import type { TokenKind } from '../../src/board/highlight';
import type { CodeImageSource } from '../../src/webview/protocol';
import { WCAG_AA_TEXT, contrastRatio, parseColour } from '../helpers/wcagContrast';
import type { Rgb } from '../helpers/wcagContrast';
import { RESULTS, useBoard } from './boardSuite';
import { snapshot, snippet } from './fixtures';
import type { PageElement, PageStyle, PageWindow } from './pageTypes';

// Used only inside functions that run in the page (see pageTypes.ts).
declare const window: PageWindow;
declare const document: {
  readonly body: PageElement & { className: string };
  readonly documentElement: PageElement;
  readonly styleSheets: ArrayLike<{ insertRule(rule: string, index: number): number }>;
};
declare function getComputedStyle(element: PageElement): PageStyle;

/** Lines short enough that the card needs no horizontal scroll bar. */
const SAMPLE = `// Retries a request, waiting longer each time.
export async function retry(url: string, tries = 3) {
  for (let attempt = 1; attempt <= tries; attempt++) {
    const response = await fetch(url);
    if (response.ok) return response;
    await sleep(250 * attempt);
  }
  throw new Error(\`gave up on \${url}\`);
}`;

/** VS Code's default webview style for <code> (inline code), which every webview page gets. */
const VSCODE_DEFAULT_CODE_STYLE =
  'code { font-family: var(--monaco-monospace-font); color: var(--vscode-textPreformat-foreground); background-color: var(--vscode-textPreformat-background); padding: 1px 3px; border-radius: 4px; }';

interface ThemeCase {
  /** File name part of the screenshots. */
  name: string;
  theme: CodeTheme;
  bodyClasses: string[];
  /** The variables that differ from the Dark Modern ones the harness starts with, as VS Code sets them. */
  variables: Record<string, string>;
}

const THEMES: ThemeCase[] = [
  {
    name: 'dark',
    theme: 'dark',
    bodyClasses: ['vscode-dark'],
    variables: { '--vscode-textPreformat-background': '#3c3c3c', '--vscode-textPreformat-foreground': '#d0d0d0' },
  },
  {
    name: 'light',
    theme: 'light',
    bodyClasses: ['vscode-light'],
    variables: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-editorWidget-foreground': '#3b3b3b',
      '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-textCodeBlock-background': '#f8f8f8',
      '--vscode-textPreformat-background': 'rgba(0, 0, 0, 0.12)',
      '--vscode-textPreformat-foreground': '#3b3b3b',
      '--vscode-toolbar-hoverBackground': 'rgba(184, 184, 184, 0.31)',
    },
  },
  {
    name: 'high-contrast',
    theme: 'highContrast',
    bodyClasses: ['vscode-high-contrast'],
    variables: {
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-focusBorder': '#f38518',
      '--vscode-editorWidget-background': '#0c141f',
      '--vscode-editorWidget-foreground': '#ffffff',
      '--vscode-editorWidget-border': '#6fc3df',
      '--vscode-widget-border': '#6fc3df',
      '--vscode-textCodeBlock-background': '#000000',
      '--vscode-textPreformat-background': 'rgba(255, 255, 255, 0.1)',
      '--vscode-textPreformat-foreground': '#ffffff',
    },
  },
  {
    name: 'high-contrast-light',
    theme: 'highContrastLight',
    // VS Code keeps the older class on Light High Contrast bodies too.
    bodyClasses: ['vscode-high-contrast-light', 'vscode-high-contrast'],
    variables: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#292929',
      '--vscode-foreground': '#292929',
      '--vscode-descriptionForeground': '#292929',
      '--vscode-contrastBorder': '#0f4a85',
      '--vscode-focusBorder': '#006bbd',
      '--vscode-editorWidget-background': '#ffffff',
      '--vscode-editorWidget-foreground': '#292929',
      '--vscode-editorWidget-border': '#0f4a85',
      '--vscode-widget-border': '#0f4a85',
      '--vscode-textCodeBlock-background': '#ffffff',
      '--vscode-textPreformat-background': 'rgba(9, 52, 95, 0.1)',
      '--vscode-textPreformat-foreground': '#000000',
    },
  },
];

const same = (a: Rgb, b: Rgb, tolerance = 2): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
const hex = (rgb: Rgb): string => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The most frequent colour in the rectangle, and its share of the pixels. */
function dominantColour(png: PNG, left: number, top: number, right: number, bottom: number): { colour: Rgb; share: number } {
  const counts = new Map<number, number>();
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const i = (y * png.width + x) * 4;
      const key = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const [key, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { colour: [(key >> 16) & 255, (key >> 8) & 255, key & 255], share: count / ((right - left) * (bottom - top)) };
}

/** Horizontal runs of at least `length` pixels of one colour other than `background`: a strip, not text. */
function stripsIn(png: PNG, box: { left: number; top: number; right: number; bottom: number }, background: Rgb, length: number): string[] {
  const strips: string[] = [];
  for (let y = box.top; y < box.bottom; y++) {
    let run = 0;
    let previous: Rgb | undefined;
    for (let x = box.left; x < box.right; x++) {
      const i = (y * png.width + x) * 4;
      const pixel: Rgb = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      run = previous !== undefined && same(pixel, previous, 0) ? run + 1 : 1;
      previous = pixel;
      if (run === length && !same(pixel, background)) strips.push(`${hex(pixel)} at row ${y}`);
    }
  }
  return strips;
}

/** Whether some pixel has exactly this colour. */
function hasPixel(png: PNG, colour: Rgb): boolean {
  for (let i = 0; i < png.data.length; i += 4) if (same([png.data[i]!, png.data[i + 1]!, png.data[i + 2]!], colour, 0)) return true;
  return false;
}

describe('code cards and code images in every theme', function () {
  this.timeout(60_000);
  const t = useBoard();

  /** Switches the page to `theme` as VS Code does when the user picks another colour theme. */
  async function useTheme(theme: ThemeCase): Promise<void> {
    await t.page.evaluate(
      ({ bodyClasses, variables, defaultCodeStyle }) => {
        // VS Code puts its default styles before the page's own; the earliest rule of the one sheet is equivalent.
        document.styleSheets[0]!.insertRule(defaultCodeStyle, 0);
        for (const [name, value] of Object.entries(variables)) document.documentElement.style.setProperty(name, value);
        document.body.className = document.body.className.replace(/\bvscode-(light|dark|high-contrast(-light)?)\b/g, '').trim();
        for (const name of bodyClasses) document.body.classList.add(name);
        document.body.dataset.vscodeThemeKind = bodyClasses[0];
      },
      { bodyClasses: theme.bodyClasses, variables: theme.variables, defaultCodeStyle: VSCODE_DEFAULT_CODE_STYLE },
    );
    await t.nextFrame();
  }

  for (const theme of THEMES) {
    it(`shows readable code on one even background in the ${theme.name} theme (test-results/code-card-${theme.name}.png)`, async () => {
      const colours = codeColours(theme.theme);
      await useTheme(theme);
      await t.send(snapshot({ board: [snippet('snip-00000000000000t1', SAMPLE, 20, 20, { path: 'src/net/retry.ts', startLine: 10, endLine: 18 })] }));
      await t.page.waitForSelector('.snippet code[data-highlighted="true"]');

      const seen = await t.page.locator('.snippet-code').evaluate((pre: PageElement) => {
        const code = pre.querySelector('code')!;
        return {
          background: getComputedStyle(pre).backgroundColor,
          text: getComputedStyle(pre).color,
          codeBackground: getComputedStyle(code).backgroundColor,
          tokens: [...code.children].map((span) => ({ kind: span.getAttribute('class')!.slice(4), text: span.textContent, colour: getComputedStyle(span).color, background: getComputedStyle(span).backgroundColor })),
        };
      });
      const background = parseColour(seen.background);
      assert.equal(hex(background), colours.background, 'the card’s code background is the theme’s editor background');
      assert.equal(hex(parseColour(seen.text)), colours.foreground);
      const kinds = new Set(seen.tokens.map((token) => token.kind));
      for (const kind of ['keyword', 'control', 'string', 'comment', 'number', 'function']) assert.ok(kinds.has(kind), `the sample has ${kind} tokens: ${[...kinds].join(', ')}`);

      const failures: string[] = [];
      for (const token of seen.tokens) {
        const colour = parseColour(token.colour);
        if (hex(colour) !== colours[token.kind as TokenKind]) failures.push(`${token.kind} "${token.text}" is ${hex(colour)}, not ${colours[token.kind as TokenKind]}`);
        const ratio = contrastRatio(colour, background);
        if (ratio < WCAG_AA_TEXT) failures.push(`${token.kind} "${token.text}" ${hex(colour)} on ${hex(background)}: ${ratio.toFixed(2)}:1`);
      }
      assert.deepEqual(failures, [], 'every token in the theme’s colour, at WCAG AA contrast');
      const transparent = 'rgba(0, 0, 0, 0)';
      assert.deepEqual(
        [seen.codeBackground, ...new Set(seen.tokens.map((token) => token.background))],
        [transparent, transparent],
        'nothing inside the card paints a background of its own behind the lines',
      );

      await mkdir(RESULTS, { recursive: true });
      const card = t.page.locator('.snippet');
      const shot = PNG.sync.read(await card.screenshot({ path: join(RESULTS, `code-card-${theme.name}.png`) }));
      const cardBox = (await card.boundingBox())!;
      const preBox = (await t.page.locator('.snippet-code').boundingBox())!;
      const codeArea = {
        left: Math.ceil(preBox.x - cardBox.x),
        top: Math.ceil(preBox.y - cardBox.y),
        right: Math.floor(preBox.x - cardBox.x + preBox.width),
        bottom: Math.floor(preBox.y - cardBox.y + preBox.height),
      };
      const dominant = dominantColour(shot, codeArea.left, codeArea.top, codeArea.right, codeArea.bottom);
      assert.ok(same(dominant.colour, background), `the code area is mostly ${hex(background)}, not ${hex(dominant.colour)}`);
      assert.ok(dominant.share > 0.6, `the background fills most of the code area (${Math.round(dominant.share * 100)}%)`);
      assert.deepEqual(stripsIn(shot, codeArea, background, 24).slice(0, 5), [], 'no strip of another colour behind any line');
    });

    it(`renders a code image in the ${theme.name} theme’s colours (test-results/code-image-${theme.name}.png)`, async () => {
      const colours = codeColours(theme.theme);
      await t.send(snapshot({ board: [] }));
      await useTheme(theme);
      const source: CodeImageSource = { code: SAMPLE, language: 'typescript', path: 'src/net/retry.ts', startLine: 10, endLine: 18 };
      await t.send({ type: 'renderCodeImage', requestId: `img-${theme.name}`, source, theme: theme.theme });
      await t.page.waitForFunction(() => window.__posted.some((m) => /^codeImage/.test((m as { type: string }).type)), undefined, { timeout: 10_000 });
      const answer = (await t.posted()).find((m) => m.type === 'codeImage' || m.type === 'codeImageFailed');
      assert.ok(answer?.type === 'codeImage', JSON.stringify(answer));
      await mkdir(RESULTS, { recursive: true });
      await writeFile(join(RESULTS, `code-image-${theme.name}.png`), answer.png);

      const png = PNG.sync.read(Buffer.from(answer.png));
      // The header is the top 34 CSS pixels of the image, at renderCodeImage's default 2 device pixels each.
      const headerBottom = 34 * 2 - 2;
      const header = dominantColour(png, 8, 2, png.width - 8, headerBottom);
      assert.equal(hex(header.colour), colours.headerBackground, 'the header is drawn in the theme’s header colour');
      const body = dominantColour(png, 8, headerBottom + 4, png.width - 8, png.height - 8);
      assert.equal(hex(body.colour), colours.background, 'the code is drawn on the theme’s editor background');
      assert.ok(body.share > 0.6, `the background fills most of the code area (${Math.round(body.share * 100)}%)`);
      for (const kind of ['keyword', 'control', 'string', 'comment', 'number', 'function'] as const) {
        assert.ok(hasPixel(png, parseColour(colours[kind])), `some pixels are the theme’s ${kind} colour ${colours[kind]}`);
      }
    });
  }
});
