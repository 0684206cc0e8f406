/**
 * The repository server this window runs: Start Repository Server, and telling the user the address
 * teammates need, without covering the board's chat box.
 */
import * as vscode from 'vscode';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import { parseAddress } from '../net/tcp';
import type { CommandContext } from './commands';
import { showError } from './errorNotice';
import { isThisMachine } from './localAddresses';
import { readSettings } from './settings';

/** How long the status bar tells where the repository runs when the board is showing, in ms. */
const ANNOUNCE_IN_STATUS_BAR_MS = 30_000;

/** What Start Repository Server did; the command's result, for other extensions and tests. */
export interface RepositoryStart {
  /** The address teammates join with. */
  address: string;
  /** True when this window already ran a repository server (nothing was started). */
  alreadyRunning: boolean;
}

/**
 * The port a repository server started here listens on: the one in Repository Address when that
 * address is this machine (so that this window answers where it looks), the default otherwise.
 * Throws `ERR_BAD_ADDRESS` when the setting does not parse.
 */
export function repositoryPortFor(repositoryAddress: string): number {
  const configured = parseAddress(repositoryAddress, { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT });
  return isThisMachine(configured.host) ? configured.port : DEFAULT_REPOSITORY_PORT;
}

/**
 * Starts a repository server in this window, or says where the one it runs already is. Resolves as
 * soon as the server listens: the notification and its Copy Address are handled when answered.
 */
export async function startRepository(ctx: CommandContext): Promise<RepositoryStart | undefined> {
  const running = ctx.session.embeddedRepository;
  if (running !== undefined) {
    offerCopy(`Team Notes: a repository server already runs in this window. Teammates join with Repository Address ${running}.`, running);
    return { address: running, alreadyRunning: true };
  }
  const settings = readSettings();
  try {
    const address = await ctx.session.startRepository(repositoryPortFor(settings.repositoryAddress), settings.listenHost);
    const own = isThisMachine(parseAddress(settings.repositoryAddress, { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT }).host)
      ? ''
      : ` Your own Repository Address still points at ${settings.repositoryAddress}.`;
    offerCopy(`Team Notes: a repository server runs in this window. Teammates join with Repository Address ${address}.${own}`, address);
    return { address, alreadyRunning: false };
  } catch (err) {
    showError(ctx, err, 'Team Notes could not start a repository server', 'teamNotes.repositoryAddress');
    return undefined;
  }
}

/**
 * Tells the user, once per start, the address teammates should enter. While the board shows, a
 * notification would sit over its chat box: the status bar says it instead, and Start Repository
 * Server says it again with Copy Address.
 */
export function announceRepository(ctx: CommandContext, address: string): void {
  const text = `No repository server answered, so Team Notes started one in this window. Teammates join with Repository Address ${address}.`;
  ctx.logger.info(text);
  if (ctx.board.visible) {
    vscode.window.setStatusBarMessage(`$(server) Team Notes runs the repository: teammates join with ${address} (Start Repository Server copies it)`, ANNOUNCE_IN_STATUS_BAR_MS);
    return;
  }
  offerCopy(text, address);
}

/** An information message with Copy Address, not awaited: nobody may ever answer it. */
function offerCopy(text: string, address: string): void {
  void vscode.window.showInformationMessage(text, 'Copy Address').then(async (choice) => {
    if (choice === 'Copy Address') await vscode.env.clipboard.writeText(address);
  });
}
