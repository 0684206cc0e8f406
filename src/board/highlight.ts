/**
 * Syntax highlighting as data: lines of `{ text, kind }` tokens that a canvas or `textContent` can
 * render, never HTML. Pure: runs in the extension host, the webview and the CLI.
 *
 * Why Prism (prismjs): its public `Prism.tokenize` returns a token tree (no HTML strings, so peer
 * code is never parsed as markup: we render with `textContent` / `fillText`); each language is a
 * small separate component, so a bundle carries only the ~30 languages below (prism-core and them:
 * about 81 KB minified; with this module 87 KB, 29 KB gzipped; esbuild 0.28); it is well known and
 * maintained, with no dependencies. Prism's DOM plugins and
 * `Prism.highlight` (which returns an HTML string) are never used.
 */
import type { Token as PrismToken, TokenStream } from 'prismjs';
import { tokenizeWithin } from './prismLanguages';
import type { PrismLanguage } from './prismLanguages';

/** The colour classes a token can have; `codeTheme.ts` gives each a colour. */
export type TokenKind =
  | 'plain'
  | 'keyword'
  | 'control'
  | 'string'
  | 'comment'
  | 'number'
  | 'function'
  | 'class'
  | 'operator'
  | 'punctuation'
  | 'variable'
  | 'constant'
  | 'property'
  | 'tag'
  | 'attribute'
  | 'selector'
  | 'regex'
  | 'builtin'
  | 'inserted'
  | 'deleted';

export const TOKEN_KINDS: readonly TokenKind[] = [
  'plain', 'keyword', 'control', 'string', 'comment', 'number', 'function', 'class', 'operator', 'punctuation',
  'variable', 'constant', 'property', 'tag', 'attribute', 'selector', 'regex', 'builtin', 'inserted', 'deleted',
];

export interface Token {
  text: string;
  kind: TokenKind;
}

/** One line's tokens, in order, none empty, no two neighbours of the same kind; `[]` for an empty line. */
export type HighlightedLine = Token[];

export interface HighlightOptions {
  /** Longer code is not tokenized but returned as plain text (characters, default 200,000). */
  maxChars?: number;
  /** Tokenizing that takes longer is abandoned for plain text (milliseconds, default 300). */
  timeBudgetMs?: number;
}

/** Longest code tokenized by default, in characters (UTF-16 code units). */
export const MAX_HIGHLIGHT_CHARS = 200_000;

/** Default time budget of one `highlight` call, in milliseconds. */
export const HIGHLIGHT_TIME_BUDGET_MS = 300;

/** VS Code language ids → Prism grammars. */
const LANGUAGES: Record<string, PrismLanguage> = {
  typescript: 'typescript',
  javascript: 'javascript',
  typescriptreact: 'tsx',
  javascriptreact: 'jsx',
  json: 'json',
  jsonc: 'json',
  jsonl: 'json',
  python: 'python',
  java: 'java',
  c: 'c',
  cpp: 'cpp',
  csharp: 'csharp',
  go: 'go',
  rust: 'rust',
  php: 'php',
  ruby: 'ruby',
  shellscript: 'bash',
  powershell: 'powershell',
  sql: 'sql',
  yaml: 'yaml',
  dockercompose: 'yaml',
  markdown: 'markdown',
  html: 'markup',
  xml: 'markup',
  xsl: 'markup',
  svg: 'markup',
  css: 'css',
  scss: 'scss',
  less: 'less',
  kotlin: 'kotlin',
  swift: 'swift',
  dockerfile: 'docker',
  diff: 'diff',
  ini: 'ini',
  properties: 'ini',
  toml: 'toml',
};

/** Whether `highlight` colours this VS Code language id (otherwise it returns plain text). */
export function isHighlightedLanguage(languageId: string): boolean {
  return Object.prototype.hasOwnProperty.call(LANGUAGES, languageId);
}

/**
 * Prism token types and aliases → kinds. A type wins over its aliases; a token whose type and
 * aliases are all unknown takes its parent's kind (so the text inside a string token stays a string).
 */
const KINDS: Record<string, TokenKind> = {
  comment: 'comment',
  prolog: 'comment',
  cdata: 'comment',
  shebang: 'comment',
  string: 'string',
  char: 'string',
  'template-string': 'string',
  'attr-value': 'string',
  url: 'string',
  regex: 'regex',
  number: 'number',
  hexcode: 'number',
  unit: 'number',
  boolean: 'constant',
  constant: 'constant',
  symbol: 'constant',
  null: 'constant',
  nil: 'constant',
  entity: 'constant',
  keyword: 'keyword',
  important: 'keyword',
  atrule: 'keyword',
  rule: 'keyword',
  doctype: 'keyword',
  macro: 'keyword',
  title: 'keyword',
  coord: 'keyword',
  directive: 'control',
  'directive-hash': 'control',
  builtin: 'builtin',
  function: 'function',
  method: 'function',
  annotation: 'function',
  decorator: 'function',
  'class-name': 'class',
  'maybe-class-name': 'class',
  namespace: 'class',
  operator: 'operator',
  punctuation: 'punctuation',
  variable: 'variable',
  parameter: 'variable',
  property: 'property',
  key: 'property',
  tag: 'tag',
  'attr-name': 'attribute',
  selector: 'selector',
  inserted: 'inserted',
  deleted: 'deleted',
  // Code inside `${…}`, a JSX `{…}` or an HTML <script> is code again, not part of the string or tag around it.
  interpolation: 'plain',
  script: 'plain',
};

/** Keywords VS Code's themes colour as control flow (`keyword.control`), across languages. */
const CONTROL_KEYWORDS = new Set([
  'if', 'else', 'elif', 'elsif', 'unless', 'for', 'foreach', 'while', 'until', 'do', 'loop', 'switch', 'case',
  'default', 'match', 'when', 'break', 'continue', 'return', 'throw', 'raise', 'try', 'catch', 'except', 'finally',
  'rescue', 'ensure', 'import', 'export', 'from', 'await', 'yield', 'goto', 'with', 'pass', 'fallthrough', 'defer',
  'select', 'go', 'then', 'fi', 'done', 'esac', 'in',
]);

function kindOf(token: PrismToken): TokenKind | undefined {
  const own = Object.prototype.hasOwnProperty.call(KINDS, token.type) ? KINDS[token.type] : undefined;
  if (own !== undefined) return own;
  const aliases = typeof token.alias === 'string' ? [token.alias] : Array.isArray(token.alias) ? token.alias : [];
  for (const alias of aliases) {
    if (Object.prototype.hasOwnProperty.call(KINDS, alias)) return KINDS[alias];
  }
  return undefined;
}

/**
 * `code` split into lines (on `\n`; a `\r` before it stays at the end of its line) of coloured
 * tokens; the texts of a line's tokens concatenate to exactly that line. `languageId` is a VS Code
 * language id (`typescript`, `shellscript`, `typescriptreact`, …); unknown ids, `plaintext`, code
 * over `maxChars`, tokenizing over the time budget and any failure give plain text. Never throws.
 */
export function highlight(code: string, languageId: string, options: HighlightOptions = {}): HighlightedLine[] {
  const maxChars = options.maxChars ?? MAX_HIGHLIGHT_CHARS;
  const language = isHighlightedLanguage(languageId) ? LANGUAGES[languageId] : undefined;
  if (language === undefined || code.length > maxChars || code.length === 0) return plainLines(code);
  let stream: TokenStream | 'timeout';
  try {
    stream = tokenizeWithin(code, language, options.timeBudgetMs ?? HIGHLIGHT_TIME_BUDGET_MS);
  } catch {
    return plainLines(code);
  }
  if (stream === 'timeout') return plainLines(code);
  const lines = toLines(stream);
  // Prism keeps every character; should a grammar ever lose one, plain text is still right.
  return lines.length === countLines(code) && joinLines(lines) === code ? lines : plainLines(code);
}

/** Every line as one plain token (`[]` for an empty line). */
export function plainLines(code: string): HighlightedLine[] {
  return code.split('\n').map((line) => (line === '' ? [] : [{ text: line, kind: 'plain' }]));
}

function toLines(stream: TokenStream): HighlightedLine[] {
  const lines: HighlightedLine[] = [[]];
  const push = (text: string, kind: TokenKind): void => {
    const parts = text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part === '') return;
      const own = kind === 'keyword' && CONTROL_KEYWORDS.has(part) ? 'control' : kind;
      const line = lines[lines.length - 1]!;
      const last = line[line.length - 1];
      if (last !== undefined && last.kind === own) last.text += part;
      else line.push({ text: part, kind: own });
    });
  };
  // Depth-first over the token tree without recursion; each entry carries the kind its strings take.
  const stack: Array<{ item: TokenStream; kind: TokenKind }> = [{ item: stream, kind: 'plain' }];
  while (stack.length > 0) {
    const { item, kind } = stack.pop()!;
    if (typeof item === 'string') {
      push(item, kind);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push({ item: item[i]!, kind });
    } else {
      stack.push({ item: item.content, kind: kindOf(item) ?? kind });
    }
  }
  return lines;
}

function countLines(code: string): number {
  let n = 1;
  for (let i = code.indexOf('\n'); i >= 0; i = code.indexOf('\n', i + 1)) n++;
  return n;
}

function joinLines(lines: HighlightedLine[]): string {
  return lines.map((line) => line.map((t) => t.text).join('')).join('\n');
}
