/**
 * Board time-travel in the panel, against a recorded history: the test plays the host with the
 * host's own time-travel code (src/extension/boardTimeTravel.ts) over a real in-memory group
 * history, and checks what the slider shows at each step, the author layers and restore.
 */
import { strict as assert } from 'node:assert';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BoardState } from '../../src/board/boardState';
import type { BoardMessage } from '../../src/board/boardState';
import { GroupHistory } from '../../src/net/groupHistory';
import { MemberKey } from '../../src/net/memberKey';
import { signMessage } from '../../src/net/signing';
import { cryptoReady } from '../../src/net/sodium';
import { BoardItemViews } from '../../src/extension/boardItems';
import { BoardTimeTravel } from '../../src/extension/boardTimeTravel';
import type { BoardItem, WebviewToHost } from '../../src/webview/protocol';
import { JOINED, snapshot } from './fixtures';
import { RESULTS, useBoard } from './boardSuite';

const N1 = '6c1f0b5e-0000-4000-8000-000000000001';
const N2 = '6c1f0b5e-0000-4000-8000-000000000002';
const N3 = '6c1f0b5e-0000-4000-8000-000000000003';
/** The two authors of the recorded session: real keys, so that the history keeps their signed messages. */
const ALICE_KEY = MemberKey.generate();
const BOB_KEY = MemberKey.generate();
const ALICE = { id: ALICE_KEY.id, name: 'Alice' };
const BOB = { id: BOB_KEY.id, name: 'Bob' };
/** 14:00 today, a minute per step. */
const T0 = new Date(new Date().setHours(14, 0, 0, 0)).getTime();

/** A recorded session: Alice and Bob add notes, Bob moves Alice's, Alice edits hers, Bob deletes his, Alice adds another. */
function recorded(): BoardMessage[] {
  const seqs = new Map<string, number>();
  let clock = 0;
  const message = (key: MemberKey, fields: Record<string, unknown>): BoardMessage => {
    const from = key.id;
    const seq = (seqs.get(from) ?? 0) + 1;
    seqs.set(from, seq);
    clock += 1;
    return signMessage({ v: '1', id: `msg-${clock}-0000000`, from, group: JOINED.group!, seq, ts: T0 + clock * 60_000, clock, type: 'note', ...fields } as unknown as BoardMessage, key);
  };
  const style = { font: 'sans-serif', size: 16, colour: '#f5e17a' };
  return [
    message(ALICE_KEY, { op: 'add', item: N1, text: 'Plan', x: 100, y: 100, ...style }),
    message(BOB_KEY, { op: 'add', item: N2, text: "Bob's idea", x: 420, y: 100, ...style }),
    message(BOB_KEY, { op: 'move', item: N1, x: 100, y: 300 }),
    message(ALICE_KEY, { op: 'edit', item: N1, text: 'Plan v2' }),
    message(BOB_KEY, { op: 'delete', item: N2 }),
    message(ALICE_KEY, { op: 'add', item: N3, text: 'Later', x: 420, y: 300, ...style }),
  ];
}

describe('board time-travel', function () {
  this.timeout(60_000);
  const t = useBoard();
  before(() => cryptoReady());

  /** The host: the recorded history, the board now as its fold, and the host's time-travel over them. */
  function host(): { travel: BoardTimeTravel; now: BoardItem[] } {
    const history = GroupHistory.inMemory(JOINED.group!, ALICE.id);
    history.setName(ALICE.id, ALICE.name);
    history.setName(BOB.id, BOB.name);
    const state = new BoardState();
    for (const m of recorded()) {
      assert.equal(history.add(m), 'added');
      state.apply(m);
    }
    const views = new BoardItemViews((id) => history.name(id) ?? id);
    const item = (id: string): BoardItem | undefined => {
      const s = state.item(id);
      return s === undefined ? undefined : views.toView(s);
    };
    const travel = new BoardTimeTravel(() => history, { item, addNote: () => assert.fail('the panel only posts restoreItem; the host adds the note') });
    return { travel, now: state.items().map((s) => views.toView(s)) };
  }

  /** Answers every history request the page posted since the last call, as the panel host does. */
  async function serve(travel: BoardTimeTravel, handled: { n: number }): Promise<void> {
    const posted = await t.posted();
    for (const message of posted.slice(handled.n)) {
      if (message.type === 'historyOpen') await t.send({ type: 'historyTimeline', timeline: travel.openHistory() });
      if (message.type === 'historyAt') await t.send({ type: 'historyState', state: travel.stateAt(message.step) });
    }
    handled.n = posted.length;
  }

  /** Serves the page until the step label starts with `Step <step> `. */
  async function atStep(travel: BoardTimeTravel, handled: { n: number }, step: number): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      await serve(travel, handled);
      const label = await t.page.locator('.history-step').textContent();
      if (label?.startsWith(`Step ${step} `) === true) return;
      await t.page.waitForTimeout(20);
    }
    assert.fail(`the slider never showed step ${step}: ${await t.page.locator('.history-step').textContent()}`);
  }

  /** The board now in the panel, then the history view opened on it (at its last step). */
  async function openHistory(before?: () => Promise<void>): Promise<{ travel: BoardTimeTravel; handled: { n: number } }> {
    const { travel, now } = host();
    const handled = { n: 0 };
    await t.send(snapshot({ board: now }));
    await before?.();
    await t.page.getByRole('button', { name: 'History' }).click();
    await atStep(travel, handled, 6);
    return { travel, handled };
  }

  const pastTexts = async (): Promise<string[]> => t.page.locator('.past-board .past-note .past-text').allTextContents();

  it('replays a recorded session step by step, from the board now back to empty, by keys and by dragging', async () => {
    const { travel, handled } = await openHistory();
    const slider = t.page.getByRole('slider', { name: 'Board history' });
    assert.equal(await slider.getAttribute('max'), '6');
    assert.deepEqual(await pastTexts(), ['Plan v2', 'Later'], 'it opens at the board now');
    assert.match((await t.page.locator('.history-banner').textContent()) ?? '', /^Viewing the board as it was at .+Back to now$/);
    assert.match((await slider.getAttribute('aria-valuetext')) ?? '', /^Step 6 of 6: Alice added a note/);
    assert.match((await t.page.locator('.history-span').textContent()) ?? '', /^\(.+ to .+\)$/, 'when the history starts and ends');

    // Arrow keys step back one at a time.
    await slider.press('ArrowLeft');
    await atStep(travel, handled, 5);
    assert.deepEqual(await pastTexts(), ['Plan v2'], 'before Alice added "Later"');
    await slider.press('ArrowLeft');
    await atStep(travel, handled, 4);
    assert.deepEqual(await pastTexts(), ['Plan v2', "Bob's idea"], "Bob's note is back before its delete");
    await slider.press('ArrowLeft');
    await atStep(travel, handled, 3);
    assert.deepEqual(await pastTexts(), ['Plan', "Bob's idea"], 'before the edit');
    const moved = await t.page.locator(`.past-item[data-id="${N1}"]`).evaluate((el) => (el as unknown as { style: { top: string } }).style.top);
    assert.equal(moved, '300px', 'after Bob moved it');
    await slider.press('Home');
    await atStep(travel, handled, 0);
    assert.deepEqual(await pastTexts(), []);
    assert.equal(await t.page.getByText('The board was empty at this point.').isVisible(), true);
    await slider.press('End');
    await atStep(travel, handled, 6);

    // Dragging the thumb to the far left and back to the middle.
    const box = (await slider.boundingBox())!;
    await t.page.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
    await t.page.mouse.down();
    await t.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
    await t.page.mouse.move(box.x + 1, box.y + box.height / 2, { steps: 8 });
    await t.page.mouse.up();
    await atStep(travel, handled, 0);
    await t.page.mouse.click(box.x + box.width * (2 / 6), box.y + box.height / 2);
    const step = Number(await slider.inputValue());
    assert.ok(step >= 1 && step <= 3, `clicked near step 2, got ${step}`);
    await atStep(travel, handled, step);
    assert.deepEqual(await pastTexts(), travel.stateAt(step).items.map((i) => (i.kind === 'note' ? i.text : '')));

    // Back to now: the live board, and the host is told to drop the timeline.
    await t.page.getByRole('button', { name: 'Back to now' }).click();
    assert.equal(await t.page.locator('.history-view').isVisible(), false);
    assert.equal(await t.page.locator('.board-viewport .note').count(), 2, 'the live board is as it was');
    assert.deepEqual((await t.posted()).at(-1), { type: 'historyClose' });
  });

  it("hides and shows each author's items with the layer checkboxes", async () => {
    const { travel, handled } = await openHistory();
    await t.page.getByRole('slider', { name: 'Board history' }).fill('4');
    await atStep(travel, handled, 4);
    const bob = t.page.getByRole('checkbox', { name: /^Bob \(/ });
    await bob.uncheck();
    assert.deepEqual(await pastTexts(), ['Plan v2'], "Bob's note hidden; Alice's stays though Bob moved it");
    await t.page.getByRole('checkbox', { name: /^Alice \(/ }).uncheck();
    assert.deepEqual(await pastTexts(), []);
    await bob.check();
    assert.deepEqual(await pastTexts(), ["Bob's idea"]);
    // The layers hold while stepping.
    await t.page.getByRole('slider', { name: 'Board history' }).press('ArrowLeft');
    await atStep(travel, handled, 3);
    assert.deepEqual(await pastTexts(), ["Bob's idea"]);
  });

  it('offers "Restore this item" only on a note deleted since, and posts restoreItem with the step (screenshot)', async () => {
    const { travel, handled } = await openHistory();
    assert.equal(await t.page.getByRole('button', { name: /^Restore this item/ }).count(), 0, 'nothing on the board now is deleted');
    await t.page.getByRole('slider', { name: 'Board history' }).fill('4');
    await atStep(travel, handled, 4);
    const restore = t.page.getByRole('button', { name: /^Restore this item/ });
    assert.equal(await restore.count(), 1, "only Bob's deleted note");
    await mkdir(RESULTS, { recursive: true });
    await t.page.screenshot({ path: join(RESULTS, 'webview-history.png') });
    assert.equal(await t.page.locator(`.past-item[data-id="${N2}"] .past-deleted-label`).textContent(), 'Deleted since');
    await restore.click();
    const posted = await t.posted();
    assert.deepEqual(posted.filter((m: WebviewToHost) => m.type === 'restoreItem'), [{ type: 'restoreItem', step: 4, id: N2 }]);
    assert.equal(await t.page.locator('.history-view').isVisible(), false, 'back to the board now, where the restored note appears');
    // Nothing else reached the host: no edit, move or delete from the past.
    assert.deepEqual(posted.filter((m) => !['historyOpen', 'historyAt', 'historyClose', 'restoreItem', 'viewport'].includes(m.type)), []);
  });

  it('keeps the live board out of reach while the past is shown: its keys do nothing there', async () => {
    await openHistory(() => t.page.locator('.board-viewport .note').first().click());
    for (const key of ['Delete', 'Backspace', 'n', 'Enter']) await t.page.keyboard.press(key);
    // Clicked, the past board takes the focus, and the keys still do nothing to the board now.
    await t.page.locator('.past-board').click({ position: { x: 5, y: 5 } });
    for (const key of ['Delete', 'n', 'p', 'i']) await t.page.keyboard.press(key);
    assert.equal(await t.page.locator('.note-editor').count(), 0, 'no new note opened under the past');
    // A pasted image does not go to the board now either.
    const pasted = await t.page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], 'a.png', { type: 'image/png' }));
      const event = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
      document.body.dispatchEvent(event);
      return event.defaultPrevented;
    })()`);
    assert.equal(pasted, false, 'the paste was left alone');
    await t.page.locator('.past-board').focus();
    await t.page.keyboard.press('Escape');
    assert.equal(await t.page.locator('.history-view').isVisible(), false, 'Escape goes back to now');
    assert.deepEqual((await t.posted()).filter((m) => m.type === 'deleteItem' || m.type === 'addNote' || m.type === 'editNote' || m.type === 'addImage'), []);
  });

  it('ends the history view when the panel leaves the group or shows another one', async () => {
    await openHistory();
    await t.send(snapshot({ session: { ...JOINED, group: 'another team' } }));
    assert.equal(await t.page.locator('.history-view').isVisible(), false);
    assert.deepEqual((await t.posted()).at(-1), { type: 'historyClose' });
    assert.equal(await t.page.getByRole('button', { name: 'History' }).getAttribute('aria-pressed'), 'false');
  });
});
