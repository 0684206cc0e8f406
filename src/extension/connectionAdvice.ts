/**
 * What to tell a person when joining or reaching the repository fails: the cause in words, what to
 * check, and which buttons help. Pure (no `vscode`), so the wording is tested with real socket
 * errors in Node. The code and the raw message stay in the log; this is the sentence people read.
 */
import { osErrorCode, toNetError } from '../net/errors';
import type { NetErrorCode } from '../net/errors';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';

/** A button the notification may offer; the command layer turns each into an action. */
export type AdviceAction =
  /** Opens the settings at {@link ConnectionAdvice.settingsQuery}. */
  | 'openSettings'
  /** Points Repository Address at this machine and joins again, so that this window runs the repository. */
  | 'startRepositoryHere'
  /** Runs the failed action again, unchanged. */
  | 'tryAgain'
  /** Asks for the group password and joins again. */
  | 'tryAnotherPassword'
  | 'showLog';

export interface ConnectionAdvice {
  code: NetErrorCode;
  /** The operating system's code (`ECONNREFUSED`, `ENOTFOUND`…) when a socket or name lookup failed. */
  errno?: string;
  /** What happened and what to check, in words. */
  message: string;
  /** The buttons, most useful first. */
  actions: AdviceAction[];
  /** What Open Settings searches for. */
  settingsQuery: string;
}

export interface AdviceContext {
  /** The repository address the action used, as configured (`host:port`). */
  address?: string;
  /** The setting that names that address. */
  addressSetting?: string;
}

/** The settings search for the repository address, the usual culprit. */
export const REPOSITORY_ADDRESS_SETTING = 'teamNotes.repositoryAddress';

/** Name lookups that found no such name, and ones that could not be made at all. */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA']);
const LOOKUP_FAILED = new Set(['EAI_AGAIN', 'EAI_FAIL']);
/** Nothing came back: the machine is off, on another network, or a firewall drops the packets. */
const NO_ROUTE = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
/** Something answered and then hung up: often not a Team Notes repository, or one that is shutting down. */
const HUNG_UP = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** `text` ending in a full stop, once. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The host part of `host:port` (brackets of an IPv6 literal removed), for the sentence. */
function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1]!;
  return (address.match(/:/g) ?? []).length > 1 ? address : (address.split(':')[0] ?? address);
}

/**
 * Advice for `err`, which failed while using `context.address`. Never throws: an error it does not
 * know gets its own message, Show Log and Open Settings.
 */
export function connectionAdvice(err: unknown, context: AdviceContext = {}): ConnectionAdvice {
  const error = toNetError(err, 'ERR_BAD_INPUT');
  const errno = osErrorCode(error);
  const address = context.address ?? 'the repository address';
  const host = context.address === undefined ? 'the repository host' : hostOf(context.address);
  const addressSetting = context.addressSetting ?? REPOSITORY_ADDRESS_SETTING;
  const advice = (message: string, actions: AdviceAction[], settingsQuery = addressSetting): ConnectionAdvice => ({
    code: error.code,
    ...(errno !== undefined && { errno }),
    message,
    actions,
    settingsQuery,
  });

  if (errno === 'ECONNREFUSED') {
    return advice(
      `Nobody is listening at ${address}: no repository server runs there. Check Repository Address in the settings, ask the teammate who runs the repository to start it, or start one in this window.`,
      ['openSettings', 'startRepositoryHere', 'tryAgain', 'showLog'],
    );
  }
  if (errno !== undefined && NO_SUCH_NAME.has(errno)) {
    return advice(
      `The name "${host}" does not resolve: no machine of that name is known on this network. Check the spelling of Repository Address, or use the IP address of the machine that runs the repository.`,
      ['openSettings', 'tryAgain', 'showLog'],
    );
  }
  if (errno !== undefined && LOOKUP_FAILED.has(errno)) {
    return advice(
      `The name "${host}" could not be looked up: the name server did not answer. Check your network connection, or use the IP address of the machine that runs the repository.`,
      ['tryAgain', 'openSettings', 'showLog'],
    );
  }
  const unanswered = error.code === 'ERR_REPOSITORY_UNREACHABLE' && errno === undefined;
  if ((errno !== undefined && NO_ROUTE.has(errno)) || (unanswered && /^No answer from /.test(error.message))) {
    return advice(
      `No answer from ${address}: that machine cannot be reached from here (switched off, on another network, or a firewall drops the connection). Check that you are on the team's network or VPN, and the address.`,
      ['tryAgain', 'openSettings', 'showLog'],
    );
  }
  if (unanswered && /did not (answer|complete) within/.test(error.message)) {
    return advice(
      `Something at ${address} accepted the connection but did not answer as a Team Notes repository. Check the port in Repository Address (the repository's default is ${DEFAULT_REPOSITORY_PORT}).`,
      ['openSettings', 'tryAgain', 'showLog'],
    );
  }
  if (errno !== undefined && HUNG_UP.has(errno)) {
    return advice(
      `Something at ${address} answered and then closed the connection: it may not be a Team Notes repository, or it is shutting down. Check the address and port.`,
      ['openSettings', 'tryAgain', 'showLog'],
    );
  }
  if (errno === 'EADDRINUSE') {
    return advice(`${sentence(error.message)} Another program (or another window) uses that port: pick another port in the settings, or 0 for any free port.`, ['openSettings', 'showLog'], 'teamNotes.listenPort');
  }
  switch (error.code) {
    case 'ERR_AUTH_FAILED':
      return advice('Authentication failed: the group password you entered is not the one your teammates use.', ['tryAnotherPassword', 'showLog']);
    case 'ERR_BANNED':
      return advice('You are on a ban list there: the repository or a member refuses this member. Ask the person who runs the repository or the group.', ['showLog']);
    case 'ERR_VERSION_MISMATCH':
    case 'ERR_UNSUPPORTED_VERSION':
      return advice(`The repository at ${address} speaks another version of Team Notes: you and your teammates need versions that speak a common protocol.`, ['showLog']);
    case 'ERR_BAD_ADDRESS':
      return advice(`${sentence(error.message)} Repository Address is host:port, for example 192.168.1.20:${DEFAULT_REPOSITORY_PORT}.`, ['openSettings', 'showLog']);
    case 'ERR_RATE_LIMITED':
    case 'ERR_LIMIT':
      return advice(`The repository at ${address} turned this member away: ${sentence(error.message)} Wait a moment and try again.`, ['tryAgain', 'showLog']);
    case 'ERR_REPOSITORY_UNREACHABLE':
      return advice(`The repository at ${address} could not be reached: ${sentence(error.message)} Check Repository Address and that the repository runs.`, ['openSettings', 'tryAgain', 'showLog']);
    default:
      return advice(error.message, ['showLog', 'openSettings'], 'teamNotes');
  }
}
