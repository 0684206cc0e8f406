/**
 * The user's membership of one group: the peer node, the embedded repository server when this
 * window runs one, and what the board and chat show. UI-free: commands ask the questions, the
 * views and the panel listen to {@link Session.onDidChange}.
 */
import * as vscode from 'vscode';
import { gatherDoctorReport } from '../net/doctorReport';
import type { DoctorReport } from '../net/doctorReport';
import { NetError, isNetError, toNetError } from '../net/errors';
import { GroupHistory } from '../net/groupHistory';
import type { HistoryEntry } from '../net/groupHistory';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import type { Logger } from '../net/logger';
import { fingerprint, MemberKey } from '../net/memberKey';
import { PeerNode } from '../net/peerNode';
import type { DeliveredMessage, Member } from '../net/peerNode';
import { RepositoryServer } from '../net/repositoryServer';
import { formatAddress, parseAddress } from '../net/tcp';
import type { HostPort } from '../net/tcp';
import { MAX_CHAT_TEXT } from '../net/xmlCodec';
import type { BoardItem, ChatDelivery, ChatEntry, MemberView, SessionView } from '../webview/protocol';
import { DeliveryTracker } from './deliveryTracker';
import { Disposable } from './disposable';
import { addressForTeammates, advertisedAddress, isThisMachine } from './localAddresses';
import { SessionBoard } from './sessionBoard';
import { SessionPins } from './sessionPins';
import type { Settings } from './settings';

/** What changed, so that listeners can send deltas instead of everything. */
export type SessionChange =
  /** The state, the group or everything changed: listeners should take a whole snapshot. */
  | { kind: 'session' }
  | { kind: 'members' }
  /** Only the session view changed (catch-up progress): no need for a whole snapshot. */
  | { kind: 'status' }
  | { kind: 'chat'; entry: ChatEntry }
  | { kind: 'chatDelivery'; id: string; delivery: ChatDelivery }
  | { kind: 'board'; item: BoardItem }
  | { kind: 'boardRemove'; id: string };

export interface SessionSnapshot {
  session: SessionView;
  members: MemberView[];
  chat: ChatEntry[];
  board: BoardItem[];
}

/** The member key and the group password a join uses (absent: a fresh key, an open group). */
export interface MemberIdentity {
  key?: MemberKey;
  password?: string;
}

export interface JoinOutcome {
  /** Set when joining started a repository server in this window: the address teammates should use. */
  startedRepository?: string;
}

/** Chat entries kept for the panel; older ones drop off. */
const MAX_CHAT_ENTRIES = 1000;

export class Session extends Disposable {
  private readonly changes = this.register(new vscode.EventEmitter<SessionChange>());
  /** Fires after every change of the session, the members, the chat or the board. */
  readonly onDidChange = this.changes.event;

  private state: SessionView['state'] = 'idle';
  private group: string | undefined;
  private repositoryAddress: string | undefined;
  private node: PeerNode | undefined;
  private embedded: RepositoryServer | undefined;
  private embeddedSince = 0;
  private readonly repositoryStarts = this.register(new vscode.EventEmitter<void>());
  /** Fires when this window starts a repository server. */
  readonly onDidStartRepository = this.repositoryStarts.event;
  private readonly members = new Map<string, MemberView>();
  private chat: ChatEntry[] = [];
  /** Display names of everyone met in this membership, by peer id: authors keep their name after leaving. */
  private readonly names = new Map<string, string>();
  /** The group's board: what it shows, and the changes this member makes to it. */
  readonly board: SessionBoard;
  /** The group's notes pinned to code (shown in editors by pinComments.ts). */
  readonly pins: SessionPins;
  /** False while the repository is lost: newcomers cannot find the group, members still talk. */
  repositoryReachable = true;
  /** The joined group's history (on disk in the extension's storage), from join to leave. */
  private history: GroupHistory | undefined;
  private readonly delivery = new DeliveryTracker();
  /** Set while history is caught up from the members. */
  private catchUp: { received: number } | undefined;

  private readonly authFailures = this.register(new vscode.EventEmitter<NetError>());
  /** A member could not be met because the handshake failed: most often a different group password. */
  readonly onAuthFailed = this.authFailures.event;

  /** `storageFolder` keeps each group's history (the extension's global storage); without it, history lives in memory only. */
  constructor(
    private readonly logger: Logger,
    private readonly storageFolder?: string,
  ) {
    super();
    this.board = this.register(new SessionBoard(() => this.requireNode(), (id) => this.names.get(id), (change) => this.changes.fire(change), logger));
    this.pins = this.register(new SessionPins(() => this.requireNode(), (id) => this.names.get(id), logger));
    this.register({ dispose: () => void this.close() });
  }

  /** The joined group's history, for export and clearing. */
  get groupHistory(): GroupHistory | undefined {
    return this.history;
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

  /** True when the joined group has a password; false for an open group (anyone who knows its name may join). */
  get passwordProtected(): boolean {
    return this.node?.passwordProtected ?? false;
  }

  get self(): { id: string; name: string } | undefined {
    return this.node !== undefined ? { id: this.node.id, name: this.node.name } : undefined;
  }

  snapshot(): SessionSnapshot {
    const session = this.sessionView();
    const chat = [...this.chat].sort((a, b) => a.ts - b.ts);
    return { session, members: this.memberList(), chat, board: this.board.items() };
  }

  /** What the panel shows about the session itself. */
  sessionView(): SessionView {
    const session: SessionView = { state: this.state };
    if (this.group !== undefined) session.group = this.group;
    if (this.self !== undefined) session.self = this.self;
    if (this.repositoryAddress !== undefined) session.repository = this.repositoryAddress;
    if (this.state === 'joined') session.security = this.passwordProtected ? 'password' : 'open';
    if (this.catchUp !== undefined) session.catchUp = { ...this.catchUp };
    return session;
  }

  /**
   * Joins `group` as `name`. When no repository answers at the configured address and that address
   * is this machine, starts one here and joins through it.
   */
  async join(group: string, name: string, settings: Settings, identity: MemberIdentity = {}): Promise<JoinOutcome> {
    if (this.state !== 'idle') await this.leave();
    const repository = parseAddress(settings.repositoryAddress, { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT });
    // A new membership starts from what this machine kept of the group, shown before any network traffic.
    this.chat = [];
    this.board.clear();
    this.pins.clear();
    this.names.clear();
    this.delivery.clear();
    this.catchUp = undefined;
    identity = { ...identity, key: identity.key ?? MemberKey.generate() };
    this.history = this.openHistory(group, identity.key!.id);
    this.showHistory(this.history);
    this.setState('joining', group);
    const outcome: JoinOutcome = {};
    try {
      try {
        await this.startNode(group, name, repository, settings, identity);
      } catch (err) {
        if (!isNetError(err, 'ERR_REPOSITORY_UNREACHABLE') || !isThisMachine(repository.host) || this.embedded !== undefined) throw err;
        this.logger.info(`No repository answers at ${formatAddress(repository)}; starting one in this window`);
        outcome.startedRepository = await this.startRepository(repository.port, settings.listenHost);
        await this.startNode(group, name, repository, settings, identity);
      }
    } catch (err) {
      this.node = undefined;
      this.closeHistory();
      this.setState('idle', undefined);
      throw toNetError(err);
    }
    this.repositoryAddress = formatAddress(repository);
    this.repositoryReachable = true;
    this.setState('joined', group);
    return outcome;
  }

  /** The repository server this window runs, with when it started (LAN discovery announces it). */
  get embeddedServer(): { server: RepositoryServer; port: number; since: number } | undefined {
    const port = this.embedded?.address?.port;
    return port === undefined ? undefined : { server: this.embedded!, port, since: this.embeddedSince };
  }

  /** The joined member's node, for LAN discovery: its group, listener and repository. */
  get joinedNode(): PeerNode | undefined {
    return this.state === 'joined' ? this.node : undefined;
  }

  /** The address teammates use for the repository server this window runs; undefined when it runs none. */
  get embeddedRepository(): string | undefined {
    const bound = this.embedded?.address;
    return bound === undefined ? undefined : addressForTeammates(bound);
  }

  /** Starts a repository server in this window (it runs until the window closes). Returns the address for teammates. */
  async startRepository(port = DEFAULT_REPOSITORY_PORT, host = '0.0.0.0'): Promise<string> {
    if (this.embedded?.address !== undefined) return addressForTeammates(this.embedded.address);
    const server = new RepositoryServer({ logger: this.logger });
    try {
      const bound = await server.listen(port, host);
      this.embedded = server;
      this.embeddedSince = Date.now();
      this.repositoryStarts.fire();
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
    this.catchUp = undefined;
    this.setState('idle', undefined);
    this.changes.fire({ kind: 'members' });
    await node.leave();
    this.closeHistory();
  }

  /**
   * Removes what this machine keeps of the joined group (its history on disk) and empties the
   * board and chat here; teammates keep theirs. Leaves the group first, so nothing refills it.
   */
  async clearHistory(): Promise<void> {
    const history = this.history;
    if (history === undefined) throw new NetError('ERR_CLOSED', 'Join the group whose history you want to clear.');
    await this.leave();
    if (this.storageFolder !== undefined) GroupHistory.open(this.storageFolder, history.group, history.self, { logger: this.logger }).clear();
    this.chat = [];
    this.board.clear();
    this.pins.clear();
    this.changes.fire({ kind: 'session' });
  }

  /** The connectivity doctor's report on every member (pinged once more, `waitMs` for the pongs); undefined when not joined. */
  diagnose(waitMs?: number): Promise<DoctorReport | undefined> {
    return this.node === undefined || !this.joined ? Promise.resolve(undefined) : gatherDoctorReport(this.node, { waitMs });
  }

  /** Applies the ban list from the settings to the current membership: added entries and removed ones take effect at once. */
  async applyBans(bans: readonly string[]): Promise<void> {
    const node = this.node;
    if (node === undefined) return;
    await node.setBans(bans);
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
    entry.delivery =
      recipient !== undefined
        ? this.delivery.sent(message.id, [recipient.id])
        : this.delivery.sent(message.id, node.members().map((m) => m.id), message.seq);
    this.addChat(entry);
    return entry;
  }

  private async startNode(group: string, name: string, repository: HostPort, settings: Settings, identity: MemberIdentity): Promise<void> {
    const node = new PeerNode({
      name,
      group,
      repository,
      listen: { host: settings.listenHost, port: settings.listenPort },
      advertiseHost: await advertisedAddress(settings.advertiseHost),
      bans: settings.bannedPeers,
      logger: this.logger,
      key: identity.key,
      password: identity.password,
      history: this.history,
    });
    node.on('connectionError', (error) => {
      if (error.code === 'ERR_AUTH_FAILED') this.authFailures.fire(error);
    });
    node.on('memberJoined', (member) => this.onMember(member, true));
    node.on('memberLeft', (member) => this.onMember(member, false));
    node.on('memberReconnecting', (member) => this.onMember(member, false, true));
    node.on('reconnectGaveUp', (member) => this.onMember(member, false));
    node.on('delivered', (memberId, upTo) => {
      for (const [id, delivery] of this.delivery.acknowledged(memberId, upTo)) this.updateDelivery(id, delivery);
    });
    node.on('directDelivered', (memberId, messageId) => {
      const delivery = this.delivery.directAcknowledged(memberId, messageId);
      if (delivery !== undefined) this.updateDelivery(messageId, delivery);
    });
    node.on('catchUp', (received, pending) => {
      const before = this.catchUp;
      this.catchUp = pending ? { received } : undefined;
      if (before !== undefined || pending) this.changes.fire({ kind: 'status' });
    });
    node.on('message', (message, from, binary) => this.onMessage(message, from, binary));
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
    this.names.set(node.id, node.name);
    try {
      await node.join();
    } catch (err) {
      this.node = undefined;
      throw err;
    }
  }

  private onMember(member: Member, online: boolean, reconnecting = false): void {
    if (this.node === undefined) return;
    this.names.set(member.id, member.name);
    const view: MemberView = { id: member.id, name: member.name, fingerprint: fingerprint(member.id), online };
    if (reconnecting) view.reconnecting = true;
    this.members.set(member.id, view);
    this.changes.fire({ kind: 'members' });
  }

  private updateDelivery(id: string, delivery: ChatDelivery): void {
    const entry = this.chat.find((e) => e.id === id);
    if (entry !== undefined) entry.delivery = delivery;
    this.changes.fire({ kind: 'chatDelivery', id, delivery });
  }

  /** The group's history on disk, or in memory when there is no storage or it cannot be opened (said in the log). */
  private openHistory(group: string, self: string): GroupHistory {
    if (this.storageFolder !== undefined) {
      try {
        return GroupHistory.open(this.storageFolder, group, self, { logger: this.logger });
      } catch (err) {
        const error = toNetError(err);
        this.logger.error(`${error.code}: ${error.message}. This session's history is kept in memory only.`);
      }
    }
    return GroupHistory.inMemory(group, self, { logger: this.logger });
  }

  private closeHistory(): void {
    this.history?.close();
    this.history = undefined;
  }

  /** Folds what the history holds into the board and chat, without a change event per message. */
  private showHistory(history: GroupHistory): void {
    for (const [id, name] of history.authorNames()) this.names.set(id, name);
    const chat: ChatEntry[] = [];
    for (const { message } of history.entries()) {
      if (message.type === 'chat') {
        chat.push(this.chatEntry(message, { id: message.from, name: history.name(message.from) ?? fingerprint(message.from) }));
      } else if (message.type === 'pin') {
        this.pins.restore(message);
      } else {
        const bytes = message.type === 'image' && message.op === 'add' ? history.imageBytes(message.sha256!) : undefined;
        this.board.restore(message, bytes === undefined ? undefined : new Uint8Array(bytes));
      }
    }
    chat.sort((a, b) => a.ts - b.ts);
    this.chat = chat.slice(-MAX_CHAT_ENTRIES);
    this.pins.refresh();
  }

  private chatEntry(message: Extract<HistoryEntry['message'], { type: 'chat' }>, author: { id: string; name: string }): ChatEntry {
    const own = message.from === this.history?.self;
    const entry: ChatEntry = { id: message.id, from: { id: author.id, name: author.name }, text: message.text, ts: message.ts, own };
    if (message.to !== undefined) entry.to = own ? { id: message.to, name: this.names.get(message.to) ?? fingerprint(message.to) } : (this.self ?? { id: message.to, name: 'you' });
    return entry;
  }

  private onMessage(message: DeliveredMessage, from: Member, binary: Buffer | undefined): void {
    const author = { id: from.id, name: from.name };
    switch (message.type) {
      case 'chat':
        if (!this.names.has(from.id)) this.names.set(from.id, from.name);
        this.addChat(this.chatEntry(message, author));
        return;
      case 'note':
      case 'snippet':
      case 'stroke':
      case 'image':
        this.board.received(message, from.name, binary);
        return;
      case 'pin':
        this.pins.apply(message);
        return;
    }
  }

  private addChat(entry: ChatEntry): void {
    this.chat.push(entry);
    // Catch-up brings older messages after newer ones: keep the newest by time, trimming in batches.
    if (this.chat.length > MAX_CHAT_ENTRIES * 1.2) this.chat = this.chat.sort((a, b) => a.ts - b.ts).slice(-MAX_CHAT_ENTRIES);
    this.changes.fire({ kind: 'chat', entry });
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

  private closing: Promise<void> | undefined;

  /**
   * Leaves and stops the embedded repository (VS Code is closing the window); `bye` and `unregister`
   * are written before the promise resolves. Idempotent: disposing and `deactivate` share it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const node = this.node;
      this.node = undefined;
      await Promise.all([node?.leave(), this.embedded?.close()]);
      this.closeHistory();
    })();
    return this.closing;
  }
}
