/**
 * A firewall between members on loopback: member dials between blocked pairs fail as an
 * unreachable host would, before any byte is sent; everything else goes through `tcp.dial`.
 * Lifting a block lets the next dial through (PeerNodeOptions.dial).
 */
import type { Socket } from 'node:net';
import { NetError } from '../../src/net/errors';
import type { MemberInfo } from '../../src/net/messages';
import { dial } from '../../src/net/tcp';

export class Firewall {
  private readonly blocked = new Set<string>();
  /** Dials refused so far, as "from>to" peer ids. */
  readonly refused: string[] = [];

  /** Blocks dials between `a` and `b` (peer ids), both ways. */
  block(a: string, b: string): void {
    this.blocked.add(`${a}>${b}`);
    this.blocked.add(`${b}>${a}`);
  }

  lift(): void {
    this.blocked.clear();
  }

  /** The `dial` option for the member with peer id `from`. */
  dialFor(from: string): (target: MemberInfo, options: { timeoutMs: number }) => Promise<Socket> {
    return (target, options) => {
      if (this.blocked.has(`${from}>${target.id}`)) {
        this.refused.push(`${from}>${target.id}`);
        return Promise.reject(new NetError('ERR_SOCKET', `connect EHOSTUNREACH ${target.host}:${target.port} (test firewall)`));
      }
      return dial(target, options);
    };
  }
}
