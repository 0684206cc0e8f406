/**
 * Places the items this member adds without a position (a shared selection, a code image, a note
 * from the command) in the part of the board the user last saw, clear of what is there: the
 * board's own size estimates for what the new item and the existing ones take up.
 */
import { placeItem } from '../board/placement';
import type { Area, Size } from '../board/placement';
import { estimateBounds, estimateNoteSize, estimateSnippetSize } from '../webview/app/itemGeometry';
import type { BoardItem, CodeImageSource } from '../webview/protocol';

const NOBODY = { id: '', name: '' };

/** The size a snippet card of this source takes on the board, in board units. */
export function snippetSize(source: CodeImageSource): Size {
  return estimateSnippetSize({ kind: 'snippet', id: '', author: NOBODY, x: 0, y: 0, order: 0, ...source });
}

/** The size a note takes on the board, in board units. */
export function noteSize(text: string, style: { font: string; size: number; colour: string }): Size {
  return estimateNoteSize({ kind: 'note', id: '', author: NOBODY, x: 0, y: 0, order: 0, text, ...style });
}

/** Where an item of `size` lands: inside `view` when known, clear of `items`. */
export function placeNewItem(view: Area | undefined, size: Size, items: readonly BoardItem[]): { x: number; y: number } {
  return placeItem(view, size, items.map(estimateBounds));
}
