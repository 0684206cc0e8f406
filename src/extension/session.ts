/**
 * The user's membership of one group: the peer node, the embedded repository server when this
 * window runs one, and what the board and chat show. UI-free: commands ask the questions, the
 * views and the panel listen to {@link Session.onDidChange}.
 */
import { networkInterfaces } from 'node:os';
import * as vscode from 'vscode';
import { NetError, isNetError, toNetError } from '../net/errors';
import { newItemId } from '../net/ids';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import type { Logger } from '../net/logger';
import { PeerNode } from '../net/peerNode';
import type { DeliveredMessage, Member } from '../net/peerNode';
import { RepositoryServer } from '../net/repositoryServer';
import { formatAddress, parseAddress } from '../net/tcp';
import type { HostPort } from '../net/tcp';
import { MAX_CHAT_TEXT, MAX_SNIPPET_CODE } from '../net/xmlCodec';
import type { BoardItem, BoardNote, BoardSnippet, ChatEntry, MemberView, SessionView } from '../webview/protocol';
import { Disposable } from './disposable';
import type { Settings } from './settings';

/** What changed, so that listeners can send deltas instead of everything. */
export type SessionChange =
  /** The state, the group or everything changed: listeners should take a whole snapshot. */
  | { kind: 'session' }
  | { kind: 'members' }
  | { kind: 'chat'; entry: ChatEntry }
  | { kind: 'board'; item: BoardItem }
  | { kind: 'boardRemove'; id: string };

export interface SessionSnapshot {
  session: SessionView;
  members: MemberView[];
  chat: ChatEntry[];
  board: BoardItem[];
}

export interface JoinOutcome {
  /** Set when joining started a repository server in this window: the address teammates should use. */
  startedRepository?: string;
}

/** Chat entries kept for the panel; older ones drop off. */
const MAX_CHAT_ENTRIES = 1000;

/** Where new snippet cards and notes land when the user does not place them: a simple cascade. */
function nextPosition(count: number): { x: number; y: number } {
  return { x: 40 + (count % 3) * 420, y: 40 + Math.floor(count / 3) * 300 };
}

/** True when `host` names this machine (a loopback name or one of its own addresses). */
export function isThisMachine(host: string): boolean {
  const value = host.toLowerCase();
  if (value === 'localhost' || value === '0.0.0.0' || value === '::' || value === '::1' || value.startsWith('127.')) return true;
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address.toLowerCase() === value));
}

/** The address teammates on the network should use to reach a server bound to `bound`. */
export function addressForTeammates(bound: HostPort): string {
  if (bound.host !== '0.0.0.0' && bound.host !== '::') return formatAddress(bound);
  const lan = Object.values(networkInterfaces())
    .flatMap((a) => a ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal);
  return formatAddress({ host: lan?.address ?? '127.0.0.1', port: bound.port });
}

export class Session extends Disposable {
  private readonly changes = this.register(new vscode.EventEmitter<SessionChange>());
  /** Fires after every change of the session, the members, the chat or the board. */
  readonly onDidChange = this.changes.event;

  private state: SessionView['state'] = 'idle';
  private group: string | undefined;
  private repositoryAddress: string | undefined;
  private node: PeerNode | undefined;
  private embedded: RepositoryServer | undefined;
  private readonly members = new Map<string, MemberView>();
  private chat: ChatEntry[] = [];
  private readonly board = new Map<string, BoardItem>();
  /** False while the repository is lost: newcomers cannot find the group, members still talk. */
  repositoryReachable = true;

  constructor(private readonly logger: Logger) {
    super();
    this.register({ dispose: () => void this.shutdown() });
  }

  get joined(): boolean {
    return this.state === 'joined';
  }

  get groupName(): string | undefined {
    return this.group;
  }

  /** Members other than this one, connected or recently seen. */
  memberList(): MemberView[] {
    return [...this.members.values()];
  }

  get self(): { id: string; name: string } | undefined {
    return this.node !== undefined ? { id: this.node.id, name: this.node.name } : undefined;
  }

  snapshot(): SessionSnapshot {
    const session: SessionView = { state: this.state };
    if (this.group !== undefined) session.group = this.group;
    if (this.self !== undefined) session.self = this.self;
    if (this.repositoryAddress !== undefined) session.repository = this.repositoryAddress;
    return { session, members: this.memberList(), chat: [...this.chat], board: [...this.board.values()] };
  }

  /**
   * Joins `group` as `name`. When no repository answers at the configured address and that address
   * is this machine, starts one here and joins through it.
   */
  async join(group: string, name: string, settings: Settings): Promise<JoinOutcome> {
    if (this.state !== 'idle') await this.leave();
    const repository = parseAddress(settings.repositoryAddress, { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT });
    // A new membership starts with an empty board and chat (catch-up of history comes with the log on disk).
    this.chat = [];
    this.board.clear();
    this.setState('joining', group);
    const outcome: JoinOutcome = {};
    try {
      try {
        await this.startNode(group, name, repository, settings);
      } catch (err) {
        if (!isNetError(err, 'ERR_REPOSITORY_UNREACHABLE') || !isThisMachine(repository.host) || this.embedded !== undefined) throw err;
        this.logger.info(`No repository answers at ${formatAddress(repository)}; starting one in this window`);
        outcome.startedRepository = await this.startRepository(repository.port, settings.listenHost);
        await this.startNode(group, name, repository, settings);
      }
    } catch (err) {
      this.node = undefined;
      this.setState('idle', undefined);
      throw toNetError(err);
    }
    this.repositoryAddress = formatAddress(repository);
    this.repositoryReachable = true;
    this.setState('joined', group);
    return outcome;
  }

  /** Starts a repository server in this window (it runs until the window closes). Returns the address for teammates. */
  async startRepository(port = DEFAULT_REPOSITORY_PORT, host = '0.0.0.0'): Promise<string> {
    if (this.embedded?.address !== undefined) return addressForTeammates(this.embedded.address);
    const server = new RepositoryServer({ logger: this.logger });
    try {
      const bound = await server.listen(port, host);
      this.embedded = server;
      return addressForTeammates(bound);
    } catch (err) {
      await server.close();
      const error = toNetError(err);
      throw new NetError(error.code, `Cannot start a repository server on port ${port}: ${error.message}`, { cause: err });
    }
  }

  /** Leaves the group: the members see this member leave. The embedded repository keeps running. */
  async leave(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    if (node === undefined) return;
    this.members.clear();
    this.setState('idle', undefined);
    this.changes.fire({ kind: 'members' });
    await node.leave();
  }

  /** Applies the ban list from the settings to the current membership (new entries take effect at once). */
  async applyBans(bans: readonly string[]): Promise<void> {
    const node = this.node;
    if (node === undefined) return;
    for (const entry of bans) await node.ban(entry);
  }

  sendChat(text: string, to?: string): ChatEntry {
    const node = this.requireNode();
    if (text.trim() === '') throw new NetError('ERR_BAD_INPUT', 'The message is empty.');
    if (Array.from(text).length > MAX_CHAT_TEXT) throw new NetError('ERR_BAD_INPUT', `The message is longer than ${MAX_CHAT_TEXT.toLocaleString('en')} characters.`);
    let recipient: MemberView | undefined;
    if (to !== undefined) {
      recipient = this.members.get(to);
      if (recipient === undefined || !recipient.online) throw new NetError('ERR_UNKNOWN_MEMBER', 'That member is not connected.');
    }
    const message = node.chat(text, recipient?.id);
    const entry: ChatEntry = { id: message.id, from: { id: node.id, name: node.name }, text, ts: message.ts, own: true };
    if (recipient !== undefined) entry.to = { id: recipient.id, name: recipient.name };
    this.addChat(entry);
    return entry;
  }

  shareSnippet(snippet: { code: string; language: string; path: string; startLine: number; endLine: number }): BoardSnippet {
    const node = this.requireNode();
    if (Array.from(snippet.code).length > MAX_SNIPPET_CODE) {
      throw new NetError('ERR_BAD_INPUT', `The selection is longer than ${MAX_SNIPPET_CODE.toLocaleString('en')} characters; share a smaller part.`);
    }
    const position = nextPosition(this.board.size);
    const message = node.broadcast({ type: 'snippet', op: 'add', item: newItemId(), clock: node.nextClock(), ...snippet, ...position });
    const item: BoardSnippet = { kind: 'snippet', id: message.item, author: { id: node.id, name: node.name }, ...snippet, ...position };
    this.putBoardItem(item);
    return item;
  }

  addNote(text: string, x: number, y: number): BoardNote {
    const node = this.requireNode();
    const note = { text, font: 'sans-serif', size: 14, colour: '#f5e17a', x: Math.round(x), y: Math.round(y) };
    const message = node.broadcast({ type: 'note', op: 'add', item: newItemId(), clock: node.nextClock(), ...note });
    const item: BoardNote = { kind: 'note', id: message.item, author: { id: node.id, name: node.name }, ...note };
    this.putBoardItem(item);
    return item;
  }

  private async startNode(group: string, name: string, repository: HostPort, settings: Settings): Promise<void> {
    const node = new PeerNode({
      name,
      group,
      repository,
      listen: { host: settings.listenHost, port: settings.listenPort },
      advertiseHost: settings.advertiseHost || undefined,
      bans: settings.bannedPeers,
      logger: this.logger,
    });
    node.on('memberJoined', (member) => this.onMember(member, true));
    node.on('memberLeft', (member) => this.onMember(member, false));
    node.on('message', (message, from) => this.onMessage(message, from));
    node.on('repositoryLost', (error) => {
      this.logger.warn(`${error.code}: ${error.message}. Members stay connected; reconnecting.`);
      this.repositoryReachable = false;
      this.changes.fire({ kind: 'members' });
    });
    node.on('repositoryRestored', () => {
      this.repositoryReachable = true;
      this.changes.fire({ kind: 'members' });
    });
    this.node = node;
    try {
      await node.join();
    } catch (err) {
      this.node = undefined;
      throw err;
    }
  }

  private onMember(member: Member, online: boolean): void {
    if (this.node === undefined) return;
    this.members.set(member.id, { id: member.id, name: member.name, online });
    this.changes.fire({ kind: 'members' });
  }

  private onMessage(message: DeliveredMessage, from: Member): void {
    const author = { id: from.id, name: from.name };
    switch (message.type) {
      case 'chat': {
        const entry: ChatEntry = { id: message.id, from: author, text: message.text, ts: message.ts, own: false };
        if (message.to !== undefined && this.self !== undefined) entry.to = this.self;
        this.addChat(entry);
        return;
      }
      case 'snippet':
        if (message.op === 'add') {
          const { code, language, path, startLine, endLine, x, y } = message;
          if (code === undefined || language === undefined || path === undefined || startLine === undefined || endLine === undefined) return;
          this.putBoardItem({ kind: 'snippet', id: message.item, author, code, language, path, startLine, endLine, x: x ?? 0, y: y ?? 0 });
        } else if (message.op === 'delete') {
          this.removeBoardItem(message.item);
        }
        return;
      case 'note':
        if (message.op === 'add') {
          const { text, font, size, colour, x, y } = message;
          if (text === undefined || font === undefined || size === undefined || colour === undefined) return;
          this.putBoardItem({ kind: 'note', id: message.item, author, text, font, size, colour, x: x ?? 0, y: y ?? 0 });
        } else if (message.op === 'delete') {
          this.removeBoardItem(message.item);
        }
        return;
      default:
        // Images, strokes, moves and edits are folded into the board by a later version.
        this.logger.debug(`Not shown yet: ${message.type} from ${from.name}`);
    }
  }

  private addChat(entry: ChatEntry): void {
    this.chat.push(entry);
    if (this.chat.length > MAX_CHAT_ENTRIES) this.chat = this.chat.slice(-MAX_CHAT_ENTRIES);
    this.changes.fire({ kind: 'chat', entry });
  }

  private putBoardItem(item: BoardItem): void {
    this.board.set(item.id, item);
    this.changes.fire({ kind: 'board', item });
  }

  private removeBoardItem(id: string): void {
    if (this.board.delete(id)) this.changes.fire({ kind: 'boardRemove', id });
  }

  private requireNode(): PeerNode {
    if (this.node === undefined || this.state !== 'joined') throw new NetError('ERR_CLOSED', 'Join a group first.');
    return this.node;
  }

  private setState(state: SessionView['state'], group: string | undefined): void {
    this.state = state;
    this.group = group;
    if (state === 'idle') this.repositoryAddress = undefined;
    this.changes.fire({ kind: 'session' });
  }

  /** Leaves and stops the embedded repository; `bye` and `unregister` are written before this returns its promise. */
  private async shutdown(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    await Promise.all([node?.leave(), this.embedded?.close()]);
  }
}
