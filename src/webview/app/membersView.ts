/** The member list: who is in the group, who is online (or being reconnected), which one is you. */
import type { MemberView } from '../protocol';
import { h } from './dom';
import { icon } from './icons';
import type { Person } from './viewState';

type Presence = 'online' | 'reconnecting' | 'offline';

/** Online; not connected but being dialed again; or offline. */
export function presenceOf(member: MemberView): Presence {
  return member.online ? 'online' : member.reconnecting === true ? 'reconnecting' : 'offline';
}

/** Members in display order: you first, then online, reconnecting, offline, each by name. */
export function sortMembers(members: readonly MemberView[], selfId: string | undefined): MemberView[] {
  const ranks: Record<Presence, number> = { online: 1, reconnecting: 2, offline: 3 };
  const rank = (m: MemberView): number => (m.id === selfId ? 0 : ranks[presenceOf(m)]);
  return [...members].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export class MembersView {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly count: HTMLElement;

  constructor(private readonly onMessage: (member: Person) => void) {
    const headingId = 'members-heading';
    this.count = h('span', { className: 'section-count' });
    this.list = h('ul', { className: 'member-list', attrs: { 'aria-labelledby': headingId } });
    this.element = h(
      'section',
      { className: 'side-section members', attrs: { 'aria-labelledby': headingId } },
      h('h2', { className: 'section-header', attrs: { id: headingId } }, h('span', { text: 'Members' }), this.count),
      this.list,
    );
  }

  render(members: readonly MemberView[], selfId: string | undefined): void {
    const online = members.filter((m) => m.online).length;
    this.count.textContent = `${online} of ${members.length} online`;
    this.list.replaceChildren(...sortMembers(members, selfId).map((m) => this.row(m, m.id === selfId)));
  }

  private row(member: MemberView, self: boolean): HTMLLIElement {
    const status = presenceOf(member);
    const reconnecting = status === 'reconnecting';
    const li = h(
      'li',
      {
        className: `member ${status}${self ? ' self' : ''}`,
        attrs: { title: `${member.name}${self ? ' (you)' : ''}: ${status}${member.fingerprint !== undefined ? `; key ${member.fingerprint}` : ''}` },
      },
      // Reconnecting: a turning arrow instead of the dot (still when the user prefers less motion).
      h('span', { className: 'presence', attrs: { 'aria-hidden': 'true' } }, reconnecting && icon('sync', 'icon presence-sync')),
      h('bdi', { className: 'member-name', text: member.name }),
      // Two members may share a name; their keys' fingerprints differ.
      member.fingerprint !== undefined && h('span', { className: 'member-fingerprint', text: member.fingerprint }),
      self && h('span', { className: 'member-you', text: '(you)' }),
      reconnecting ? h('span', { className: 'member-reconnecting', text: 'reconnecting…' }) : h('span', { className: 'visually-hidden', text: `, ${status}` }),
    );
    if (!self) {
      const dm = h('button', {
        className: 'icon-button member-dm',
        attrs: { type: 'button', 'aria-label': `Send a direct message to ${member.name}`, title: `Send a direct message to ${member.name}` },
        text: 'Message',
      });
      dm.addEventListener('click', () => this.onMessage({ id: member.id, name: member.name }));
      li.append(dm);
    }
    return li;
  }
}
