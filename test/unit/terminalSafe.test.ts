/**
 * terminalSafe (src/cli/output.ts): what a member or the network controls must reach a terminal
 * as one line of visible characters, and the escaping must be unambiguous (it can be undone).
 * Also the three ways the CLI prints: human-readable events, errors, JSON lines and log lines.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { stderrLogger } from '../../src/cli/consoleLogger';
import { jsonLine, printError, printEvent, terminalSafe } from '../../src/cli/output';

/**
 * The characters the output must never contain, written independently of the implementation:
 * C0, DEL, C1, U+2028/U+2029, Bidi_Control, U+FFFE/U+FFFF and (for `for…of`, which yields a
 * lone surrogate as one unit) unpaired surrogates.
 */
function isForbidden(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0xfffe ||
    cp === 0xffff ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

/** Every character a terminal or a line reader could treat as the end of a line. */
const LINE_BREAKS = ['\n', '\r', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029'];

function forbiddenIn(s: string): string[] {
  return [...s].filter((c) => isForbidden(c.codePointAt(0)!)).map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** Undoes the escapes: if this gives back the input for every input, the output is unambiguous. */
function unescape(s: string): string {
  return s.replace(/\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_m, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

/** Hostile strings and exactly what a terminal must be given instead. */
const hostile: [name: string, input: string, expected: string][] = [
  ['a forged line', 'hi\nalice: forged', 'hi\\nalice: forged'],
  ['a carriage return that overwrites the line', 'hi\r[12:00:00] alice: forged', 'hi\\r[12:00:00] alice: forged'],
  ['CR LF', 'a\r\nb', 'a\\r\\nb'],
  ['a tab', 'a\tb', 'a\\tb'],
  ['an SGR colour', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
  ['an OSC 8 link (BEL and ST terminated)', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u001b\\', '\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x1b\\\\'],
  ['cursor movement and screen clearing', '\u001b[2J\u001b[H\u001b[1A', '\\x1b[2J\\x1b[H\\x1b[1A'],
  ['a C1 CSI (U+009B)', '\u009b31mred', '\\u009b31mred'],
  ['C1 NEL and OSC', '\u0085\u009d8;;x\u009c', '\\u0085\\u009d8;;x\\u009c'],
  ['BEL and backspace', 'ding\u0007\b\b\bdong', 'ding\\x07\\x08\\x08\\x08dong'],
  ['NUL, VT, FF and DEL', '\u0000\u000b\u000c\u007f', '\\x00\\x0b\\x0c\\x7f'],
  ['a right-to-left override', 'user\u202egnp.exe', 'user\\u202egnp.exe'],
  ['every bidi embedding, override and isolate', '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069', '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069'],
  ['bidi marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
  ['Unicode line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ['the non-characters U+FFFE and U+FFFF', '\ufffe\uffff', '\\ufffe\\uffff'],
  ['a lone high surrogate', 'a\ud800b', 'a\\ud800b'],
  ['a lone low surrogate', 'a\udc00b', 'a\\udc00b'],
  ['reversed surrogates', '\udc00\ud800', '\\udc00\\ud800'],
  ['a backslash', 'C:\\temp', 'C:\\\\temp'],
  ['an escape typed as text', 'not an escape: \\x1b \\n', 'not an escape: \\\\x1b \\\\n'],
  ['the brief’s forged chat line', '\nalice: forged\u001b[31m', '\\nalice: forged\\x1b[31m'],
];

/** Text that must pass untouched: escaping it would only make people's names and chat unreadable. */
const harmless = ['hello design <b>&amp;</b> 007', 'Zoë Ångström', '日本語のテキスト', 'שלום عربي', '👩‍💻 🇫🇷 👍🏽', 'a "quoted" \'name\'', '~!@#$%^&*()_+{}|:<>?'];

/** Strings rich in the dangerous characters: the classes above, their neighbours, any code unit. */
const hostileChar = fc.oneof(
  fc.constantFrom('\\', '\n', '\r', '\t', '\u001b', '[', ']', 'm', '\u0007', '\u009b', '\u0085', '\u2028', '\u2029', '\u202e', '\u2066', '\u200f', '\ufffe', '\uffff', '\ud83d', '\ude00', 'x', 'u', '0'),
  fc.integer({ min: 0, max: 0xa0 }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x2000, max: 0x206f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const hostileString = fc.array(hostileChar, { maxLength: 60 }).map((chars) => chars.join(''));

describe('terminalSafe', () => {
  for (const [name, input, expected] of hostile) {
    it(`escapes ${name}`, () => {
      const out = terminalSafe(input);
      assert.equal(out, expected);
      assert.deepEqual(forbiddenIn(out), []);
      assert.equal(unescape(out), input);
    });
  }

  it('leaves printable text of every script, emoji included, as it is', () => {
    for (const text of harmless) assert.equal(terminalSafe(text), text);
  });


  it('never outputs a forbidden character or a line break, and can always be undone (property)', () => {
    fc.assert(
      fc.property(hostileString, (input) => {
        const out = terminalSafe(input);
        assert.deepEqual(forbiddenIn(out), [], `input ${JSON.stringify(input)}`);
        for (const br of LINE_BREAKS) assert.ok(!out.includes(br), `line break U+${br.charCodeAt(0).toString(16)} in the output of ${JSON.stringify(input)}`);
        assert.equal(unescape(out), input, 'the escaping is ambiguous');
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every safe character and escapes nothing else (property)', () => {
    fc.assert(
      fc.property(hostileString, (input) => {
        const kept = [...input].filter((c) => c !== '\\' && !isForbidden(c.codePointAt(0)!)).join('');
        // With every escape removed, exactly the safe characters remain, in their order.
        const withoutEscapes = terminalSafe(input).replace(/\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})/g, '');
        assert.equal(withoutEscapes, kept);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('CLI output lines', () => {
  /** Runs `fn` with process.stdout/stderr.write captured; returns what each received. */
  function capture(fn: () => void): { stdout: string; stderr: string } {
    const out = { stdout: '', stderr: '' };
    const original = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
    process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
    try {
      fn();
    } finally {
      process.stdout.write = original.stdout;
      process.stderr.write = original.stderr;
    }
    return out;
  }

  const evil = 'x\nalice: forged\u001b[31m\u009b2J\u202e\r\u2028\u2029\u0085\ud800';

  it('printEvent prints a human-readable event as one safe line', () => {
    const { stdout } = capture(() => printEvent(false, { event: 'message' }, `[12:00:00] ${evil}: ${evil}`));
    assert.equal(stdout.split('\n').length, 2, `one line: ${JSON.stringify(stdout)}`);
    assert.deepEqual(forbiddenIn(stdout.slice(0, -1)), []);
    assert.equal(unescape(stdout.slice(0, -1)), `[12:00:00] ${evil}: ${evil}`);
  });

  it('printEvent prints a list as exactly one safe line per element', () => {
    const { stdout } = capture(() => printEvent(false, { event: 'members' }, [`* ${evil} (a)`, `* bob (b)`]));
    const lines = stdout.split('\n');
    assert.equal(lines.length, 3, JSON.stringify(stdout));
    assert.equal(lines[1], '* bob (b)');
    assert.deepEqual(forbiddenIn(lines[0]!), []);
  });

  it('printError prints one safe line on stderr, and JSON that parses back to the same message', () => {
    const human = capture(() => printError(false, 'ERR_BAD_XML', `Tag '${evil}' is an invalid name.`));
    assert.equal(human.stdout, '');
    assert.equal(human.stderr.split('\n').length, 2, JSON.stringify(human.stderr));
    assert.deepEqual(forbiddenIn(human.stderr.slice(0, -1)), []);
    const json = capture(() => printError(true, 'ERR_BAD_XML', evil));
    assert.deepEqual(JSON.parse(json.stdout), { event: 'error', code: 'ERR_BAD_XML', message: evil });
    assert.deepEqual(forbiddenIn(json.stdout.slice(0, -1)), []);
  });

  it('jsonLine escapes what JSON.stringify leaves raw and round-trips (property)', () => {
    assert.equal(jsonLine({ t: '\u2028\u2029\u009b\u202e\u007f\ufffe' }), '{"t":"\\u2028\\u2029\\u009b\\u202e\\u007f\\ufffe"}\n');
    fc.assert(
      fc.property(hostileString, hostileString, (key, value) => {
        const line = jsonLine({ event: 'message', [key]: value, nested: [{ name: value }] });
        assert.ok(line.endsWith('\n'));
        const body = line.slice(0, -1);
        assert.deepEqual(forbiddenIn(body), [], `raw character in ${body}`);
        assert.deepEqual(JSON.parse(body), { event: 'message', [key]: value, nested: [{ name: value }] });
      }),
      { numRuns: 1000 },
    );
  });

  it('the stderr logger writes each message as one safe line', () => {
    const { stderr } = capture(() => stderrLogger('info').warn(`mallory reports ERR_PROTOCOL: ${evil}`));
    assert.equal(stderr.split('\n').length, 2, JSON.stringify(stderr));
    assert.ok(stderr.startsWith('warn: mallory reports ERR_PROTOCOL: x\\nalice: forged\\x1b[31m'), stderr);
    assert.deepEqual(forbiddenIn(stderr.slice(0, -1)), []);
  });
});
