/**
 * The group's pins in the editor, through VS Code's Comments API: one comment thread per pin whose
 * file this member has, at the place `relocate` finds its code in this member's own version
 * (`pinPlacement.ts` says what each answer looks like), found again when the file opens and, 300 ms
 * after the last keystroke, as it is edited. The thread holds the note, the original code when the
 * code here differs or the place is uncertain, and the replies; its state is resolved or not.
 */
import * as vscode from 'vscode';
import { relocate } from '../board/codeAnchor';
import type { LineRange } from '../board/codeAnchor';
import type { PinState } from '../board/pins';
import type { Logger } from '../net/logger';
import { Disposable } from './disposable';
import { fileForPin, pinFileProblem, readPinFile } from './pinFiles';
import { placePin } from './pinPlacement';
import type { PinPlacement } from './pinPlacement';
import type { SessionPins } from './sessionPins';

/** How long after the last edit of a document its pins are found again, in ms. */
export const RELOCATE_DEBOUNCE_MS = 300;

/** The comment controller's id: `when` clauses in package.json name it. */
export const PIN_CONTROLLER_ID = 'teamNotes.pins';

/** A placed thread as tests and the commands see it. */
export interface PinThreadView {
  pin: string;
  file: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  label?: string;
  resolved: boolean;
  outdated: boolean;
  /** When several places match (the member may choose one with teamNotes.choosePinPlace). */
  candidates?: readonly LineRange[];
  /** The comments' text, the note first (with the quoted original code when shown), then the replies. */
  comments: string[];
}

interface Placed {
  thread: vscode.CommentThread;
  file: string;
  view: PinThreadView;
}

export class PinComments extends Disposable {
  private readonly controller: vscode.CommentController;
  private readonly placed = new Map<string, Placed>();
  /** Per pin, the latest placement started: an older one that finishes later is dropped. */
  private readonly tickets = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Places this member chose for ambiguous pins, by pin id (kept for this window's life only). */
  private readonly chosen = new Map<string, LineRange>();
  private readonly changes = this.register(new vscode.EventEmitter<void>());
  /** Fires after threads were placed or taken away (tests wait on it). */
  readonly onDidPlace = this.changes.event;

  constructor(
    private readonly pins: SessionPins,
    private readonly logger: Logger,
    joined: () => boolean,
    onJoinedChange: vscode.Event<unknown>,
  ) {
    super();
    this.controller = this.register(vscode.comments.createCommentController(PIN_CONTROLLER_ID, 'Team Notes'));
    // The gutter's "+" on any line of a file on disk starts a new pin (teamNotes.pinFromThread).
    // Only while in a group: out of one, a "+" on every line would offer what cannot be done.
    const rangeProvider: vscode.CommentingRangeProvider = {
      provideCommentingRanges: (document) => (document.uri.scheme === 'file' && document.lineCount > 0 ? [new vscode.Range(0, 0, document.lineCount - 1, 0)] : []),
    };
    const offerRanges = (): void => {
      const wanted = joined() ? rangeProvider : undefined;
      // Setting it makes VS Code ask for the ranges again; set only when it changes.
      if (this.controller.commentingRangeProvider !== wanted) this.controller.commentingRangeProvider = wanted;
    };
    offerRanges();
    this.register(onJoinedChange(offerRanges));
    this.controller.options = { prompt: 'Reply to the group…', placeHolder: 'Everyone in the group who has this file reads it.' };
    this.register(pins.onDidChange((id) => void (id === undefined ? this.refreshAll() : this.refresh(id))));
    this.register(vscode.workspace.onDidOpenTextDocument((document) => this.schedule(document, 0)));
    this.register(vscode.workspace.onDidChangeTextDocument((event) => event.contentChanges.length > 0 && this.schedule(event.document, RELOCATE_DEBOUNCE_MS)));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refreshAll()));
    this.register({ dispose: () => this.clearTimers() });
    void this.refreshAll();
  }

  /** Lines of `document` on which the gutter offers a new pin now (none out of a group). */
  async commentingLines(document: vscode.TextDocument): Promise<number> {
    const provider = this.controller.commentingRangeProvider;
    if (provider === undefined) return 0;
    const ranges = await provider.provideCommentingRanges(document, new vscode.CancellationTokenSource().token);
    const list = ranges === undefined || ranges === null ? [] : Array.isArray(ranges) ? ranges : (ranges.ranges ?? []);
    return list.reduce((sum, range) => sum + range.end.line - range.start.line + 1, 0);
  }

  /** The pin a thread shows, or undefined for a thread that is not one (a draft from the gutter). */
  pinOf(thread: vscode.CommentThread): string | undefined {
    for (const [id, placed] of this.placed) if (placed.thread === thread) return id;
    return undefined;
  }

  /** Every placed thread (tests, and the pin command's check for what is already there). */
  threads(): PinThreadView[] {
    return [...this.placed.values()].map((p) => p.view);
  }

  /** Puts an ambiguous pin's thread at the candidate this member chose, and keeps it there while it matches. */
  choose(id: string, place: LineRange): void {
    this.chosen.set(id, place);
    void this.refresh(id);
  }

  /** Places every pin again and takes away threads of pins that are gone. */
  async refreshAll(): Promise<void> {
    const live = new Set(this.pins.pins().map((p) => p.id));
    for (const id of [...this.placed.keys()]) if (!live.has(id)) this.remove(id);
    await Promise.all([...live].map((id) => this.refresh(id)));
  }

  /** Places one pin's thread: finds its file in the workspace, reads it (or its open document) and relocates. */
  async refresh(id: string): Promise<void> {
    const ticket = (this.tickets.get(id) ?? 0) + 1;
    this.tickets.set(id, ticket);
    const pin = this.pins.pin(id);
    if (pin === undefined) return this.remove(id);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const file = await fileForPin(pin.anchor.path, folders);
    if (this.tickets.get(id) !== ticket) return;
    if (file === undefined) return this.remove(id);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    const read = document !== undefined ? documentText(document) : await readPinFile(file);
    if (this.tickets.get(id) !== ticket) return;
    if ('problem' in read) {
      this.logger.debug(`Pin ${id} on ${pin.anchor.path} is not shown: ${read.problem}`);
      return this.remove(id);
    }
    this.show(pin, file, read.text);
  }

  /** Finds the pins of an opened or edited document again, `delay` ms after the last call for it. */
  private schedule(document: vscode.TextDocument, delay: number): void {
    if (document.uri.scheme !== 'file') return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        const file = document.uri.fsPath;
        const name = file.split(/[\\/]/).pop() ?? '';
        for (const pin of this.pins.pins()) {
          const placed = this.placed.get(pin.id);
          if (placed?.file === file) {
            const read = documentText(document);
            if ('text' in read) this.show(pin, file, read.text);
          } else if (placed === undefined && pin.anchor.path.split('/').pop() === name) {
            // A file just created or opened for the first time: resolve the pin's path properly.
            void this.refresh(pin.id);
          }
        }
      }, delay),
    );
  }

  private show(pin: PinState, file: string, text: string): void {
    const lineCount = text === '' ? 1 : text.split(/\r\n|\r|\n/).length;
    const placement = placePin(pin.anchor, relocate(pin.anchor, text), lineCount, this.chosen.get(pin.id));
    const uri = vscode.Uri.file(file);
    const range = new vscode.Range(placement.startLine - 1, 0, placement.endLine - 1, 0);
    const comments = this.comments(pin, placement);
    let placed = this.placed.get(pin.id);
    if (placed !== undefined && placed.file !== file) {
      placed.thread.dispose();
      placed = undefined;
    }
    const thread = placed?.thread ?? this.controller.createCommentThread(uri, range, comments);
    if (placed === undefined) thread.collapsibleState = placement.outdated || pin.resolved ? vscode.CommentThreadCollapsibleState.Collapsed : vscode.CommentThreadCollapsibleState.Expanded;
    thread.range = range;
    thread.comments = comments;
    thread.label = placement.label ?? (pin.resolved ? 'Resolved' : undefined);
    thread.state = pin.resolved ? vscode.CommentThreadState.Resolved : vscode.CommentThreadState.Unresolved;
    thread.canReply = true; // as on an outdated review comment, the conversation may go on
    thread.contextValue = `teamNotesPin.${pin.resolved ? 'resolved' : 'open'}${placement.candidates !== undefined ? '.ambiguous' : ''}${pin.author === this.pins.self ? '.own' : ''}`;
    const view: PinThreadView = {
      pin: pin.id, file, startLine: placement.startLine, endLine: placement.endLine, resolved: pin.resolved, outdated: placement.outdated,
      // As written, not as Markdown: what the member wrote, the code quoted when it is.
      comments: [placement.quoteOriginal ? `${pin.text}\n${pin.anchor.lines.join('\n')}` : pin.text, ...pin.replies.map((r) => r.text)],
    };
    if (thread.label !== undefined) view.label = thread.label;
    if (placement.candidates !== undefined) view.candidates = placement.candidates;
    this.placed.set(pin.id, { thread, file, view });
    this.changes.fire();
  }

  private comments(pin: PinState, placement: PinPlacement): vscode.Comment[] {
    // Everything a member wrote goes in as text (appendText escapes Markdown); nothing is trusted.
    const note = new vscode.MarkdownString().appendText(pin.text);
    if (placement.quoteOriginal) {
      const { anchor } = pin;
      const lines = anchor.startLine === anchor.endLine ? `line ${anchor.startLine}` : `lines ${anchor.startLine}–${anchor.endLine}`;
      note.appendMarkdown('\n\n').appendText(`The code when pinned (${lines}${anchor.commit === undefined ? '' : `, commit ${anchor.commit.slice(0, 8)}`}):`);
      note.appendCodeblock(anchor.lines.join('\n'));
    }
    const comment = (author: string, body: vscode.MarkdownString, ts: number): vscode.Comment => ({
      author: { name: this.pins.authorName(author) },
      body,
      mode: vscode.CommentMode.Preview,
      timestamp: new Date(ts),
    });
    return [comment(pin.author, note, pin.ts), ...pin.replies.map((r) => comment(r.author, new vscode.MarkdownString().appendText(r.text), r.ts))];
  }

  /** The placed thread of a pin, as tests and the commands see it. */
  thread(id: string): PinThreadView | undefined {
    return this.placed.get(id)?.view;
  }

  private remove(id: string): void {
    const placed = this.placed.get(id);
    if (placed === undefined) return;
    placed.thread.dispose();
    this.placed.delete(id);
    this.changes.fire();
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const placed of this.placed.values()) placed.thread.dispose();
    this.placed.clear();
  }
}

/** An open document's text, or why pins are not shown on it (too large, binary). */
function documentText(document: vscode.TextDocument): { text: string } | { problem: string } {
  const text = document.getText();
  // Characters, not bytes, here: close enough to refuse a huge document without encoding it.
  const problem = pinFileProblem(text.length, text);
  return problem === undefined ? { text } : { problem };
}
