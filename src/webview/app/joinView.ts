/** What the panel shows while not in a group: what Team Notes is for and a "Join Group…" button. */
import type { SessionView, WebviewToHost } from '../protocol';
import { h } from './dom';

/** Longest host error shown, in characters. */
const MAX_ERROR_CHARS = 1000;

export class JoinView {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly join: HTMLButtonElement;
  private readonly error: HTMLElement;

  constructor(post: (message: WebviewToHost) => void) {
    this.status = h('p', { className: 'join-status', attrs: { role: 'status' } });
    this.join = h('button', { className: 'button primary', attrs: { type: 'button' }, text: 'Join Group…' });
    this.join.addEventListener('click', () => post({ type: 'joinGroup' }));
    this.error = h('p', { className: 'inline-error', attrs: { role: 'alert', hidden: '' } });
    this.element = h(
      'section',
      { className: 'join', attrs: { 'aria-labelledby': 'join-title' } },
      h(
        'div',
        { className: 'join-card' },
        h('div', { className: 'join-icon', attrs: { 'aria-hidden': 'true' } }),
        h('h1', { attrs: { id: 'join-title' }, text: 'Team Notes' }),
        h('p', { className: 'join-lead', text: 'Join a group to share a board and chat with your teammates over your own network. No cloud, no accounts.' }),
        this.join,
        this.status,
        this.error,
      ),
    );
  }

  render(session: SessionView): void {
    const joining = session.state === 'joining';
    this.join.disabled = joining;
    this.join.textContent = joining ? 'Joining…' : 'Join Group…';
    this.join.setAttribute('aria-busy', String(joining));
    this.status.textContent = joining ? (session.group !== undefined && session.group !== '' ? `Joining “${session.group}”…` : 'Joining…') : '';
    if (joining) this.clearError();
  }

  showError(message: string): void {
    this.error.textContent = message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}…` : message;
    this.error.hidden = false;
  }

  clearError(): void {
    this.error.hidden = true;
    this.error.textContent = '';
  }

  focus(): void {
    if (!this.join.disabled) this.join.focus();
  }
}
