/**
 * The board panel's owner: opens the one board panel, restores it after a window reload and keeps
 * its tab; the panel itself is `boardWebview.ts`.
 */
import * as vscode from 'vscode';
import type { Logger } from '../net/logger';
import type { CodeTheme } from '../board/codeTheme';
import type { CodeImageSource, HostToWebview } from '../webview/protocol';
import { keepBoardTab } from './boardTab';
import { BoardPanel } from './boardWebview';
import type { WebviewMessageOutcome } from './boardWebview';
import { Disposable } from './disposable';
import type { BoardViewMemory } from './boardViewMemory';
import type { PresenceLines } from './presenceLines';
import type { Session } from './session';
import { SnippetChecks } from './snippetChecks';

export const BOARD_VIEW_TYPE = 'teamNotes.board';

export type { WebviewMessageOutcome } from './boardWebview';

/** Owns the (single) board panel and restores it after a window reload. */
export class BoardPanels extends Disposable {
  private current: BoardPanel | undefined;
  /** How each snippet card's code stands in this member's checkout (the cards' badges). */
  readonly snippetChecks: SnippetChecks;
  /** A message for a board not open yet (the reveal of an item shared just before it opens). */
  private readonly waiting: HostToWebview[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: Session,
    private readonly logger: Logger,
    private readonly presence: PresenceLines,
    private readonly views: BoardViewMemory,
  ) {
    super();
    this.snippetChecks = this.register(new SnippetChecks(session, logger));
    // A shared item may be placed before the board is open: the panel shows it once it is.
    this.register(session.board.onDidPlaceItem((id) => this.tell({ type: 'reveal', id, confirmation: 'Shared to the board' })));
    this.register(
      vscode.window.registerWebviewPanelSerializer(BOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => this.adopt(panel),
      }),
    );
    this.register({ dispose: () => this.current?.dispose() });
    // The board is never a preview tab: a file opened from the Explorer would replace it.
    this.register(keepBoardTab(BOARD_VIEW_TYPE, (column) => this.current?.focusIn(column) ?? Promise.resolve(false)));
  }

  private readonly visibility = this.register(new vscode.EventEmitter<boolean>());
  /** Fires when the board becomes visible or hidden (including when it is closed). */
  readonly onDidChangeVisibility = this.visibility.event;

  /** Shows the board, creating the panel if needed. */
  show(preserveFocus = false): void {
    if (this.current !== undefined) {
      this.current.reveal(preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      BOARD_VIEW_TYPE,
      this.title(),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      webviewOptions(this.extensionUri),
    );
    this.adopt(panel);
  }

  get visible(): boolean {
    return this.current?.visible ?? false;
  }

  /** Opens the board and fits its view to the member's items (the board says when there are none). */
  showMember(member: { id: string; name: string }): void {
    this.show();
    this.tell({ type: 'showMember', member });
  }

  private tell(message: HostToWebview): void {
    if (this.current !== undefined) this.current.tell(message);
    else this.waiting.splice(0, this.waiting.length, message);
  }

  /**
   * Test only (the in-editor suite): hands `raw` to the open board's message handler, the very one
   * its webview's messages go through, and resolves with what the host did with it.
   */
  receiveForTest(raw: unknown): Promise<WebviewMessageOutcome> {
    if (this.current === undefined) return Promise.reject(new Error('No board panel is open.'));
    return this.current.receive(raw);
  }

  /**
   * Renders code to a PNG in the board (it has the fonts and a canvas; the clipboard is never
   * used). Opens the board, without taking focus, when it is closed.
   */
  async renderCodeImage(source: CodeImageSource, theme: CodeTheme): Promise<Uint8Array> {
    this.showBesideEditor();
    return this.current!.renderCodeImage(source, theme);
  }

  /** Shows the board without taking focus; a hidden board comes up beside the editor the user works in. */
  showBesideEditor(): void {
    if (this.current !== undefined && !this.current.visible) this.current.reveal(true, vscode.ViewColumn.Beside);
    else this.show(true);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.current?.dispose();
    panel.webview.options = webviewOptions(this.extensionUri);
    const board = new BoardPanel(panel, this.extensionUri, this.session, this.logger, () => this.title(), this.presence, this.views, this.snippetChecks);
    this.current = board;
    for (const message of this.waiting.splice(0)) board.tell(message);
    this.visibility.fire(panel.visible);
    // Owned by the panel: gone with it, so a board closed and opened many times leaves nothing behind.
    const listeners = vscode.Disposable.from(
      panel.onDidChangeViewState(() => this.visibility.fire(panel.visible)),
      panel.onDidDispose(() => {
        listeners.dispose();
        if (this.current === board) this.current = undefined;
        this.visibility.fire(false);
      }),
    );
  }

  private title(): string {
    const group = this.session.groupName;
    return group === undefined ? 'Team Notes' : `Team Notes: ${group}`;
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}
