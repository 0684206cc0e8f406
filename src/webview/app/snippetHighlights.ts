/**
 * The colours of snippet cards: a card is mounted with plain code and highlighted when the browser
 * is idle (never while the view moves), a slice at a time, and the result is cached by the card's
 * code and language, so a card mounted again is drawn in colour at once.
 */
import { highlight } from '../../board/highlight';
import type { HighlightedLine } from '../../board/highlight';
import type { BoardSnippet } from '../protocol';
import { fillCode } from './boardItems';

/** Time one slice of snippet highlighting may take when the browser has no idle time to offer, in ms. */
const HIGHLIGHT_SLICE_MS = 8;
/** Snippets longer than this are shown without colours, in characters. */
const MAX_HIGHLIGHT_CHARS = 50_000;
/** Snippet highlights kept. */
const MAX_CACHED = 3000;

export interface HighlightHooks {
  /** True while the view moves: highlighting waits (whoever moves it calls `schedule` once it rests). */
  paused(): boolean;
  /** The card mounted for `id` now, and its element, if any. */
  mounted(id: string): { snippet: BoardSnippet; element: Element } | undefined;
}

export class SnippetHighlights {
  private readonly cache = new Map<string, { code: string; language: string; lines: HighlightedLine[] }>();
  private readonly queue = new Set<string>();
  private scheduled = false;

  constructor(private readonly hooks: HighlightHooks) {}

  /** The card's highlighted lines when known; otherwise undefined, and the card waits its turn. */
  lines(snippet: BoardSnippet): HighlightedLine[] | undefined {
    const cached = this.cache.get(snippet.id);
    if (cached !== undefined && cached.code === snippet.code && cached.language === snippet.language) return cached.lines;
    this.queue.add(snippet.id);
    this.schedule();
    return undefined;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  forgetUnless(keep: (id: string) => boolean): void {
    for (const id of [...this.cache.keys()]) if (!keep(id)) this.cache.delete(id);
  }

  /** Highlights waiting cards when the browser is idle (never in the middle of a pan or zoom). */
  schedule(): void {
    if (this.scheduled || this.queue.size === 0) return;
    this.scheduled = true;
    const run = (deadline?: IdleDeadline): void => {
      this.scheduled = false;
      if (this.hooks.paused()) return; // scheduled again once the view rests
      this.slice(deadline);
      this.schedule();
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 500 });
    else setTimeout(run, 0);
  }

  private slice(deadline?: IdleDeadline): void {
    const started = performance.now();
    const left = (): boolean => (deadline !== undefined && !deadline.didTimeout ? deadline.timeRemaining() > 1 : performance.now() - started < HIGHLIGHT_SLICE_MS);
    for (const id of this.queue) {
      if (!left()) break;
      this.queue.delete(id);
      const mounted = this.hooks.mounted(id);
      if (mounted === undefined) continue;
      const { snippet, element } = mounted;
      const lines = highlight(snippet.code, snippet.language, { maxChars: MAX_HIGHLIGHT_CHARS, timeBudgetMs: 50 });
      this.cache.set(id, { code: snippet.code, language: snippet.language, lines });
      if (this.cache.size > MAX_CACHED) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      const code = element.querySelector<HTMLElement>('.snippet-code code');
      if (code !== null) fillCode(code, lines);
    }
  }
}
