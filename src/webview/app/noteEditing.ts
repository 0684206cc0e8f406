/**
 * The board's one note editor: opened for a new note (double-click, N, New Note) or to edit a
 * note, kept over its board position as the view moves, and stored as a draft so that what the
 * user typed survives the panel being hidden.
 */
import type { WebviewToHost } from '../protocol';
import type { BoardSurface } from './boardSurface';
import { boardToScreen } from './camera';
import { clamp } from './format';
import { NoteEditor } from './noteEditor';
import type { NoteDraft, NoteStyle } from './viewState';

export class NoteEditing {
  private current: NoteEditor | undefined;

  constructor(private readonly board: BoardSurface) {}

  get editor(): NoteEditor | undefined {
    return this.current;
  }

  /** Opens an editor for a new note at the view's centre. */
  newInView(): void {
    const { width, height } = this.board.size();
    const camera = this.board.camera;
    const c = { x: width / 2 / camera.zoom + camera.x, y: height / 2 / camera.zoom + camera.y };
    this.newAt(Math.round(c.x - 140), Math.round(c.y - 60));
  }

  newAt(x: number, y: number): void {
    this.open({ ...this.board.store.current.noteStyle, text: '', x, y }, true);
  }

  edit(id: string): void {
    const item = this.board.model.entries.get(id)?.item;
    if (item?.kind !== 'note') return;
    const move = this.board.model.pendingMove(id);
    this.open({ text: item.text, x: move?.x ?? item.x, y: move?.y ?? item.y, font: item.font, size: item.size, colour: item.colour, id }, true);
  }

  /** Opens the editor for a draft; `save` stores it as the draft now (a restored draft already is). */
  open(draft: NoteDraft, save: boolean): void {
    if (this.current !== undefined) {
      // Typed text is never thrown away by a stray double-click: focus the open editor instead.
      if (this.current.text.trim() !== '' && this.current.id === undefined) {
        this.current.focus();
        return;
      }
      this.close();
    }
    const style: NoteStyle = { font: draft.font, size: draft.size, colour: draft.colour };
    const editor: NoteEditor = new NoteEditor(
      { x: draft.x, y: draft.y, text: draft.text, style, id: draft.id },
      {
        submit: (text, chosen) => this.submit(editor, text, chosen),
        cancel: () => this.close(editor),
        change: (text, chosen) => this.board.store.update({ noteDraft: draftOf(editor, text, chosen) }),
      },
    );
    this.current = editor;
    this.board.viewport.append(editor.element);
    if (save) this.board.store.update({ noteDraft: draftOf(editor, draft.text, style) });
    this.board.updateEmptyHint();
    this.position();
    editor.focus();
  }

  /** Keeps the editor over its board position, inside the viewport. */
  position(): void {
    const editor = this.current;
    if (editor === undefined) return;
    const p = boardToScreen(this.board.camera, editor.x, editor.y);
    const { width, height } = this.board.size();
    const w = editor.element.offsetWidth || 300;
    const hgt = editor.element.offsetHeight || 160;
    const x = clamp(p.x, 4, Math.max(4, width - w - 4));
    const y = clamp(p.y, 4, Math.max(4, height - hgt - 4));
    editor.element.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  /** Closes the open editor (only `which`, when given: a late blur must not close a newer one). */
  close(which?: NoteEditor): void {
    const editor = this.current;
    if (editor === undefined || (which !== undefined && which !== editor)) return;
    this.current = undefined;
    const hadFocus = editor.element.contains(document.activeElement);
    editor.element.remove();
    this.board.store.update({ noteDraft: null });
    this.board.updateEmptyHint();
    if (hadFocus) {
      const el = editor.id === undefined ? undefined : this.board.scene.element(editor.id);
      (el ?? this.board.viewport).focus({ preventScroll: true });
    }
  }

  private submit(editor: NoteEditor, text: string, style: NoteStyle): void {
    const board = this.board;
    if (editor.id === undefined) {
      board.post({ type: 'addNote', text, x: Math.round(editor.x), y: Math.round(editor.y), font: style.font, size: style.size, colour: style.colour });
      board.store.update({ noteStyle: style });
    } else {
      const item = board.model.entries.get(editor.id)?.item;
      if (item?.kind === 'note') {
        const change: Extract<WebviewToHost, { type: 'editNote' }> = { type: 'editNote', id: item.id };
        if (text !== item.text) change.text = text;
        if (style.font !== item.font) change.font = style.font;
        if (style.size !== item.size) change.size = style.size;
        if (style.colour.toLowerCase() !== item.colour.toLowerCase()) change.colour = style.colour;
        if (Object.keys(change).length > 2) board.post(change);
        board.store.update({ noteStyle: style });
      }
    }
    this.close(editor);
  }
}

function draftOf(editor: NoteEditor, text: string, style: NoteStyle): NoteDraft {
  const draft: NoteDraft = { text, x: editor.x, y: editor.y, ...style };
  if (editor.id !== undefined) draft.id = editor.id;
  return draft;
}
