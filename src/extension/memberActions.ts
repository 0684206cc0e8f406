/**
 * What a click on a row of the Members view offers: send the member a direct message, show their
 * items on the board, or ban them. Each choice runs the command that does it, so a keybinding or
 * another extension can do the same without the picker. Your own row offers only "Show on Board".
 */
import * as vscode from 'vscode';
import { peerIdToKey } from '../net/memberKey';

/** The command a Members view row runs when clicked (hidden from the palette). */
export const MEMBER_ACTIONS_COMMAND = 'teamNotes.showMemberActions';

/** A row's argument: the member, and whether it is this member. */
export type MemberActionsArgs = { member?: { id?: unknown; name?: unknown }; self?: unknown } | undefined;

interface Action extends vscode.QuickPickItem {
  run(): Thenable<unknown>;
}

/** The actions for one member, in the order the picker shows them. */
export function memberActions(member: { id: string; name: string }, self: boolean, online: boolean): Action[] {
  const showOnBoard: Action = {
    label: '$(eye) Show on Board',
    description: self ? 'your items' : `${member.name}'s items`,
    run: () => vscode.commands.executeCommand('teamNotes.showMemberOnBoard', member.id),
  };
  if (self) return [showOnBoard];
  return [
    {
      label: '$(comment) Message',
      description: online ? `a direct message to ${member.name}` : `${member.name} is not connected right now`,
      run: () => vscode.commands.executeCommand('teamNotes.sendMessage', { to: member.id }),
    },
    showOnBoard,
    {
      label: '$(circle-slash) Ban',
      description: 'refuse their key from now on',
      run: () => vscode.commands.executeCommand('teamNotes.banMember', { member }),
    },
  ];
}

/**
 * Asks what to do with the member of a clicked row and does it. `isOnline` tells whether the member
 * is connected now (a direct message needs that). A row without a valid member id does nothing.
 */
export async function showMemberActions(args: MemberActionsArgs, isOnline: (id: string) => boolean): Promise<void> {
  const id = args?.member?.id;
  if (typeof id !== 'string' || peerIdToKey(id) === undefined) return;
  const name = typeof args?.member?.name === 'string' ? args.member.name : 'member';
  const self = args?.self === true;
  const choice = await vscode.window.showQuickPick(memberActions({ id, name }, self, isOnline(id)), {
    title: `Team Notes: ${self ? `${name} (you)` : name}`,
    placeHolder: self ? 'What to do' : `What to do with ${name}`,
  });
  await choice?.run();
}

/** Registers {@link MEMBER_ACTIONS_COMMAND}. */
export function registerMemberActions(isOnline: (id: string) => boolean): vscode.Disposable {
  return vscode.commands.registerCommand(MEMBER_ACTIONS_COMMAND, (args: MemberActionsArgs) => showMemberActions(args, isOnline));
}
