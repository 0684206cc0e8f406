/**
 * Which path a member's link takes: direct, or relayed through another member when direct dials
 * keep failing. After `RELAY_AFTER_FAILURES` (limits.ts) failed dials of a member this node is not
 * linked to, it asks its directly linked members in turn to carry a tunnel (`relay.ts`); one
 * linked to both carries it. While a member is unreachable or relayed, a direct dial is tried
 * again with backoff and jitter; once one succeeds the direct link replaces the relayed one.
 */
import type { Logger } from './logger';
import type { MemberInfo } from './messages';
import type { MemberLink } from './peerNodeTypes';

/** How a member's messages travel: over a direct link, or through the member `via`. */
export interface MemberPath {
  kind: 'direct' | 'relayed';
  /** The relaying member's peer id, when relayed. */
  via?: string;
}

export interface RelayTiming {
  /** Failed direct dials of a member before a relay is tried. Default `RELAY_AFTER_FAILURES` (limits.ts). */
  relayAfterFailures: number;
  /** First delay before dialing an unreachable or relayed member directly again, in ms (doubles, with jitter). Default 1000. */
  directRetryMinMs: number;
  /** Longest delay between those direct dials, in ms. Default 30000. */
  directRetryMaxMs: number;
}

export interface RelayPathsHost {
  readonly logger: Logger;
  readonly timing: RelayTiming;
  /** False once the node is leaving. */
  active(): boolean;
  link(id: string): MemberLink | undefined;
  links(): Iterable<MemberLink>;
  /** Where the repository lists the member, if it does. */
  listed(id: string): MemberInfo | undefined;
  /** Dials the member directly and meets it; never rejects (a failure comes back as {@link RelayPaths.unreachable}). */
  dialDirect(member: MemberInfo): Promise<void>;
  /** Meets the member through a tunnel over `via`; resolves true once linked. */
  dialRelayed(member: MemberInfo, via: MemberLink): Promise<boolean>;
}

interface Unreachable {
  member: MemberInfo;
  failures: number;
  retries: number;
  timer: NodeJS.Timeout | undefined;
  relaying: boolean;
}

export class RelayPaths {
  private readonly unreachables = new Map<string, Unreachable>();

  constructor(private readonly host: RelayPathsHost) {}

  /** The path of the link to a member, or undefined when not linked. */
  pathOf(link: MemberLink | undefined): MemberPath | undefined {
    if (link === undefined) return undefined;
    return link.via === undefined ? { kind: 'direct' } : { kind: 'relayed', via: link.via };
  }

  /** A direct dial of `member` failed before any byte was exchanged (refused, unreachable, no answer). */
  unreachable(member: MemberInfo): void {
    if (!this.host.active()) return;
    const state = this.unreachables.get(member.id) ?? { member, failures: 0, retries: 0, timer: undefined, relaying: false };
    state.member = member;
    state.failures += 1;
    this.unreachables.set(member.id, state);
    const link = this.host.link(member.id);
    if (link !== undefined && link.via === undefined) return this.reachable(member.id);
    if (link === undefined && state.failures >= this.host.timing.relayAfterFailures) {
      void this.relay(state);
      return;
    }
    this.retryDirect(state);
  }

  /** True while a member not linked waits for its second direct try, or a relay to it is being set up. */
  get settling(): boolean {
    for (const state of this.unreachables.values()) {
      if (state.relaying || (state.failures < this.host.timing.relayAfterFailures && this.host.link(state.member.id) === undefined)) return true;
    }
    return false;
  }

  /** A direct link to the member is up: nothing more to retry. */
  reachable(id: string): void {
    const state = this.unreachables.get(id);
    if (state === undefined) return;
    clearTimeout(state.timer);
    this.unreachables.delete(id);
  }

  close(): void {
    for (const state of this.unreachables.values()) clearTimeout(state.timer);
    this.unreachables.clear();
  }

  /** Asks each directly linked member in turn to carry a tunnel, until one does. */
  private async relay(state: Unreachable): Promise<void> {
    if (state.relaying) return;
    state.relaying = true;
    try {
      const { id } = state.member;
      const candidates = [...this.host.links()].filter((l) => l.via === undefined && l.member.id !== id);
      for (const via of candidates) {
        if (!this.host.active() || this.host.link(id) !== undefined) break;
        if (this.host.link(via.member.id) !== via) continue; // that link went meanwhile
        if (await this.host.dialRelayed(state.member, via)) {
          this.host.logger.info(`${state.member.name} (${id}) is reached through ${via.member.name} (${via.member.id})`);
          break;
        }
      }
    } catch (err) {
      // dialRelayed never rejects; a throw here is this program's fault, and must not end the process.
      this.host.logger.error(`ERR_LOCAL_FAULT while relaying to ${state.member.id}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      state.relaying = false;
    }
    if (this.unreachables.get(state.member.id) === state) this.retryDirect(state);
  }

  /** Dials the member directly again after a backoff that grows with each retry. */
  private retryDirect(state: Unreachable): void {
    if (state.timer !== undefined || !this.host.active()) return;
    const { directRetryMinMs, directRetryMaxMs } = this.host.timing;
    const base = Math.min(directRetryMaxMs, directRetryMinMs * 2 ** Math.min(state.retries, 20));
    state.retries += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (!this.host.active() || this.unreachables.get(state.member.id) !== state) return;
      const link = this.host.link(state.member.id);
      if (link !== undefined && link.via === undefined) return this.reachable(state.member.id);
      const listed = this.host.listed(state.member.id);
      if (listed === undefined && link === undefined) {
        // The repository no longer lists it (it left): stop, unless a redial brings it back.
        this.unreachables.delete(state.member.id);
        return;
      }
      void this.host.dialDirect(listed ?? state.member);
    }, delay);
  }
}
