import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_THEMES, codeColourProperties, codeColours, codeThemeOfBody, isCodeTheme } from '../../src/board/codeTheme';
import type { CodeColours } from '../../src/board/codeTheme';
import { TOKEN_KINDS } from '../../src/board/highlight';
import { WCAG_AA_TEXT, contrastRatio } from '../helpers/wcagContrast';

const CHROME = ['background', 'foreground', 'lineNumber', 'headerBackground', 'label', 'border'] as const;
/** What is written on the code's background, and what on the code image's header bar. */
const ON_BACKGROUND = [...TOKEN_KINDS, 'foreground', 'lineNumber', 'label'] as const;
const ON_HEADER = ['foreground', 'label'] as const;

const classes = (...names: string[]): { contains(name: string): boolean } => ({ contains: (name) => names.includes(name) });

describe('WCAG contrast helper', () => {
  it('gives the ratios the WCAG examples give', () => {
    assert.equal(contrastRatio('#000000', '#ffffff'), 21);
    assert.equal(contrastRatio('#ffffff', '#000000'), 21);
    assert.equal(contrastRatio('#777777', '#777777'), 1);
    // #767676 is the lightest grey that passes AA on white; #777777 just fails.
    assert.ok(contrastRatio('#767676', '#ffffff') >= WCAG_AA_TEXT);
    assert.ok(contrastRatio('#777777', '#ffffff') < WCAG_AA_TEXT);
    assert.equal(contrastRatio('rgb(0, 0, 0)', 'rgba(255, 255, 255, 1)'), 21);
    assert.throws(() => contrastRatio('rgba(0, 0, 0, 0.5)', '#ffffff'), /Not an opaque colour/);
  });
});

describe('codeTheme', () => {
  it('gives every token kind and every part of the code image a #rrggbb colour in all four themes', () => {
    assert.deepEqual([...CODE_THEMES], ['dark', 'light', 'highContrast', 'highContrastLight']);
    for (const theme of CODE_THEMES) {
      const colours = codeColours(theme);
      for (const key of [...TOKEN_KINDS, ...CHROME]) assert.match(colours[key], /^#[0-9a-f]{6}$/, `${theme} ${key}`);
      assert.equal(Object.keys(colours).length, TOKEN_KINDS.length + CHROME.length);
    }
  });

  it('meets WCAG AA (4.5:1) for every token colour on the code background, and for the header text on the header, in every theme', () => {
    const failures: string[] = [];
    const check = (theme: string, colours: CodeColours, keys: readonly (keyof CodeColours)[], on: keyof CodeColours): void => {
      for (const key of keys) {
        const ratio = contrastRatio(colours[key], colours[on]);
        if (ratio < WCAG_AA_TEXT) failures.push(`${theme} ${key} ${colours[key]} on ${on} ${colours[on]}: ${ratio.toFixed(2)}:1`);
      }
    };
    for (const theme of CODE_THEMES) {
      const colours = codeColours(theme);
      check(theme, colours, ON_BACKGROUND, 'background');
      check(theme, colours, ON_HEADER, 'headerBackground');
    }
    assert.deepEqual(failures, []);
  });

  it('uses the colours of VS Code’s Dark+, Light+, Dark High Contrast and Light High Contrast themes', () => {
    const pick = (c: CodeColours): string[] => [c.background, c.foreground, c.keyword, c.control, c.string, c.comment, c.function];
    assert.deepEqual(pick(codeColours('dark')), ['#1e1e1e', '#d4d4d4', '#569cd6', '#c586c0', '#ce9178', '#6a9955', '#dcdcaa']);
    assert.deepEqual(pick(codeColours('light')), ['#ffffff', '#000000', '#0000ff', '#af00db', '#a31515', '#008000', '#795e26']);
    assert.deepEqual(pick(codeColours('highContrast')), ['#000000', '#ffffff', '#569cd6', '#c586c0', '#ce9178', '#7ca668', '#dcdcaa']);
    assert.deepEqual(pick(codeColours('highContrastLight')), ['#ffffff', '#292929', '#0f4a85', '#b5200d', '#0f4a85', '#515151', '#5e2cbc']);
  });

  it('returns a copy that callers may change', () => {
    codeColours('dark').keyword = '#000000';
    assert.equal(codeColours('dark').keyword, '#569cd6');
  });

  it('accepts only the four theme kinds', () => {
    for (const theme of CODE_THEMES) assert.ok(isCodeTheme(theme));
    for (const value of ['sepia', 'Dark', 'high-contrast', '', undefined, null, 1, {}]) assert.equal(isCodeTheme(value), false, String(value));
  });

  it('reads the theme kind from the body classes VS Code sets, Light High Contrast carrying both high-contrast classes', () => {
    assert.equal(codeThemeOfBody(classes('vscode-dark')), 'dark');
    assert.equal(codeThemeOfBody(classes('vscode-light')), 'light');
    assert.equal(codeThemeOfBody(classes('vscode-high-contrast')), 'highContrast');
    assert.equal(codeThemeOfBody(classes('vscode-high-contrast-light', 'vscode-high-contrast')), 'highContrastLight');
    assert.equal(codeThemeOfBody(classes('vscode-high-contrast', 'vscode-high-contrast-light', 'vscode-reduce-motion')), 'highContrastLight');
    assert.equal(codeThemeOfBody(classes()), 'dark');
  });

  it('names a CSS custom property for the background, the foreground and every token kind, with the table’s colours', () => {
    for (const theme of CODE_THEMES) {
      const colours = codeColours(theme);
      const properties = codeColourProperties(theme);
      const expected: Record<string, string> = { '--tn-code-background': colours.background, '--tn-code-foreground': colours.foreground };
      for (const kind of TOKEN_KINDS) expected[`--tn-tok-${kind}`] = colours[kind];
      assert.deepEqual(properties, expected);
    }
  });

  it('is the one source of the token colours: board.css colours each token class only with its custom property', () => {
    const css = readFileSync(join(__dirname, '..', '..', 'media', 'board.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const rules = [...css.matchAll(/([^{}]*\.tok-[a-z]+[^{}]*)\{([^}]*)\}/g)].map(([, selector, body]) => ({ selector: selector!.trim(), body: body!.trim() }));
    for (const kind of TOKEN_KINDS.filter((k) => k !== 'plain')) {
      assert.ok(rules.some((r) => r.selector === `.tok-${kind}` && r.body === `color: var(--tn-tok-${kind});`), `a rule for .tok-${kind}`);
    }
    const others = rules.filter((r) => !/^\.tok-([a-z]+)$/.test(r.selector) || r.body !== `color: var(--tn-tok-${r.selector.slice(5)});`);
    assert.deepEqual(others, [], 'no other rule styles a token class');
  });
});
