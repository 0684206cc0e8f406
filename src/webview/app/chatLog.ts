/**
 * The chat messages: sender, time, own messages set apart, direct messages marked, and how far each
 * own message has reached. Messages are kept in time order whatever order they arrive in (history
 * caught up from members comes after newer messages), each id once. Only the newest
 * {@link MAX_CHAT_DOM} are kept, so a long-running chat does not slow the panel down, and the DOM
 * is brought up to date once per animation frame, so thousands of messages arriving in a burst
 * cost one layout, not one each.
 */
import type { ChatDelivery, ChatEntry } from '../protocol';
import { h } from './dom';
import { expandableText } from './expandableText';
import { formatCount, formatTime } from './format';
import { icon } from './icons';

/** Messages kept in the DOM; older ones are dropped from the view (the host keeps history). */
export const MAX_CHAT_DOM = 1000;
/** Characters of a message shown before "Show all". */
const CHAT_PREVIEW_CHARS = 2000;
/** How close to the bottom (in pixels) still counts as "reading the latest". */
const STICKY_BOTTOM_PX = 32;
/**
 * Ids of messages dropped as too old that are remembered, so that the same message arriving again
 * is not shown again (older ones are forgotten first).
 */
const MAX_DROPPED_IDS = 10 * MAX_CHAT_DOM;

/** One message: its entry, and its element once drawn. */
interface Row {
  entry: ChatEntry;
  el?: HTMLElement;
  /** The delivery line in `el`, when the entry has a delivery. */
  delivery?: HTMLElement;
}

export class ChatLog {
  readonly element: HTMLElement;
  private readonly log: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly jump: HTMLButtonElement;
  /** The messages kept, oldest first: by time, then by arrival. */
  private rows: Row[] = [];
  private readonly byId = new Map<string, Row>();
  /** Ids of messages dropped as older than the ones kept. */
  private readonly dropped = new Set<string>();
  /** Elements of dropped messages, removed at the next frame. */
  private removed: HTMLElement[] = [];
  /** Drawn messages whose delivery changed since the last frame. */
  private readonly deliveryChanged = new Set<Row>();
  /** Since the last frame: a message arrived that is newer than all the others; one was the user's own. */
  private newAtEnd = false;
  private ownAtEnd = false;
  private frame = 0;
  /**
   * Where the last frame held the reader's place: the message, where it was meant to be, and the
   * scroll position that put it there. While the user does not scroll, the next frame aims for the
   * same spot, so that whole-pixel rounding of the scroll position does not add up over a long
   * catch-up.
   */
  private held: { el: HTMLElement; offset: number; scrollTop: number } | undefined;
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

  /**
   * Replaces every message (a snapshot; the host sends one on every session change). The list may
   * be in any order: it is shown in time order, ties in list order, the first of an id only.
   */
  replaceAll(entries: readonly ChatEntry[]): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.removed = [];
    this.deliveryChanged.clear();
    this.newAtEnd = false;
    this.ownAtEnd = false;
    this.byId.clear();
    this.dropped.clear();
    this.held = undefined;
    const stick = this.stuck;
    const top = this.log.scrollTop;
    const ids = new Set<string>();
    const unique: ChatEntry[] = [];
    for (const entry of entries) {
      if (ids.has(entry.id)) continue;
      ids.add(entry.id);
      unique.push(entry);
    }
    // `sort` is stable: messages of one time stay in the order they came.
    unique.sort((a, b) => a.ts - b.ts);
    const cut = Math.max(0, unique.length - MAX_CHAT_DOM);
    for (let i = 0; i < cut; i += 1) this.forget(unique[i]!.id);
    this.rows = unique.slice(cut).map((entry) => ({ entry }));
    // Announcing a whole history at once helps nobody.
    const busy = this.log.getAttribute('aria-busy') === 'true';
    this.log.setAttribute('aria-busy', 'true');
    const nodes: HTMLElement[] = [];
    for (const row of this.rows) {
      this.byId.set(row.entry.id, row);
      nodes.push(this.draw(row));
    }
    this.log.replaceChildren(...nodes);
    if (!busy) this.log.removeAttribute('aria-busy');
    this.updateEmpty();
    // Someone reading older messages keeps their place.
    if (stick) this.scrollToEnd();
    else this.log.scrollTop = top;
  }

  /**
   * Adds one message in time order (after the ones of the same time). A message whose id is shown
   * already, or that is older than all {@link MAX_CHAT_DOM} kept, is ignored. Drawn at the next frame.
   */
  add(entry: ChatEntry): void {
    if (this.byId.has(entry.id) || this.dropped.has(entry.id)) return;
    const at = this.insertionPoint(entry.ts);
    if (at === 0 && this.rows.length >= MAX_CHAT_DOM) {
      this.forget(entry.id);
      return;
    }
    const row: Row = { entry };
    this.rows.splice(at, 0, row);
    this.byId.set(entry.id, row);
    if (at === this.rows.length - 1) {
      this.newAtEnd = true;
      if (entry.own) this.ownAtEnd = true;
    }
    if (this.rows.length > MAX_CHAT_DOM) {
      for (const oldest of this.rows.splice(0, this.rows.length - MAX_CHAT_DOM)) {
        this.byId.delete(oldest.entry.id);
        this.forget(oldest.entry.id);
        this.deliveryChanged.delete(oldest);
        if (oldest.el !== undefined) this.removed.push(oldest.el);
      }
    }
    this.schedule();
  }

  /** How far an own message has reached (ignored for a message not shown). Drawn at the next frame. */
  setDelivery(id: string, delivery: ChatDelivery): void {
    const row = this.byId.get(id);
    if (row === undefined || !row.entry.own) return;
    row.entry = { ...row.entry, delivery };
    if (row.el === undefined) return;
    this.deliveryChanged.add(row);
    this.schedule();
  }

  /** While set (history being caught up), the log is marked busy, so the history is not read out message by message. */
  setBusy(busy: boolean): void {
    if (busy) this.log.setAttribute('aria-busy', 'true');
    else this.log.removeAttribute('aria-busy');
  }

  /** Index at which a message of time `ts` goes: after every message of that time or older. */
  private insertionPoint(ts: number): number {
    const rows = this.rows;
    // Live messages come newest last: the common case is the end.
    if (rows.length === 0 || rows[rows.length - 1]!.entry.ts <= ts) return rows.length;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.entry.ts <= ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private forget(id: string): void {
    this.dropped.add(id);
    if (this.dropped.size > MAX_DROPPED_IDS) {
      const first = this.dropped.values().next();
      if (first.done !== true) this.dropped.delete(first.value);
    }
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  /** Brings the DOM up to date with the rows: one pass, however many messages arrived since the last frame. */
  private flush(): void {
    const stick = this.stuck || this.ownAtEnd;
    // Someone reading older messages keeps their place, even when older history goes in above.
    const anchor = stick ? undefined : this.anchor();
    for (const el of this.removed) el.remove();
    this.removed = [];
    for (const row of this.deliveryChanged) this.drawDelivery(row);
    this.deliveryChanged.clear();
    // From the newest back: each message not drawn yet goes in before the next one that is.
    let next: HTMLElement | null = null;
    for (let i = this.rows.length - 1; i >= 0; i -= 1) {
      const row = this.rows[i]!;
      if (row.el === undefined) this.log.insertBefore(this.draw(row), next);
      next = row.el ?? null;
    }
    this.updateEmpty();
    this.held = undefined;
    if (stick) this.scrollToEnd();
    else {
      if (anchor !== undefined && anchor.el.isConnected) {
        this.log.scrollTop += this.offsetOf(anchor.el) - anchor.offset;
        this.held = { ...anchor, scrollTop: this.log.scrollTop };
      }
      if (this.newAtEnd) this.jump.hidden = false;
    }
    this.newAtEnd = false;
    this.ownAtEnd = false;
  }

  /** The first message in view that stays, and its distance from the top of the log's box. */
  private anchor(): { el: HTMLElement; offset: number } | undefined {
    if (this.log.clientHeight === 0) return undefined;
    const held = this.held;
    if (held !== undefined && held.el.isConnected && !this.removed.includes(held.el) && this.log.scrollTop === held.scrollTop) return held;
    const children = this.log.children;
    const top = this.log.getBoundingClientRect().top;
    // Children are in order down the log: the first whose bottom is below the top edge is in view.
    let lo = 0;
    let hi = children.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((children[mid] as HTMLElement).getBoundingClientRect().bottom <= top) lo = mid + 1;
      else hi = mid;
    }
    const going = new Set(this.removed);
    for (let i = lo; i < children.length; i += 1) {
      const el = children[i] as HTMLElement;
      if (!going.has(el)) return { el, offset: el.getBoundingClientRect().top - top };
    }
    return undefined;
  }

  private offsetOf(el: HTMLElement): number {
    return el.getBoundingClientRect().top - this.log.getBoundingClientRect().top;
  }

  private draw(row: Row): HTMLElement {
    const entry = row.entry;
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
    row.el = el;
    row.delivery = undefined;
    this.drawDelivery(row);
    return el;
  }

  /** Draws (or redraws in place) the delivery line of an own message. */
  private drawDelivery(row: Row): void {
    const { entry, el } = row;
    if (el === undefined || !entry.own || entry.delivery === undefined) return;
    if (row.delivery === undefined) {
      // Its own live region, switched off: the log announces a new message, not every step of its delivery.
      row.delivery = h('div', { className: 'chat-delivery', attrs: { 'aria-live': 'off' } });
      el.append(row.delivery);
    }
    const line = row.delivery;
    const { delivered, of } = entry.delivery;
    const direct = entry.to !== undefined && of === 1;
    line.removeAttribute('title');
    if (of === 0) {
      line.dataset.state = 'sent';
      line.title = 'Sent; no other member was there to receive it';
      line.textContent = 'sent';
    } else if (delivered < of) {
      line.dataset.state = 'pending';
      line.textContent = direct ? 'sending…' : `delivered to ${formatCount(delivered)} of ${formatCount(of)}`;
    } else {
      line.dataset.state = 'delivered';
      const label = direct && entry.to !== undefined ? `Delivered to ${entry.to.name}` : `Delivered to everyone (${formatCount(of)})`;
      line.replaceChildren(h('span', { className: 'chat-delivered', attrs: { role: 'img', 'aria-label': label, title: label } }, icon('check', 'icon chat-delivered-icon')));
    }
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
