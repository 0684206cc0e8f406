/**
 * Whether each snippet card's code still stands in this member's own checkout: the card's file is
 * read (when the workspace has it) and the card's code found in it with `locateCode`, on board load,
 * when a card arrives, and when one of the cards' files changes in an editor, is saved, or changes
 * on disk. The board shows the answer as a badge ("changed since shared", "moved", "gone").
 *
 * Bounded work: checks wait for a quiet moment ({@link CHECK_DELAY_MS}), each file is read once per
 * pass, big and binary files are refused before being read (`readCodeFile`), at most
 * {@link MAX_CHECKED_SNIPPETS} cards are checked per pass, and the pass yields to the extension host
 * between files.
 */
import * as vscode from 'vscode';
import { locateCode } from '../board/codeLocation';
import type { CodePlace } from '../board/codeLocation';
import type { Logger } from '../net/logger';
import type { BoardSnippet, SnippetStatus } from '../webview/protocol';
import { readCodeFile } from './codeFiles';
import { Disposable } from './disposable';
import type { Session } from './session';
import { WorkspacePathError } from './workspacePath';

/** Quiet time after a change before the cards are checked, in ms (typing in a file is one change). */
export const CHECK_DELAY_MS = 600;
/** Most snippet cards checked in one pass; the rest wait for the next. */
export const MAX_CHECKED_SNIPPETS = 300;

/** A card's status from where its code was found. */
export function statusOf(id: string, place: CodePlace): SnippetStatus {
  switch (place.status) {
    case 'exact':
    case 'moved':
    case 'unanchored':
      return { id, status: 'same', startLine: place.startLine, endLine: place.endLine };
    case 'changed':
      return { id, status: place.whitespaceOnly ? 'same' : 'changed', startLine: place.startLine, endLine: place.endLine };
    case 'ambiguous':
      return { id, status: 'ambiguous' };
    case 'gone':
      return { id, status: 'gone' };
  }
}

export class SnippetChecks extends Disposable {
  private readonly statuses = new Map<string, SnippetStatus>();
  /** Cards to check at the next pass; `all` after a snapshot or a change of the workspace's files. */
  private readonly due = new Set<string>();
  private all = false;
  /** Card ids by path, made again when the board changed: a burst of file events costs lookups, not scans. */
  private byPath: Map<string, string[]> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly checked = this.register(new vscode.EventEmitter<SnippetStatus[]>());
  /** Statuses that a pass found changed. */
  readonly onDidCheck = this.checked.event;

  constructor(
    private readonly session: Session,
    private readonly logger: Logger,
  ) {
    super();
    this.register(
      session.onDidChange((change) => {
        if (change.kind === 'session') this.checkAll();
        else if (change.kind === 'board' && change.item.kind === 'snippet') this.check(change.item.id);
        else if (change.kind === 'boardRemove') this.statuses.delete(change.id);
        if (change.kind === 'session' || change.kind === 'board' || change.kind === 'boardRemove') this.byPath = undefined;
      }),
    );
    this.register(vscode.workspace.onDidChangeTextDocument((event) => (event.contentChanges.length > 0 ? this.fileChanged(event.document.uri) : undefined)));
    this.register(vscode.workspace.onDidSaveTextDocument((document) => this.fileChanged(document.uri)));
    // A document closed with unsaved edits leaves the file on disk as the card's reference.
    this.register(vscode.workspace.onDidCloseTextDocument((document) => this.fileChanged(document.uri)));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.checkAll()));
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*'));
    this.register(watcher.onDidChange((uri) => this.fileChanged(uri)));
    this.register(watcher.onDidCreate((uri) => this.fileChanged(uri)));
    this.register(watcher.onDidDelete((uri) => this.fileChanged(uri)));
    this.register({ dispose: () => clearTimeout(this.timer) });
    this.checkAll();
  }

  /** Every status known, for a fresh board. */
  list(): SnippetStatus[] {
    return [...this.statuses.values()];
  }

  /** Resolves once the checks asked for so far are done (for the tests). */
  async settled(): Promise<void> {
    // Bounded: checks that keep coming (a file changing all the time) do not hold the caller for ever.
    for (let round = 0; round < 10 && (this.timer !== undefined || this.running !== undefined); round += 1) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.startPass();
      }
      await this.running;
    }
  }

  checkAll(): void {
    this.all = true;
    this.schedule();
  }

  private check(id: string): void {
    this.due.add(id);
    this.schedule();
  }

  /** A file changed: the cards whose path it may be are checked again. */
  private fileChanged(uri: vscode.Uri): void {
    if (uri.scheme === 'output' || uri.scheme === 'vscode-userdata') return;
    if (this.byPath === undefined) {
      this.byPath = new Map();
      for (const item of this.session.board.items()) if (item.kind === 'snippet') this.byPath.set(item.path, [...(this.byPath.get(item.path) ?? []), item.id]);
    }
    if (this.byPath.size === 0) return;
    // Each tail of the file's path (`a/b/c.ts`, `b/c.ts`, `c.ts`) may be a card's workspace-relative path.
    const segments = uri.path.split('/');
    let found = false;
    for (let i = segments.length - 1; i >= 0; i -= 1) {
      for (const id of this.byPath.get(segments.slice(i).join('/')) ?? []) {
        this.due.add(id);
        found = true;
      }
    }
    if (found) this.schedule();
  }

  private schedule(): void {
    if (this.isDisposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startPass();
    }, CHECK_DELAY_MS);
  }

  /**
   * One pass at a time: a change during a pass is checked by the next. The pass is let go of in a
   * `finally` callback, which always runs after `running` is set, even when the pass had nothing to
   * await (a pass that cleared `running` itself could do so before it was set, and stick).
   */
  private startPass(): void {
    if (this.running !== undefined) return;
    const run = this.pass().finally(() => {
      if (this.running === run) this.running = undefined;
      if (this.due.size > 0 && !this.isDisposed) this.schedule();
    });
    this.running = run;
  }

  private async pass(): Promise<void> {
    try {
      const snippets = this.session.board.items().filter((item): item is BoardSnippet => item.kind === 'snippet' && (this.all || this.due.has(item.id)));
      const now = snippets.slice(0, MAX_CHECKED_SNIPPETS);
      this.all = false;
      this.due.clear();
      for (const rest of snippets.slice(MAX_CHECKED_SNIPPETS)) this.due.add(rest.id);
      const byPath = new Map<string, BoardSnippet[]>();
      for (const s of now) byPath.set(s.path, [...(byPath.get(s.path) ?? []), s]);
      const changed: SnippetStatus[] = [];
      for (const [path, cards] of byPath) {
        if (this.isDisposed) return;
        const found = await this.checkFile(path, cards);
        for (const status of found) {
          const before = this.statuses.get(status.id);
          if (before === undefined || JSON.stringify(before) !== JSON.stringify(status)) changed.push(status);
          this.statuses.set(status.id, status);
        }
        // Other work of the extension host gets its turn between files.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (changed.length > 0 && !this.isDisposed) this.checked.fire(changed);
    } catch (err) {
      this.logger.warn(`Checking the snippet cards' files failed: ${err instanceof Error ? err.message : 'unknown error'}`);
    }
  }

  private async checkFile(path: string, cards: readonly BoardSnippet[]): Promise<SnippetStatus[]> {
    try {
      const { text } = await readCodeFile(path);
      return cards.map((card) => statusOf(card.id, locateCode(card, text)));
    } catch (err) {
      const missing = err instanceof WorkspacePathError && (err.code === 'ERR_PATH_NOT_FOUND' || err.code === 'ERR_PATH_NO_WORKSPACE');
      return cards.map((card) => ({ id: card.id, status: missing ? 'missing' : 'unreadable' }));
    }
  }
}
