/**
 * Draws attention to chat the user has not seen: counts messages that arrive while the board is
 * not visible (the status bar shows the count), and shows a notification for a direct message or
 * a message that mentions the user's display name (the `teamNotes.notifications` setting turns
 * that off).
 */
import * as vscode from 'vscode';
import { mentions } from '../board/mentions';
import type { ChatEntry } from '../webview/protocol';
import type { BoardPanels } from './boardPanel';
import { Disposable } from './disposable';
import type { Session } from './session';
import { readSettings } from './settings';

/** Longest message text quoted in a notification, in characters. */
const QUOTE_LENGTH = 140;

export class ChatAttention extends Disposable {
  private count = 0;
  private readonly changed = this.register(new vscode.EventEmitter<number>());
  /** Fires with the new unread count. */
  readonly onDidChangeUnread = this.changed.event;

  constructor(
    private readonly session: Session,
    private readonly board: BoardPanels,
  ) {
    super();
    this.register(session.onDidChange((change) => (change.kind === 'chat' ? this.onChat(change.entry) : change.kind === 'session' ? this.reset() : undefined)));
    this.register(board.onDidChangeVisibility((visible) => (visible ? this.reset() : undefined)));
  }

  get unread(): number {
    return this.count;
  }

  private reset(): void {
    if (this.count === 0) return;
    this.count = 0;
    this.changed.fire(0);
  }

  private onChat(entry: ChatEntry): void {
    if (entry.own || this.board.visible) return;
    this.count += 1;
    this.changed.fire(this.count);
    const self = this.session.self;
    const direct = entry.to !== undefined;
    if (!readSettings().notifications || (!direct && (self === undefined || !mentions(entry.text, self.name)))) return;
    const quote = entry.text.length > QUOTE_LENGTH ? `${entry.text.slice(0, QUOTE_LENGTH)}…` : entry.text;
    const heading = direct ? `${entry.from.name} (direct message)` : `${entry.from.name} mentioned you`;
    void vscode.window.showInformationMessage(`Team Notes — ${heading}: ${quote}`, 'Open Board').then((choice) => {
      if (choice === 'Open Board') this.board.show();
    });
  }
}
