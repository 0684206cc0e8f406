/**
 * Short messages about what the user just did on the board ("Image not added: …"), shown at the
 * bottom of the board: errors as `role="alert"`, the rest in a polite status region. Each goes away
 * on its own or with its close button; at most a few are shown at once.
 */
import { h } from './dom';
import { icon } from './icons';

/** How long a message stays, in milliseconds. */
const INFO_MS = 4000;
const ERROR_MS = 9000;
/** Messages shown at once; older ones are dropped. */
const MAX_TOASTS = 3;
/** Longest message shown, in characters. */
const MAX_CHARS = 500;

export type ToastKind = 'info' | 'error';

export class Toasts {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly alerts: HTMLElement;

  constructor() {
    this.status = h('div', { className: 'toast-stack', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.alerts = h('div', { className: 'toast-stack', attrs: { role: 'alert' } });
    this.element = h('div', { className: 'board-toasts' }, this.alerts, this.status);
  }

  /** Shows a message; returns a function that removes it early. */
  show(message: string, kind: ToastKind = 'info'): () => void {
    const text = message.length > MAX_CHARS ? `${message.slice(0, MAX_CHARS)}…` : message;
    const close = h('button', { className: 'icon-button toast-close', attrs: { type: 'button', 'aria-label': 'Dismiss', title: 'Dismiss' } });
    close.append(icon('close'));
    const el = h('div', { className: `toast ${kind}` }, icon(kind === 'error' ? 'warning' : 'info', 'icon toast-icon'), h('span', { className: 'toast-text', text }), close);
    const stack = kind === 'error' ? this.alerts : this.status;
    stack.append(el);
    while (this.alerts.childElementCount + this.status.childElementCount > MAX_TOASTS) {
      (this.status.firstElementChild ?? this.alerts.firstElementChild)?.remove();
    }
    const remove = (): void => {
      clearTimeout(timer);
      el.remove();
    };
    const timer = setTimeout(remove, kind === 'error' ? ERROR_MS : INFO_MS);
    close.addEventListener('click', remove);
    return remove;
  }
}
