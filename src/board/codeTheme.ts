/**
 * Colours of highlighted code, from VS Code's default themes: Dark+ (`dark_plus.json` over
 * `dark_vs.json`) and Light+ (`light_plus.json` over `light_vs.json`), editor background, foreground
 * and line numbers included. Pure data.
 */
import type { TokenKind } from './highlight';

export type CodeColours = Record<TokenKind, string> & { background: string; foreground: string; lineNumber: string };

const DARK: CodeColours = {
  background: '#1e1e1e',
  foreground: '#d4d4d4',
  lineNumber: '#858585',
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

/** The colours (`#rrggbb`) of every token kind, plus the editor's background, foreground and line numbers. */
export function codeColours(theme: 'dark' | 'light'): CodeColours {
  return { ...(theme === 'light' ? LIGHT : DARK) };
}
