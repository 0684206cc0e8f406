/**
 * The chat messages: sender, time, own messages set apart, direct messages marked. Only the newest
 * {@link MAX_CHAT_DOM} stay in the DOM, so a long-running chat does not slow the panel down.
 */
import type { ChatEntry } from '../protocol';
import { h } from './dom';
import { expandableText } from './expandableText';
import { formatTime } from './format';

/** Messages kept in the DOM; older ones are dropped from the view (the host keeps history). */
export const MAX_CHAT_DOM = 1000;
/** Characters of a message shown before "Show all". */
const CHAT_PREVIEW_CHARS = 2000;
/** How close to the bottom (in pixels) still counts as "reading the latest". */
const STICKY_BOTTOM_PX = 32;

export class ChatLog {
  readonly element: HTMLElement;
  private readonly log: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly jump: HTMLButtonElement;
  private readonly byId = new Map<string, HTMLElement>();
  /** The user is reading the latest messages (scrolled to the bottom). */
  private stuck = true;

  constructor() {
    this.log = h('div', { className: 'chat-log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Chat messages', tabindex: '0' } });
    this.empty = h('p', { className: 'chat-empty', text: 'No messages yet. Say hello to the group.' });
    this.jump = h('button', { className: 'chat-jump', attrs: { type: 'button', hidden: '' }, text: 'New messages ↓' });
    this.jump.addEventListener('click', () => this.scrollToEnd());
    this.log.addEventListener('scroll', () => {
      this.stuck = this.atBottom();
      if (this.stuck) this.jump.hidden = true;
    });
    // When the log gets shorter (an error or a taller draft below it), the latest stays in view.
    new ResizeObserver(() => {
      if (this.stuck) this.log.scrollTop = this.log.scrollHeight;
    }).observe(this.log);
    this.element = h('div', { className: 'chat-body' }, this.log, this.empty, this.jump);
  }

  /** Replaces every message (a snapshot; the host sends one on every session change). */
  replaceAll(entries: readonly ChatEntry[]): void {
    const stick = this.stuck;
    const top = this.log.scrollTop;
    // Announcing a whole history at once helps nobody.
    this.log.setAttribute('aria-busy', 'true');
    this.byId.clear();
    const recent = entries.slice(-MAX_CHAT_DOM);
    const nodes: HTMLElement[] = [];
    for (const entry of recent) {
      const previous = this.byId.get(entry.id);
      const el = this.render(entry);
      if (previous !== undefined) nodes[nodes.indexOf(previous)] = el;
      else nodes.push(el);
      this.byId.set(entry.id, el);
    }
    this.log.replaceChildren(...nodes);
    this.log.removeAttribute('aria-busy');
    this.updateEmpty();
    // Someone reading older messages keeps their place.
    if (stick) this.scrollToEnd();
    else this.log.scrollTop = top;
  }

  /** Adds one message, or replaces the one with the same id. */
  add(entry: ChatEntry): void {
    const stick = this.atBottom() || entry.own;
    const el = this.render(entry);
    const previous = this.byId.get(entry.id);
    this.byId.set(entry.id, el);
    if (previous !== undefined) {
      previous.replaceWith(el);
      return;
    }
    this.log.append(el);
    while (this.log.childElementCount > MAX_CHAT_DOM) {
      const oldest = this.log.firstElementChild as HTMLElement | null;
      if (oldest === null) break;
      const id = oldest.dataset.id;
      if (id !== undefined && this.byId.get(id) === oldest) this.byId.delete(id);
      oldest.remove();
    }
    this.updateEmpty();
    if (stick) this.scrollToEnd();
    else this.jump.hidden = false;
  }

  private render(entry: ChatEntry): HTMLElement {
    const time = formatTime(entry.ts);
    const meta = h('div', { className: 'chat-meta' });
    if (entry.to !== undefined && !entry.own) {
      meta.append(h('span', { className: 'chat-sender' }, 'from ', h('bdi', { text: entry.from.name })), h('span', { className: 'chat-direct', text: '(direct)' }));
    } else {
      meta.append(h('bdi', { className: 'chat-sender', text: entry.own ? 'You' : entry.from.name }));
      if (entry.to !== undefined) meta.append(h('span', { className: 'chat-direct' }, 'to ', h('bdi', { text: entry.to.name })));
    }
    if (time.short !== '') meta.append(h('time', { className: 'chat-time', attrs: { datetime: time.iso, title: time.label }, text: time.short }));
    const classes = ['chat-message', entry.own ? 'own' : 'other'];
    if (entry.to !== undefined) classes.push('direct');
    const el = h('div', { className: classes.join(' ') }, meta, expandableText(entry.text, { previewChars: CHAT_PREVIEW_CHARS, className: 'chat-text' }).element);
    el.dataset.id = entry.id;
    return el;
  }

  private updateEmpty(): void {
    this.empty.hidden = this.log.childElementCount > 0;
  }

  private atBottom(): boolean {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight <= STICKY_BOTTOM_PX;
  }

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
    this.stuck = true;
    this.jump.hidden = true;
  }
}
