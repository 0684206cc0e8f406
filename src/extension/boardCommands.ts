/**
 * Commands about the board view: "Show Member's Items on Board" (from a member's menu in the
 * Members view; it needs the member's id, so it is not in the command palette).
 */
import * as vscode from 'vscode';
import type { BoardPanels } from './boardPanel';
import type { Session } from './session';

export function registerBoardCommands(board: BoardPanels, session: Session): vscode.Disposable {
  return vscode.commands.registerCommand('teamNotes.showMemberOnBoard', (memberId?: unknown) => {
    const self = session.sessionView().self;
    const member = typeof memberId !== 'string' ? undefined : self?.id === memberId ? self : session.memberList().find((m) => m.id === memberId);
    if (member === undefined) {
      void vscode.window.showErrorMessage('Team Notes: that member is not in the group (ERR_UNKNOWN_MEMBER).');
      return;
    }
    board.showMember({ id: member.id, name: member.name });
  });
}
