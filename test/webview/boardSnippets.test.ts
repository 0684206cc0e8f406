/** Code on the board: snippet cards with highlighted code, Open and Copy, and code rendered to an image. */
import { strict as assert } from 'node:assert';
import { codeImageSource, readPngText } from '../../src/board/pngText';
import { sniffImage } from '../../src/board/imageInfo';
import type { CodeImageSource } from '../../src/webview/protocol';
import { snapshot, snippet } from './fixtures';
import type { PageDocument, PageElement, PageStyle, PageWindow } from './pageTypes';
import { useBoard } from './boardSuite';

// Used only inside functions that run in the page (see pageTypes.ts).
declare const document: PageDocument;
declare const window: PageWindow;
declare function getComputedStyle(element: PageElement): PageStyle;

const TS = `export async function join(group: string): Promise<number> {
  // Dial every member the repository names.
  const members = await repository.lookup(group);
  return members.length + 1;
}`;

describe('board snippets', function () {
  this.timeout(30_000);
  const t = useBoard();

  it('shows the code highlighted: coloured tokens are spans with a class per kind, the text unchanged', async () => {
    await t.send(snapshot({ board: [snippet('snip-00000000000000a1', TS, 20, 20)] }));
    const code = t.page.locator('.snippet code');
    await t.page.waitForSelector('.snippet code[data-highlighted="true"]');
    assert.equal(await code.textContent(), TS);
    const tokens = await code.locator('span').evaluateAll((els: PageElement[]) => els.map((el) => [el.getAttribute('class'), el.textContent]));
    const has = (cls: string, text: string): boolean => tokens.some(([c, x]) => c === cls && x === text);
    assert.ok(has('tok-control', 'export'), JSON.stringify(tokens.slice(0, 8)));
    assert.ok(has('tok-keyword', 'function'));
    assert.ok(has('tok-function', 'join'));
    assert.ok(has('tok-comment', '// Dial every member the repository names.'));
    assert.ok(tokens.every(([c]) => typeof c === 'string' && /^tok-[a-z]+$/.test(c)));
    // Theme colours: a keyword is not drawn in the plain text colour.
    const colours = {
      keyword: await t.page.locator('.snippet .tok-keyword').first().evaluate((el: PageElement) => getComputedStyle(el).color),
      code: await t.page.locator('.snippet code').evaluate((el: PageElement) => getComputedStyle(el).color),
    };
    assert.notEqual(colours.keyword, colours.code);
  });

  it('posts openSnippet and copyText from the card’s Open and Copy buttons', async () => {
    await t.send(snapshot({ board: [snippet('snip-00000000000000a2', TS, 20, 20, { path: 'src/net/peerNode.ts', startLine: 10, endLine: 14 })] }));
    await t.page.getByRole('button', { name: 'Open src/net/peerNode.ts:10-14' }).click();
    await t.page.getByRole('button', { name: 'Copy code from src/net/peerNode.ts:10-14' }).click();
    assert.deepEqual(await t.posted(), [
      { type: 'openSnippet', id: 'snip-00000000000000a2' },
      { type: 'copyText', id: 'snip-00000000000000a2' },
    ]);
    assert.match((await t.page.locator('.board-toasts').textContent()) ?? '', /Copied/);
  });

  it('shows code in a language the highlighter does not know as plain text', async () => {
    const code = 'IDENTIFICATION DIVISION.\nPROGRAM-ID. HELLO.';
    await t.send(snapshot({ board: [snippet('snip-00000000000000a3', code, 20, 20, { language: 'cobol-unknown' }), snippet('snip-00000000000000a4', 'plain <b>text</b>', 20, 300, { language: 'plaintext' })] }));
    await t.page.waitForFunction(() => document.querySelectorAll('.snippet code[data-highlighted="true"]').length === 2);
    const result = await t.page.locator('.snippet code').evaluateAll((els: PageElement[]) => els.map((el) => ({ text: el.textContent, spans: el.querySelector('span') === null ? 0 : 1, bold: el.querySelector('b') === null ? 0 : 1 })));
    assert.deepEqual(
      result.sort((a, b) => (a.text ?? '').localeCompare(b.text ?? '')),
      [
        { text: code, spans: 0, bold: 0 },
        { text: 'plain <b>text</b>', spans: 0, bold: 0 },
      ],
    );
  });

  it('answers renderCodeImage with a PNG that carries the source', async () => {
    await t.send(snapshot({ board: [] }));
    const source: CodeImageSource = { code: TS, language: 'typescript', path: 'src/net/peerNode.ts', startLine: 10, endLine: 14 };
    await t.send({ type: 'renderCodeImage', requestId: 'req-0001', source, theme: 'dark' });
    await t.page.waitForFunction(() => window.__posted.length > 1, undefined, { timeout: 10_000 });
    const [answer] = await t.posted();
    assert.equal(answer?.type, 'codeImage');
    assert.ok(answer?.type === 'codeImage');
    assert.equal(answer.requestId, 'req-0001');
    assert.ok(answer.png instanceof Uint8Array, 'the PNG bytes as a Uint8Array');
    const info = sniffImage(answer.png);
    assert.equal(info?.mime, 'image/png');
    assert.deepEqual(codeImageSource(readPngText(answer.png)), source);
  });

  it('answers renderCodeImage with codeImageFailed and the reason when the source is not valid', async () => {
    await t.send(snapshot({ board: [] }));
    await t.send({ type: 'renderCodeImage', requestId: 'req-0002', source: { code: 'x', language: 'typescript', path: 'a.ts', startLine: 9, endLine: 3 }, theme: 'light' });
    await t.page.waitForFunction(() => window.__posted.length > 1, undefined, { timeout: 10_000 });
    const [answer] = await t.posted();
    assert.equal(answer?.type, 'codeImageFailed');
    assert.ok(answer?.type === 'codeImageFailed');
    assert.equal(answer.requestId, 'req-0002');
    assert.match(answer.message, /Invalid code image source/);
  });
});
