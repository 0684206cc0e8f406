/** The board header's security badge: password-protected or open group, and nothing while not joined. */
import { strict as assert } from 'node:assert';
import type { SessionView } from '../../src/webview/protocol';
import { IDLE, JOINED, snapshot } from './fixtures';
import type { PageElement, PageStyle, PageWindow } from './pageTypes';
import { useBoard } from './boardSuite';
import type { BoardSuite } from './boardSuite';

// Used only inside functions that run in the page (see pageTypes.ts).
declare const window: PageWindow;
declare function getComputedStyle(element: PageElement): PageStyle;

const PASSWORD: SessionView = { ...JOINED, security: 'password' };
const OPEN: SessionView = { ...JOINED, security: 'open' };
const PASSWORD_LABEL = 'Password-protected · encrypted';
const OPEN_LABEL = 'Open group · encrypted';
const OPEN_TITLE = 'Anyone on this network who knows the group name can join. Join with a password to keep strangers out.';

/** What the badge shows: whether it is visible, its words, tooltip, state and icon. */
async function badge(t: BoardSuite): Promise<{ visible: boolean; label: string | null; title: string | null; security: string | null; icons: number }> {
  const el = t.page.locator('.board-header .board-security');
  assert.equal(await el.count(), 1, 'one badge in the header');
  return {
    visible: await el.isVisible(),
    label: await el.locator('.board-security-label').textContent(),
    title: await el.getAttribute('title'),
    security: await el.getAttribute('data-security'),
    icons: await el.locator('svg[aria-hidden="true"]').count(),
  };
}

describe('board security badge', function () {
  this.timeout(30_000);

  describe('wide panel', () => {
    const t = useBoard();

    it('shows "Password-protected · encrypted" with a lock for a group with a password', async () => {
      await t.send(snapshot({ session: PASSWORD }));
      const b = await badge(t);
      assert.deepEqual(b, { visible: true, label: PASSWORD_LABEL, title: b.title, security: 'password', icons: 1 });
      assert.match(b.title ?? '', /password/i);
      assert.doesNotMatch(b.title ?? '', /Anyone on this network/);
      // Next to the group name, in the header's look.
      const heading = await t.page.locator('.board-heading').evaluate((el: PageElement) => [...el.children].map((c) => c.getAttribute('class')));
      assert.deepEqual(heading.slice(0, 2), ['board-title', 'board-security']);
      const style = await t.page.locator('.board-security').evaluate((el: PageElement) => {
        const s = getComputedStyle(el);
        return { fontSize: s.fontSize, whiteSpace: s.whiteSpace };
      });
      assert.deepEqual(style, { fontSize: '11px', whiteSpace: 'nowrap' });
    });

    it('shows "Open group · encrypted" with the tooltip saying who can join, readable by screen readers', async () => {
      await t.send(snapshot({ session: OPEN }));
      assert.deepEqual(await badge(t), { visible: true, label: OPEN_LABEL, title: OPEN_TITLE, security: 'open', icons: 1 });
      // The words are visible text; the tooltip's advice is there for assistive technology too.
      const text = await t.page.locator('.board-security').textContent();
      assert.ok(text?.startsWith(OPEN_LABEL), text ?? '');
      assert.ok(text?.includes(OPEN_TITLE), text ?? '');
      // The open state is told apart by colour as well as by words (the theme's warning colour).
      const colours = await t.page.locator('.board-security').evaluate((el: PageElement) => ({
        badge: getComputedStyle(el).color,
        icon: getComputedStyle(el.querySelector('.board-security-icon')!).color,
      }));
      assert.notEqual(colours.icon, colours.badge);
    });

    it('updates when the state changes, in a session delta or a new snapshot', async () => {
      await t.send(snapshot({ session: OPEN }));
      assert.equal((await badge(t)).label, OPEN_LABEL);
      await t.send({ type: 'session', session: PASSWORD });
      const password = await badge(t);
      assert.deepEqual([password.visible, password.label, password.security], [true, PASSWORD_LABEL, 'password']);
      assert.notEqual(password.title, OPEN_TITLE);
      await t.send(snapshot({ session: OPEN }));
      assert.deepEqual(await badge(t), { visible: true, label: OPEN_LABEL, title: OPEN_TITLE, security: 'open', icons: 1 });
    });

    it('is absent when not joined: idle, joining, after leaving, or with no or an unknown state', async () => {
      await t.send(snapshot({ session: IDLE, members: [], chat: [], board: [] }));
      assert.equal((await badge(t)).visible, false);
      // The host sets it only once joined; a joining session with it set still shows none.
      await t.send({ type: 'session', session: { state: 'joining', group: 'design team', security: 'open' } });
      assert.equal((await badge(t)).visible, false);
      await t.send({ type: 'session', session: OPEN });
      assert.equal((await badge(t)).visible, true);
      await t.send({ type: 'session', session: IDLE });
      await t.send({ type: 'session', session: { ...JOINED } });
      const none = await badge(t);
      assert.deepEqual([none.visible, none.title, none.security], [false, null, null], 'joined without a state: no badge');
      await t.send({ type: 'session', session: { ...JOINED, security: 'none' } });
      assert.equal((await badge(t)).visible, false, 'an unknown state shows no badge rather than a wrong one');
      await t.send({ type: 'session', session: { ...JOINED, security: '<img src=x onerror="window.__pwned = 1">' } });
      assert.equal((await badge(t)).visible, false);
      assert.equal(await t.page.locator('.board-header img').count(), 0);
      assert.equal(await t.page.evaluate(() => window.__pwned), undefined);
    });
  });

  describe('narrow panel', () => {
    const t = useBoard({ width: 480, height: 800 });

    it('keeps only the lock on screen, the words still named for screen readers and the tooltip in place', async () => {
      await t.send(snapshot({ session: OPEN }));
      const el = t.page.locator('.board-security');
      assert.equal(await el.isVisible(), true);
      const box = await el.boundingBox();
      assert.ok(box !== null && box.width < 40, JSON.stringify(box));
      assert.equal(await el.getAttribute('title'), OPEN_TITLE);
      assert.ok((await el.textContent())?.startsWith(OPEN_LABEL));
      // The lock is not cut off by the heading, which clips what does not fit.
      const heading = await t.page.locator('.board-heading').boundingBox();
      assert.ok(heading !== null && box.x >= heading.x && box.x + box.width <= heading.x + heading.width, JSON.stringify({ box, heading }));
    });
  });
});

describe('members of one name', function () {
  this.timeout(30_000);
  const t = useBoard();
  const bob1 = { id: 'bob-11111111111111111111', name: 'bob', fingerprint: '1a2b-3c4d', online: true };
  const bob2 = { id: 'bob-22222222222222222222', name: 'bob', fingerprint: '9f8e-7d6c', online: true };

  it('are told apart by their key fingerprints in the member list and among the chat recipients', async () => {
    await t.send(snapshot({ session: PASSWORD, members: [{ ...JOINED.self!, online: true }, bob1, bob2] }));
    const rows = await t.page.locator('.member:not(.self)').evaluateAll((els: PageElement[]) =>
      els.map((el) => [el.querySelector('.member-name')?.textContent ?? null, el.querySelector('.member-fingerprint')?.textContent ?? null]),
    );
    assert.deepEqual(rows.sort(), [
      ['bob', '1a2b-3c4d'],
      ['bob', '9f8e-7d6c'],
    ]);
    const options = await t.page.locator('select option').evaluateAll((els: PageElement[]) => els.map((el) => el.textContent));
    assert.ok(options.includes('bob [1a2b-3c4d]') && options.includes('bob [9f8e-7d6c]'), options.join(' | '));
  });

  it('ignores a fingerprint that is not one (the host computes them; the webview does not trust its input)', async () => {
    await t.send(snapshot({ session: PASSWORD, members: [{ ...JOINED.self!, online: true }, { ...bob1, fingerprint: '<img src=x>' }] }));
    assert.equal(await t.page.locator('.member-fingerprint').count(), 0);
  });
});
