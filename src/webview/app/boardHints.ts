/**
 * The board's fixed words: the hint on an empty board, the overlay while images are dragged over
 * it, and the keyboard help screen readers hear with the board.
 */
import { h } from './dom';
import { icon } from './icons';

export function emptyBoardHint(): HTMLElement {
  return h(
    'div',
    { className: 'board-empty' },
    h('p', { className: 'board-empty-title', text: 'Nothing on the board yet' }),
    h('p', { text: 'Double-click to add a note, paste or drop an image, or press P to draw. Share code from an editor with “Team Notes: Share Selection to Board”.' }),
  );
}

export function dropHint(): HTMLElement {
  const hint = h('div', { className: 'board-drop', attrs: { 'aria-hidden': 'true' } }, icon('image', 'icon board-drop-icon'), h('span', { text: 'Drop PNG, JPEG or GIF images to add them to the board' }));
  hint.hidden = true;
  return hint;
}

/** The keys, for `aria-describedby` on the board (`id`). */
export function keysHint(id: string): HTMLElement {
  return h('p', {
    className: 'visually-hidden',
    attrs: { id },
    text: 'Arrow keys pan, plus and minus zoom, Shift+1 fits everything in view. V selects, P draws, E erases, N adds a note. On an item: Enter edits a note, Delete removes it, arrow keys move it.',
  });
}
