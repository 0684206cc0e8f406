/**
 * The board panel: a webview showing the board, the members and the chat. It talks to the
 * webview only through src/webview/protocol.ts and checks every message the webview sends.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { toNetError } from '../net/errors';
import type { Logger } from '../net/logger';
import { assertNever, parseWebviewMessage } from '../webview/protocol';
import type { HostToWebview, WebviewToHost } from '../webview/protocol';
import { Disposable } from './disposable';
import type { Session, SessionChange } from './session';

export const BOARD_VIEW_TYPE = 'teamNotes.board';

/** Owns the (single) board panel and restores it after a window reload. */
export class BoardPanels extends Disposable {
  private current: BoardPanel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: Session,
    private readonly logger: Logger,
  ) {
    super();
    this.register(
      vscode.window.registerWebviewPanelSerializer(BOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => this.adopt(panel),
      }),
    );
    this.register({ dispose: () => this.current?.dispose() });
  }

  /** Shows the board, creating the panel if needed. */
  show(): void {
    if (this.current !== undefined) {
      this.current.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(BOARD_VIEW_TYPE, this.title(), vscode.ViewColumn.Beside, webviewOptions(this.extensionUri));
    this.adopt(panel);
  }

  get visible(): boolean {
    return this.current?.visible ?? false;
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.current?.dispose();
    panel.webview.options = webviewOptions(this.extensionUri);
    const board = new BoardPanel(panel, this.extensionUri, this.session, this.logger, () => this.title());
    this.current = board;
    panel.onDidDispose(() => {
      if (this.current === board) this.current = undefined;
    });
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

class BoardPanel extends Disposable {
  /** The webview has said `ready` and had its snapshot: deltas may flow. */
  private ready = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly session: Session,
    private readonly logger: Logger,
    private readonly title: () => string,
  ) {
    super();
    this.register(panel);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'team-notes.svg');
    panel.title = title();
    panel.webview.html = boardHtml(panel.webview, extensionUri);
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(panel.webview.onDidReceiveMessage((raw: unknown) => this.onWebviewMessage(raw)));
    this.register(session.onDidChange((change) => this.onSessionChange(change)));
  }

  get visible(): boolean {
    return this.panel.visible;
  }

  reveal(): void {
    this.panel.reveal();
  }

  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private onSessionChange(change: SessionChange): void {
    if (change.kind === 'session') this.panel.title = this.title();
    if (!this.ready) return;
    switch (change.kind) {
      case 'session':
        return this.post({ type: 'snapshot', ...this.session.snapshot() });
      case 'members':
        return this.post({ type: 'members', members: this.session.snapshot().members });
      case 'chat':
        return this.post({ type: 'chat', entry: change.entry });
      case 'board':
        return this.post({ type: 'boardItem', item: change.item });
      case 'boardRemove':
        return this.post({ type: 'boardRemove', id: change.id });
      default:
        assertNever(change);
    }
  }

  private onWebviewMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw, (reason) => this.logger.warn(`ERR_BAD_INPUT: ignored a message from the board panel: ${reason}`));
    if (message === undefined) return;
    try {
      this.handle(message);
    } catch (err) {
      const error = toNetError(err, 'ERR_BAD_INPUT');
      this.logger.warn(`Board panel ${message.type} failed: ${error.code} ${error.message}`);
      if (message.type === 'sendChat') this.post({ type: 'error', message: `Not sent: ${error.message}`, unsent: message.text });
      else this.post({ type: 'error', message: error.message });
    }
  }

  private handle(message: WebviewToHost): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'snapshot', ...this.session.snapshot() });
        return;
      case 'sendChat':
        this.session.sendChat(message.text, message.to);
        return;
      case 'addNote':
        this.session.addNote(message.text, message.x, message.y);
        return;
      case 'joinGroup':
        void vscode.commands.executeCommand('teamNotes.joinGroup');
        return;
      default:
        assertNever(message);
    }
  }
}

/** The panel's HTML: one script with a fresh nonce, CSP `default-src 'none'`, no inline styles. */
function boardHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const media = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media'));
  const dist = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} blob: data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
  ].join('; ');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media.toString()}/board.css">
<title>Team Notes</title></head>
<body><div id="app" role="application" aria-label="Team Notes board"></div>
<script nonce="${nonce}" src="${dist.toString()}/webview.js"></script></body></html>`;
}
