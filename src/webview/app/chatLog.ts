/**
 * The chat messages: sender, time, own messages set apart, direct messages marked, and how far each
 * own message has reached; between them, lines saying who joined and who left. Links in messages
 * open through the host (never by the page itself). Messages are kept in time order whatever order they arrive in (history
 * caught up from members comes after newer messages), each id once. Only the newest
 * {@link MAX_CHAT_DOM} are kept, so a long-running chat does not slow the panel down, and the DOM
 * is brought up to date once per animation frame, so thousands of messages arriving in a burst
 * cost one layout, not one each.
 */
import type { ChatDelivery, ChatEntry, PresenceLine, WebviewToHost } from '../protocol';
import { drawDelivery, drawMessage, drawPresence } from './chatLines';
import { h } from './dom';

/** Messages kept in the DOM; older ones are dropped from the view (the host keeps history). */
export const MAX_CHAT_DOM = 1000;
/** How close to the bottom (in pixels) still counts as "reading the latest". */
const STICKY_BOTTOM_PX = 32;
/**
 * Ids of messages dropped as too old that are remembered, so that the same message arriving again
 * is not shown again (older ones are forgotten first).
 */
const MAX_DROPPED_IDS = 10 * MAX_CHAT_DOM;

/** One message (its entry) or one join or leave line, and its element once drawn. */
interface Row {
  id: string;
  ts: number;
  entry?: ChatEntry;
  line?: PresenceLine;
  el?: HTMLElement;
  /** The delivery line in `el`, when the entry has a delivery. */
  delivery?: HTMLElement;
  /** Marked `settled`: laid out only when in view. */
  settled?: true;
}

/**
 * Rows this far from the newest are marked `settled` (laid out only when in view, see board.css):
 * more than a panel shows, so the end the log sticks to is always laid out exactly.
 */
const SETTLED_AFTER = 100;
/** While history is caught up, the chat is drawn at most this often (ms): a few times a second shows it coming in. */
const CATCH_UP_DRAW_MS = 250;
/** Rows past {@link MAX_CHAT_DOM} that may wait for the next frame before they are dropped. */
const TRIM_SLACK = MAX_CHAT_DOM / 4;

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
  /** While history is caught up: the wait before the next draw, and when the last one was. */
  private drawTimer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = 0;
  private busy = false;
  /**
   * Where the last frame held the reader's place: the message, where it was meant to be, and the
   * scroll position that put it there. While the user does not scroll, the next frame aims for the
   * same spot, so that whole-pixel rounding of the scroll position does not add up over a long
   * catch-up.
   */
  private held: { el: HTMLElement; offset: number; scrollTop: number } | undefined;
  /** The user is reading the latest messages (scrolled to the bottom). */
  private stuck = true;
  /** The user's display name, whose mentions are marked. */
  private selfName: string | undefined;

  constructor(private readonly post: (message: WebviewToHost) => void) {
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
    // Links open through the host, which asks VS Code's opener; the page never follows one itself.
    const openLink = (event: MouseEvent): void => {
      const link = event.target instanceof Element ? event.target.closest('a.chat-link') : null;
      if (link === null || (event.type === 'auxclick' && event.button !== 1)) return;
      event.preventDefault();
      event.stopPropagation();
      const url = link.getAttribute('href');
      if (url !== null) this.post({ type: 'openLink', url });
    };
    // A code location opens in the member's own checkout, found by the host (which checks it again).
    this.log.addEventListener('click', (event) => {
      const location = event.target instanceof Element ? event.target.closest('button.chat-code-location') : null;
      if (!(location instanceof HTMLElement)) return;
      event.stopPropagation();
      const { path, startLine, endLine, quote } = location.dataset;
      if (path === undefined) return;
      this.post({ type: 'openCode', path, startLine: Number(startLine), endLine: Number(endLine), ...(quote !== undefined && { code: quote }) });
    });
    this.log.addEventListener('click', openLink);
    this.log.addEventListener('auxclick', openLink);
    this.element = h('div', { className: 'chat-body' }, this.log, this.empty, this.jump);
  }

  /** Whose mentions are marked in messages drawn from now on (the user's display name). */
  setSelfName(name: string | undefined): void {
    this.selfName = name;
  }

  /**
   * Replaces every message (a snapshot; the host sends one on every session change). The list may
   * be in any order: it is shown in time order, ties in list order, the first of an id only.
   */
  replaceAll(entries: readonly ChatEntry[], lines: readonly PresenceLine[] = []): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    clearTimeout(this.drawTimer);
    this.drawTimer = undefined;
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
    const unique: Row[] = [];
    for (const row of [...entries.map(messageRow), ...lines.map(presenceRow)]) {
      if (ids.has(row.id)) continue;
      ids.add(row.id);
      unique.push(row);
    }
    // `sort` is stable: messages of one time stay in the order they came.
    unique.sort((a, b) => a.ts - b.ts);
    const cut = Math.max(0, unique.length - MAX_CHAT_DOM);
    for (let i = 0; i < cut; i += 1) this.forget(unique[i]!.id);
    this.rows = unique.slice(cut);
    // Announcing a whole history at once helps nobody.
    const busy = this.log.getAttribute('aria-busy') === 'true';
    this.log.setAttribute('aria-busy', 'true');
    const nodes: HTMLElement[] = [];
    for (const row of this.rows) {
      this.byId.set(row.id, row);
      nodes.push(this.draw(row));
    }
    this.log.replaceChildren(...nodes);
    this.settle();
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
    this.insert(messageRow(entry));
  }

  /** Adds a "joined" or "left" line in time order, like {@link add}. */
  addPresence(line: PresenceLine): void {
    this.insert(presenceRow(line));
  }

  private insert(row: Row): void {
    if (this.byId.has(row.id) || this.dropped.has(row.id)) return;
    const at = this.insertionPoint(row.ts);
    // Older than the newest MAX_CHAT_DOM once it is in: dropped at once.
    if (at < this.rows.length + 1 - MAX_CHAT_DOM) {
      this.forget(row.id);
      return;
    }
    this.rows.splice(at, 0, row);
    this.byId.set(row.id, row);
    if (at === this.rows.length - 1) {
      this.newAtEnd = true;
      if (row.entry?.own === true) this.ownAtEnd = true;
    }
    // The oldest go a slack's worth at a time (and at the next frame), not one by one: in a burst of
    // thousands each one-by-one removal would shift the whole array.
    if (this.rows.length > MAX_CHAT_DOM + TRIM_SLACK) this.trim();
    this.schedule();
  }

  /** Drops the rows older than the newest {@link MAX_CHAT_DOM}. */
  private trim(): void {
    if (this.rows.length <= MAX_CHAT_DOM) return;
    for (const oldest of this.rows.splice(0, this.rows.length - MAX_CHAT_DOM)) {
      this.byId.delete(oldest.id);
      this.forget(oldest.id);
      this.deliveryChanged.delete(oldest);
      if (oldest.el !== undefined) this.removed.push(oldest.el);
    }
  }

  /** How far an own message has reached (ignored for a message not shown). Drawn at the next frame. */
  setDelivery(id: string, delivery: ChatDelivery): void {
    const row = this.byId.get(id);
    if (row?.entry === undefined || !row.entry.own) return;
    row.entry = { ...row.entry, delivery };
    if (row.el === undefined) return;
    this.deliveryChanged.add(row);
    this.schedule();
  }

  /** While set (history being caught up), the log is marked busy, so the history is not read out message by message. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    if (busy) this.log.setAttribute('aria-busy', 'true');
    else this.log.removeAttribute('aria-busy');
    // Caught up: what waits is drawn at the next frame.
    if (!busy && this.drawTimer !== undefined) {
      clearTimeout(this.drawTimer);
      this.drawTimer = undefined;
      this.schedule();
    }
  }

  /** Index at which a message of time `ts` goes: after every message of that time or older. */
  private insertionPoint(ts: number): number {
    const rows = this.rows;
    // Live messages come newest last: the common case is the end.
    if (rows.length === 0 || rows[rows.length - 1]!.ts <= ts) return rows.length;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.ts <= ts) lo = mid + 1;
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

  /**
   * Draws at the next frame; while history is being caught up, at most every
   * {@link CATCH_UP_DRAW_MS}: a burst of thousands keeps only the newest {@link MAX_CHAT_DOM}, and
   * drawing each frame's arrivals would draw most of them only to drop them a frame later.
   */
  private schedule(): void {
    if (this.frame !== 0 || this.drawTimer !== undefined) return;
    const wait = this.busy ? this.lastDraw + CATCH_UP_DRAW_MS - performance.now() : 0;
    if (wait > 0) {
      this.drawTimer = setTimeout(() => {
        this.drawTimer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  /** Brings the DOM up to date with the rows: one pass, however many messages arrived since the last frame. */
  private flush(): void {
    this.lastDraw = performance.now();
    this.trim();
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
    this.settle();
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

  /** Marks the rows far enough from the newest as settled (older history may have gone in anywhere above). */
  private settle(): void {
    for (let i = this.rows.length - SETTLED_AFTER - 1; i >= 0; i -= 1) {
      const row = this.rows[i]!;
      if (row.el === undefined || row.settled === true) continue;
      row.el.classList.add('settled');
      row.settled = true;
    }
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
    row.delivery = undefined;
    row.settled = undefined;
    if (row.entry === undefined) {
      row.el = drawPresence(row.line!);
      return row.el;
    }
    row.el = drawMessage(row.entry, this.selfName);
    this.drawDelivery(row);
    return row.el;
  }

  private drawDelivery(row: Row): void {
    if (row.el !== undefined && row.entry !== undefined) row.delivery = drawDelivery(row.el, row.entry, row.delivery);
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

function messageRow(entry: ChatEntry): Row {
  return { id: entry.id, ts: entry.ts, entry };
}

function presenceRow(line: PresenceLine): Row {
  return { id: line.id, ts: line.ts, line };
}
