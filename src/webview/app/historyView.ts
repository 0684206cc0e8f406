/**
 * Board time-travel in the panel: a "History" toggle in the board's header, and while it is on, a
 * bar with the slider, the step it shows (who did what, when) and a checkbox per author, over a
 * read-only picture of the board as it was (pastBoard.ts). The live board keeps its state
 * underneath and comes back as it is now with "Back to now" (or Escape).
 *
 * The panel holds no history: it asks the host for the board at a step (`historyAt`) and draws the
 * answer. While one answer is on its way, a drag only remembers the latest position, so a fast
 * drag over 20,000 steps asks for a handful of steps, never a queue of them. The slider is a native
 * range input: arrow keys step, Page Up/Down jump, Home and End go to the first and last step.
 */
import type { HistoryStateView, HistoryTimelineView, WebviewToHost } from '../protocol';
import { button, h, uniqueId } from './dom';
import { formatCount, formatTime } from './format';
import { PastBoard } from './pastBoard';

const OP_WORDS = { add: 'added', move: 'moved', edit: 'edited', delete: 'deleted' } as const;

export class HistoryView {
  /** The header button that opens and closes the history view. */
  readonly toggle: HTMLButtonElement;
  /** The bar and the past board, shown over the board frame while open. */
  readonly element: HTMLElement;
  private readonly banner = h('span', { className: 'history-banner-text', attrs: { 'aria-live': 'polite' } });
  private readonly slider: HTMLInputElement;
  private readonly stepLabel: HTMLElement;
  private readonly layers = h('fieldset', { className: 'history-layers' });
  /** When the history starts and ends, by the authors' clocks. */
  private readonly span = h('span', { className: 'history-span' });
  private readonly past: PastBoard;
  private timeline: HistoryTimelineView | undefined;
  private state: HistoryStateView | undefined;
  private readonly hidden = new Set<string>();
  private asked: number | undefined;
  private next: number | undefined;
  private opened = false;

  constructor(
    private readonly post: (message: WebviewToHost) => void,
    private readonly shown: (open: boolean) => void,
  ) {
    this.toggle = button('History', () => (this.opened ? this.close() : this.open()), { className: 'button history-toggle', title: 'Replay the board from its history' });
    this.toggle.setAttribute('aria-pressed', 'false');
    const sliderId = uniqueId('history-slider');
    this.stepLabel = h('span', { className: 'history-step', attrs: { id: `${sliderId}-step` } });
    this.slider = h('input', { className: 'history-slider', attrs: { id: sliderId, type: 'range', min: '0', max: '0', step: '1', 'aria-label': 'Board history', 'aria-describedby': `${sliderId}-step` } });
    this.slider.addEventListener('input', () => this.ask(Number(this.slider.value)));
    this.past = new PastBoard((id) => this.restore(id));
    const bar = h(
      'div',
      { className: 'history-bar' },
      h('div', { className: 'history-banner', attrs: { role: 'status' } }, this.banner, button('Back to now', () => this.close(), { className: 'button history-now' })),
      h('div', { className: 'history-controls' }, this.slider, this.stepLabel, this.span),
      this.layers,
    );
    this.element = h('div', { className: 'history-view' }, bar, this.past.element);
    this.element.hidden = true;
    // The live board's keys (delete, new note, tools) must not act on it from here.
    this.element.addEventListener('keydown', (event) => {
      event.stopPropagation();
      if (event.key === 'Escape') {
        event.preventDefault();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.timeline = undefined;
    this.state = undefined;
    this.asked = undefined;
    this.next = undefined;
    this.banner.textContent = 'Loading the board history…';
    this.stepLabel.textContent = '';
    this.span.textContent = '';
    this.slider.disabled = true;
    this.layers.replaceChildren();
    this.past.render([], new Set());
    this.element.hidden = false;
    this.toggle.setAttribute('aria-pressed', 'true');
    this.shown(true);
    this.post({ type: 'historyOpen' });
  }

  /** Back to now: the live board, and the host drops the timeline. */
  close(): void {
    if (!this.opened) return;
    this.opened = false;
    this.element.hidden = true;
    this.toggle.setAttribute('aria-pressed', 'false');
    this.post({ type: 'historyClose' });
    this.shown(false);
    this.toggle.focus({ preventScroll: true });
  }

  /** The host's answer to `historyOpen`: the slider's range; the view starts at the last step (now). */
  setTimeline(timeline: HistoryTimelineView): void {
    if (!this.opened) return;
    this.timeline = timeline;
    this.slider.max = String(timeline.steps);
    this.slider.value = String(timeline.steps);
    this.slider.disabled = timeline.steps === 0;
    const first = timeline.first === undefined ? undefined : formatTime(timeline.first);
    const last = timeline.last === undefined ? undefined : formatTime(timeline.last);
    this.span.textContent = first === undefined || last === undefined ? 'No board changes yet' : `(${first.short} to ${last.short})`;
    if (first !== undefined && last !== undefined) this.span.title = `From ${first.label} to ${last.label}`;
    this.renderLayers(timeline);
    this.ask(timeline.steps);
    this.slider.focus({ preventScroll: true });
  }

  /** The host's answer to `historyAt`. */
  setState(state: HistoryStateView): void {
    if (!this.opened || this.timeline === undefined) return;
    this.asked = undefined;
    const next = this.next;
    this.next = undefined;
    if (next !== undefined && next !== state.step) this.ask(next);
    this.state = state;
    this.render();
  }

  /** A board request failed (the host says why on the board): the next position may be asked for; without a timeline, the banner says so. */
  failed(message: string): void {
    if (!this.opened) return;
    this.asked = undefined;
    if (this.timeline === undefined) this.banner.textContent = `The history could not be opened: ${message} — `;
    else if (this.next !== undefined) this.ask(this.next);
  }

  /** Asks for the board at `step`, or remembers it while an answer is on its way. */
  private ask(step: number): void {
    if (this.asked !== undefined) {
      this.next = step;
      return;
    }
    this.asked = step;
    this.post({ type: 'historyAt', step });
  }

  private restore(id: string): void {
    if (this.state === undefined) return;
    this.post({ type: 'restoreItem', step: this.state.step, id });
    // The restored note is a change now: the live board shows it (the host reveals it there).
    this.close();
  }

  private render(): void {
    const state = this.state;
    const timeline = this.timeline;
    if (state === undefined || timeline === undefined) return;
    const items = state.items.filter((item) => !this.hidden.has(item.author.id));
    this.past.render(items, new Set(state.restorable));
    const change = state.change;
    const when = change === undefined ? undefined : formatTime(change.ts);
    this.banner.textContent =
      change === undefined ? 'Viewing the board before its first change — ' : `Viewing the board as it was at ${when!.short} — `;
    const what = change === undefined ? 'The empty board' : `${change.author.name} ${OP_WORDS[change.op]} ${change.kind === 'image' ? 'an image' : `a ${change.kind}`}, ${when!.short}`;
    const text = `Step ${formatCount(state.step)} of ${formatCount(timeline.steps)}: ${what}`;
    this.stepLabel.textContent = text;
    if (when !== undefined) this.stepLabel.title = when.label;
    this.slider.setAttribute('aria-valuetext', text);
  }

  private renderLayers(timeline: HistoryTimelineView): void {
    const boxes = timeline.authors.map((author) => {
      const box = h('input', { attrs: { type: 'checkbox', 'data-author': author.id } });
      box.checked = !this.hidden.has(author.id);
      box.addEventListener('change', () => {
        if (box.checked) this.hidden.delete(author.id);
        else this.hidden.add(author.id);
        this.render();
      });
      return h('label', { className: 'history-layer' }, box, h('span', { text: author.name }), h('span', { className: 'fingerprint', text: ` (${author.fingerprint})` }));
    });
    this.layers.replaceChildren(h('legend', { text: 'Layers' }), ...boxes);
    this.layers.hidden = boxes.length === 0;
  }
}
