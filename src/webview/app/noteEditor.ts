/**
 * The small editor that opens where the user double-clicked the board (a new note), or over a note
 * being edited: the text, plus the note's colour, font and size. Enter saves, Shift+Enter starts a
 * new line, Escape cancels. It never changes the board itself: the host echoes the note back as a
 * `boardItem` once it is on the board for everyone.
 */
import { MAX_NOTE_SIZE, MIN_NOTE_SIZE } from '../../board/limits';
import { MAX_NOTE_INPUT } from '../protocol';
import { h, uniqueId } from './dom';
import { clamp, formatCount, safeColour, safeFontFamily, textColourOn } from './format';
import type { NoteStyle } from './viewState';

export const NOTE_COLOURS: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'Yellow', value: '#f5e17a' },
  { name: 'Orange', value: '#ffb86c' },
  { name: 'Green', value: '#9be3a0' },
  { name: 'Blue', value: '#8cc8ff' },
  { name: 'Pink', value: '#f7a8c8' },
  { name: 'Purple', value: '#c9b3ff' },
  { name: 'Grey', value: '#d4d4d4' },
];

export const NOTE_FONTS: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'Sans', value: 'sans-serif' },
  { name: 'Serif', value: 'serif' },
  { name: 'Mono', value: 'monospace' },
  { name: 'Hand', value: 'cursive' },
];

export const NOTE_SIZES: ReadonlyArray<{ name: string; value: number }> = [
  { name: 'Small', value: 12 },
  { name: 'Medium', value: 16 },
  { name: 'Large', value: 24 },
  { name: 'Huge', value: 36 },
];

/** Largest font size the editor's text box previews, in pixels (the note itself may be bigger). */
const MAX_PREVIEW_PX = 28;

export interface NoteEditorHandlers {
  /** The user confirmed this text (not blank, within the limit) and style. */
  submit(text: string, style: NoteStyle): void;
  cancel(): void;
  /** The text or style changed (to keep it in the view state). */
  change(text: string, style: NoteStyle): void;
}

export interface NoteEditorOptions {
  /** Board coordinates of the note's top-left corner. */
  x: number;
  y: number;
  text: string;
  style: NoteStyle;
  /** The note being edited; undefined for a new one. */
  id?: string;
}

export class NoteEditor {
  readonly element: HTMLElement;
  readonly x: number;
  readonly y: number;
  readonly id: string | undefined;
  private readonly input: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly font: HTMLSelectElement;
  private readonly size: HTMLSelectElement;
  private colour: string;
  private readonly colourInputs: HTMLInputElement[] = [];

  constructor(
    options: NoteEditorOptions,
    private readonly handlers: NoteEditorHandlers,
  ) {
    this.x = options.x;
    this.y = options.y;
    this.id = options.id;
    const editing = options.id !== undefined;
    const hintId = uniqueId('note-hint');
    const errorId = uniqueId('note-error');
    this.colour = options.style.colour.toLowerCase();
    this.input = h('textarea', {
      className: 'note-editor-input',
      attrs: { rows: '3', 'aria-label': editing ? 'Note text' : 'New note text', placeholder: 'Type a note…', 'aria-describedby': `${hintId} ${errorId}` },
    });
    this.input.value = options.text;
    this.error = h('div', { className: 'inline-error', attrs: { id: errorId, role: 'alert', hidden: '' } });

    const colours = [...NOTE_COLOURS];
    if (!colours.some((c) => c.value === this.colour) && safeColour(this.colour) !== undefined) colours.push({ name: 'Current colour', value: this.colour });
    const group = uniqueId('note-colour');
    const swatches = h('div', { className: 'note-colours', attrs: { role: 'radiogroup', 'aria-label': 'Note colour' } });
    for (const c of colours) {
      const radio = h('input', { attrs: { type: 'radio', name: group, value: c.value } });
      radio.checked = c.value === this.colour;
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        this.colour = c.value;
        this.preview();
        this.changed();
      });
      this.colourInputs.push(radio);
      const dot = h('span', { className: 'swatch-dot', attrs: { 'aria-hidden': 'true' } });
      dot.style.setProperty('--swatch', c.value);
      swatches.append(h('label', { className: 'colour-choice', attrs: { title: c.name } }, radio, dot, h('span', { className: 'visually-hidden', text: c.name })));
    }

    this.font = h('select', { className: 'note-select', attrs: { 'aria-label': 'Font', title: 'Font' } });
    const fonts = [...NOTE_FONTS];
    if (!fonts.some((f) => f.value === options.style.font)) fonts.push({ name: options.style.font.slice(0, 24), value: options.style.font });
    for (const f of fonts) this.font.append(new Option(f.name, f.value, false, f.value === options.style.font));
    this.size = h('select', { className: 'note-select', attrs: { 'aria-label': 'Text size', title: 'Text size' } });
    const sizes = [...NOTE_SIZES];
    const current = clamp(Math.round(options.style.size), MIN_NOTE_SIZE, MAX_NOTE_SIZE);
    if (!sizes.some((s) => s.value === current)) sizes.push({ name: `${current}`, value: current });
    sizes.sort((a, b) => a.value - b.value);
    for (const s of sizes) this.size.append(new Option(s.name, String(s.value), false, s.value === current));
    for (const select of [this.font, this.size]) {
      select.addEventListener('change', () => {
        this.preview();
        this.changed();
      });
    }

    const save = h('button', { className: 'button primary small', attrs: { type: 'button' }, text: editing ? 'Save' : 'Add Note' });
    const cancel = h('button', { className: 'button secondary small', attrs: { type: 'button' }, text: 'Cancel' });
    save.addEventListener('click', () => this.submit());
    cancel.addEventListener('click', () => this.handlers.cancel());

    this.input.addEventListener('input', () => {
      this.error.hidden = true;
      this.changed();
    });
    this.element = h(
      'div',
      { className: 'note-editor', attrs: { role: 'group', 'aria-label': editing ? 'Edit note' : 'New note' } },
      this.input,
      this.error,
      h('div', { className: 'note-style' }, swatches, h('span', { className: 'note-style-selects' }, this.font, this.size)),
      h(
        'div',
        { className: 'note-editor-footer' },
        h('span', { className: 'hint', attrs: { id: hintId } }, h('kbd', { text: 'Enter' }), ` ${editing ? 'save' : 'add'} · `, h('kbd', { text: 'Shift+Enter' }), ' new line · ', h('kbd', { text: 'Esc' }), ' cancel'),
        h('span', { className: 'note-editor-buttons' }, cancel, save),
      ),
    );
    this.element.addEventListener('keydown', (event) => {
      // Board shortcuts (P, E, Delete…) never fire while typing here.
      event.stopPropagation();
      if (event.key === 'Escape') {
        event.preventDefault();
        this.handlers.cancel();
      } else if (event.key === 'Enter' && event.target === this.input && !event.shiftKey && !event.altKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      }
    });
    // Clicking elsewhere closes an empty editor; one with text stays until Enter or Escape.
    this.element.addEventListener('focusout', (event) => {
      const next = event.relatedTarget as Node | null;
      if (next !== null && this.element.contains(next)) return;
      if (this.input.value.trim() === '' && this.id === undefined) this.handlers.cancel();
    });
    // Keep board gestures (pan, double-click, drawing) out of the editor.
    for (const type of ['pointerdown', 'dblclick', 'wheel'] as const) this.element.addEventListener(type, (event) => event.stopPropagation());
    this.preview();
  }

  focus(): void {
    this.input.focus({ preventScroll: true });
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  get text(): string {
    return this.input.value;
  }

  get style(): NoteStyle {
    return { font: this.font.value, size: Number(this.size.value), colour: this.colour };
  }

  private preview(): void {
    const style = this.style;
    const family = safeFontFamily(style.font);
    this.input.style.fontFamily = family ?? '';
    this.input.style.fontSize = `${clamp(style.size, MIN_NOTE_SIZE, MAX_PREVIEW_PX)}px`;
    const colour = safeColour(style.colour);
    if (colour !== undefined) {
      this.input.style.setProperty('--note-bg', colour);
      this.input.style.setProperty('--note-fg', textColourOn(colour));
    }
  }

  private changed(): void {
    this.handlers.change(this.input.value, this.style);
  }

  private submit(): void {
    const text = this.input.value;
    if (text.trim() === '') {
      if (this.id === undefined) {
        this.handlers.cancel();
        return;
      }
      this.error.textContent = 'A note needs some text. To remove the note, delete it instead.';
      this.error.hidden = false;
      return;
    }
    if (text.length > MAX_NOTE_INPUT) {
      this.error.textContent = `This note is ${formatCount(text.length)} characters long; the limit is ${formatCount(MAX_NOTE_INPUT)}.`;
      this.error.hidden = false;
      return;
    }
    this.handlers.submit(text, this.style);
  }
}
