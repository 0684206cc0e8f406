/**
 * The small inline editor that opens where the user double-clicked the board. Enter adds the note,
 * Shift+Enter starts a new line, Escape cancels. It never adds the note itself: the host echoes
 * it back as a `boardItem` once it is on the board for everyone.
 */
import { MAX_NOTE_INPUT } from '../protocol';
import { h, uniqueId } from './dom';
import { formatCount } from './format';

export interface NoteEditorHandlers {
  /** The user confirmed this text (not blank, within the limit). */
  submit(text: string): void;
  cancel(): void;
  /** The text changed (to keep it in the view state). */
  change(text: string): void;
}

export class NoteEditor {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly error: HTMLElement;

  constructor(
    /** Board coordinates of the note's top-left corner. */
    readonly x: number,
    readonly y: number,
    text: string,
    private readonly handlers: NoteEditorHandlers,
  ) {
    const hintId = uniqueId('note-hint');
    const errorId = uniqueId('note-error');
    this.input = h('textarea', {
      className: 'note-editor-input',
      attrs: { rows: '3', 'aria-label': 'New note text', placeholder: 'Type a note…', 'aria-describedby': `${hintId} ${errorId}` },
    });
    this.input.value = text;
    this.error = h('div', { className: 'inline-error', attrs: { id: errorId, role: 'alert', hidden: '' } });
    const add = h('button', { className: 'button primary small', attrs: { type: 'button' }, text: 'Add Note' });
    const cancel = h('button', { className: 'button secondary small', attrs: { type: 'button' }, text: 'Cancel' });
    add.addEventListener('click', () => this.submit());
    cancel.addEventListener('click', () => this.handlers.cancel());

    this.input.addEventListener('input', () => {
      this.error.hidden = true;
      this.handlers.change(this.input.value);
    });
    this.input.addEventListener('keydown', (event) => {
      event.stopPropagation();
      if (event.key === 'Escape') {
        event.preventDefault();
        this.handlers.cancel();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      }
    });
    // Clicking elsewhere closes an empty editor; one with text stays until Enter or Escape.
    this.input.addEventListener('blur', () => {
      if (this.input.value.trim() === '') this.handlers.cancel();
    });

    this.element = h(
      'div',
      { className: 'note-editor', attrs: { role: 'group', 'aria-label': 'New note' } },
      this.input,
      this.error,
      h(
        'div',
        { className: 'note-editor-footer' },
        h('span', { className: 'hint', attrs: { id: hintId } }, h('kbd', { text: 'Enter' }), ' add · ', h('kbd', { text: 'Shift+Enter' }), ' new line · ', h('kbd', { text: 'Esc' }), ' cancel'),
        h('span', { className: 'note-editor-buttons' }, cancel, add),
      ),
    );
    // Keep board gestures (pan, double-click) out of the editor.
    for (const type of ['pointerdown', 'dblclick'] as const) this.element.addEventListener(type, (event) => event.stopPropagation());
  }

  focus(): void {
    this.input.focus({ preventScroll: true });
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  get text(): string {
    return this.input.value;
  }

  private submit(): void {
    const text = this.input.value;
    if (text.trim() === '') {
      this.handlers.cancel();
      return;
    }
    if (text.length > MAX_NOTE_INPUT) {
      this.error.textContent = `This note is ${formatCount(text.length)} characters long; the limit is ${formatCount(MAX_NOTE_INPUT)}.`;
      this.error.hidden = false;
      return;
    }
    this.handlers.submit(text);
  }
}
