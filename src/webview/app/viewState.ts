/**
 * View state that survives the panel being hidden and shown again (VS Code drops a hidden
 * webview's page and keeps only what was given to `setState`): what the user typed and where they
 * were looking. It is read back with checks: it is ours, but may come from an older version.
 */
import { MAX_CHAT_INPUT, MAX_NOTE_INPUT } from '../protocol';
import type { VsCodeApi } from './vscodeApi';

export interface Person {
  id: string;
  name: string;
}

export interface ViewState {
  /** Chat text typed but not sent. */
  draft: string;
  /** Direct-message recipient; `null` means everyone. */
  recipient: Person | null;
  /** Board coordinates at the top-left corner of the visible board, once the user scrolled. */
  pan: { x: number; y: number } | null;
  /** An open note editor: its text and board position. */
  noteDraft: { text: string; x: number; y: number } | null;
}

const VERSION = 1;
/** Drafts are kept somewhat past the send limits so an over-long text is never cut when stored. */
const MAX_STORED_TEXT = Math.max(MAX_CHAT_INPUT, MAX_NOTE_INPUT) * 4;
/** How long to wait after the last scroll before storing the position, in milliseconds. */
const PAN_SAVE_DELAY_MS = 150;

const emptyState = (): ViewState => ({ draft: '', recipient: null, pan: null, noteDraft: null });

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
  const p = raw.pan;
  if (isRecord(p) && isFiniteNumber(p.x) && isFiniteNumber(p.y)) state.pan = { x: p.x, y: p.y };
  const n = raw.noteDraft;
  if (isRecord(n) && isText(n.text) && isFiniteNumber(n.x) && isFiniteNumber(n.y)) state.noteDraft = { text: n.text, x: n.x, y: n.y };
  return state;
}

/** Holds the view state and writes it through to VS Code on every change. */
export class ViewStateStore {
  private readonly state: ViewState;
  private panTimer: ReturnType<typeof setTimeout> | undefined;

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

  /** Stores the pan position after scrolling settles (scroll events come at frame rate). */
  updatePan(pan: { x: number; y: number }): void {
    this.state.pan = pan;
    if (this.panTimer !== undefined) clearTimeout(this.panTimer);
    this.panTimer = setTimeout(() => this.write(), PAN_SAVE_DELAY_MS);
  }

  flush(): void {
    if (this.panTimer !== undefined) this.write();
  }

  private write(): void {
    if (this.panTimer !== undefined) {
      clearTimeout(this.panTimer);
      this.panTimer = undefined;
    }
    this.api.setState({ v: VERSION, ...this.state });
  }
}
