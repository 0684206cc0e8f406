/**
 * The Prism languages Team Notes highlights, loaded in dependency order (components.json:
 * `require` first, then `optional` ones that extend others: markup before css and javascript so that
 * HTML gets inline <style>/<script>, yaml before markdown for front matter), and a tokenizer with a
 * time budget.
 *
 * The budget: Prism's tokenizer is synchronous and cannot be interrupted from outside, but it calls
 * `exec` on the grammars' regular expressions over and over. After loading, every pattern of every
 * grammar is replaced by an equivalent `DeadlineRegExp` whose `exec` throws once the deadline has
 * passed; `tokenizeWithin` catches that and reports a timeout. One `exec` is not interrupted, which
 * is acceptable because Prism tests its patterns against catastrophic backtracking.
 */
import type { Grammar, TokenStream } from 'prismjs';
import { Prism } from './prismCore';
import { restorePrismGlobal } from './prismGlobal';
import 'prismjs/components/prism-markup';
import 'prismjs/components/prism-css';
import 'prismjs/components/prism-clike';
import 'prismjs/components/prism-javascript';
import 'prismjs/components/prism-jsx';
import 'prismjs/components/prism-typescript';
import 'prismjs/components/prism-tsx';
import 'prismjs/components/prism-markup-templating';
import 'prismjs/components/prism-php';
import 'prismjs/components/prism-c';
import 'prismjs/components/prism-cpp';
import 'prismjs/components/prism-csharp';
import 'prismjs/components/prism-java';
import 'prismjs/components/prism-go';
import 'prismjs/components/prism-kotlin';
import 'prismjs/components/prism-ruby';
import 'prismjs/components/prism-scss';
import 'prismjs/components/prism-less';
import 'prismjs/components/prism-rust';
import 'prismjs/components/prism-swift';
import 'prismjs/components/prism-python';
import 'prismjs/components/prism-bash';
import 'prismjs/components/prism-powershell';
import 'prismjs/components/prism-sql';
import 'prismjs/components/prism-yaml';
import 'prismjs/components/prism-markdown';
import 'prismjs/components/prism-json';
import 'prismjs/components/prism-docker';
import 'prismjs/components/prism-diff';
import 'prismjs/components/prism-ini';
import 'prismjs/components/prism-toml';

/** Prism language names loaded above (aliases such as `xml` or `html` resolve to these grammars). */
export const PRISM_LANGUAGES = [
  'markup', 'css', 'clike', 'javascript', 'jsx', 'typescript', 'tsx', 'php', 'c', 'cpp', 'csharp', 'java', 'go',
  'kotlin', 'ruby', 'scss', 'less', 'rust', 'swift', 'python', 'bash', 'powershell', 'sql', 'yaml', 'markdown',
  'json', 'docker', 'diff', 'ini', 'toml',
] as const;

export type PrismLanguage = (typeof PRISM_LANGUAGES)[number];

/** `Date.now()` after which `DeadlineRegExp.exec` throws; `Infinity` outside `tokenizeWithin`. */
let deadline = Infinity;
const TIMEOUT = new Error('Prism tokenizing ran out of time');

class DeadlineRegExp extends RegExp {
  override exec(s: string): RegExpExecArray | null {
    if (deadline !== Infinity && Date.now() > deadline) throw TIMEOUT;
    return super.exec(s);
  }
}

function instrument(re: RegExp, greedy: boolean): RegExp {
  if (re instanceof DeadlineRegExp) return re;
  // Prism replaces a greedy pattern without the g flag by a fresh RegExp; adding g here keeps ours.
  const flags = greedy && !re.global ? re.flags + 'g' : re.flags;
  return new DeadlineRegExp(re.source, flags);
}

/** Replaces the patterns of a grammar and everything reachable from it (`inside`, `rest`, cycles included). */
function instrumentGrammar(root: object): void {
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const grammar = stack.pop()!;
    if (seen.has(grammar)) continue;
    seen.add(grammar);
    const record = grammar as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (key === 'rest') {
        if (value !== null && typeof value === 'object') stack.push(value);
        continue;
      }
      const patterns = Array.isArray(value) ? value : [value];
      patterns.forEach((pattern: unknown, i) => {
        let replaced: unknown = pattern;
        if (pattern instanceof RegExp) {
          replaced = instrument(pattern, false);
        } else if (pattern !== null && typeof pattern === 'object') {
          const token = pattern as { pattern?: unknown; greedy?: unknown; inside?: unknown };
          if (token.pattern instanceof RegExp) token.pattern = instrument(token.pattern, token.greedy === true);
          if (token.inside !== null && typeof token.inside === 'object') stack.push(token.inside);
        }
        if (replaced !== pattern) {
          if (Array.isArray(value)) value[i] = replaced;
          else record[key] = replaced;
        }
      });
    }
  }
}

for (const name of PRISM_LANGUAGES) {
  const grammar = Prism.languages[name];
  if (grammar !== undefined) instrumentGrammar(grammar);
}

// The components above captured or used the global `Prism` while loading; nothing needs it now.
restorePrismGlobal();

/**
 * What `Prism.highlight` does before it turns tokens into HTML: the `before-tokenize` and
 * `after-tokenize` hooks (PHP inside HTML and JSX text need them) around `Prism.tokenize`.
 * @param budgetMs milliseconds the tokenizer may take
 * @returns the token stream, or `'timeout'` when the budget ran out
 * @throws whatever Prism throws otherwise (the caller falls back to plain text)
 */
export function tokenizeWithin(code: string, language: PrismLanguage, budgetMs: number): TokenStream | 'timeout' {
  const env: { code: string; grammar: Grammar | undefined; language: string; tokens?: TokenStream } = {
    code,
    grammar: Prism.languages[language],
    language,
  };
  deadline = Date.now() + Math.max(0, budgetMs);
  try {
    Prism.hooks.run('before-tokenize', env);
    if (env.grammar === undefined) throw new Error(`Prism has no grammar for ${language}`);
    env.tokens = Prism.tokenize(env.code, env.grammar);
    Prism.hooks.run('after-tokenize', env);
    return env.tokens;
  } catch (error) {
    if (error === TIMEOUT) return 'timeout';
    throw error;
  } finally {
    deadline = Infinity;
  }
}
