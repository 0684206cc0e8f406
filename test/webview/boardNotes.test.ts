/** Notes and item actions on the board: create with a style, edit, move by dragging, delete. */
import { strict as assert } from 'node:assert';
import { DEFAULT_NOTE_STYLE } from '../../src/board/limits';
import { ALICE, image, makePng, note, snapshot, snippet, stroke } from './fixtures';
import type { PageElement } from './pageTypes';
import { useBoard } from './boardSuite';

const NOTE = note('note-0000000000000101', 'Move me', 100, 100, { author: ALICE, colour: '#9be3a0' });

describe('board notes and items', function () {
  this.timeout(30_000);
  const t = useBoard();

  const box = async (selector: string): Promise<{ x: number; y: number; width: number; height: number }> => {
    const b = await t.page.locator(selector).first().boundingBox();
    assert.ok(b !== null, `${selector} is visible`);
    return b;
  };

  describe('creating and editing', () => {
    it('adds a note with the chosen colour, font and size, and offers that style for the next one', async () => {
      await t.send(snapshot({ board: [] }));
      const vp = await t.viewport();
      await t.page.mouse.dblclick(vp.x + 300, vp.y + 200);
      await t.page.keyboard.type('Styled');
      await t.page.getByRole('radio', { name: 'Blue' }).check();
      await t.page.getByLabel('Font').selectOption({ label: 'Mono' });
      await t.page.getByLabel('Text size').selectOption({ label: 'Large' });
      // The text box previews the style.
      const preview = await t.page.getByRole('textbox', { name: 'New note text' }).evaluate((el: PageElement) => [el.style.fontFamily, el.style.getPropertyValue('--note-bg')]);
      assert.deepEqual(preview, ['monospace', '#8cc8ff']);
      await t.page.getByRole('textbox', { name: 'New note text' }).focus();
      await t.page.keyboard.press('Enter');
      assert.deepEqual(await t.posted(), [{ type: 'addNote', text: 'Styled', x: 300, y: 200, font: 'monospace', size: 24, colour: '#8cc8ff' }]);

      await t.page.locator('.board-viewport').focus();
      await t.page.keyboard.press('n');
      assert.equal(await t.page.getByLabel('Font').inputValue(), 'monospace');
      assert.equal(await t.page.getByRole('radio', { name: 'Blue' }).isChecked(), true);
    });

    it('edits a note on double-click and posts only what changed', async () => {
      await t.send(snapshot({ board: [NOTE] }));
      await t.page.locator('.note').dblclick();
      const input = t.page.getByRole('textbox', { name: 'Note text' });
      assert.equal(await input.inputValue(), 'Move me');
      assert.equal(await t.page.getByRole('group', { name: 'Edit note' }).isVisible(), true);
      await input.fill('Moved');
      await input.press('Enter');
      assert.deepEqual(await t.posted(), [{ type: 'editNote', id: NOTE.id, text: 'Moved' }]);
      assert.equal(await t.page.locator('.note-editor').count(), 0);

      await t.page.locator('.note').dblclick();
      await t.page.getByRole('radio', { name: 'Pink' }).check();
      await t.page.getByRole('button', { name: 'Save' }).click();
      await t.page.locator('.note').dblclick();
      await t.page.getByRole('button', { name: 'Save' }).click();
      assert.deepEqual((await t.posted()).slice(1), [{ type: 'editNote', id: NOTE.id, colour: '#f7a8c8' }], 'an unchanged note posts nothing');
    });

    it('opens the editor with Enter on a focused note, and with the action bar’s Edit Note', async () => {
      await t.send(snapshot({ board: [NOTE] }));
      await t.page.locator('.note').focus();
      await t.page.keyboard.press('Enter');
      assert.equal(await t.page.getByRole('textbox', { name: 'Note text' }).isVisible(), true);
      await t.page.keyboard.press('Escape');
      assert.equal(await t.page.locator('.note-editor').count(), 0);
      await t.page.locator('.note').click();
      await t.page.getByRole('toolbar', { name: 'Note actions' }).getByRole('button', { name: 'Edit Note' }).click();
      assert.equal(await t.page.getByRole('textbox', { name: 'Note text' }).inputValue(), 'Move me');
    });

    it('refuses an over-long note inline, keeping the text', async () => {
      await t.send(snapshot({ board: [] }));
      await t.page.getByRole('button', { name: 'New Note' }).click();
      await t.page.getByRole('textbox', { name: 'New note text' }).fill('x'.repeat(20_001));
      await t.page.keyboard.press('Enter');
      assert.deepEqual(await t.posted(), []);
      assert.match((await t.page.locator('.note-editor [role="alert"]').textContent()) ?? '', /20,001 characters long; the limit is 20,000/);
    });
  });

  describe('moving', () => {
    it('moves a note by dragging and posts one moveItem on drop, showing it there until the echo', async () => {
      await t.send(snapshot({ board: [NOTE] }));
      const start = await box('.note');
      await t.page.mouse.move(start.x + 20, start.y + 10);
      await t.page.mouse.down();
      await t.page.mouse.move(start.x + 120, start.y + 60, { steps: 12 });
      assert.deepEqual(await t.posted(), [], 'nothing is posted while dragging');
      await t.page.mouse.up();
      assert.deepEqual(await t.posted(), [{ type: 'moveItem', id: NOTE.id, x: 200, y: 150 }]);
      const dropped = await box('.note');
      assert.deepEqual([dropped.x - start.x, dropped.y - start.y], [100, 50], 'shown where it was dropped');
      await t.send({ type: 'boardItem', item: { ...NOTE, x: 200, y: 150 } });
      const echoed = await box('.note');
      assert.deepEqual([echoed.x, echoed.y], [dropped.x, dropped.y]);
      assert.equal(await t.page.locator('.note').evaluate((el: PageElement) => [el.style.left, el.style.translate].join(' ')), '200px ');
    });

    it('puts a moved item back when the host never confirms the move', async () => {
      await t.send(snapshot({ board: [NOTE] }));
      const start = await box('.note');
      await t.page.mouse.move(start.x + 20, start.y + 10);
      await t.page.mouse.down();
      await t.page.mouse.move(start.x + 80, start.y + 10, { steps: 5 });
      await t.page.mouse.up();
      assert.equal((await box('.note')).x, start.x + 60);
      await t.page.waitForTimeout(4300);
      assert.equal((await box('.note')).x, start.x);
    });

    it('nudges a focused item with the arrow keys and posts one moveItem when the keys rest', async () => {
      await t.send(snapshot({ board: [NOTE] }));
      await t.page.locator('.note').focus();
      for (let i = 0; i < 3; i += 1) await t.page.keyboard.press('ArrowRight');
      await t.page.keyboard.press('Shift+ArrowDown');
      await t.page.waitForTimeout(600);
      assert.deepEqual(await t.posted(), [{ type: 'moveItem', id: NOTE.id, x: 124, y: 164 }]);
    });

    it('resizes an image from its handle, keeping the aspect ratio', async () => {
      const img = image('img-0000000000000101', makePng(40, 20), 100, 100, 200, 100);
      await t.send(snapshot({ board: [img] }));
      await t.page.locator('.board-item.image').click();
      const handle = await box('.resize-handle');
      await t.page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
      await t.page.mouse.down();
      await t.page.mouse.move(handle.x + 105, handle.y + 5, { steps: 6 });
      await t.page.mouse.up();
      assert.deepEqual(await t.posted(), [{ type: 'moveItem', id: img.id, x: 100, y: 100, width: 300, height: 150 }]);
    });
  });

  describe('deleting', () => {
    const items = [
      NOTE,
      snippet('snip-0000000000000101', 'const a = 1;', 400, 100),
      image('img-0000000000000102', makePng(40, 30), 100, 320, 160, 120),
      stroke('str-0000000000000101', [500, 400, 560, 420, 620, 400, 680, 430]),
    ];

    it('deletes the selected item with Delete or Backspace, hiding it until the host removes it', async () => {
      await t.send(snapshot({ board: items }));
      await t.page.locator('.note').click();
      await t.page.keyboard.press('Delete');
      await t.page.locator('.snippet .snippet-header').click({ position: { x: 5, y: 5 } });
      await t.page.keyboard.press('Backspace');
      assert.deepEqual(await t.posted(), [
        { type: 'deleteItem', id: NOTE.id },
        { type: 'deleteItem', id: 'snip-0000000000000101' },
      ]);
      await t.nextFrame();
      assert.equal(await t.page.locator('.note, .snippet').count(), 0, 'hidden right away');
      await t.send({ type: 'boardRemove', id: NOTE.id });
      assert.equal(await t.page.locator('.board-count').textContent(), '3 items');
    });

    it('deletes images and drawings from the action bar, and a drawing by clicking its line', async () => {
      await t.send(snapshot({ board: items }));
      await t.page.locator('.board-item.image').click();
      await t.page.getByRole('toolbar', { name: 'Image actions' }).getByRole('button', { name: 'Delete Image' }).click();
      const vp = await t.viewport();
      // The stroke passes through (560, 420); the first view is at the board origin.
      await t.page.mouse.click(vp.x + 560, vp.y + 420);
      assert.equal(await t.page.getByRole('toolbar', { name: 'Drawing actions' }).isVisible(), true);
      await t.page.getByRole('button', { name: 'Delete Drawing' }).click();
      assert.deepEqual(await t.posted(), [
        { type: 'deleteItem', id: 'img-0000000000000102' },
        { type: 'deleteItem', id: 'str-0000000000000101' },
      ]);
    });

    it('copies a note’s text from the action bar', async () => {
      await t.send(snapshot({ board: [NOTE] }));
      await t.page.locator('.note').click();
      await t.page.getByRole('button', { name: 'Copy Text' }).click();
      assert.deepEqual(await t.posted(), [{ type: 'copyText', id: NOTE.id }]);
    });
  });

  it('uses the default note style when nothing was chosen', async () => {
    await t.send(snapshot({ board: [] }));
    await t.page.getByRole('button', { name: 'New Note' }).click();
    await t.page.keyboard.type('plain');
    await t.page.keyboard.press('Enter');
    const [message] = await t.posted();
    assert.ok(message?.type === 'addNote');
    assert.deepEqual({ font: message.font, size: message.size, colour: message.colour }, { ...DEFAULT_NOTE_STYLE });
  });
});
