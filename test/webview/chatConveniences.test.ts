/**
 * Chat as a chat user expects it, in the real board webview: lines saying who joined and who left,
 * mentions of the user highlighted, links that open through the host, and the "To" choice going
 * back to Everyone after a direct message unless it is pinned.
 */
import { strict as assert } from 'node:assert';
import { parseHostMessage } from '../../src/webview/app/hostMessages';
import type { ChatEntry, PresenceLine } from '../../src/webview/protocol';
import { ALICE, BOB, CAROL, chat, snapshot } from './fixtures';
import { useBoard } from './boardSuite';
import { reloadBoard } from './harness';
import type { PageElement } from './pageTypes';

// Used only inside functions that run in the page (see pageTypes.ts).
declare function getComputedStyle(element: PageElement): { alignSelf: string; fontSize: string; backgroundColor: string };

/** This morning at 10:00: the chat shows times of day. */
const BASE = new Date(new Date().setHours(10, 0, 0, 0)).getTime();

function said(n: number, from: { id: string; name: string }, text: string, extra: Partial<ChatEntry> = {}): ChatEntry {
  return { id: `conv-${String(n).padStart(8, '0')}`, from, text, ts: BASE + n * 1000, own: from.id === ALICE.id, ...extra };
}

function presence(n: number, member: { id: string; name: string }, change: PresenceLine['change']): PresenceLine {
  return { id: `presence:${n}`, member, change, ts: BASE + n * 1000 };
}

describe('chat conveniences', function () {
  this.timeout(60_000);
  const t = useBoard();
  /** Each row of the log as text, messages by their text, join and leave lines by theirs (without the time). */
  const rows = () =>
    t.page.locator('.chat-log > *').evaluateAll((els: PageElement[]) =>
      els.map((el) =>
        el.classList.contains('chat-presence')
          ? `— ${(el.textContent ?? '').slice(0, (el.textContent ?? '').length - (el.querySelector('time')?.textContent ?? '').length)}`
          : (el.querySelector('.chat-text')?.textContent ?? ''),
      ),
    );

  describe('join and leave lines', () => {
    it('shows who joined and who left between the messages, in time order, each once', async () => {
      await t.send(snapshot({ chat: [said(1, BOB, 'first'), said(5, BOB, 'second')], presence: [presence(3, CAROL, 'joined')] }));
      assert.deepEqual(await rows(), ['first', '— Carol joined', 'second']);
      await t.send({ type: 'presence', line: presence(7, CAROL, 'left') });
      await t.send({ type: 'presence', line: presence(8, { id: 'mallory-0000000000000009', name: '<img src=x onerror=alert(1)>' }, 'lost') });
      // The same line again (a snapshot and a delta that crossed): shown once.
      await t.send({ type: 'presence', line: presence(3, CAROL, 'joined') });
      await t.send({ type: 'chat', entry: said(6, ALICE, 'between') });
      assert.deepEqual(await rows(), ['first', '— Carol joined', 'second', 'between', '— Carol left', '— <img src=x onerror=alert(1)> left (connection lost)']);
      // A name is text, never markup; a line is not a bubble and has its time.
      assert.equal(await t.page.locator('.chat-log img').count(), 0);
      const line = t.page.locator('.chat-presence[data-id="presence:7"]');
      assert.equal(await line.locator('time').count(), 1);
      assert.equal(await t.page.locator('.chat-message[data-id="presence:7"]').count(), 0);
      const style = await line.evaluate((el: PageElement) => {
        const s = getComputedStyle(el);
        return { alignSelf: s.alignSelf, fontSize: s.fontSize };
      });
      assert.deepEqual(style, { alignSelf: 'center', fontSize: '11px' });
    });

    it('keeps the lines a snapshot carries and drops malformed ones (in Node)', () => {
      const parsed = parseHostMessage({
        ...snapshot({ chat: [] }),
        presence: [presence(1, BOB, 'joined'), { ...presence(2, BOB, 'left'), change: 'exploded' }, { id: 'presence:3', change: 'left', ts: 'now', member: BOB }, presence(4, CAROL, 'lost')],
      });
      assert.ok(parsed?.type === 'snapshot');
      assert.deepEqual(parsed.presence?.map((l) => l.id), ['presence:1', 'presence:4']);
      assert.equal(parseHostMessage({ type: 'presence', line: { id: 'presence:5', member: { id: 'x' }, change: 'joined', ts: 1 } }), undefined);
      // A host without join and leave lines: none.
      const old = parseHostMessage({ type: 'snapshot', session: { state: 'idle' }, members: [], chat: [], board: [] });
      assert.ok(old?.type === 'snapshot');
      assert.deepEqual(old.presence, []);
    });
  });

  describe('mentions', () => {
    it('marks a bubble that mentions me and highlights the mention, not words that merely contain my name', async () => {
      await t.send(
        snapshot({
          chat: [
            said(1, BOB, 'hey @alice, can you look at this? Alice knows'),
            said(2, CAROL, 'malice aforethought'),
            said(3, ALICE, 'I, Alice, mention myself'),
            said(4, BOB, 'psst alice', { to: ALICE }),
          ],
        }),
      );
      const bubble = (n: number) => t.page.locator(`.chat-message[data-id="conv-${String(n).padStart(8, '0')}"]`);
      assert.deepEqual(await bubble(1).locator('mark.chat-mention').allTextContents(), ['@alice', 'Alice']);
      assert.equal(await bubble(1).locator('.chat-text').textContent(), 'hey @alice, can you look at this? Alice knows', 'the text is all there, unchanged');
      assert.ok(await bubble(1).evaluate((el: PageElement) => el.classList.contains('mentions-you')));
      assert.equal(await bubble(1).locator('.chat-mentions-you').textContent(), 'mentions you');
      assert.equal(await bubble(2).locator('mark').count(), 0);
      assert.ok(!(await bubble(2).evaluate((el: PageElement) => el.classList.contains('mentions-you'))));
      assert.equal(await bubble(3).locator('mark').count(), 0, 'my own message is not a mention of me');
      assert.deepEqual(await bubble(4).locator('mark.chat-mention').allTextContents(), ['alice']);
      // The highlight stands out from the text around it.
      const [mark, text] = await Promise.all([
        bubble(1).locator('mark').first().evaluate((el: PageElement) => getComputedStyle(el).backgroundColor),
        bubble(1).locator('.chat-text').evaluate((el: PageElement) => getComputedStyle(el).backgroundColor),
      ]);
      assert.notEqual(mark, text);
    });
  });

  describe('links', () => {
    it('makes http and https URLs links that post openLink with the exact URL, by mouse and by keyboard', async () => {
      const url = 'https://example.com/docs/limits?q=frame+size&lang=en#max';
      await t.send(snapshot({ chat: [said(1, BOB, `See ${url}. Also (http://127.0.0.1:8080/a_(b)) and https://alice.example/, alice!`)] }));
      const links = t.page.locator('.chat-message a.chat-link');
      assert.deepEqual(await links.allTextContents(), [url, 'http://127.0.0.1:8080/a_(b)', 'https://alice.example/']);
      assert.deepEqual(await links.evaluateAll((els: PageElement[]) => els.map((el) => el.getAttribute('href'))), [url, 'http://127.0.0.1:8080/a_(b)', 'https://alice.example/']);
      // "alice" inside a link is not a mention; the one after it is.
      assert.deepEqual(await t.page.locator('.chat-message mark.chat-mention').allTextContents(), ['alice']);
      const pageUrl = t.page.url();
      await links.first().click();
      await links.nth(1).click({ button: 'middle' });
      await links.nth(2).focus();
      await t.page.keyboard.press('Enter');
      assert.deepEqual(await t.postedOf('openLink'), [
        { type: 'openLink', url },
        { type: 'openLink', url: 'http://127.0.0.1:8080/a_(b)' },
        { type: 'openLink', url: 'https://alice.example/' },
      ]);
      assert.equal(t.page.url(), pageUrl, 'the page itself followed a link');
      assert.equal(t.page.context().pages().length, 1, 'a link opened a window');
    });

    it('leaves javascript:, data:, file: and other schemes as text', async () => {
      const text = 'javascript:alert(1) data:text/html,<script>alert(2)</script> file:///etc/passwd vscode://settings command:workbench.action.terminal.new httpx://x.example https:// nope';
      await t.send(snapshot({ chat: [said(1, BOB, text)] }));
      assert.equal(await t.page.locator('.chat-log a').count(), 0);
      assert.equal(await t.page.locator('.chat-message .chat-text').textContent(), text);
      await t.page.locator('.chat-message .chat-text').click();
      assert.deepEqual(await t.postedOf('openLink'), []);
    });

    it('does not link a URL cut off at the end of a long message\'s preview', async () => {
      // The preview is the first 2,000 characters: the second URL starts at 1,987 and runs past it.
      const text = `https://example.com/start ${'x'.repeat(1960)} https://example.com/${'y'.repeat(100)}`;
      await t.send(snapshot({ chat: [said(1, BOB, text)] }));
      const bubble = t.page.locator('.chat-message');
      assert.deepEqual(await bubble.locator('a.chat-link').allTextContents(), ['https://example.com/start']);
      await bubble.getByRole('button', { name: /Show all/ }).click();
      assert.deepEqual(await bubble.locator('a.chat-link').allTextContents(), ['https://example.com/start', `https://example.com/${'y'.repeat(100)}`]);
    });
  });

  describe('the "To" choice', () => {
    const input = () => t.page.getByRole('textbox', { name: 'Message' });
    const to = () => t.page.getByLabel('To', { exact: true });
    const pin = () => t.page.getByRole('button', { name: 'Keep Bob as the recipient' });
    async function type(text: string): Promise<void> {
      await input().fill(text);
      await input().press('Enter');
    }

    it('goes back to Everyone after a direct message is sent', async () => {
      await t.send(snapshot({ chat: [] }));
      assert.equal(await t.page.locator('.chat-pin').isVisible(), false, 'no pin while the message goes to everyone');
      await to().selectOption(BOB.id);
      await type('just for you');
      assert.equal(await to().inputValue(), '', 'the recipient is Everyone again');
      assert.equal(await input().getAttribute('placeholder'), 'Message the group');
      await type('for everyone');
      assert.deepEqual(await t.postedOf('sendChat'), [
        { type: 'sendChat', text: 'just for you', to: BOB.id },
        { type: 'sendChat', text: 'for everyone' },
      ]);
    });

    it('brings the recipient back with a direct message the host could not send', async () => {
      await t.send(snapshot({ chat: [] }));
      await to().selectOption(BOB.id);
      await type('did you get this?');
      assert.equal(await to().inputValue(), '');
      await t.send({ type: 'error', message: 'Not sent: That member is not connected.', unsent: 'did you get this?', context: 'chat' });
      assert.equal(await input().inputValue(), 'did you get this?');
      assert.equal(await to().inputValue(), BOB.id, 'the unsent direct message would have gone to everyone');
    });

    it('stays on the member when pinned, and the pin survives the page being reloaded', async () => {
      await t.send(snapshot({ chat: [chat(BOB, 'hi')] }));
      await to().selectOption(BOB.id);
      assert.equal(await pin().getAttribute('aria-pressed'), 'false');
      await pin().click();
      assert.equal(await pin().getAttribute('aria-pressed'), 'true');
      await type('one');
      await type('two');
      assert.equal(await to().inputValue(), BOB.id);
      const before = await t.postedOf('sendChat');
      // VS Code discards a hidden board's page; the view state brings the choice back.
      await reloadBoard(t.board);
      await t.send(snapshot({ chat: [] }));
      assert.equal(await to().inputValue(), BOB.id);
      assert.equal(await pin().getAttribute('aria-pressed'), 'true');
      await type('three');
      // Unpinned: the next direct message is the last.
      await pin().click();
      assert.equal(await pin().getAttribute('aria-pressed'), 'false');
      await type('four');
      assert.equal(await to().inputValue(), '');
      const after = (await t.board.posted()).filter((m) => m.type === 'sendChat');
      assert.deepEqual(
        [...before, ...after].map((m) => (m.type === 'sendChat' ? [m.text, m.to] : [])),
        [
          ['one', BOB.id],
          ['two', BOB.id],
          ['three', BOB.id],
          ['four', BOB.id],
        ],
      );
    });
  });
});
