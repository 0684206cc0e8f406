/**
 * View state that survives the panel being hidden and shown again (VS Code drops a hidden
 * webview's page and keeps only what was given to `setState`): what the user typed and where they
 * were looking. It is read back with checks: it is ours, but may come from an older version.
 */
import { COLOUR_PATTERN, DEFAULT_NOTE_STYLE, FONT_PATTERN, MAX_NOTE_SIZE, MAX_PEN_WIDTH, MIN_NOTE_SIZE, MIN_PEN_WIDTH } from '../../board/limits';
import { MAX_CHAT_INPUT, MAX_NOTE_INPUT } from '../protocol';
import type { Camera } from './camera';
import { readCamera } from './camera';
import type { VsCodeApi } from './vscodeApi';

export interface Person {
  id: string;
  name: string;
}

export type Tool = 'select' | 'pen' | 'eraser';

export interface NoteStyle {
  font: string;
  size: number;
  colour: string;
}

export interface PenStyle {
  colour: string;
  width: number;
}

export interface NoteDraft extends NoteStyle {
  text: string;
  /** Board position of the note's top-left corner. */
  x: number;
  y: number;
  /** The note being edited; absent for a new note. */
  id?: string;
}

export interface ViewState {
  /** Chat text typed but not sent. */
  draft: string;
  /** Direct-message recipient; `null` means everyone. */
  recipient: Person | null;
  /** Keep the recipient after a direct message is sent (otherwise the next message goes to everyone). */
  recipientPinned: boolean;
  /**
   * Where the board was looking, once the user panned or zoomed: the board point at the centre of
   * the view and the zoom (the centre, not a corner, so that a panel reopened at another size
   * shows the same things).
   */
  centre: Camera | null;
  /** An open note editor: its text, style and board position. */
  noteDraft: NoteDraft | null;
  tool: Tool;
  /** The pen's last colour and width. */
  pen: PenStyle;
  /** The style the last note was written in, offered for the next one. */
  noteStyle: NoteStyle;
}

export const DEFAULT_PEN: PenStyle = { colour: '#3794ff', width: 4 };

const VERSION = 1;
/** Drafts are kept somewhat past the send limits so an over-long text is never cut when stored. */
const MAX_STORED_TEXT = Math.max(MAX_CHAT_INPUT, MAX_NOTE_INPUT) * 4;
/** How long to wait after the last pan or zoom before storing the view, in milliseconds. */
const VIEW_SAVE_DELAY_MS = 150;

const emptyState = (): ViewState => ({
  draft: '',
  recipient: null,
  recipientPinned: false,
  centre: null,
  noteDraft: null,
  tool: 'select',
  pen: { ...DEFAULT_PEN },
  noteStyle: { ...DEFAULT_NOTE_STYLE },
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_STORED_TEXT;

/** Reads a stored state, keeping each field that checks out and defaulting the rest. */
export function readViewState(raw: unknown): ViewState {
  const state = emptyState();
  if (!isRecord(raw) || raw.v !== VERSION) return state;
  if (isText(raw.draft)) state.draft = raw.draft;
  const r = raw.recipient;
  if (isRecord(r) && typeof r.id === 'string' && r.id.length <= 128 && typeof r.name === 'string' && r.name.length <= 256) {
    state.recipient = { id: r.id, name: r.name };
  }
  if (typeof raw.recipientPinned === 'boolean') state.recipientPinned = raw.recipientPinned;
  // An older version stored the corner of the view (`view`, `pan`): not read, the board then opens
  // where a new page would.
  state.centre = readCamera(raw.centre) ?? null;
  state.noteStyle = readNoteStyle(raw.noteStyle, state.noteStyle);
  const n = raw.noteDraft;
  if (isRecord(n) && isText(n.text) && isFiniteNumber(n.x) && isFiniteNumber(n.y)) {
    const draft: NoteDraft = { text: n.text, x: n.x, y: n.y, ...readNoteStyle(n, state.noteStyle) };
    if (typeof n.id === 'string' && n.id.length > 0 && n.id.length <= 128) draft.id = n.id;
    state.noteDraft = draft;
  }
  if (raw.tool === 'select' || raw.tool === 'pen' || raw.tool === 'eraser') state.tool = raw.tool;
  const pen = raw.pen;
  if (isRecord(pen)) {
    if (typeof pen.colour === 'string' && COLOUR_PATTERN.test(pen.colour)) state.pen.colour = pen.colour;
    if (isFiniteNumber(pen.width) && pen.width >= MIN_PEN_WIDTH && pen.width <= MAX_PEN_WIDTH) state.pen.width = pen.width;
  }
  return state;
}

/** A note style's valid fields over `fallback`. */
export function readNoteStyle(raw: unknown, fallback: NoteStyle): NoteStyle {
  const style = { ...fallback };
  if (!isRecord(raw)) return style;
  if (typeof raw.font === 'string' && FONT_PATTERN.test(raw.font)) style.font = raw.font;
  if (isFiniteNumber(raw.size) && raw.size >= MIN_NOTE_SIZE && raw.size <= MAX_NOTE_SIZE) style.size = raw.size;
  if (typeof raw.colour === 'string' && COLOUR_PATTERN.test(raw.colour)) style.colour = raw.colour.toLowerCase();
  return style;
}

/** Holds the view state and writes it through to VS Code on every change. */
export class ViewStateStore {
  private readonly state: ViewState;
  private viewTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly api: VsCodeApi) {
    let raw: unknown;
    try {
      raw = api.getState();
    } catch {
      raw = undefined;
    }
    this.state = readViewState(raw);
    // A scroll stored with a delay must not be lost when the panel goes away right after it.
    window.addEventListener('pagehide', () => this.flush());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.flush();
    });
  }

  get current(): Readonly<ViewState> {
    return this.state;
  }

  update(change: Partial<ViewState>): void {
    Object.assign(this.state, change);
    this.write();
  }

  /** Stores the centre of the view after panning and zooming settle (they change at frame rate). */
  updateCentre(centre: Camera): void {
    this.state.centre = { x: centre.x, y: centre.y, zoom: centre.zoom };
    if (this.viewTimer !== undefined) clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => this.write(), VIEW_SAVE_DELAY_MS);
  }

  flush(): void {
    if (this.viewTimer !== undefined) this.write();
  }

  private write(): void {
    if (this.viewTimer !== undefined) {
      clearTimeout(this.viewTimer);
      this.viewTimer = undefined;
    }
    this.api.setState({ v: VERSION, ...this.state });
  }
}
