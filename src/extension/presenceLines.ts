/**
 * The "joined" and "left" lines of the chat, made from how the member list changes while this
 * member is in the group. Members already there when this member joins get no line (no flood of
 * "joined" on one's own join), a member that is merely being reconnected gets none either, and
 * nothing comes from history: these lines are never messages on the wire.
 */
import * as vscode from 'vscode';
import type { MemberView, PresenceLine } from '../webview/protocol';
import { Disposable } from './disposable';
import type { Session } from './session';

/** Lines kept for the current membership (the oldest are dropped first). */
export const MAX_PRESENCE_LINES = 500;

type Presence = 'online' | 'reconnecting' | 'offline';

const presenceOf = (member: MemberView): Presence => (member.online ? 'online' : member.reconnecting === true ? 'reconnecting' : 'offline');

/** The line a change of presence makes, if any: a reconnect in either direction makes none. */
function changeOf(before: Presence | undefined, now: Presence | undefined): PresenceLine['change'] | undefined {
  if (now === 'online') return before === undefined || before === 'offline' ? 'joined' : undefined;
  if (before === 'online' && now !== 'reconnecting') return 'left';
  // Reconnecting gave up (or the member vanished from the list while being reconnected).
  if (before === 'reconnecting' && now !== 'reconnecting') return 'lost';
  return undefined;
}

export class PresenceLines extends Disposable {
  private kept: PresenceLine[] = [];
  /** Each member's presence as last seen. */
  private known = new Map<string, { presence: Presence; name: string }>();
  private joined = false;
  private scheduled = false;
  private nextId = 0;
  private readonly added = this.register(new vscode.EventEmitter<PresenceLine>());
  /** Fires with each new line. */
  readonly onDidAdd = this.added.event;

  constructor(private readonly session: Session) {
    super();
    this.register(session.onDidChange((change) => (change.kind === 'session' ? this.onSession() : change.kind === 'members' ? this.schedule() : undefined)));
    this.onSession();
  }

  /** The lines of the current membership, oldest first; none while not joined. */
  lines(): PresenceLine[] {
    return this.joined ? [...this.kept] : [];
  }

  private onSession(): void {
    const joined = this.session.sessionView().state === 'joined';
    if (joined && this.joined) return;
    // Whoever is there as the membership starts (connected while joining) is already there: no line.
    this.joined = joined;
    this.kept = [];
    this.known = this.current();
  }

  /**
   * A dropped link is reported as "left" and then, in the same turn, as "reconnecting": deciding
   * after the turn sees only the second, so a member being reconnected makes no line.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.compare();
    });
  }

  private compare(): void {
    const now = this.current();
    const before = this.known;
    this.known = now;
    if (!this.joined) return;
    const ids = new Set([...before.keys(), ...now.keys()]);
    for (const id of ids) {
      const change = changeOf(before.get(id)?.presence, now.get(id)?.presence);
      if (change === undefined) continue;
      const name = now.get(id)?.name ?? before.get(id)?.name ?? '';
      this.nextId += 1;
      const line: PresenceLine = { id: `presence:${this.nextId}`, member: { id, name }, change, ts: Date.now() };
      this.kept.push(line);
      if (this.kept.length > MAX_PRESENCE_LINES) this.kept.splice(0, this.kept.length - MAX_PRESENCE_LINES);
      this.added.fire(line);
    }
  }

  private current(): Map<string, { presence: Presence; name: string }> {
    return new Map(this.session.memberList().map((m) => [m.id, { presence: presenceOf(m), name: m.name }]));
  }
}
