/**
 * The board header's security badge: whether the joined group has a password. Either way links
 * between members are encrypted; an open group lets in anyone on the network who knows its name,
 * so the badge says so (and the tooltip says what to do about it). Hidden while not joined.
 */
import type { SessionView } from '../protocol';
import { h } from './dom';
import { icon } from './icons';

type Security = NonNullable<SessionView['security']>;

const STATES: Record<Security, { label: string; title: string }> = {
  password: {
    label: 'Password-protected · encrypted',
    title: 'Only people who know the group password can join. Links between members are encrypted.',
  },
  open: {
    label: 'Open group · encrypted',
    title: 'Anyone on this network who knows the group name can join. Join with a password to keep strangers out.',
  },
};

export class SecurityBadge {
  readonly element: HTMLElement;
  private readonly glyph: HTMLElement;
  private readonly label: HTMLElement;
  /** The tooltip again, for screen readers (a `title` on a plain element is not reliably read). */
  private readonly detail: HTMLElement;
  private shown: Security | undefined;

  constructor() {
    this.glyph = h('span', { className: 'board-security-icon' });
    this.label = h('span', { className: 'board-security-label' });
    this.detail = h('span', { className: 'visually-hidden' });
    this.element = h('span', { className: 'board-security', attrs: { hidden: '' } }, this.glyph, this.label, this.detail);
  }

  render(session: SessionView): void {
    const security = session.state === 'joined' ? session.security : undefined;
    if (security === this.shown) return;
    this.shown = security;
    if (security === undefined) {
      this.element.hidden = true;
      delete this.element.dataset.security;
      this.element.removeAttribute('title');
      return;
    }
    const { label, title } = STATES[security];
    this.element.hidden = false;
    this.element.dataset.security = security;
    this.element.title = title;
    this.glyph.replaceChildren(icon(security === 'password' ? 'lock' : 'unlock'));
    this.label.textContent = label;
    this.detail.textContent = `. ${title}`;
  }
}
