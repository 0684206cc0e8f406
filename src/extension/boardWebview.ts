/**
 * One board panel: a webview showing the board, the members and the chat. It talks to the
 * webview only through src/webview/protocol.ts and checks every message the webview sends
 * (src/webview/webviewMessageChecks.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { CodeTheme } from '../board/codeTheme';
import { NetError, toNetError } from '../net/errors';
import type { Logger } from '../net/logger';
import { withSharedBuffers } from '../board/sharedImageBytes';
import { boardHtml } from '../webview/boardHtml';
import { assertNever } from '../webview/protocol';
import type { CodeImageSource, HostToWebview, WebviewToHost } from '../webview/protocol';
import { checkWebviewMessage, describeRejection } from '../webview/webviewMessageChecks';
import type { WebviewRejectionCode } from '../webview/webviewMessageChecks';
import { focusPanel } from './boardTab';
import { BoardTimeTravel } from './boardTimeTravel';
import { DeltaBatcher } from './deltaBatcher';
import { Disposable } from './disposable';
import type { BoardViewMemory } from './boardViewMemory';
import type { PresenceLines } from './presenceLines';
import type { Session, SessionChange } from './session';
import { openCode } from './codeLinks';
import type { SnippetChecks } from './snippetChecks';
import { WorkspacePathError, printablePath } from './workspacePath';


/** Time the board has to render a code image, in ms. */
const CODE_IMAGE_TIMEOUT_MS = 40_000;
/** How often an unanswered code image request is asked again. */
const CODE_IMAGE_RETRY_MS = 4_000;

/** What the host did with one message from the webview (the tests' hook returns it). */
export type WebviewMessageOutcome =
  /** Checked and acted on. */
  | { outcome: 'done'; type: WebviewToHost['type'] }
  /** Refused by the check and dropped: nothing reached the session, the editor or the network. */
  | { outcome: 'refused'; code: WebviewRejectionCode; type?: WebviewToHost['type']; field?: string }
  /** Valid, but acting on it failed; the board showed why. */
  | { outcome: 'failed'; type: WebviewToHost['type']; code: string; message: string };

export class BoardPanel extends Disposable {
  /** The webview has said `ready` and had its snapshot: deltas may flow. */
  private ready = false;
  /** Session deltas on their way to the page (posted together when they come in a burst). */
  private readonly deltas = new DeltaBatcher((message) => void this.panel.webview.postMessage(message));
  /** Messages that wait for `ready` (a code image requested while the panel was loading). */
  /** One-off requests (reveal, show a member) waiting for the page to be ready; the last few only. */
  private readonly told: HostToWebview[] = [];
  /** The board's history while the panel shows it (built on `historyOpen`, dropped on `historyClose` and with the panel). */
  private readonly timeTravel: BoardTimeTravel;
  private readonly codeImages = new Map<string, { request: HostToWebview; resolve: (png: Uint8Array) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly session: Session,
    private readonly logger: Logger,
    private readonly title: () => string,
    private readonly presence: PresenceLines,
    private readonly views: BoardViewMemory,
    private readonly snippetChecks: SnippetChecks,
  ) {
    super();
    this.register(panel);
    this.timeTravel = new BoardTimeTravel(() => session.groupHistory, session.board);
    this.register(snippetChecks.onDidCheck((statuses) => (this.ready ? this.post({ type: 'snippetStatus', statuses }) : undefined)));
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'team-notes.svg');
    panel.title = title();
    panel.webview.html = panelHtml(panel.webview, extensionUri);
    this.register(panel.onDidDispose(() => this.dispose()));
    // A hidden webview's page is discarded (it does not retain its context); it says `ready` again
    // when shown, and gets a fresh snapshot then. Until that, deltas and requests wait.
    this.register(panel.onDidChangeViewState(() => (panel.visible ? undefined : (this.ready = false))));
    this.register(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this.register(session.onDidChange((change) => this.onSessionChange(change)));
    this.register(presence.onDidAdd((line) => (this.ready ? this.post({ type: 'presence', line }) : undefined)));
  }

  get visible(): boolean {
    return this.panel.visible;
  }

  /** Reveals the board with focus in `column`; true once it is the active editor. */
  focusIn(column: vscode.ViewColumn): Promise<boolean> {
    return focusPanel(this.panel, column);
  }

  reveal(preserveFocus = false, column?: vscode.ViewColumn): void {
    this.panel.reveal(column, preserveFocus);
  }

  renderCodeImage(source: CodeImageSource, theme: CodeTheme): Promise<Uint8Array> {
    const requestId = randomUUID();
    return new Promise<Uint8Array>((resolve, reject) => {
      const request: HostToWebview = { type: 'renderCodeImage', requestId, source, theme };
      // A request posted to a page VS Code was just discarding is lost without a word: ask again
      // every few seconds until answered (an answer to a request already answered is ignored).
      // A board that is not showing has no page to render: bring it up again (without taking focus).
      const again = setInterval(() => (this.ready ? this.post(request) : this.panel.visible ? undefined : this.panel.reveal(undefined, true)), CODE_IMAGE_RETRY_MS);
      const timer = setTimeout(() => {
        clearInterval(again);
        this.codeImages.delete(requestId);
        reject(new NetError('ERR_IMAGE', `The board did not render the image within ${CODE_IMAGE_TIMEOUT_MS / 1000} s.`));
      }, CODE_IMAGE_TIMEOUT_MS);
      const settled = (): void => {
        clearTimeout(timer);
        clearInterval(again);
      };
      this.codeImages.set(requestId, {
        request,
        resolve: (png) => (settled(), resolve(png)),
        reject: (error) => (settled(), reject(error)),
      });
      if (this.ready) this.post(request); // else it goes out when the page says ready
    });
  }

  override dispose(): void {
    this.deltas.drop();
    this.timeTravel.close();
    for (const { reject } of this.codeImages.values()) reject(new NetError('ERR_IMAGE', 'The board was closed before the image was rendered.'));
    this.codeImages.clear();
    super.dispose();
  }

  /** Everything the panel shows, with the join and leave lines of this membership. */
  private snapshot(): HostToWebview {
    const group = this.session.groupName;
    const view = group === undefined ? undefined : this.views.camera(group);
    const snapshot = this.session.snapshot();
    return { type: 'snapshot', ...snapshot, board: withSharedBuffers(snapshot.board), presence: this.presence.lines(), ...(view !== undefined && { view }) };
  }

  /** Posts a one-off request to the board (reveal, show a member), once the page is ready. */
  tell(message: HostToWebview): void {
    if (this.ready) return this.post(message);
    this.told.push(message);
    if (this.told.length > 4) this.told.shift();
  }

  private post(message: HostToWebview): void {
    if (message.type === 'snapshot') this.deltas.drop();
    else this.deltas.flush();
    void this.panel.webview.postMessage(message);
  }

  private onSessionChange(change: SessionChange): void {
    if (change.kind === 'session') this.panel.title = this.title();
    if (!this.ready) return;
    switch (change.kind) {
      case 'session':
        return this.post(this.snapshot());
      case 'members':
        return this.deltas.add({ type: 'members', members: this.session.snapshot().members });
      case 'status':
        return this.deltas.add({ type: 'session', session: this.session.sessionView() });
      case 'chat':
        return this.deltas.add({ type: 'chat', entry: change.entry });
      case 'chatDelivery':
        return this.deltas.add({ type: 'chatDelivery', id: change.id, delivery: change.delivery });
      case 'board':
        return this.deltas.add({ type: 'boardItem', item: change.item });
      case 'boardRemove':
        return this.deltas.add({ type: 'boardRemove', id: change.id });
      default:
        assertNever(change);
    }
  }

  /**
   * Every message from the webview comes here: checked against the protocol first, refused and
   * logged with its code when it does not match, acted on otherwise. Never rejects: a failure is
   * logged and shown on the board, and the panel keeps working.
   */
  async receive(raw: unknown): Promise<WebviewMessageOutcome> {
    const checked = checkWebviewMessage(raw);
    if (!checked.ok) {
      const { code, type, field } = checked.rejection;
      // The rejection names the rule broken, never a value from the message.
      this.logger.warn(`Ignored a message from the board panel: ${describeRejection(checked.rejection)}`);
      return { outcome: 'refused', code, ...(type !== undefined && { type }), ...(field !== undefined && { field }) };
    }
    const message = checked.message;
    try {
      await this.handle(message);
      return { outcome: 'done', type: message.type };
    } catch (err) {
      const error = err instanceof WorkspacePathError ? err : toNetError(err, 'ERR_BAD_INPUT');
      this.logger.warn(`Board panel ${message.type} failed: ${error.code} ${error.message}`);
      try {
        if (message.type === 'sendChat') this.post({ type: 'error', message: `Not sent: ${error.message}`, unsent: message.text, context: 'chat' });
        else this.post({ type: 'error', message: error.message, context: message.type === 'joinGroup' || message.type === 'openCode' ? 'chat' : 'board' });
      } catch {
        // The panel was closed meanwhile: nobody is left to tell, and the log has it.
      }
      return { outcome: 'failed', type: message.type, code: error.code, message: error.message };
    }
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        // A new page has no history view open: a timeline the previous page held is dropped.
        this.timeTravel.close();
        this.post(this.snapshot());
        this.post({ type: 'snippetStatus', statuses: this.snippetChecks.list() });
        for (const told of this.told.splice(0)) this.post(told);
        // A new page: whatever the previous one was asked to render may have been lost with it (a
        // panel hidden just as the request went out), so every outstanding render is asked again.
        // An answer to a request already answered finds nothing and is ignored.
        for (const { request } of this.codeImages.values()) this.post(request);
        return;
      case 'sendChat':
        this.session.sendChat(message.text, message.to);
        return;
      case 'addNote': {
        const { text, x, y, ...style } = message;
        this.session.board.addNote(text, x, y, withoutType(style));
        return;
      }
      case 'editNote': {
        const { id, ...change } = message;
        this.session.board.editNote(id, withoutType(change));
        return;
      }
      case 'moveItem':
        this.session.board.moveItem(message.id, message.x, message.y, message.width !== undefined && message.height !== undefined ? { width: message.width, height: message.height } : undefined);
        return;
      case 'deleteItem':
        this.session.board.deleteItem(message.id);
        return;
      case 'addImage':
        this.session.board.addImage(message.bytes, message.x, message.y, message.width, message.height);
        return;
      case 'addStroke':
        this.session.board.addStroke(message.points, message.width, message.colour);
        return;
      case 'openSnippet': {
        const item = this.session.board.item(message.id);
        if (item?.kind !== 'snippet') throw new NetError('ERR_BAD_INPUT', 'That snippet is no longer on the board.');
        // The path is another member's: readCodeFile refuses one outside the workspace, too big or
        // binary. The card's code is found where it is now in this member's version of the file.
        await openCode({ path: item.path, startLine: item.startLine, endLine: item.endLine, code: item.code }, item.language);
        return;
      }
      case 'copyText':
        await vscode.env.clipboard.writeText(this.session.board.itemText(message.id));
        vscode.window.setStatusBarMessage('Team Notes: copied to the clipboard', 2000);
        return;
      case 'codeImage':
        this.codeImages.get(message.requestId)?.resolve(message.png);
        this.codeImages.delete(message.requestId);
        return;
      case 'codeImageFailed':
        // The reason is the webview's text and the rejection ends in a notification: it goes to the
        // log (control characters replaced), the notification says it in the host's own words.
        this.logger.warn(`ERR_IMAGE: the board could not render a code image: ${printablePath(message.message, 300)}`);
        this.codeImages.get(message.requestId)?.reject(new NetError('ERR_IMAGE', 'The board could not render the image; the log has the details.'));
        this.codeImages.delete(message.requestId);
        return;
      case 'joinGroup':
        // Not awaited: the command asks the user questions and may wait for them indefinitely.
        void vscode.commands.executeCommand('teamNotes.joinGroup');
        return;
      case 'viewport': {
        const group = this.session.groupName;
        if (group !== undefined) this.views.remember(group, withoutType(message));
        return;
      }
      case 'openLink':
        // VS Code's opener, which asks before opening a domain the user has not trusted. Not
        // awaited: that question may stay unanswered.
        vscode.env.openExternal(vscode.Uri.parse(message.url, true)).then(undefined, (err: unknown) => this.logger.warn(`Opening a chat link failed: ${toNetError(err).code}`));
        return;
      case 'historyOpen':
        this.post({ type: 'historyTimeline', timeline: this.timeTravel.openHistory() });
        return;
      case 'historyAt':
        this.post({ type: 'historyState', state: this.timeTravel.stateAt(message.step) });
        return;
      case 'historyClose':
        this.timeTravel.close();
        return;
      case 'restoreItem': {
        const item = this.timeTravel.restore(message.step, message.id);
        if (item !== undefined) this.post({ type: 'reveal', id: item.id, confirmation: 'Restored to the board' });
        return;
      }
      case 'openCode': {
        const { type: _type, ...target } = message;
        // The path is another member's: readCodeFile refuses one outside the workspace, too big or binary.
        await openCode(target);
        return;
      }
      default:
        assertNever(message);
    }
  }
}

/** Drops the `type` key left over from destructuring a webview message. */
function withoutType<T extends object>(fields: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = fields as T & { type?: unknown };
  return rest;
}

/** The panel's HTML with a fresh nonce from `crypto.randomBytes`. */
function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return boardHtml({
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString('base64'),
    mediaUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media')).toString(),
    distUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist')).toString(),
  }).html;
}
