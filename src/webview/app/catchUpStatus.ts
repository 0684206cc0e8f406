/**
 * The line at the top of the board and chat while history is being caught up from the members:
 * a slim moving bar and "Catching up on history… 1,234 messages". The region is a polite status
 * that stays in the DOM (empty while there is nothing to say), so that assistive technology hears
 * it appear. The count on screen follows every update; the words read out change at most once every
 * {@link ANNOUNCE_MS}, so a fast count does not become a stream of announcements.
 */
import { h } from './dom';
import { formatCount } from './format';

/** Shortest time between two changes of the announced text, in milliseconds. */
const ANNOUNCE_MS = 2000;

export function catchUpText(received: number): string {
  if (received <= 0) return 'Catching up on history…';
  return `Catching up on history… ${formatCount(received)} ${received === 1 ? 'message' : 'messages'}`;
}

export class CatchUpStatus {
  readonly element: HTMLElement;
  private readonly shown: HTMLElement;
  private readonly spoken: HTMLElement;
  private active = false;
  private received = 0;
  private lastSpoken = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.shown = h('span', { className: 'catch-up-text', attrs: { 'aria-hidden': 'true' } });
    this.spoken = h('span', { className: 'visually-hidden' });
    this.element = h('div', { className: 'catch-up', attrs: { role: 'status', 'aria-live': 'polite' } });
  }

  /** Shows the count, or nothing once the catch-up is over (`undefined`). */
  render(catchUp: { received: number } | undefined): void {
    if (catchUp === undefined) {
      if (!this.active) return;
      this.active = false;
      this.clearTimer();
      this.element.classList.remove('active');
      this.element.replaceChildren();
      return;
    }
    this.received = catchUp.received;
    this.shown.textContent = catchUpText(catchUp.received);
    if (!this.active) {
      this.active = true;
      this.element.classList.add('active');
      this.element.replaceChildren(h('span', { className: 'catch-up-bar', attrs: { 'aria-hidden': 'true' } }), this.shown, this.spoken);
      this.speak();
      return;
    }
    if (this.timer !== undefined) return;
    const wait = this.lastSpoken + ANNOUNCE_MS - Date.now();
    if (wait <= 0) this.speak();
    else this.timer = setTimeout(() => this.speak(), wait);
  }

  private speak(): void {
    this.clearTimer();
    this.lastSpoken = Date.now();
    this.spoken.textContent = catchUpText(this.received);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
