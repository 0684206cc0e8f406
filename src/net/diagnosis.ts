/**
 * The connectivity doctor's verdict on a member that cannot be reached: from what the last dial or
 * handshake failure said (the OS error code, our error code, the address tried), the local
 * interfaces and the interface the route to that address would use, the likely cause in words and
 * what to do about it. Pure: no sockets, no `os` calls, so the CLI and the extension say the same
 * thing and the unit tests cover every cause with made-up interface tables.
 */
import type { NetworkInterfaceInfo } from 'node:os';

/** What went wrong the last time this member was dialed (see `pathStats.ts`). */
export interface FailureFacts {
  /** Our error code (`ERR_SOCKET`, `ERR_AUTH_FAILED`, `ERR_HANDSHAKE_TIMEOUT`…). */
  code: string;
  /** The operating system's code (`ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`…), when a socket failed. */
  errno?: string;
  /** When, in ms since the epoch. */
  at: number;
  /** The address tried. */
  host: string;
  port: number;
}

/** `os.networkInterfaces()`, or a table of the same shape. */
export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

/** What the classifier is told about one unreachable member. */
export interface DiagnosisFacts {
  /** The member's listed address. */
  host: string;
  port: number;
  /** The last failure, if a dial was tried. */
  failure?: FailureFacts;
  /**
   * The local interface the route to `host` would use (from the kernel's route lookup), `null`
   * when the kernel has no route at all, undefined when it was not looked up.
   */
  routeInterface?: string | null;
}

export type DiagnosisCause =
  | 'refused'
  | 'firewall'
  | 'noRoute'
  | 'otherSubnet'
  | 'vpn'
  | 'password'
  | 'handshakeTimeout'
  | 'notTriedYet'
  | 'other';

export interface Verdict {
  cause: DiagnosisCause;
  /** One line: what is wrong, with the OS error code when there is one. */
  summary: string;
  /** What to do about it. */
  advice: string;
}

/** Interface names of VPNs and tunnels: WireGuard, OpenVPN/tun, tap, macOS utun, PPP, IPsec. */
const VPN_INTERFACE = /^(tun|tap|wg|utun|ppp|ipsec)/i;

/** True when the interface name is a VPN or tunnel interface. */
export function isVpnInterface(name: string): boolean {
  return VPN_INTERFACE.test(name);
}

/** The OS codes that mean "no packets came back". */
const TIMED_OUT = new Set(['ETIMEDOUT']);
const NO_ROUTE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);

/** An address as 16 bytes (IPv4 as the last 4 of an IPv4-mapped address), or undefined. */
function addressBytes(address: string): number[] | undefined {
  const plain = address.split('%')[0]!;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(plain);
  if (v4 !== null) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...parts];
  }
  if (!/^[0-9a-fA-F:.]+$/.test(plain) || !plain.includes(':')) return undefined;
  const halves = plain.split('::');
  if (halves.length > 2) return undefined;
  const groups = (text: string): number[] | undefined => {
    if (text === '') return [];
    const out: number[] = [];
    const pieces = text.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const tail = addressBytes(piece);
        if (tail === undefined) return undefined;
        out.push((tail[12]! << 8) | tail[13]!, (tail[14]! << 8) | tail[15]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** True when `host` lies in the subnet of the interface address `local` with `netmask`. */
export function inSubnet(host: string, local: string, netmask: string): boolean {
  const h = addressBytes(host);
  const l = addressBytes(local);
  const m = addressBytes(netmask);
  if (h === undefined || l === undefined || m === undefined) return false;
  const v4 = netmask.includes('.') && !netmask.includes(':');
  // An IPv4 netmask reads as ::ffff:a.b.c.d; the mapped prefix must match exactly.
  const mask = v4 ? [...new Array<number>(12).fill(0xff), ...m.slice(12)] : m;
  return h.every((byte, i) => (byte & mask[i]!) === (l[i]! & mask[i]!));
}

/** The interface whose subnet holds `host` (`name` and the subnet as `address/prefix`), if any. */
export function subnetInterface(host: string, interfaces: InterfaceTable): { name: string; cidr: string } | undefined {
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      if (inSubnet(host, a.address, a.netmask)) return { name, cidr: a.cidr ?? `${a.address}/${a.netmask}` };
    }
  }
  return undefined;
}

/** The local interface that holds `address` (a socket's localAddress), if any. */
export function interfaceOfAddress(address: string, interfaces: InterfaceTable): string | undefined {
  const wanted = addressBytes(address);
  if (wanted === undefined) return undefined;
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      const own = addressBytes(a.address);
      if (own !== undefined && own.every((b, i) => b === wanted[i])) return name;
    }
  }
  return undefined;
}

/** The subnets of this machine's non-loopback interfaces, for the "another subnet" verdict. */
function localSubnets(interfaces: InterfaceTable): string {
  const list = Object.entries(interfaces).flatMap(([name, addresses]) =>
    (addresses ?? []).filter((a) => !a.internal && a.family === 'IPv4').map((a) => `${name} ${a.cidr ?? a.address}`),
  );
  return list.length === 0 ? 'none besides loopback' : list.join(', ');
}

function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The likely cause of an unreachable member and what to do. Checked in this order: a handshake
 * that failed on the password (something answered and spoke Team Notes); a refused port (the
 * machine answered, nothing listens); then, when nothing answered, a route through a VPN
 * interface, an address outside every local subnet, no route at all, and a timeout (a firewall
 * dropping the port). Never throws.
 */
export function diagnose(facts: DiagnosisFacts, interfaces: InterfaceTable): Verdict {
  const where = endpoint(facts.host, facts.port);
  const failure = facts.failure;
  if (failure === undefined) {
    return {
      cause: 'notTriedYet',
      summary: `Not connected, and no connection to ${where} has failed yet`,
      advice: 'The member may have just joined: run the diagnosis again in a few seconds.',
    };
  }
  const errno = failure.errno;
  const detail = errno !== undefined ? `${errno}, ${failure.code}` : failure.code;
  if (failure.code === 'ERR_AUTH_FAILED') {
    return {
      cause: 'password',
      summary: `A different password: the member at ${where} answered, but the handshake failed (${detail})`,
      advice: 'You and this member use different group passwords (or different groups of the same name). Ask a teammate for the password and join again with it.',
    };
  }
  if (errno === 'ECONNREFUSED') {
    return {
      cause: 'refused',
      summary: `Connection refused: nothing listens at ${where} (${detail})`,
      advice: `The member's machine answered, but no Team Notes listens on port ${facts.port}: their window was closed or crashed, or another program holds the port. Ask them to rejoin the group; the repository drops them if they are gone.`,
    };
  }
  const unanswered = errno === undefined || TIMED_OUT.has(errno) || NO_ROUTE.has(errno);
  const noAnswerAtAll = failure.code === 'ERR_SOCKET' && unanswered;
  if (noAnswerAtAll && facts.routeInterface !== undefined && facts.routeInterface !== null && isVpnInterface(facts.routeInterface)) {
    return {
      cause: 'vpn',
      summary: `Reachable only over the VPN interface ${facts.routeInterface}, and no answer from ${where} came back (${detail})`,
      advice: `The route to ${facts.host} goes through ${facts.routeInterface}. Check that the VPN is connected on both machines and that it lets TCP port ${facts.port} through (a VPN's access rules often allow only some ports).`,
    };
  }
  if (noAnswerAtAll && subnetInterface(facts.host, interfaces) === undefined) {
    return {
      cause: 'otherSubnet',
      summary: `Another subnet: ${facts.host} is on none of this machine's networks (${localSubnets(interfaces)}) and did not answer (${detail})`,
      advice: `A router lies between you. It must route to ${facts.host} and let TCP port ${facts.port} through; otherwise both of you join the same VPN, or the member advertises an address on your network.`,
    };
  }
  if ((errno !== undefined && NO_ROUTE.has(errno)) || facts.routeInterface === null) {
    return {
      cause: 'noRoute',
      summary: `No route to ${where} (${detail})`,
      advice: `This machine has no way to reach ${facts.host}: check that you are on the team's network (Wi-Fi, cable, VPN), that the member's machine is on, and the routes (ip route / route print).`,
    };
  }
  if (noAnswerAtAll) {
    return {
      cause: 'firewall',
      summary: `Firewall timeout: the connection to ${where} timed out, its packets are dropped (${detail})`,
      advice: `A firewall on the member's machine or in the network drops Team Notes' port ${facts.port} (TCP). Ask them to allow incoming TCP on port ${facts.port} for Team Notes (or VS Code), or to set a fixed listen port and allow that one.`,
    };
  }
  if (failure.code === 'ERR_HANDSHAKE_TIMEOUT' || failure.code === 'ERR_PEER_TIMEOUT') {
    return {
      cause: 'handshakeTimeout',
      summary: `Something at ${where} accepted the connection but did not complete the handshake (${detail})`,
      advice: "The member's Team Notes may be stuck (a suspended process, a machine under load), or another program holds the port. Ask them to reload their window or rejoin.",
    };
  }
  return {
    cause: 'other',
    summary: `The connection to ${where} failed (${detail})`,
    advice: 'Look in the log for the full error, and run the diagnosis again.',
  };
}
