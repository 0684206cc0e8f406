/**
 * The board panel: the join screen while not in a group; the board with members and chat beside
 * it once joined. It renders what the host sends and posts what the user does; it keeps no model
 * of its own beyond the last snapshot and deltas.
 */
import { assertNever } from '../protocol';
import type { CodeTheme } from '../../board/codeTheme';
import type { CodeImageSource, HostToWebview, MemberView, SessionView, WebviewToHost } from '../protocol';
import { BoardView } from './boardView';
import { CatchUpStatus } from './catchUpStatus';
import { ChatLog } from './chatLog';
import { renderCodeImage } from './codeImage';
import { Composer } from './composer';
import { h } from './dom';
import { HistoryView } from './historyView';
import { JoinView } from './joinView';
import { MembersView } from './membersView';
import type { ViewStateStore } from './viewState';

type Mode = 'loading' | 'join' | 'board';

export class BoardApp {
  private readonly loading: HTMLElement;
  private readonly join: JoinView;
  private readonly workspace: HTMLElement;
  private readonly board: BoardView;
  private readonly history: HistoryView;
  private readonly members: MembersView;
  private readonly chat: ChatLog;
  private readonly composer: Composer;
  private readonly catchUp: CatchUpStatus;
  private session: SessionView = { state: 'idle' };
  private memberList: MemberView[] = [];
  private mode: Mode = 'loading';

  constructor(
    root: HTMLElement,
    store: ViewStateStore,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    this.loading = h('div', { className: 'loading', attrs: { role: 'status' }, text: 'Loading Team Notes…' });
    this.join = new JoinView(post);
    this.board = new BoardView(store, post);
    this.history = new HistoryView(post, (past) => this.board.showingPast(past));
    this.board.mountHistory(this.history.toggle, this.history.element);
    this.members = new MembersView((member) => this.composer.chooseRecipient(member));
    this.chat = new ChatLog(post);
    this.composer = new Composer(store, post);
    this.catchUp = new CatchUpStatus();
    const chatSection = h(
      'section',
      { className: 'side-section chat', attrs: { 'aria-labelledby': 'chat-heading' } },
      h('h2', { className: 'section-header', attrs: { id: 'chat-heading' } }, h('span', { text: 'Chat' })),
      this.chat.element,
      this.composer.element,
    );
    this.workspace = h(
      'div',
      { className: 'workspace' },
      this.board.element,
      h('aside', { className: 'side', attrs: { 'aria-label': 'Members and chat' } }, this.members.element, chatSection),
    );
    this.join.element.hidden = true;
    this.workspace.hidden = true;
    // The catch-up line spans the board and the chat, above both; empty unless joined.
    root.replaceChildren(this.loading, this.join.element, this.catchUp.element, this.workspace);
  }

  handle(message: HostToWebview): void {
    switch (message.type) {
      case 'snapshot':
        // A history is the joined group's: leaving, or another group, ends the view of it.
        if (message.session.state !== 'joined' || message.session.group !== this.session.group) this.history.close();
        this.session = message.session;
        this.memberList = message.members;
        this.renderSession();
        this.board.replaceAll(message.board, message.view);
        // Shown after the items are in, so the first view starts from the board's content.
        this.showMode();
        this.chat.replaceAll(message.chat, message.presence);
        break;
      case 'session':
        if (message.session.state !== 'joined' || message.session.group !== this.session.group) this.history.close();
        this.session = message.session;
        this.showMode();
        this.renderSession();
        break;
      case 'members':
        this.memberList = message.members;
        this.renderMembers();
        break;
      case 'chat':
        this.chat.add(message.entry);
        break;
      case 'presence':
        this.chat.addPresence(message.line);
        break;
      case 'chatDelivery':
        this.chat.setDelivery(message.id, message.delivery);
        break;
      case 'boardItem':
        this.board.upsert(message.item);
        break;
      case 'boardRemove':
        this.board.remove(message.id);
        break;
      case 'batch':
        this.board.batch(() => {
          for (const delta of message.messages) this.handle(delta);
        });
        break;
      case 'error':
        if (this.mode !== 'board') this.join.showError(message.message);
        else if (message.context === 'board') {
          this.board.showError(message.message);
          this.history.failed(message.message);
        }
        else this.composer.showError(message.message, message.unsent);
        break;
      case 'renderCodeImage':
        void this.renderCodeImage(message.requestId, message.source, message.theme);
        break;
      case 'reveal':
        this.board.reveals.reveal(message.id, message.confirmation);
        break;
      case 'showMember':
        this.board.reveals.showMember(message.member);
        break;
      case 'historyTimeline':
        this.history.setTimeline(message.timeline);
        break;
      case 'historyState':
        this.history.setState(message.state);
        break;
      case 'snippetStatus':
        this.board.setSnippetStatuses(message.statuses);
        break;
      default:
        assertNever(message);
    }
  }

  /** Answers `renderCodeImage` with the PNG, or with the reason it could not be made. */
  private async renderCodeImage(requestId: string, source: CodeImageSource, theme: CodeTheme): Promise<void> {
    try {
      const png = await renderCodeImage(source, theme);
      this.post({ type: 'codeImage', requestId, png });
    } catch (error) {
      const message = error instanceof Error && error.message !== '' ? error.message : 'The code image could not be rendered.';
      this.post({ type: 'codeImageFailed', requestId, message: message.slice(0, 1000) });
    }
  }

  private renderSession(): void {
    this.join.render(this.session);
    this.board.setSession(this.session);
    this.chat.setSelfName(this.session.self?.name);
    const catchUp = this.session.state === 'joined' ? this.session.catchUp : undefined;
    this.catchUp.render(catchUp);
    this.chat.setBusy(catchUp !== undefined);
    this.renderMembers();
  }

  private renderMembers(): void {
    const self = this.session.self;
    let members = this.memberList;
    // The panel always lists you, even if the host's list leaves you out.
    if (self !== undefined && this.session.state === 'joined' && !members.some((m) => m.id === self.id)) {
      members = [{ id: self.id, name: self.name, online: true }, ...members];
    }
    this.members.render(members, self?.id);
    this.composer.setMembers(members, self?.id);
  }

  private showMode(): void {
    const mode: Mode = this.session.state === 'joined' ? 'board' : 'join';
    if (mode === this.mode) return;
    const active = document.activeElement;
    const hadFocus = active !== null && active !== document.body && (this.workspace.contains(active) || this.join.element.contains(active));
    this.mode = mode;
    this.loading.hidden = true;
    this.join.element.hidden = mode !== 'join';
    this.workspace.hidden = mode !== 'board';
    if (mode === 'board') {
      this.join.clearError();
      this.board.shown();
      if (hadFocus) this.composer.focus();
    } else if (hadFocus) {
      this.join.focus();
    }
  }
}
