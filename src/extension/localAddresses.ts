/**
 * This machine's addresses as the session needs them: whether an address is this machine (so that
 * a repository can be started here), the address teammates should use, and the one to advertise.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { NetError } from '../net/errors';
import { isLocalHost } from '../net/interfaceAddresses';
import { formatAddress } from '../net/tcp';
import type { HostPort } from '../net/tcp';

/**
 * The address to advertise: the setting when it is an IP address, else the address the name the
 * user typed resolves to here (members only ever see addresses, never names to look up).
 */
export async function advertisedAddress(setting: string): Promise<string | undefined> {
  const value = setting.trim();
  if (value === '') return undefined;
  if (isIP(value) !== 0) return value;
  try {
    return (await lookup(value)).address;
  } catch {
    throw new NetError('ERR_BAD_ADDRESS', `The Advertise Host setting "${value}" is neither an IP address nor a name that resolves`);
  }
}

/** True when `host` names this machine (a loopback name or one of its own addresses). */
export function isThisMachine(host: string): boolean {
  return isLocalHost(host);
}

/** The address teammates on the network should use to reach a server bound to `bound`. */
export function addressForTeammates(bound: HostPort): string {
  if (bound.host !== '0.0.0.0' && bound.host !== '::') return formatAddress(bound);
  const lan = Object.values(networkInterfaces())
    .flatMap((a) => a ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal);
  return formatAddress({ host: lan?.address ?? '127.0.0.1', port: bound.port });
}
