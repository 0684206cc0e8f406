/**
 * The board's heading: the group's name, whether it has a password, and how many items it holds.
 */
import type { SessionView } from '../protocol';
import { h } from './dom';
import { formatCount } from './format';
import { SecurityBadge } from './securityBadge';

export class BoardHeading {
  readonly element: HTMLElement;
  private readonly title = h('h1', { className: 'board-title', text: 'Board' });
  private readonly security = new SecurityBadge();
  private readonly count = h('span', { className: 'board-count', attrs: { 'aria-live': 'off' } });

  constructor() {
    this.element = h('div', { className: 'board-heading' }, this.title, this.security.element, this.count);
  }

  setSession(session: SessionView): void {
    this.title.textContent = session.group !== undefined && session.group !== '' ? session.group : 'Board';
    this.security.render(session);
  }

  setCount(n: number): void {
    this.count.textContent = n === 0 ? '' : n === 1 ? '1 item' : `${formatCount(n)} items`;
  }
}
