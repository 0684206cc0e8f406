/**
 * Characters that must never reach a terminal as they are, in one class (the `u` flag makes a
 * surrogate pair one code point, so `\uD800-\uDFFF` matches only a surrogate with no partner):
 *  - `\` itself, so that an escape in the output always comes from this function: a member who
 *    types the six characters `\u001b` is shown as `\\u001b`, and the output stays unambiguous;
 *  - C0 controls U+0000–U+001F, tab, LF and CR included (LF and CR forge lines; ESC starts CSI
 *    colours, cursor moves and OSC 8 links; BEL rings, backspace overwrites), and DEL;
 *  - C1 controls U+0080–U+009F (U+009B is a one-character CSI and U+0085 a line break to some terminals);
 *  - U+2028 / U+2029, the Unicode line and paragraph separators;
 *  - every Bidi_Control (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which reorder
 *    what follows them on the line, so a name could appear to say something else;
 *  - the non-characters U+FFFE and U+FFFF, and unpaired surrogates (not text at all).
 * The wire codec (src/net/xmlCodec.ts) already refuses most of these, but the terminal must not
 * depend on it: messages from other versions, error texts and future fields all land here too.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the whole point
const UNSAFE = /[\\\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/** The short escapes people read without a table; everything else is `\xHH` or `\uHHHH`. */
const SHORT: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const short = SHORT[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes text that a member or the network controls safe to print on one terminal line: every
 * character of {@link UNSAFE} becomes a visible escape (`\n`, `\t`, `\x1b`, `\u009b`, `\u202e`,
 * `\\`); everything else, emoji and other scripts included, is left as it is.
 *
 * A line feed is shown as the two characters `\n` on the same line rather than as a new line
 * with an indent: one event is then exactly one output line, which is what scripts, `grep`, log
 * collectors and the people reading them rely on, and no prefix is needed that a member could
 * imitate (a member can pad a line so that the terminal wraps it; `\n` never depends on the
 * width of the window). Multi-line chat stays readable as `first\nsecond`.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * What JSON.stringify leaves raw although a terminal acts on it or a JavaScript or line-based
 * reader may split on it: DEL, C1 controls (U+009B is CSI), U+2028/U+2029, bidi controls and
 * U+FFFE/U+FFFF. (It already escapes C0 controls, `"` and `\`, and, since ES2019, lone surrogates.)
 * Outside strings JSON has only ASCII punctuation, so each match is inside a string and `\uHHHH`
 * there is the same character to any JSON parser.
 */
const JSON_UNSAFE = /[\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFFFE\uFFFF]/g;

/** One JSON line for `--json` output: JSON.stringify plus the escapes of {@link JSON_UNSAFE}. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/**
 * The human-readable form of an event as output lines: each line goes through
 * {@link terminalSafe} as a whole, so no call site can forget a field that a member controls.
 * A string is one line (an LF in it is shown as `\n`); an array is one line per element (for
 * output that is a list by design, such as /members).
 */
function textLines(text: string | readonly string[]): string {
  return (typeof text === 'string' ? [text] : text).map((line) => `${terminalSafe(line)}\n`).join('');
}

/** Prints one event: a JSON object per line with `--json`, else the human-readable line(s). */
export function printEvent(json: boolean, event: Record<string, unknown>, text: string | readonly string[]): void {
  process.stdout.write(json ? jsonLine(event) : textLines(text));
}

/** Prints an error event: JSON on stdout with `--json` (so a driving program sees it), else on stderr. */
export function printError(json: boolean, code: string, message: string): void {
  // The message may quote what a remote sent (a name, a field of a refused message).
  if (json) process.stdout.write(jsonLine({ event: 'error', code, message }));
  else process.stderr.write(textLines(`error ${code}: ${message}`));
}

/** Resolves on the first SIGINT or SIGTERM (or when `extra` resolves): time to leave properly. */
export function onShutdown(extra?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    void extra?.then(done, done);
  });
}
