/**
 * Colours of highlighted code in VS Code's four default theme kinds: Dark+ (`dark_plus.json` over
 * `dark_vs.json`), Light+ (`light_plus.json` over `light_vs.json`), Dark High Contrast
 * (`hc_black.json`) and Light High Contrast (`hc_light.json`), editor background, foreground and
 * line numbers included. The one source of these colours: snippet cards get them as CSS custom
 * properties (`codeColourProperties`, installed by the webview) and code images draw with them.
 * Every colour that is drawn on the code or header background reaches WCAG AA (4.5:1) on it
 * (test/unit/codeTheme.test.ts). Pure data.
 */
import { TOKEN_KINDS } from './highlight';
import type { TokenKind } from './highlight';

/** The theme kinds, named as `vscode.ColorThemeKind` names them. */
export const CODE_THEMES = ['dark', 'light', 'highContrast', 'highContrastLight'] as const;
export type CodeTheme = (typeof CODE_THEMES)[number];

export function isCodeTheme(value: unknown): value is CodeTheme {
  return typeof value === 'string' && (CODE_THEMES as readonly string[]).includes(value);
}

/** Colours (`#rrggbb`) of code and of the chrome around it in a code image. */
export type CodeColours = Record<TokenKind, string> & {
  /** Behind the code (the editor background). */
  background: string;
  /** Text that is not a token (the editor foreground). */
  foreground: string;
  lineNumber: string;
  /** The code image's header bar, where the path and language are written. */
  headerBackground: string;
  /** The language in the header, the "… more lines" footer and the ellipsis of a cut line. */
  label: string;
  /** The code image's outline and the line under its header. */
  border: string;
};

const DARK: CodeColours = {
  background: '#1e1e1e',
  foreground: '#d4d4d4',
  lineNumber: '#858585',
  headerBackground: '#252526', // tab strip
  label: '#9d9d9d', // descriptionForeground; the line number grey is 4.2:1 on the header
  border: '#3c3c3c',
  plain: '#d4d4d4',
  keyword: '#569cd6', // keyword, storage.type
  control: '#c586c0', // keyword.control
  string: '#ce9178',
  comment: '#6a9955',
  number: '#b5cea8',
  function: '#dcdcaa', // entity.name.function, support.function
  class: '#4ec9b0', // entity.name.type, support.class
  operator: '#d4d4d4',
  punctuation: '#d4d4d4',
  variable: '#9cdcfe', // variable, meta.definition.variable.name
  constant: '#4fc1ff', // variable.other.constant, variable.other.enummember
  property: '#9cdcfe', // variable.other.property, support.type.property-name
  tag: '#569cd6', // entity.name.tag
  attribute: '#9cdcfe', // entity.other.attribute-name
  selector: '#d7ba7d', // entity.other.attribute-name.class.css, entity.name.tag.css
  regex: '#d16969', // string.regexp
  builtin: '#4ec9b0', // support.type.primitive, support.class.builtin
  inserted: '#b5cea8', // markup.inserted
  deleted: '#ce9178', // markup.deleted
};

const LIGHT: CodeColours = {
  background: '#ffffff',
  foreground: '#000000',
  lineNumber: '#237893',
  headerBackground: '#f3f3f3',
  label: '#616161',
  border: '#d4d4d4',
  plain: '#000000',
  keyword: '#0000ff',
  control: '#af00db',
  string: '#a31515',
  comment: '#008000',
  number: '#098658',
  function: '#795e26',
  class: '#267f99',
  operator: '#000000',
  punctuation: '#000000',
  variable: '#001080',
  constant: '#0070c1',
  property: '#001080',
  tag: '#800000',
  attribute: '#e50000',
  selector: '#800000',
  regex: '#811f3f',
  builtin: '#267f99',
  inserted: '#098658',
  deleted: '#a31515',
};

/** Dark High Contrast: where `hc_black.json` has no rule for a scope, the editor foreground. */
const HIGH_CONTRAST: CodeColours = {
  background: '#000000',
  foreground: '#ffffff',
  lineNumber: '#ffffff',
  headerBackground: '#000000',
  label: '#ffffff',
  border: '#6fc3df', // contrastBorder
  plain: '#ffffff',
  keyword: '#569cd6',
  control: '#c586c0',
  string: '#ce9178',
  comment: '#7ca668',
  number: '#b5cea8',
  function: '#dcdcaa',
  class: '#4ec9b0',
  operator: '#d4d4d4',
  punctuation: '#ffffff',
  variable: '#9cdcfe',
  constant: '#9cdcfe', // no rule for variable.other.constant: variable's colour
  property: '#9cdcfe',
  tag: '#569cd6',
  attribute: '#9cdcfe',
  selector: '#d7ba7d',
  regex: '#d16969',
  builtin: '#4ec9b0',
  inserted: '#b5cea8',
  deleted: '#ce9178',
};

/** Light High Contrast (`hc_light.json`): keywords and strings share one blue there too. */
const HIGH_CONTRAST_LIGHT: CodeColours = {
  background: '#ffffff',
  foreground: '#292929',
  lineNumber: '#292929',
  headerBackground: '#ffffff',
  label: '#292929',
  border: '#0f4a85', // contrastBorder
  plain: '#292929',
  keyword: '#0f4a85',
  control: '#b5200d',
  string: '#0f4a85',
  comment: '#515151',
  number: '#096d48',
  function: '#5e2cbc',
  class: '#185e73',
  operator: '#000000',
  punctuation: '#292929',
  variable: '#001080',
  constant: '#02715d',
  property: '#001080',
  tag: '#0f4a85',
  attribute: '#264f78',
  selector: '#0f4a85',
  regex: '#811f3f',
  builtin: '#185e73',
  inserted: '#096d48',
  deleted: '#5a5a5a',
};

const TABLES: Record<CodeTheme, CodeColours> = { dark: DARK, light: LIGHT, highContrast: HIGH_CONTRAST, highContrastLight: HIGH_CONTRAST_LIGHT };

/** The colours of `theme` (a copy: callers may change it). */
export function codeColours(theme: CodeTheme): CodeColours {
  return { ...TABLES[theme] };
}

/**
 * The theme kind a webview's `<body>` classes stand for. VS Code gives a Light High Contrast body
 * `vscode-high-contrast` as well as `vscode-high-contrast-light`, so the light one is looked at first;
 * a body without a theme class (a page still loading) counts as dark, VS Code's default.
 */
export function codeThemeOfBody(classes: { contains(name: string): boolean }): CodeTheme {
  if (classes.contains('vscode-high-contrast-light')) return 'highContrastLight';
  if (classes.contains('vscode-high-contrast')) return 'highContrast';
  if (classes.contains('vscode-light')) return 'light';
  return 'dark';
}

/**
 * The snippet card's CSS custom properties for `theme`: `--tn-code-background`,
 * `--tn-code-foreground` and `--tn-tok-<kind>` for every token kind (media/board.css uses them).
 */
export function codeColourProperties(theme: CodeTheme): Record<string, string> {
  const colours = TABLES[theme];
  const properties: Record<string, string> = { '--tn-code-background': colours.background, '--tn-code-foreground': colours.foreground };
  for (const kind of TOKEN_KINDS) properties[`--tn-tok-${kind}`] = colours[kind];
  return properties;
}
