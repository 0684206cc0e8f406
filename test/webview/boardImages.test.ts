/**
 * Images on the board: paste, drop and Add Image post `addImage` with checked bytes; anything that is
 * not a PNG, JPEG or GIF is refused with a message; an image over the limits is downscaled first,
 * unless its header alone says it is too big to decode. Shown through `blob:` URLs, revoked when gone.
 */
import { strict as assert } from 'node:assert';
import { sniffImage } from '../../src/board/imageInfo';
import { MAX_IMAGE_BYTES, MAX_IMAGE_EDGE } from '../../src/board/limits';
import { ALICE, image, makePng, pngHeaderOnly, snapshot } from './fixtures';
import type { PageElement } from './pageTypes';
import { useBoard } from './boardSuite';

/** Pastes files on whatever has focus, as the browser does for Ctrl+V. */
const PASTE = `(files) => {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(new File([f.bytes], f.name, { type: f.type }));
  const event = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
  (document.activeElement ?? document.body).dispatchEvent(event);
  return event.defaultPrevented;
}`;

/** Drags files over the board and drops them at a viewport position. */
const DROP = `({ files, x, y }) => {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(new File([f.bytes], f.name, { type: f.type }));
  const vp = document.querySelector('.board-viewport');
  const r = vp.getBoundingClientRect();
  const init = { dataTransfer: dt, clientX: r.left + x, clientY: r.top + y, bubbles: true, cancelable: true };
  vp.dispatchEvent(new DragEvent('dragenter', init));
  vp.dispatchEvent(new DragEvent('dragover', init));
  const shown = !document.querySelector('.board-drop').hidden;
  vp.dispatchEvent(new DragEvent('drop', init));
  return shown;
}`;

interface FileSpec {
  bytes: Uint8Array;
  name: string;
  type: string;
}

describe('board images', function () {
  this.timeout(30_000);
  const t = useBoard();

  const pasteFiles = async (files: FileSpec[]): Promise<boolean> => {
    await t.page.evaluate((f) => ((globalThis as unknown as { __files: unknown }).__files = f), files as unknown);
    return (await t.page.evaluate(`(${PASTE})(window.__files)`)) as boolean;
  };
  const dropFiles = async (files: FileSpec[], x: number, y: number): Promise<boolean> => {
    await t.page.evaluate((f) => ((globalThis as unknown as { __drop: unknown }).__drop = f), { files, x, y } as unknown);
    return (await t.page.evaluate(`(${DROP})(window.__drop)`)) as boolean;
  };
  /** Waits until something was posted or a toast appeared. */
  const settled = async (): Promise<void> => {
    await t.page.waitForFunction(
      () => {
        const w = globalThis as unknown as { __posted: unknown[]; document: { querySelector(s: string): unknown } };
        return w.__posted.length > 1 || w.document.querySelector('.toast') !== null;
      },
      undefined,
      { timeout: 15_000 },
    );
  };
  const toastText = async (): Promise<string> => (await t.page.locator('.board-toasts').textContent()) ?? '';

  it('posts a pasted PNG with its bytes, centred where the pointer is', async () => {
    await t.send(snapshot({ board: [] }));
    const vp = await t.viewport();
    await t.page.mouse.move(vp.x + 400, vp.y + 300);
    const png = makePng(120, 80);
    assert.equal(await pasteFiles([{ bytes: png, name: 'image.png', type: 'image/png' }]), true, 'the paste is taken by the board');
    await settled();
    const [message] = await t.posted();
    assert.ok(message?.type === 'addImage');
    assert.ok(message.bytes instanceof Uint8Array);
    assert.deepEqual([...message.bytes], [...png], 'the exact bytes');
    assert.deepEqual({ x: message.x, y: message.y, width: message.width, height: message.height }, { x: 340, y: 260, width: 120, height: 80 });
  });

  it('posts a dropped PNG at the drop position, fitting a large one within 480 units', async () => {
    await t.send(snapshot({ board: [] }));
    const png = makePng(1200, 600);
    assert.equal(await dropFiles([{ bytes: png, name: 'wide.png', type: 'image/png' }], 500, 250), true, 'the drop target is shown while dragging');
    await settled();
    const [message] = await t.posted();
    assert.ok(message?.type === 'addImage');
    assert.equal(message.bytes.length, png.length);
    assert.deepEqual({ x: message.x, y: message.y, width: message.width, height: message.height }, { x: 260, y: 130, width: 480, height: 240 });
    assert.equal(await t.page.locator('.board-drop').isVisible(), false);
  });

  it('adds images chosen with Add Image', async () => {
    await t.send(snapshot({ board: [] }));
    const chooser = t.page.waitForEvent('filechooser');
    await t.page.getByRole('button', { name: 'Add Image' }).click();
    await (await chooser).setFiles({ name: 'a.png', mimeType: 'image/png', buffer: Buffer.from(makePng(50, 40)) });
    await settled();
    const [message] = await t.posted();
    assert.ok(message?.type === 'addImage');
    assert.deepEqual([message.width, message.height], [50, 40]);
  });

  it('refuses a file that claims to be a PNG but is not, with a message, posting nothing', async () => {
    await t.send(snapshot({ board: [] }));
    const fake = new TextEncoder().encode('<svg onload="alert(1)"></svg> definitely not a PNG');
    await pasteFiles([{ bytes: fake, name: 'fake.png', type: 'image/png' }]);
    await settled();
    assert.deepEqual(await t.posted(), []);
    assert.match(await toastText(), /“fake\.png” was not added\. Only PNG, JPEG and GIF images can be added/);
    assert.equal(await t.page.locator('.board-toasts [role="alert"] .toast').count(), 1);
  });

  it('downscales a real 5000 × 100 PNG within the limits before posting it', async () => {
    await t.send(snapshot({ board: [] }));
    const png = makePng(5000, 100);
    await dropFiles([{ bytes: png, name: 'strip.png', type: 'image/png' }], 300, 300);
    await settled();
    const [message] = await t.posted();
    assert.ok(message?.type === 'addImage');
    const info = sniffImage(message.bytes);
    assert.deepEqual(info, { mime: 'image/png', width: MAX_IMAGE_EDGE, height: 82 });
    assert.ok(message.bytes.length <= MAX_IMAGE_BYTES);
    assert.deepEqual([message.width, message.height], [480, 10]);
    assert.match(await toastText(), /shrunk to 4,096 × 82 pixels/);
  });

  it('refuses a 40,000 × 40,000 PNG from its header alone, without decoding it', async () => {
    await t.send(snapshot({ board: [] }));
    const started = Date.now();
    await pasteFiles([{ bytes: pngHeaderOnly(40_000, 40_000), name: 'huge.png', type: 'image/png' }]);
    await settled();
    assert.ok(Date.now() - started < 3000);
    assert.deepEqual(await t.posted(), []);
    assert.match(await toastText(), /40,000 × 40,000 pixels, too large to shrink here/);
  });

  it('refuses an image whose pixels cannot be decoded (a valid header and nothing else)', async () => {
    await t.send(snapshot({ board: [] }));
    await pasteFiles([{ bytes: pngHeaderOnly(5000, 100), name: 'cut.png', type: 'image/png' }]);
    await settled();
    assert.deepEqual(await t.posted(), []);
    assert.match(await toastText(), /could not be decoded/);
  });

  it('leaves a text paste alone', async () => {
    await t.send(snapshot({ board: [] }));
    await t.page.getByRole('textbox', { name: 'Message' }).focus();
    const prevented = await t.page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', 'hello');
      const event = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
      document.activeElement.dispatchEvent(event);
      return event.defaultPrevented;
    })()`);
    assert.equal(prevented, false);
    assert.deepEqual(await t.posted(), []);
  });

  it('shows images through blob: URLs and revokes them when an image is replaced or removed', async () => {
    await t.page.evaluate(`(() => {
      window.__revoked = [];
      const revoke = URL.revokeObjectURL.bind(URL);
      URL.revokeObjectURL = (url) => { window.__revoked.push(url); revoke(url); };
    })()`);
    const first = image('img-0000000000000201', makePng(64, 48), 40, 40, 128, 96);
    await t.send(snapshot({ board: [first] }));
    const img = t.page.locator('.board-item.image img');
    const url1 = await img.getAttribute('src');
    assert.match(url1 ?? '', /^blob:/);
    await img.evaluate((el: PageElement & { decode(): Promise<void> }) => el.decode());
    // A move echo with the same bytes keeps the URL; new bytes get a new one.
    await t.send({ type: 'boardItem', item: { ...first, x: 60, bytes: first.bytes.slice() } });
    assert.equal(await img.getAttribute('src'), url1);
    await t.send({ type: 'boardItem', item: { ...first, bytes: makePng(64, 48, 90) } });
    const url2 = await img.getAttribute('src');
    assert.notEqual(url2, url1);
    await t.send({ type: 'boardRemove', id: first.id });
    assert.deepEqual(await t.page.evaluate('window.__revoked'), [url1, url2]);
  });

  it('offers Copy Code on a code image, and shows bytes that are no image as a placeholder', async () => {
    const source = { code: 'let x = 1;', language: 'typescript', path: '<img src=x onerror=alert(1)>.ts', startLine: 3, endLine: 4 };
    await t.send(
      snapshot({
        board: [
          image('img-0000000000000202', makePng(60, 40), 40, 40, 240, 160, { source, author: ALICE }),
          image('img-0000000000000203', new TextEncoder().encode('GIF? no.'), 400, 40, 100, 100, { mime: 'image/gif' }),
        ],
      }),
    );
    assert.equal(await t.page.locator('.image-source').textContent(), '<img src=x onerror=alert(1)>.ts:3-4');
    await t.page.getByRole('button', { name: /^Copy Code from/ }).click();
    assert.deepEqual(await t.posted(), [{ type: 'copyText', id: 'img-0000000000000202' }]);
    assert.equal(await t.page.locator('.board-item.image img').count(), 1);
    assert.match((await t.page.locator('.image-frame.broken').textContent()) ?? '', /cannot be shown/);
  });
});
