import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MAX_HIGHLIGHT_CHARS, TOKEN_KINDS, highlight, isHighlightedLanguage, plainLines } from '../../src/board/highlight';
import type { HighlightedLine, TokenKind } from '../../src/board/highlight';

const lineTexts = (lines: HighlightedLine[]): string[] => lines.map((line) => line.map((t) => t.text).join(''));

/** The kind of the token whose text is exactly `text`, on any line (the first one found). */
function kindOf(lines: HighlightedLine[], text: string): TokenKind | undefined {
  for (const line of lines) for (const token of line) if (token.text === text) return token.kind;
  return undefined;
}

/** Checks the invariants every result keeps, whatever the language. */
function assertWellFormed(code: string, lines: HighlightedLine[]): void {
  assert.deepEqual(lineTexts(lines), code.split('\n'));
  for (const line of lines) {
    line.forEach((token, i) => {
      assert.ok(token.text.length > 0, 'no empty tokens');
      assert.ok(!token.text.includes('\n'), 'no newlines inside a token');
      assert.ok(TOKEN_KINDS.includes(token.kind), token.kind);
      if (i > 0) assert.notEqual(line[i - 1]!.kind, token.kind, 'neighbours of one kind are merged');
    });
  }
}

/** One sample per supported VS Code language id, with tokens it must colour. */
const SAMPLES: Record<string, { code: string; expect: Array<[string, TokenKind]> }> = {
  typescript: {
    code: "import { x } from './y';\n// note\nexport class Foo extends Bar {\n  private n = 42;\n  run(a: string): void {\n    if (a) return;\n  }\n}",
    expect: [['import', 'control'], ["'./y'", 'string'], ['// note', 'comment'], ['class', 'keyword'], ['Foo', 'class'], ['42', 'number'], ['run', 'function'], ['string', 'builtin'], ['=', 'operator'], ['{', 'punctuation']],
  },
  javascript: { code: 'const re = /ab+c/g; // ok\nfunction f() { return null; }', expect: [['/ab+c/g', 'regex'], ['const', 'keyword'], ['f', 'function'], ['return', 'control']] },
  typescriptreact: { code: 'const A = (p: Props) => <div className="x">{p.y}</div>;', expect: [['div', 'tag'], ['className', 'attribute'], ['x', 'string'], ['=>', 'operator']] },
  javascriptreact: { code: 'const el = <Button onClick={go}>Hi</Button>;', expect: [['Button', 'class'], ['onClick', 'attribute'], ['go', 'plain']] },
  json: { code: '{ "name": "x", "n": 1, "ok": true }', expect: [['"name"', 'property'], ['"x"', 'string'], ['1', 'number'], ['true', 'constant']] },
  jsonc: { code: '{\n  // comment\n  "a": [1, 2]\n}', expect: [['// comment', 'comment'], ['"a"', 'property']] },
  python: { code: 'def f(x):\n    """doc"""\n    return len(x) + 1  # c', expect: [['def', 'keyword'], ['f', 'function'], ['"""doc"""', 'string'], ['len', 'builtin'], ['# c', 'comment'], ['return', 'control']] },
  java: { code: 'public class Main { void m() { System.out.println("hi"); } }', expect: [['public', 'keyword'], ['Main', 'class'], ['println', 'function'], ['"hi"', 'string']] },
  c: { code: '#include <stdio.h>\nint main(void) { printf("%d\\n", 1); }', expect: [['#include', 'control'], ['<stdio.h>', 'string'], ['int', 'keyword'], ['main', 'function']] },
  cpp: { code: 'template<typename T> class A { auto x = nullptr; };', expect: [['template', 'keyword'], ['nullptr', 'keyword'], ['A', 'class']] },
  csharp: { code: 'public async Task<int> M() => await Foo();', expect: [['async', 'keyword'], ['Task', 'class'], ['await', 'control'], ['Foo', 'function']] },
  go: { code: 'package main\nfunc main() { fmt.Println("hi", 42) }', expect: [['func', 'keyword'], ['Println', 'function'], ['42', 'number']] },
  rust: { code: 'fn main() { let mut v: Vec<u32> = Vec::new(); }', expect: [['fn', 'keyword'], ['mut', 'keyword'], ['Vec', 'class'], ['new', 'function']] },
  php: { code: '<?php echo $name; ?>\n<b>hi</b>', expect: [['$name', 'variable'], ['echo', 'keyword'], ['b', 'tag']] },
  ruby: { code: 'def greet(name)\n  puts "Hi #{name}" if name\nend', expect: [['def', 'keyword'], ['greet', 'function'], ['if', 'control']] },
  shellscript: { code: 'for f in *.ts; do echo "$f"; done', expect: [['for', 'control'], ['echo', 'builtin'], ['$f', 'variable'], ['done', 'control']] },
  powershell: { code: '$x = Get-ChildItem -Path . | Where-Object { $_.Length -gt 10 }', expect: [['$x', 'variable'], ['Get-ChildItem', 'function'], ['-gt', 'operator']] },
  sql: { code: "SELECT id FROM users WHERE age > 21 AND name LIKE 'A%';", expect: [['SELECT', 'keyword'], ['21', 'number'], ["'A%'", 'string']] },
  yaml: { code: 'key: value\nlist:\n  - 1 # c', expect: [['key', 'property'], ['1', 'number'], ['# c', 'comment']] },
  markdown: { code: '# Title\nSome **bold** and [link](http://x)', expect: [[' Title', 'keyword'], ['[link](http://x)', 'string']] },
  html: { code: '<a href="x">t</a><script>let a = 1;</script><style>.a{color:red}</style>', expect: [['a', 'tag'], ['href', 'attribute'], ['let', 'keyword'], ['.a', 'selector'], ['color', 'property']] },
  xml: { code: '<?xml version="1.0"?>\n<root a="1"><!-- c --></root>', expect: [['root', 'tag'], ['<!-- c -->', 'comment']] },
  css: { code: '.a > b:hover { color: #fff; } /* c */', expect: [['.a > b:hover', 'selector'], ['color', 'property'], ['/* c */', 'comment']] },
  scss: { code: '$c: #333;\n.a { &:hover { color: $c; } }', expect: [['$c', 'variable'], ['color', 'property']] },
  less: { code: '@c: #333;\n.a { color: @c; }', expect: [['@c', 'variable'], ['.a', 'selector']] },
  kotlin: { code: 'fun main() { val x: Int = 3 }', expect: [['fun', 'keyword'], ['main', 'function'], ['3', 'number']] },
  swift: { code: 'func f(x: Int) -> String { return "s" }', expect: [['func', 'keyword'], ['Int', 'class'], ['"s"', 'string']] },
  dockerfile: { code: 'FROM node:20\nRUN npm ci\n# comment', expect: [['FROM', 'keyword'], ['# comment', 'comment']] },
  diff: { code: '--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new', expect: [['-old', 'deleted'], ['+new', 'inserted'], ['@@ -1 +1 @@', 'keyword']] },
  ini: { code: '[section]\nkey=value', expect: [['section', 'selector'], ['key', 'property'], ['value', 'string']] },
  toml: { code: '[table]\nkey = "value"\nn = 1', expect: [['key', 'property'], ['"value"', 'string'], ['1', 'number']] },
};

describe('highlight', () => {
  for (const [languageId, { code, expect }] of Object.entries(SAMPLES)) {
    it(`colours ${languageId}`, () => {
      assert.ok(isHighlightedLanguage(languageId));
      const lines = highlight(code, languageId);
      assertWellFormed(code, lines);
      for (const [text, kind] of expect) assert.equal(kindOf(lines, text), kind, `${JSON.stringify(text)} in ${languageId}`);
    });
  }

  it('returns every line as one plain token for plaintext and unknown language ids, and never throws', () => {
    const code = 'const a = 1;\n\n\tif (a) {}\n';
    const plain = [[{ text: 'const a = 1;', kind: 'plain' }], [], [{ text: '\tif (a) {}', kind: 'plain' }], []];
    for (const id of ['plaintext', 'brainfuck', '', 'TypeScript', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(highlight(code, id), plain, id);
      assert.equal(isHighlightedLanguage(id), false, id);
    }
    assert.deepEqual(plainLines(code), plain);
  });

  it('leaves no global Prism behind once its languages are loaded', () => {
    assert.equal(Object.prototype.hasOwnProperty.call(globalThis, 'Prism'), false);
  });

  it('returns one empty line for empty code', () => {
    assert.deepEqual(highlight('', 'typescript'), [[]]);
  });

  it('splits tokens that span lines, so every line of a block comment or template string keeps its colour', () => {
    const code = 'const s = `first\nsecond`;\n/* one\n   two\n*/\nlet x;';
    const lines = highlight(code, 'typescript');
    assertWellFormed(code, lines);
    assert.deepEqual(lines[1], [{ text: 'second`', kind: 'string' }, { text: ';', kind: 'punctuation' }]);
    assert.deepEqual(lines[2], [{ text: '/* one', kind: 'comment' }]);
    assert.deepEqual(lines[3], [{ text: '   two', kind: 'comment' }]);
    assert.deepEqual(lines[4], [{ text: '*/', kind: 'comment' }]);
    const py = 'x = """a\n\nb"""';
    assert.deepEqual(highlight(py, 'python').slice(1), [[], [{ text: 'b"""', kind: 'string' }]]);
  });

  it('keeps a \\r at the end of its line with CRLF line endings', () => {
    const code = 'let a = 1;\r\nlet b = "x";\r\n';
    const lines = highlight(code, 'typescript');
    assertWellFormed(code, lines);
    assert.deepEqual(lineTexts(lines), ['let a = 1;\r', 'let b = "x";\r', '']);
  });

  it('gives the code inside a template string interpolation its own colours', () => {
    const lines = highlight('const t = `a ${b + 1} c`;', 'typescript');
    assert.equal(kindOf(lines, '1'), 'number');
    assert.equal(kindOf(lines, 'b '), 'plain');
    assert.equal(kindOf(lines, '${'), 'punctuation');
  });

  it('falls back to plain text above maxChars', () => {
    const code = 'let a = 1;\n'.repeat(10);
    assert.deepEqual(highlight(code, 'typescript', { maxChars: 50 }), plainLines(code));
    assert.notDeepEqual(highlight(code, 'typescript', { maxChars: code.length }), plainLines(code));
    const big = 'x'.repeat(MAX_HIGHLIGHT_CHARS + 1);
    assert.deepEqual(highlight(big, 'typescript'), [[{ text: big, kind: 'plain' }]]);
  });

  it('falls back to plain text when tokenizing takes longer than the time budget, then highlights again', () => {
    const code = 'function f(a, b) { return a + b * 2; } // add\n'.repeat(4000);
    const started = Date.now();
    assert.deepEqual(highlight(code, 'javascript', { timeBudgetMs: 1 }), plainLines(code));
    assert.ok(Date.now() - started < 1000, 'stops soon after the budget');
    const lines = highlight(code, 'javascript', { timeBudgetMs: 60_000 });
    assert.equal(kindOf(lines, '// add'), 'comment');
  });

  it('keeps every character: the tokens of each line concatenate to that line, for random code in several languages', () => {
    const codeChars = fc.constantFrom(...'abcxyz019 \t\n\r{}()[]<>;:,.=+-*/%!&|^~?\'"`\\#@$_'.split(''), 'if', 'return', 'class', '//', '/*', '*/', '${', '<?php', '-->', '"""', 'é', '👋', '\u2028');
    const code = fc.oneof(fc.string({ unit: codeChars, maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 60 }));
    const languages = fc.constantFrom('typescript', 'typescriptreact', 'python', 'html', 'php', 'markdown', 'css', 'json', 'cpp', 'shellscript', 'yaml', 'diff', 'sql', 'rust', 'unknown');
    fc.assert(
      fc.property(code, languages, (source, language) => {
        assertWellFormed(source, highlight(source, language));
      }),
      { numRuns: 1500 },
    );
  });
});
