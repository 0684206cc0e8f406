/**
 * Joining and leaving: the group picker, the display name and password prompts, the join itself
 * with errors a person can act on, the rejoin after a reload, and Leave Group.
 */
import * as vscode from 'vscode';
import { NetError } from '../net/errors';
import type { DiscoveredGroup, DiscoveredServer } from '../net/lanDiscovery';
import { accountDisplayName } from '../net/accountName';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import { formatAddress, parseAddress } from '../net/tcp';
import { displayNameProblem, groupNameProblem } from '../net/xmlCodec';
import type { CommandContext } from './commands';
import { showError } from './errorNotice';
import { groupNameHint } from './groupNameHint';
import { GroupLock, loadMemberKey, rememberPassword, storedPassword } from './memberIdentity';
import { announceRepository } from './repositoryCommands';
import { readSettings, saveDisplayName } from './settings';

const RECENT_GROUPS_KEY = 'teamNotes.recentGroups';
/** The group this window was in (per workspace): a reloaded window rejoins it by itself. */
const ACTIVE_GROUP_KEY = 'teamNotes.activeGroup';
const MAX_RECENT_GROUPS = 10;

export type JoinArgs = { group?: unknown; name?: unknown; password?: unknown; askPassword?: unknown } | undefined;
export type LeaveArgs = { confirmed?: unknown } | undefined;

type GroupItem = vscode.QuickPickItem & { group?: string; server?: DiscoveredServer };
/** A group picked, and where it was heard on the LAN when it was picked from there. */
type PickedGroup = { group: string; server?: DiscoveredServer };

/** How a group heard on the LAN is described in the picker. */
function lanDescription(found: DiscoveredGroup): { description: string; detail: string } {
  const server = found.servers[0]!;
  const password = found.passwordRequired === true ? ' · password' : found.passwordRequired === false ? ' · open' : '';
  const members = found.servers.filter((s) => s.role === 'member').length;
  const who = members === 0 ? 'no member announced yet' : members === 1 ? '1 member' : `${members} members`;
  return { description: `on the local network${password}`, detail: `${who}; ${server.role} at ${formatAddress(server)}${server.via === undefined ? '' : ` (${server.via})`}` };
}

/**
 * Asks for a group: groups heard on the LAN and recent groups to pick, or a new name typed in.
 * While in a group, says that joining another leaves it; picking the current group just shows its
 * board. The list grows as groups are heard on the LAN while it is open.
 */
function pickGroup(ctx: CommandContext): Promise<PickedGroup | undefined> {
  const current = ctx.session.joined ? ctx.session.groupName : undefined;
  const stored = ctx.extension.globalState.get<string[]>(RECENT_GROUPS_KEY, []).filter((g) => groupNameProblem(g) === undefined);
  const recent = current === undefined ? stored : [current, ...stored.filter((g) => g !== current)];
  const quickPick = vscode.window.createQuickPick<GroupItem>();
  quickPick.title = current === undefined ? 'Team Notes: Join Group' : `Team Notes: Join Group (you are in "${current}"; joining another group leaves it)`;
  quickPick.placeholder = recent.length > 0 ? 'Pick a recent group or type the name of a group to join' : 'Type the name of the group to join, e.g. design';
  let lan: DiscoveredGroup[] = [];
  /** Set after Enter with nothing typed and nothing to pick: the picker then says why it stays open. */
  let acceptedEmpty = false;
  const update = (): void => {
    const typed = quickPick.value.trim();
    const heard = new Map(lan.filter((g) => groupNameProblem(g.group) === undefined).map((g) => [g.group, g]));
    const items: GroupItem[] = [];
    if (typed === '' && acceptedEmpty && recent.length === 0 && heard.size === 0) {
      items.push({ label: '$(info) Type a group name first, then press Enter', detail: 'Teammates who join the same name meet in one group.', alwaysShow: true });
    }
    if (typed !== '' && !recent.includes(typed) && !heard.has(typed)) {
      const hint = groupNameHint(typed);
      items.push(hint === undefined ? { label: `$(add) Join "${typed}"`, group: typed, alwaysShow: true } : { label: `$(error) ${hint.label}`, detail: hint.detail, alwaysShow: true });
    }
    const onLan = [...heard.values()].filter((g) => g.group !== current);
    if (onLan.length > 0) {
      items.push({ label: 'On the local network', kind: vscode.QuickPickItemKind.Separator });
      for (const found of onLan) items.push({ label: `$(broadcast) ${found.group}`, ...lanDescription(found), group: found.group, server: found.servers[0] });
    }
    const recentShown = recent.filter((g) => g === current || !heard.has(g));
    if (recentShown.length > 0) {
      if (onLan.length > 0) items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
      for (const group of recentShown) {
        items.push(group === current ? { label: group, description: 'you are in this group', detail: 'Shows its board', group } : { label: group, description: 'recent', group });
      }
    }
    quickPick.items = items;
  };
  update();
  // Set once the picker is accepted or hidden: groups heard afterwards must not touch it (items set
  // on a hidden quick pick can show up in the next one VS Code opens).
  let closed = false;
  const refresh = async (): Promise<void> => {
    const heard = await ctx.lan.groups();
    if (closed) return;
    lan = heard;
    update();
  };
  const listening = ctx.lan.onDidChangeGroups(() => void refresh());
  void ctx.lan.listen().then(refresh);
  return new Promise((resolve) => {
    quickPick.onDidChangeValue(update);
    quickPick.onDidAccept(() => {
      const item = quickPick.selectedItems[0];
      if (item?.group === undefined) {
        // Nothing to join (nothing typed, or a name that cannot be one): stay open and say why.
        if (quickPick.value.trim() === '') {
          acceptedEmpty = true;
          update();
        }
        return;
      }
      closed = true;
      resolve(item.server === undefined ? { group: item.group } : { group: item.group, server: item.server });
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      closed = true;
      listening.dispose();
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** The display name from the settings, or asked for (the first time) and remembered. */
async function displayName(): Promise<string | undefined> {
  const configured = readSettings().displayName;
  if (configured !== '' && displayNameProblem(configured) === undefined) return configured;
  const name = await vscode.window.showInputBox({
    title: 'Team Notes: Your Display Name',
    prompt: 'The name your teammates see. You can change it later in the settings (Team Notes: Display Name).',
    value: accountDisplayName(),
    ignoreFocusOut: true,
    validateInput: (value) => displayNameProblem(value.trim()),
  });
  if (name === undefined) return undefined;
  await saveDisplayName(name.trim());
  return name.trim();
}

export async function joinGroup(ctx: CommandContext, args: JoinArgs): Promise<void> {
  const picked = typeof args?.group !== 'string';
  const choice = typeof args?.group === 'string' ? { group: args.group.trim() } : await pickGroup(ctx);
  if (choice === undefined) return;
  const { group } = choice;
  if (picked && ctx.session.joined && group === ctx.session.groupName) return ctx.board.show();
  const problem = groupNameProblem(group);
  if (problem !== undefined) return showError(ctx, new NetError('ERR_BAD_INPUT', problem), 'Team Notes could not join');
  const name = typeof args?.name === 'string' ? args.name.trim() : await displayName();
  if (name === undefined) return;
  const nameProblem = displayNameProblem(name);
  if (nameProblem !== undefined) return showError(ctx, new NetError('ERR_BAD_INPUT', nameProblem), `Team Notes could not join "${group}"`, 'teamNotes.displayName');

  // A join with its group given (from another extension, a test, "Try Another Password") asks only
  // when told to; the interactive join asks unless a password is remembered.
  const password =
    typeof args?.password === 'string'
      ? args.password
      : typeof args?.group === 'string' && args.askPassword !== true
        ? ((await storedPassword(ctx.extension.secrets, group)) ?? '')
        : await groupPassword(ctx, group, args?.askPassword === true);
  if (password === undefined) return;

  const settings = readSettings();
  try {
    // Two windows of one profile share its key: the second is told the group is open in the first.
    ctx.groupLock?.dispose();
    ctx.groupLock = undefined;
    ctx.groupLock = await GroupLock.acquire(ctx.extension.globalStorageUri, group);
    const key = await loadMemberKey(ctx.extension.secrets);
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Team Notes: joining "${group}"…` }, async (progress) => {
      // Picked from the LAN: through the server heard. Otherwise, unless the user set an address,
      // the group's repository on the LAN when one answers in time, else the default address.
      let server = choice.server;
      if (server === undefined && !settings.repositoryAddressSet && settings.discovery) {
        progress.report({ message: 'looking for it on the local network' });
        server = await ctx.lan.find(group);
      }
      if (server !== undefined) {
        ctx.logger.info(`Joining "${group}" through the ${server.role} heard on the local network at ${formatAddress(server)}`);
        settings.repositoryAddress = formatAddress(server);
      }
      return ctx.session.join(group, name, settings, { key, password: password === '' ? undefined : password });
    });
    await rememberPassword(ctx.extension.secrets, group, password);
    await ctx.extension.workspaceState.update(ACTIVE_GROUP_KEY, { group, name });
    const recent = [group, ...ctx.extension.globalState.get<string[]>(RECENT_GROUPS_KEY, []).filter((g) => g !== group)];
    await ctx.extension.globalState.update(RECENT_GROUPS_KEY, recent.slice(0, MAX_RECENT_GROUPS));
    ctx.board.show();
    if (outcome.startedRepository !== undefined) announceRepository(ctx, outcome.startedRepository);
  } catch (err) {
    ctx.groupLock?.dispose();
    ctx.groupLock = undefined;
    const again = (extra: Record<string, unknown> = {}) => () => vscode.commands.executeCommand('teamNotes.joinGroup', { group, name, password, ...extra });
    showError(ctx, err, `Team Notes could not join "${group}"`, {
      address: settings.repositoryAddress,
      retry: again(),
      tryAnotherPassword: again({ password: undefined, askPassword: true }),
      startRepositoryHere: async () => {
        // The repository this window runs already, or an address on this machine that nobody answers: joining starts one there.
        const here = localRepositoryAddress(ctx.session.embeddedRepository ?? settings.repositoryAddress);
        await vscode.workspace.getConfiguration('teamNotes').update('repositoryAddress', here, vscode.ConfigurationTarget.Global);
        await again()();
      },
    });
  }
}

/** The address on this machine with the port of `address` (the default port when it does not parse). */
function localRepositoryAddress(address: string): string {
  try {
    return formatAddress({ host: '127.0.0.1', port: parseAddress(address, { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT }).port });
  } catch {
    return formatAddress({ host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT });
  }
}

/**
 * The group password: the one remembered in SecretStorage, or asked for (optional: empty is an
 * open group). `ask` forces the question (after "authentication failed"). Undefined: cancelled.
 */
async function groupPassword(ctx: CommandContext, group: string, ask: boolean): Promise<string | undefined> {
  const stored = await storedPassword(ctx.extension.secrets, group);
  if (stored !== undefined && !ask) return stored;
  return vscode.window.showInputBox({
    title: `Team Notes: Password for "${group}"`,
    prompt: ask
      ? 'Authentication failed with a member of this group: enter the group password your teammates use.'
      : 'Optional. Teammates who join with the same password can read and write; nobody else can. Leave empty for an open group.',
    password: true,
    ignoreFocusOut: true,
  });
}

/** The user left on purpose: a reload does not bring the window back into the group. */
export function forgetActiveGroup(ctx: CommandContext): Thenable<void> {
  return ctx.extension.workspaceState.update(ACTIVE_GROUP_KEY, undefined);
}

/**
 * A window that was in a group when it reloaded (or VS Code restarted) joins it again by itself,
 * with the remembered name and password: its board and chat show from disk at once, then catch up.
 */
export function rejoinAfterReload(ctx: CommandContext): void {
  const active = ctx.extension.workspaceState.get<{ group?: unknown; name?: unknown }>(ACTIVE_GROUP_KEY);
  if (typeof active?.group !== 'string' || typeof active.name !== 'string') return;
  ctx.logger.info(`Rejoining "${active.group}", the group this window was in`);
  void vscode.commands.executeCommand('teamNotes.joinGroup', { group: active.group, name: active.name });
}

/** After "authentication failed": offers to try another password. */
export function offerAnotherPassword(ctx: CommandContext): vscode.Disposable {
  // Counts joins, so that a new join asks again even while an earlier join's question is unanswered
  // (nobody may ever dismiss a notification) and reports the failure in lastError each time.
  let joins = 0;
  let askedIn: number | undefined;
  const onJoin = ctx.session.onDidChange((change) => {
    if (change.kind === 'session' && ctx.session.snapshot().session.state === 'joining') joins += 1;
  });
  const onFailed = ctx.session.onAuthFailed(async () => {
    ctx.lastError = { code: 'ERR_AUTH_FAILED', message: 'Authentication failed' };
    if (askedIn === joins) return; // one question per join, not one per member
    const join = joins;
    askedIn = join;
    const group = ctx.session.groupName;
    const choice = await vscode.window.showWarningMessage(
      `Team Notes: authentication failed with a member of "${group ?? ''}". Do you use the same group password as your teammates?`,
      'Try Another Password',
    );
    if (askedIn === join) askedIn = undefined;
    if (choice === 'Try Another Password' && group !== undefined) await vscode.commands.executeCommand('teamNotes.joinGroup', { group, askPassword: true });
  });
  return vscode.Disposable.from(onJoin, onFailed);
}

/**
 * Leaves the group. When the board is showing a board or chat, leaving replaces them with the join
 * page, so it asks first (`{ confirmed: true }` skips the question, for keybindings and tests).
 */
export async function leaveGroup(ctx: CommandContext, args: LeaveArgs): Promise<void> {
  const group = ctx.session.groupName;
  if (!ctx.session.joined) return void vscode.window.showInformationMessage('Team Notes: you are not in a group.');
  const shown = ctx.session.snapshot();
  if (args?.confirmed !== true && ctx.board.visible && (shown.board.length > 0 || shown.chat.length > 0)) {
    const choice = await vscode.window.showWarningMessage(
      `Leave "${group ?? ''}"?`,
      { modal: true, detail: 'The board and chat close here until you join again; this machine keeps them. Teammates see you leave.' },
      'Leave Group',
    );
    if (choice !== 'Leave Group' || ctx.session.groupName !== group) return;
  }
  await forgetActiveGroup(ctx);
  await ctx.session.leave();
  vscode.window.setStatusBarMessage(`Team Notes: left "${group ?? ''}"`, 3000);
}
