import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { ChatAttention } from './chatAttention';
import type { Session } from './session';

/**
 * One status bar item: the group, how many members are online (you included) and how many chat
 * messages are unread, each number with its word; a click opens the board (or joins).
 */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('teamNotes.status', vscode.StatusBarAlignment.Left, 50));

  constructor(
    private readonly session: Session,
    private readonly attention: ChatAttention,
  ) {
    super();
    this.item.name = 'Team Notes';
    this.register(session.onDidChange((change) => (change.kind === 'session' || change.kind === 'members' ? this.update() : undefined)));
    this.register(attention.onDidChangeUnread(() => this.update()));
    this.update();
    this.item.show();
  }

  private update(): void {
    const { session, members } = this.session.snapshot();
    const online = members.filter((m) => m.online).length;
    switch (session.state) {
      case 'idle':
        this.item.text = '$(organization) Team Notes';
        this.item.tooltip = 'Team Notes: not in a group. Click to join one.';
        this.item.command = 'teamNotes.joinGroup';
        this.item.accessibilityInformation = { label: 'Team Notes: not in a group. Join a group.' };
        return;
      case 'joining':
        this.item.text = `$(sync~spin) ${session.group ?? ''}`;
        this.item.tooltip = `Team Notes: joining ${session.group ?? ''}…`;
        this.item.command = 'teamNotes.showLog';
        this.item.accessibilityInformation = { label: `Team Notes: joining ${session.group ?? ''}` };
        return;
      case 'joined': {
        const others = `${online} other member${online === 1 ? '' : 's'} online`;
        const lost = this.session.repositoryReachable
          ? ''
          : ` Reconnecting to the repository at ${session.repository ?? ''}: members stay connected, and if it stays away the member that joined first stands in for it.`;
        const unread = this.attention.unread;
        // In words, so the two numbers are never taken for each other (the activity bar badge counts unread only).
        const unreadText = unread > 0 ? ` $(comment-unresolved) ${unread} unread` : '';
        const unreadLabel = unread > 0 ? ` ${unread} unread message${unread === 1 ? '' : 's'}.` : '';
        const security = this.session.passwordProtected
          ? ' Password-protected group; links are encrypted.'
          : ' Open group: links are encrypted, but anyone on this network who knows the group name can join.';
        this.item.text = `${this.session.repositoryReachable ? '$(organization)' : '$(sync~spin)'} ${this.session.passwordProtected ? '$(lock)' : '$(unlock)'} ${session.group ?? ''} $(person) ${online + 1} online${unreadText}`;
        this.item.tooltip = `Team Notes: ${session.group ?? ''} as ${session.self?.name ?? ''}; ${others}.${unreadLabel}${lost}${security} Click to open the board.`;
        this.item.command = 'teamNotes.openBoard';
        this.item.accessibilityInformation = { label: `Team Notes: group ${session.group ?? ''}, ${others}.${unreadLabel} Open the board.` };
        return;
      }
    }
  }
}
