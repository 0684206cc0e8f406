/**
 * Chat history caught up from members, in the real board webview: entries arriving out of time
 * order, duplicates, delivery of own messages, reconnecting members, the catch-up status line, and
 * a burst of thousands of messages. Also the host-message checks for the new fields (in Node).
 */
import { strict as assert } from 'node:assert';
import { MAX_COUNT, parseChatEntry, parseHostMessage, parseMember, parseSession } from '../../src/webview/app/hostMessages';
import type { ChatEntry, HostToWebview, MemberView } from '../../src/webview/protocol';
import { ALICE, BOB, CAROL, DMITRI, JOINED, MEMBERS, note, snapshot } from './fixtures';
import { useBoard } from './boardSuite';
import type { PageDocument, PageElement } from './pageTypes';

// Used only inside functions that run in the page (see pageTypes.ts).
declare const document: PageDocument;
declare function getComputedStyle(element: PageElement): { animationName: string; color: string };

/** This morning at 08:00: the chat shows times of day. */
const BASE = new Date(new Date().setHours(8, 0, 0, 0)).getTime();
/** Messages kept in the DOM (src/webview/app/chatLog.ts). */
const MAX_CHAT_DOM = 1000;

/** Message `n` at BASE + n seconds, with text `message n`. */
function entry(n: number, from: { id: string; name: string } = BOB, extra: Partial<ChatEntry> = {}): ChatEntry {
  return { id: `hist-${String(n).padStart(8, '0')}`, from, text: `message ${n}`, ts: BASE + n * 1000, own: from.id === ALICE.id, ...extra };
}

/** 0 … n-1 in a fixed shuffled order. */
function shuffled(n: number, seed = 7): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i -= 1) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('chat history and delivery', function () {
  this.timeout(60_000);
  const t = useBoard();
  const texts = () => t.page.locator('.chat-text').allTextContents();
  const delivery = (id: string) => t.page.locator(`.chat-message[data-id="${id}"] .chat-delivery`);

  describe('order', () => {
    it('shows entries in time order whatever order they arrive in, ties by arrival, each id once', async () => {
      await t.send(snapshot({ chat: [entry(30), entry(10)] }));
      assert.deepEqual(await texts(), ['message 10', 'message 30']);
      await t.send({ type: 'chat', entry: entry(20) });
      await t.send({ type: 'chat', entry: entry(40) });
      await t.send({ type: 'chat', entry: entry(5) });
      assert.deepEqual(await texts(), ['message 5', 'message 10', 'message 20', 'message 30', 'message 40']);
      // Same time as message 20: after it, it arrived later.
      await t.send({ type: 'chat', entry: { ...entry(20), id: 'tie-00000000000000001', text: 'same time, later' } });
      // Ids already shown, with other text and time: ignored.
      await t.send({ type: 'chat', entry: { ...entry(20), text: 'a second copy' } });
      await t.send({ type: 'chat', entry: { ...entry(5), ts: BASE + 99_000, text: 'moved?' } });
      assert.deepEqual(await texts(), ['message 5', 'message 10', 'message 20', 'same time, later', 'message 30', 'message 40']);
      assert.equal(await t.page.locator('.chat-message[data-id="hist-00000020"]').count(), 1);
    });

    it('sorts an unsorted snapshot, keeps the first of a repeated id, and keeps the newest 1,000 by time', async () => {
      await t.send(snapshot({ chat: [entry(3), entry(1), { ...entry(3), text: 'repeat' }, entry(2)] }));
      assert.deepEqual(await texts(), ['message 1', 'message 2', 'message 3']);
      const many = shuffled(1500).map((n) => entry(n));
      await t.send(snapshot({ chat: many }));
      const shown = await texts();
      assert.equal(shown.length, MAX_CHAT_DOM);
      assert.deepEqual(shown, Array.from({ length: MAX_CHAT_DOM }, (_, i) => `message ${500 + i}`));
      // Older than everything kept: not shown. Newer: at the end.
      await t.send({ type: 'chat', entry: entry(100) });
      await t.send({ type: 'chat', entry: entry(2000) });
      const after = await texts();
      assert.equal(after.length, MAX_CHAT_DOM);
      assert.equal(after[0], 'message 501');
      assert.equal(after.at(-1), 'message 2000');
      assert.ok(!after.includes('message 100'));
    });

    it('keeps the reader’s place when older history goes in above, and shows "New messages" only for newer ones', async () => {
      await t.send(snapshot({ chat: Array.from({ length: 80 }, (_, i) => entry(1000 + i)) }));
      const log = t.page.locator('.chat-log');
      // Scrolled up into the middle, as someone reading back would be.
      await log.evaluate((el: PageElement) => {
        el.scrollTop = 1200;
      });
      await t.nextFrame();
      await t.nextFrame();
      const probe = async () =>
        log.evaluate((el: PageElement) => {
          const top = el.getBoundingClientRect().top;
          const first = [...el.children].find((c) => c.getBoundingClientRect().top + c.getBoundingClientRect().height > top);
          return { id: first?.dataset.id, offset: first === undefined ? 0 : first.getBoundingClientRect().top - top };
        });
      const before = await probe();
      assert.ok(before.id !== undefined);
      const offsetOf = (id: string) =>
        log.evaluate((el: PageElement, which: string) => {
          const m = el.querySelector(`[data-id="${which}"]`);
          return m === null ? Number.NaN : m.getBoundingClientRect().top - el.getBoundingClientRect().top;
        }, id);
      // Older history: goes in above the view; what the reader looks at does not move.
      for (const n of [3, 1, 2, 5, 4]) await t.send({ type: 'chat', entry: entry(n) });
      assert.deepEqual((await texts()).slice(0, 5), ['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
      assert.ok(Math.abs((await offsetOf(before.id)) - before.offset) <= 1, `moved from ${before.offset} to ${await offsetOf(before.id)}`);
      assert.equal(await t.page.locator('.chat-jump').isVisible(), false, 'nothing new below');
      // A newer message: the place is kept too, and the reader is told.
      await t.send({ type: 'chat', entry: entry(5000) });
      assert.ok(Math.abs((await offsetOf(before.id)) - before.offset) <= 1);
      assert.equal(await t.page.locator('.chat-jump').isVisible(), true);
      // At the bottom, older history going in above keeps the latest in view.
      await t.page.locator('.chat-jump').click();
      await t.nextFrame();
      for (const n of [7, 6]) await t.send({ type: 'chat', entry: entry(n) });
      const gap = await log.evaluate((el: PageElement) => {
        const box = el as unknown as { scrollHeight: number; scrollTop: number; clientHeight: number };
        return box.scrollHeight - box.scrollTop - box.clientHeight;
      });
      assert.ok(gap <= 1, `${gap}px from the bottom`);
      // An own message scrolls to it even from higher up.
      await log.evaluate((el: PageElement) => {
        el.scrollTop = 0;
      });
      await t.nextFrame();
      await t.nextFrame();
      await t.send({ type: 'chat', entry: entry(6000, ALICE) });
      const ownGap = await log.evaluate((el: PageElement) => {
        const box = el as unknown as { scrollHeight: number; scrollTop: number; clientHeight: number };
        return box.scrollHeight - box.scrollTop - box.clientHeight;
      });
      assert.ok(ownGap <= 1, `${ownGap}px from the bottom after an own message`);
    });
  });

  describe('delivery', () => {
    it('says "delivered to 2 of 3" until everyone has it, then a check, updated in place', async () => {
      const own = entry(1, ALICE, { delivery: { delivered: 0, of: 3 } });
      await t.send(snapshot({ chat: [entry(0), own] }));
      assert.equal(await delivery(own.id).textContent(), 'delivered to 0 of 3');
      await t.page.locator(`.chat-message[data-id="${own.id}"]`).evaluate((el: PageElement) => {
        el.dataset.probe = 'same';
      });
      await t.send({ type: 'chatDelivery', id: own.id, delivery: { delivered: 2, of: 3 } });
      assert.equal(await delivery(own.id).textContent(), 'delivered to 2 of 3');
      await t.send({ type: 'chatDelivery', id: own.id, delivery: { delivered: 3, of: 3 } });
      const check = t.page.getByRole('img', { name: 'Delivered to everyone (3)' });
      assert.equal(await check.count(), 1);
      assert.equal(await check.getAttribute('title'), 'Delivered to everyone (3)');
      assert.equal(await check.locator('svg path').count(), 1);
      assert.equal(await delivery(own.id).textContent(), '');
      assert.equal(await t.page.locator(`.chat-message[data-id="${own.id}"]`).getAttribute('data-probe'), 'same', 'the bubble was updated, not replaced');
      // Muted, inside the bubble; and out of the log's announcements.
      assert.equal(await delivery(own.id).getAttribute('aria-live'), 'off');
      const opacity = await delivery(own.id).evaluate((el: PageElement) => Number((getComputedStyle(el) as unknown as { opacity: string }).opacity));
      assert.ok(opacity < 1);
      // Others' messages have no delivery line.
      assert.equal(await t.page.locator('.chat-message.other .chat-delivery').count(), 0);
    });

    it('says "sent" when nobody else was there', async () => {
      const own = entry(1, ALICE, { delivery: { delivered: 0, of: 0 } });
      await t.send(snapshot({ chat: [own] }));
      assert.equal(await delivery(own.id).textContent(), 'sent');
    });

    it('says "sending…" for a direct message until it arrives, then a check', async () => {
      await t.send(snapshot({ chat: [] }));
      const dm = entry(1, ALICE, { to: BOB, delivery: { delivered: 0, of: 1 } });
      await t.send({ type: 'chat', entry: dm });
      assert.equal(await delivery(dm.id).textContent(), 'sending…');
      await t.send({ type: 'chatDelivery', id: dm.id, delivery: { delivered: 1, of: 1 } });
      const check = t.page.getByRole('img', { name: 'Delivered to Bob' });
      assert.equal(await check.count(), 1);
      assert.equal(await check.getAttribute('title'), 'Delivered to Bob');
    });

    it('applies a delivery that arrives in the same frame as its message, and ignores unknown ids and others’ messages', async () => {
      await t.send(snapshot({ chat: [entry(0)] }));
      const own = entry(1, ALICE, { delivery: { delivered: 0, of: 2 } });
      await t.page.evaluate(
        (ms: unknown[]) => {
          for (const m of ms) (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*');
        },
        [
          { type: 'chat', entry: own },
          { type: 'chatDelivery', id: own.id, delivery: { delivered: 1, of: 2 } },
          { type: 'chatDelivery', id: 'nobody-000000000000001', delivery: { delivered: 1, of: 1 } },
          { type: 'chatDelivery', id: entry(0).id, delivery: { delivered: 1, of: 1 } },
        ],
      );
      await t.send({ type: 'chat', entry: entry(2) });
      assert.equal(await delivery(own.id).textContent(), 'delivered to 1 of 2');
      assert.equal(await t.page.locator('.chat-delivery').count(), 1);
    });
  });

  describe('members', () => {
    const members: MemberView[] = [...MEMBERS.filter((m) => m.id !== CAROL.id), { ...CAROL, online: false, reconnecting: true }, { id: 'erin-00000000000000005', name: 'Erin', online: false }];

    it('shows a reconnecting member as "reconnecting…" with a turning arrow, not as offline', async () => {
      await t.send(snapshot({ members }));
      const carol = t.page.locator('.member', { hasText: 'Carol' });
      assert.equal(await carol.getAttribute('class'), 'member reconnecting');
      assert.equal(await carol.locator('.member-reconnecting').textContent(), 'reconnecting…');
      assert.equal(await carol.locator('.presence svg').count(), 1);
      assert.match((await carol.getAttribute('title')) ?? '', /Carol: reconnecting/);
      assert.equal(await carol.locator('.presence svg').evaluate((el: PageElement) => getComputedStyle(el).animationName), 'presence-spin');
      // The offline one still looks offline; reconnecting sorts between online and offline.
      const erin = t.page.locator('.member', { hasText: 'Erin' });
      assert.equal(await erin.getAttribute('class'), 'member offline');
      assert.equal(await erin.locator('.member-reconnecting').count(), 0);
      assert.deepEqual(await t.page.locator('.member-name').allTextContents(), ['Alice', 'Bob', 'Dmitri', 'Carol', 'Erin']);
      assert.equal(await t.page.locator('.members .section-count').textContent(), '3 of 5 online');
      // The name is not dimmed as an offline one is.
      const colours = await t.page.evaluate(() => [...document.querySelectorAll('.member-name')].map((el) => getComputedStyle(el).color));
      assert.notEqual(colours[3], colours[4]);
      // Once back online, the label goes.
      await t.send({ type: 'members', members: MEMBERS });
      assert.equal(await t.page.locator('.member-reconnecting').count(), 0);
      assert.equal(await t.page.locator('.member', { hasText: 'Carol' }).getAttribute('class'), 'member offline');
    });

    it('holds the arrow still when the user prefers less motion', async () => {
      await t.page.emulateMedia({ reducedMotion: 'reduce' });
      await t.send(snapshot({ members }));
      assert.equal(await t.page.locator('.member.reconnecting .presence svg').evaluate((el: PageElement) => getComputedStyle(el).animationName), 'none');
    });
  });

  describe('catching up', () => {
    it('shows a polite status line with the count while catching up, and removes it after', async () => {
      await t.send(snapshot());
      const status = t.page.getByRole('status').filter({ hasText: 'Catching up on history' });
      assert.equal(await status.count(), 0);
      await t.send({ type: 'session', session: { ...JOINED, catchUp: { received: 1234 } } });
      assert.equal(await status.isVisible(), true);
      assert.equal(await status.getAttribute('aria-live'), 'polite');
      assert.equal(await status.locator('.catch-up-text').textContent(), 'Catching up on history… 1,234 messages');
      assert.equal(await status.locator('.visually-hidden').textContent(), 'Catching up on history… 1,234 messages');
      assert.equal(await t.page.locator('.chat-log').getAttribute('aria-busy'), 'true');
      // Above the board and the chat.
      const bar = await status.boundingBox();
      const board = await t.page.locator('.board').boundingBox();
      const side = await t.page.locator('.side').boundingBox();
      assert.ok(bar !== null && board !== null && side !== null);
      assert.ok(bar.y + bar.height <= board.y + 1 && bar.y + bar.height <= side.y + 1 && bar.height <= 32, JSON.stringify({ bar, board, side }));
      assert.ok(bar.width >= board.width + side.width - 1);
      // The count on screen follows at once.
      await t.send({ type: 'session', session: { ...JOINED, catchUp: { received: 5001 } } });
      assert.equal(await status.locator('.catch-up-text').textContent(), 'Catching up on history… 5,001 messages');
      await t.send({ type: 'session', session: JOINED });
      assert.equal(await status.count(), 0);
      assert.equal(await t.page.locator('.catch-up').isVisible(), false);
      assert.equal(await t.page.locator('.chat-log').getAttribute('aria-busy'), null);
      assert.equal(await t.page.locator('.board').boundingBox().then((b) => b?.y), 0, 'the board is back at the top');
    });

    it('shows it from a snapshot too, without a count before the first message', async () => {
      await t.send(snapshot({ session: { ...JOINED, catchUp: { received: 0 } } }));
      assert.equal(await t.page.locator('.catch-up-text').textContent(), 'Catching up on history…');
      await t.send({ type: 'session', session: { ...JOINED, catchUp: { received: 1 } } });
      assert.equal(await t.page.locator('.catch-up-text').textContent(), 'Catching up on history… 1 message');
    });

    it('draws the chat a few times a second while catching up, at once when it ends, and every frame otherwise', async () => {
      await t.send(snapshot({ chat: [], session: { ...JOINED, catchUp: { received: 0 } } }));
      // Each draw adds its messages to the log in one go: one observer record per draw.
      await t.page.evaluate(`(() => {
        window.__draws = 0;
        new MutationObserver((records) => {
          if (records.some((r) => r.addedNodes.length > 0)) window.__draws += 1;
        }).observe(document.querySelector('.chat-log'), { childList: true });
      })()`);
      const draws = async () => (await t.page.evaluate('window.__draws')) as number;
      const started = (await t.page.evaluate('performance.now()')) as number;
      // A message a frame for 40 frames: drawn each frame, that would be 40 draws.
      for (let n = 0; n < 40; n += 1) await t.send({ type: 'chat', entry: entry(n) });
      const elapsed = ((await t.page.evaluate('performance.now()')) as number) - started;
      const during = await draws();
      assert.ok(during <= Math.floor(elapsed / 250) + 2, `${during} draws in ${Math.round(elapsed)} ms of catching up`);
      if (elapsed >= 600) assert.ok(during >= 1, `nothing drawn in ${Math.round(elapsed)} ms of catching up`);
      // The end of the catch-up draws what waits in the next frame.
      await t.send({ type: 'session', session: JOINED });
      assert.deepEqual(await texts(), Array.from({ length: 40 }, (_, n) => `message ${n}`));
      // Live again: each message is drawn in the frame after it arrives.
      const before = await draws();
      for (let n = 40; n < 45; n += 1) {
        await t.send({ type: 'chat', entry: entry(n) });
        assert.equal((await texts()).at(-1), `message ${n}`);
      }
      assert.equal((await draws()) - before, 5);
    });
  });

  describe('a burst', () => {
    it('takes 5,000 chat messages in one burst, stays responsive and ends in order with a bounded DOM', async () => {
      await t.send(snapshot({ chat: [], session: { ...JOINED, catchUp: { received: 0 } } }));
      const order = shuffled(5000, 11);
      const messages: HostToWebview[] = order.map((n) => ({ type: 'chat', entry: entry(n, n % 7 === 0 ? ALICE : n % 2 === 0 ? BOB : DMITRI) }));
      // Posted all at once, as a host catching up would; frames are timed while they are handled.
      await t.page.evaluate(`(() => {
        window.__frames = [];
        const tick = (time) => { window.__frames.push(time); if (window.__frames.length < 100000) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      })()`);
      const started = Date.now();
      await t.page.evaluate((ms: unknown[]) => {
        for (const m of ms) (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*');
      }, messages);
      // Handled after the burst (messages are handled in order).
      await t.send({ type: 'session', session: JOINED });
      const handled = Date.now() - started;
      // The page answers promptly right after.
      const probeStarted = Date.now();
      const count = await t.page.locator('.chat-message').count();
      const probe = Date.now() - probeStarted;
      const longestFrameGap = (await t.page.evaluate(`(() => {
        const f = window.__frames;
        let gap = 0;
        for (let i = 1; i < f.length; i += 1) gap = Math.max(gap, f[i] - f[i - 1]);
        return gap;
      })()`)) as number;
      // Generous bounds: they catch a frozen panel, not a slow machine.
      assert.ok(handled < 15_000, `handled in ${handled} ms`);
      assert.ok(probe < 1000, `answered in ${probe} ms`);
      assert.ok(longestFrameGap < 1000, `longest gap between frames ${Math.round(longestFrameGap)} ms`);
      assert.equal(count, MAX_CHAT_DOM);
      const shown = await texts();
      assert.deepEqual(shown, Array.from({ length: MAX_CHAT_DOM }, (_, i) => `message ${4000 + i}`));
      // Still live: a new message goes to the end, a delivery still lands.
      await t.send({ type: 'chat', entry: entry(9000, ALICE, { delivery: { delivered: 0, of: 2 } }) });
      await t.send({ type: 'chatDelivery', id: entry(9000).id, delivery: { delivered: 2, of: 2 } });
      assert.equal((await texts()).at(-1), 'message 9000');
      assert.equal(await t.page.getByRole('img', { name: 'Delivered to everyone (2)' }).count(), 1);
      assert.equal(await t.page.locator('.chat-message').count(), MAX_CHAT_DOM);
      // Only the older messages skip layout while out of view; the newest are laid out, and the
      // log sits exactly at its end.
      const layout = await t.page.locator('.chat-log').evaluate((log: PageElement) => {
        const children = [...log.children];
        const settled = children.map((c) => c.classList.contains('settled'));
        return { firstSettled: settled[0], lastSettled: settled.lastIndexOf(true), count: children.length, gap: log.scrollHeight - log.scrollTop - log.clientHeight };
      });
      assert.equal(layout.firstSettled, true);
      assert.equal(layout.lastSettled, layout.count - 101, 'the newest 100 are laid out');
      assert.ok(layout.gap <= 1, `${layout.gap}px from the end`);
    });

    it('stays responsive while board items and chat messages arrive together', async () => {
      await t.send(snapshot({ chat: [], board: [] }));
      const messages: HostToWebview[] = [];
      for (let i = 0; i < 2000; i += 1) {
        messages.push({ type: 'boardItem', item: note(`burst-note-${String(i).padStart(6, '0')}`, `note ${i}`, (i % 50) * 160, Math.floor(i / 50) * 120) });
        messages.push({ type: 'chat', entry: entry(2000 - i) });
      }
      const started = Date.now();
      await t.page.evaluate((ms: unknown[]) => {
        for (const m of ms) (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*');
      }, messages);
      await t.send({ type: 'chat', entry: entry(5000) });
      const handled = Date.now() - started;
      const probeStarted = Date.now();
      const count = await t.page.locator('.board-count').textContent();
      assert.ok(Date.now() - probeStarted < 1000);
      assert.ok(handled < 15_000, `handled in ${handled} ms`);
      assert.equal(count, '2,000 items');
      const shown = await texts();
      assert.equal(shown.length, MAX_CHAT_DOM);
      assert.equal(shown[0], 'message 1002');
      assert.equal(shown.at(-1), 'message 5000');
    });
  });

  describe('bad input', () => {
    it('drops a malformed chatDelivery without breaking the page', async () => {
      const own = entry(1, ALICE, { delivery: { delivered: 1, of: 3 } });
      await t.send(snapshot({ chat: [own] }));
      const junk: unknown[] = [
        { type: 'chatDelivery', id: own.id, delivery: { delivered: -1, of: 3 } },
        { type: 'chatDelivery', id: own.id, delivery: { delivered: 4, of: 3 } },
        { type: 'chatDelivery', delivery: { delivered: 2, of: 3 } },
        { type: 'chatDelivery', id: '', delivery: { delivered: 2, of: 3 } },
        { type: 'chatDelivery', id: own.id },
        { type: 'chatDelivery', id: own.id, delivery: { delivered: 2, of: -3 } },
        { type: 'chatDelivery', id: own.id, delivery: { delivered: 1.5, of: 3 } },
        { type: 'chatDelivery', id: own.id, delivery: { delivered: '3', of: '3' } },
        { type: 'chatDelivery', id: own.id, delivery: { delivered: 3, of: Number.POSITIVE_INFINITY } },
        { type: 'chatDelivery', id: own.id, delivery: null },
        { type: 'chatDelivery', id: { toString: 1 }, delivery: { delivered: 3, of: 3 } },
        { type: 'chat', entry: { ...entry(2, ALICE), delivery: { delivered: 5, of: 1 } } },
        { type: 'members', members: [{ ...BOB, online: false, reconnecting: 'yes' }] },
        { type: 'session', session: { ...JOINED, catchUp: { received: -5 } } },
      ];
      for (const message of junk) await t.send(message);
      assert.equal(await delivery(own.id).textContent(), 'delivered to 1 of 3');
      // A bad delivery on an entry loses the label, not the message.
      assert.deepEqual(await texts(), ['message 1', 'message 2']);
      assert.equal(await delivery(entry(2).id).count(), 0);
      assert.equal(await t.page.locator('.member-reconnecting').count(), 0);
      assert.equal(await t.page.locator('.catch-up-text').count(), 0);
      await t.send({ type: 'chatDelivery', id: own.id, delivery: { delivered: 3, of: 3 } });
      assert.equal(await t.page.getByRole('img', { name: 'Delivered to everyone (3)' }).count(), 1);
    });

    it('checks the new fields in the host-message validator', () => {
      const ok = { type: 'chatDelivery', id: 'msg-00000001', delivery: { delivered: 2, of: 3 } };
      assert.deepEqual(parseHostMessage({ ...ok, extra: 1, delivery: { ...ok.delivery, extra: 1 } }), ok);
      assert.deepEqual(parseHostMessage({ ...ok, delivery: { delivered: 0, of: 0 } }), { ...ok, delivery: { delivered: 0, of: 0 } });
      const bad: unknown[] = [
        { ...ok, id: undefined },
        { ...ok, id: '' },
        { ...ok, id: 'x'.repeat(129) },
        { ...ok, id: 7 },
        { ...ok, delivery: undefined },
        { ...ok, delivery: [2, 3] },
        { ...ok, delivery: { delivered: -1, of: 3 } },
        { ...ok, delivery: { delivered: 0, of: -1 } },
        { ...ok, delivery: { delivered: 4, of: 3 } },
        { ...ok, delivery: { delivered: 1.5, of: 3 } },
        { ...ok, delivery: { delivered: Number.NaN, of: 3 } },
        { ...ok, delivery: { delivered: 1, of: MAX_COUNT + 1 } },
        { ...ok, delivery: { delivered: '1', of: 3 } },
        { ...ok, delivery: { of: 3 } },
      ];
      for (const message of bad) {
        const reasons: string[] = [];
        assert.equal(parseHostMessage(message, (r) => reasons.push(r)), undefined, JSON.stringify(message));
        assert.deepEqual(reasons, ['bad chatDelivery']);
      }
      // On an entry: kept on own messages only, dropped (not the entry) when malformed.
      const own = entry(1, ALICE);
      assert.deepEqual(parseChatEntry({ ...own, delivery: { delivered: 1, of: 2 } })?.delivery, { delivered: 1, of: 2 });
      const broken = parseChatEntry({ ...own, delivery: { delivered: 3, of: 2 } });
      assert.ok(broken !== undefined && !('delivery' in broken));
      assert.ok(!('delivery' in (parseChatEntry({ ...entry(2), delivery: { delivered: 1, of: 1 } }) ?? { delivery: 1 })));
      // Session catch-up and member reconnecting: kept when well formed, otherwise left out.
      assert.deepEqual(parseSession({ ...JOINED, catchUp: { received: 12 } })?.catchUp, { received: 12 });
      for (const catchUp of [{ received: -1 }, { received: 1.5 }, { received: '3' }, {}, 5, null]) {
        assert.ok(!('catchUp' in (parseSession({ ...JOINED, catchUp }) ?? {})), JSON.stringify(catchUp));
      }
      assert.equal(parseMember({ ...CAROL, online: false, reconnecting: true })?.reconnecting, true);
      for (const m of [
        { ...CAROL, online: false, reconnecting: 'true' },
        { ...CAROL, online: true, reconnecting: true },
        { ...CAROL, online: false, reconnecting: false },
      ]) {
        assert.ok(!('reconnecting' in (parseMember(m) ?? {})), JSON.stringify(m));
      }
      // A snapshot's chat comes back in time order, the newest kept.
      const snap = parseHostMessage(snapshot({ chat: [entry(3), entry(1), entry(2)] }));
      assert.ok(snap?.type === 'snapshot');
      assert.deepEqual(
        snap.chat.map((e) => e.text),
        ['message 1', 'message 2', 'message 3'],
      );
    });
  });
});
