import * as vscode from 'vscode';
import type { MemberView } from '../webview/protocol';
import { fingerprint } from '../net/memberKey';
import type { ChatAttention } from './chatAttention';
import { Disposable } from './disposable';
import { MEMBER_ACTIONS_COMMAND } from './memberActions';
import type { Session } from './session';

type Row = { kind: 'self'; id: string; name: string } | { kind: 'member'; member: MemberView };

/**
 * The Members view: this member first, then the others with their online state; a click on a row
 * offers what can be done with that member. Its badge (on the Team Notes activity bar icon) counts
 * the chat messages not seen yet.
 */
export class MembersView extends Disposable implements vscode.TreeDataProvider<Row> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Row>;

  constructor(
    private readonly session: Session,
    attention: ChatAttention,
  ) {
    super();
    const view = this.register(vscode.window.createTreeView('teamNotes.members', { treeDataProvider: this, showCollapseAll: false }));
    this.view = view;
    const update = (): void => {
      const state = session.snapshot().session;
      view.description = state.state === 'joined' ? state.group : undefined;
      // Drives the welcome view and the commands shown only while joined.
      void vscode.commands.executeCommand('setContext', 'teamNotes.joined', state.state === 'joined');
      this.changed.fire();
    };
    this.register(session.onDidChange((change) => (change.kind === 'session' || change.kind === 'members' ? update() : undefined)));
    this.register(attention.onDidChangeUnread((unread) => this.showUnread(unread)));
    update();
    this.showUnread(attention.unread);
  }

  /** The badge on the view (and so on the activity bar icon), if any. */
  get badge(): vscode.ViewBadge | undefined {
    return this.view.badge;
  }

  getChildren(): Row[] {
    const { session, members } = this.session.snapshot();
    if (session.state !== 'joined' || session.self === undefined) return [];
    const others = [...members].sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    return [{ kind: 'self', id: session.self.id, name: session.self.name }, ...others.map((member): Row => ({ kind: 'member', member }))];
  }

  getTreeItem(row: Row): vscode.TreeItem {
    if (row.kind === 'self') {
      const item = new vscode.TreeItem(row.name);
      item.description = 'you';
      item.iconPath = new vscode.ThemeIcon('account', new vscode.ThemeColor('charts.green'));
      item.command = { command: MEMBER_ACTIONS_COMMAND, title: 'Member Actions', arguments: [{ member: { id: row.id, name: row.name }, self: true }] };
      return item;
    }
    const { member } = row;
    const item = new vscode.TreeItem(member.name);
    item.id = member.id;
    const state = member.online ? 'online' : member.reconnecting === true ? 'reconnecting…' : 'offline';
    // The fingerprint tells two members of one name apart; the full key is in the tooltip.
    item.description = `${fingerprint(member.id)} · ${state}`;
    item.tooltip = `${member.name} (${state})\nKey fingerprint ${fingerprint(member.id)}\nPeer id ${member.id}`;
    item.contextValue = 'teamNotes.member';
    item.iconPath = member.online
      ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('charts.green'))
      : member.reconnecting === true
        ? new vscode.ThemeIcon('sync~spin')
        : new vscode.ThemeIcon('circle-outline', new vscode.ThemeColor('disabledForeground'));
    item.accessibilityInformation = { label: `${member.name}, ${state}` };
    item.command = { command: MEMBER_ACTIONS_COMMAND, title: 'Member Actions', arguments: [{ member: { id: member.id, name: member.name } }] };
    return item;
  }

  private showUnread(unread: number): void {
    this.view.badge = unread > 0 ? { value: unread, tooltip: `${unread} unread message${unread === 1 ? '' : 's'}` } : undefined;
  }
}
