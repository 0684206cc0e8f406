/**
 * Dialing again a member whose link dropped without a goodbye (a Wi-Fi blip, a laptop waking from
 * sleep, a restarted process): exponential backoff with jitter, until the link is back (either side
 * may redial first), the repository says the member left, or it stays unreachable too long.
 */
import type { Logger } from './logger';
import type { MemberInfo } from './messages';
import type { Member } from './peerNodeTypes';

export interface RedialHost {
  readonly logger: Logger;
  readonly timing: { redialMinMs: number; redialMaxMs: number; redialGiveUpMs: number };
  /** False once the node is leaving: nothing more is dialed. */
  active(): boolean;
  linked(id: string): boolean;
  /** Where the repository lists the member, if it does; `repositoryConnected` says whether that list is current. */
  listed(id: string): MemberInfo | undefined;
  repositoryConnected(): boolean;
  /** Dials and meets the member; never rejects. */
  connect(member: MemberInfo): Promise<void>;
  reconnecting(member: Member): void;
  gaveUp(member: Member): void;
}

interface Redial {
  timer: NodeJS.Timeout;
  attempt: number;
  since: number;
  member: Member;
}

export class MemberRedial {
  private readonly redials = new Map<string, Redial>();

  constructor(private readonly host: RedialHost) {}

  /** The member's link dropped without a goodbye: dial it again soon, then less and less often. */
  schedule(member: Member): void {
    const previous = this.redials.get(member.id);
    const attempt = previous === undefined ? 0 : previous.attempt + 1;
    const since = previous?.since ?? performance.now();
    const { redialMinMs, redialMaxMs } = this.host.timing;
    const base = Math.min(redialMaxMs, redialMinMs * 2 ** Math.min(attempt, 20));
    const delay = base / 2 + Math.random() * (base / 2); // jitter, so two sides do not redial in step
    if (previous === undefined) this.host.reconnecting(member);
    const timer = setTimeout(() => void this.redial(member.id), delay);
    this.redials.set(member.id, { timer, attempt, since, member });
  }

  /** The member is linked again (or is not to be dialed any more). */
  stop(id: string): void {
    const redial = this.redials.get(id);
    if (redial === undefined) return;
    clearTimeout(redial.timer);
    this.redials.delete(id);
  }

  close(): void {
    for (const redial of this.redials.values()) clearTimeout(redial.timer);
    this.redials.clear();
  }

  private async redial(id: string): Promise<void> {
    const redial = this.redials.get(id);
    if (redial === undefined || !this.host.active()) return;
    const listed = this.host.listed(id);
    const gone = this.host.repositoryConnected() && listed === undefined;
    if (gone || performance.now() - redial.since > this.host.timing.redialGiveUpMs) {
      this.stop(id);
      this.host.logger.info(`Stopped reconnecting to ${redial.member.name} (${id}): ${gone ? 'it left the group' : 'unreachable'}`);
      this.host.gaveUp(redial.member);
      return;
    }
    await this.host.connect(listed ?? redial.member);
    if (this.redials.get(id) === redial && !this.host.linked(id)) this.schedule(redial.member);
  }
}
