/**
 * Code in chat, in the real board webview: inline code and fenced blocks highlighted with the
 * board's highlighter, `path:line` code locations that post `openCode` (with the quoted block when
 * the message quotes one), all as text nodes; and the snippet card's badge from `snippetStatus`.
 */
import { strict as assert } from 'node:assert';
import { codeShareText } from '../../src/board/chatMarkup';
import { parseHostMessage } from '../../src/webview/app/hostMessages';
import { BOB, chat, snapshot, snippet } from './fixtures';
import { useBoard } from './boardSuite';
import type { PageElement } from './pageTypes';

declare function getComputedStyle(element: PageElement): { color: string; whiteSpace: string };

describe('code in chat', function () {
  this.timeout(60_000);
  const t = useBoard();

  it('shows inline code and a fenced block highlighted in the token colours, as text only', async () => {
    const text = 'try `npm test` then:\n```ts\nconst answer: number = 42; // <b>not bold</b>\n```\nok <img src=x onerror=alert(1)>';
    await t.send(snapshot({ chat: [chat(BOB, text)] }));
    const message = t.page.locator('.chat-message .chat-text');
    assert.equal(await message.locator('code.chat-code').textContent(), 'npm test');
    const fence = message.locator('pre.chat-fence');
    assert.equal(await fence.getAttribute('data-language'), 'ts');
    assert.equal(await fence.textContent(), 'const answer: number = 42; // <b>not bold</b>');
    assert.ok((await fence.locator('span.tok-keyword').count()) > 0, 'the keyword is coloured');
    const colours = await fence.evaluate((el: PageElement) => ({ keyword: getComputedStyle(el.querySelector('.tok-keyword') as PageElement).color, block: getComputedStyle(el).color, space: getComputedStyle(el).whiteSpace }));
    assert.notEqual(colours.keyword, colours.block);
    assert.equal(colours.space, 'pre');
    // No markup from the text: the tags are characters.
    assert.equal(await t.page.locator('.chat-log img, .chat-log b').count(), 0);
    assert.match((await message.textContent()) ?? '', /ok <img src=x onerror=alert\(1\)>$/);
  });

  it('makes path:line and path:start-end buttons that post openCode, by mouse and by keyboard', async () => {
    await t.send(snapshot({ chat: [chat(BOB, 'see src/net/peerNode.ts:40-52 and README.md:3, not 10:30 or example.com:8080 or ../etc/passwd.txt:1')] }));
    const locations = t.page.locator('.chat-message button.chat-code-location');
    assert.deepEqual(await locations.allTextContents(), ['src/net/peerNode.ts:40-52', 'README.md:3']);
    assert.equal(await locations.first().getAttribute('title'), 'Open src/net/peerNode.ts, lines 40–52, in your checkout');
    await locations.first().click();
    await locations.nth(1).focus();
    await t.page.keyboard.press('Enter');
    assert.deepEqual(await t.postedOf('openCode'), [
      { type: 'openCode', path: 'src/net/peerNode.ts', startLine: 40, endLine: 52 },
      { type: 'openCode', path: 'README.md', startLine: 3, endLine: 3 },
    ]);
  });

  it('sends the quoted block with a location that Share Selection to Chat wrote', async () => {
    const code = 'export function add(a: number, b: number): number {\n  return a + b;\n}';
    await t.send(snapshot({ chat: [chat(BOB, codeShareText('src/math.ts', 3, 5, 'typescript', code))] }));
    const location = t.page.locator('.chat-message button.chat-code-location');
    assert.equal(await location.textContent(), 'src/math.ts:3-5');
    assert.equal(await t.page.locator('.chat-message pre.chat-fence').textContent(), code);
    await location.click();
    assert.deepEqual(await t.postedOf('openCode'), [{ type: 'openCode', path: 'src/math.ts', startLine: 3, endLine: 5, code }]);
  });

  it('stays responsive on a message of 10,000 backticks and one of a thousand locations', async () => {
    const started = Date.now();
    await t.send(snapshot({ chat: [chat(BOB, '`'.repeat(10_000)), chat(BOB, 'src/a.ts:1 '.repeat(1000))] }));
    assert.equal(await t.page.locator('.chat-message').count(), 2);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(await t.page.locator('.chat-message').first().locator('code, pre').count(), 0);
  });

  it('shows a snippet card\'s status from the host as a badge with a tooltip, in place', async () => {
    await t.send(snapshot({ board: [snippet('snip-00000000000000c1', 'const a = 1;', 20, 20, { path: 'src/a.ts', startLine: 3, endLine: 3 }), snippet('snip-00000000000000c2', 'const b = 2;', 20, 300, { path: 'src/b.ts', startLine: 7, endLine: 7 })] }));
    const badge = (id: string) => t.page.locator(`.board-item[data-id="${id}"] .snippet-status`);
    await badge('snip-00000000000000c1').waitFor({ state: 'attached' });
    assert.equal(await badge('snip-00000000000000c1').isVisible(), false);
    const card = await t.page.locator('.board-item[data-id="snip-00000000000000c1"]').elementHandle();
    await t.send({ type: 'snippetStatus', statuses: [{ id: 'snip-00000000000000c1', status: 'changed', startLine: 4, endLine: 4 }, { id: 'snip-00000000000000c2', status: 'missing' }, { id: 'bad', status: 'exploded' }] });
    await t.nextFrame();
    assert.equal(await badge('snip-00000000000000c1').textContent(), 'changed since shared');
    assert.match((await badge('snip-00000000000000c1').getAttribute('title')) ?? '', /differs from the shared code/);
    assert.equal(await badge('snip-00000000000000c2').textContent(), 'not in your checkout');
    await t.send({ type: 'snippetStatus', statuses: [{ id: 'snip-00000000000000c1', status: 'same', startLine: 9, endLine: 9 }] });
    assert.equal(await badge('snip-00000000000000c1').textContent(), 'moved to line 9');
    // Filled in place: the card was not drawn again.
    assert.equal(await card?.evaluate((el: PageElement) => el.closest('body') !== null), true);
    await t.send({ type: 'snippetStatus', statuses: [{ id: 'snip-00000000000000c1', status: 'same', startLine: 3, endLine: 3 }] });
    assert.equal(await badge('snip-00000000000000c1').isVisible(), false);
  });

  it('drops a malformed snippet status and keeps the good ones (in Node)', () => {
    const parsed = parseHostMessage({ type: 'snippetStatus', statuses: [{ id: 'snip-00000000000000c1', status: 'gone' }, { id: 7, status: 'gone' }, { id: 'snip-00000000000000c2', status: 'same', startLine: 5, endLine: 2 }] });
    assert.deepEqual(parsed, { type: 'snippetStatus', statuses: [{ id: 'snip-00000000000000c1', status: 'gone' }, { id: 'snip-00000000000000c2', status: 'same' }] });
    assert.equal(parseHostMessage({ type: 'snippetStatus', statuses: 'all' }), undefined);
  });
});
