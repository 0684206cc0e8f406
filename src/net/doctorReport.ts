/**
 * The connectivity doctor's report: for every member a joined node knows (linked, or listed by the
 * repository), the path (direct or relayed), the round-trip time, the address and local interface
 * used, or, for one that cannot be reached, the verdict of `diagnosis.ts`. Shared by
 * `team-notes doctor` and the extension's Diagnose Connection command.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { diagnose, interfaceOfAddress, isVpnInterface } from './diagnosis';
import type { FailureFacts, InterfaceTable, Verdict } from './diagnosis';
import { fingerprint } from './memberKey';
import type { MemberInfo } from './messages';
import type { LinkPath, PathKind, PathStats } from './pathStats';
import type { Member } from './peerNodeTypes';

/** How long the doctor waits for the pongs of the pings it sends, in ms. */
export const DOCTOR_PING_WAIT_MS = 2_000;
/**
 * How long the doctor waits for fresh dials of the members it is not linked to, in ms: past a
 * connect timeout, so that a dropped port shows as one; a handshake that hangs longer is reported
 * from what was known before.
 */
export const DOCTOR_DIAL_WAIT_MS = 6_000;
/** How long a route lookup may take, in ms (it is local: the kernel answers at once). */
const ROUTE_LOOKUP_MS = 500;

/** What the doctor reads from a node (a `PeerNode` is one). */
export interface DoctorNode {
  readonly id: string;
  readonly name: string;
  readonly group: string;
  readonly passwordProtected: boolean;
  readonly pathStats: PathStats;
  members(): Member[];
  listedMembers(): MemberInfo[];
  pingLinks(): void;
  /** Dials the listed members not linked now; never rejects. */
  dialUnlinked(): Promise<void>;
  /** How the link to a member is carried: direct, or relayed through a member (relay.ts); undefined when not linked. */
  pathOf(memberId: string): PathKind | undefined;
  /** True while a member that could not be dialed waits for its second try or for a relay being set up. */
  pathsSettling(): boolean;
}

export interface LinkedReport extends LinkPath {
  state: 'linked';
  /** The local interface of `localAddress` (`eth0`, `wg0`, `lo`), if found. */
  interface?: string;
  /** True when that interface is a VPN or tunnel. */
  vpn: boolean;
  /** For a relayed path: the name and fingerprint of the member that carries it, when linked to it. */
  viaLabel?: string;
  /** For a relayed path: why the direct one does not work (what the last direct dial met). */
  direct?: { failure?: FailureFacts; verdict: Verdict };
}

export interface UnreachableReport {
  state: 'unreachable';
  host: string;
  port: number;
  failure?: FailureFacts;
  /** The local interface the route to `host` would use; `null`: no route. */
  routeInterface?: string | null;
  verdict: Verdict;
}

export type MemberReport = { id: string; name: string; fingerprint: string } & (LinkedReport | UnreachableReport);

export interface DoctorReport {
  self: { id: string; name: string; fingerprint: string };
  group: string;
  passwordProtected: boolean;
  /** ms since the epoch. */
  at: number;
  members: MemberReport[];
}

/**
 * The local interface the kernel would route `host` through, found with a connected UDP socket
 * (a route lookup; no packet is sent). `null` when there is no route, undefined when it cannot tell.
 */
export function routeInterface(host: string, interfaces: InterfaceTable = networkInterfaces()): Promise<string | null | undefined> {
  const family = isIP(host.split('%')[0]!);
  if (family === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const done = (value: string | null | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), ROUTE_LOOKUP_MS);
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENETUNREACH' || err.code === 'EHOSTUNREACH' ? null : undefined));
    try {
      // Port 9 (discard); connect() on UDP only picks the route and the source address.
      socket.connect(9, host, () => {
        try {
          done(interfaceOfAddress(socket.address().address, interfaces));
        } catch {
          done(undefined);
        }
      });
    } catch {
      done(undefined);
    }
  });
}

export interface GatherOptions {
  /** How long to wait for the pongs, in ms. Default {@link DOCTOR_PING_WAIT_MS}. */
  waitMs?: number;
  /**
   * Dial again the listed members not linked, for a fresh failure (a member that joined later and
   * never reached this one has not been dialed at all). Default true; a node that just joined has
   * dialed everyone already.
   */
  redial?: boolean;
  interfaces?: () => InterfaceTable;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Pings every linked member (and dials the others again), waits for the answers, then reports on every member known. */
export async function gatherDoctorReport(node: DoctorNode, options: GatherOptions = {}): Promise<DoctorReport> {
  const waitMs = options.waitMs ?? DOCTOR_PING_WAIT_MS;
  node.pingLinks();
  const dials = options.redial === false ? Promise.resolve() : Promise.race([node.dialUnlinked(), sleep(Math.max(waitMs, DOCTOR_DIAL_WAIT_MS))]);
  await Promise.all([sleep(waitMs), dials]);
  // A member whose direct dial failed gets a second try and then a relay (relayPaths.ts): the
  // report waits for that outcome rather than telling whichever moment the wait ended on.
  for (const deadline = Date.now() + DOCTOR_DIAL_WAIT_MS; node.pathsSettling() && Date.now() < deadline; ) await sleep(50);
  // Members linked by the fresh dials have not been pinged yet.
  if (options.redial !== false && node.members().some((m) => (node.pathStats.linkPath(m.id)?.rttSamples ?? 0) === 0)) {
    node.pingLinks();
    await sleep(Math.min(waitMs, 500));
  }
  return doctorReport(node, (options.interfaces ?? networkInterfaces)());
}

/** The report on every member the node knows, from what it has measured so far. */
export async function doctorReport(node: DoctorNode, interfaces: InterfaceTable): Promise<DoctorReport> {
  const linked = node.members();
  const linkedIds = new Set(linked.map((m) => m.id));
  const reports: MemberReport[] = [];
  for (const member of linked) {
    const path = node.pathStats.linkPath(member.id, node.pathOf(member.id) ?? { kind: 'direct' });
    const who = { id: member.id, name: member.name, fingerprint: fingerprint(member.id) };
    if (path === undefined) continue;
    const name = interfaceOfAddress(path.localAddress, interfaces);
    const carrier = path.via === undefined ? undefined : linked.find((m) => m.id === path.via);
    const direct = path.kind === 'relayed' ? await directVerdict(node, member.id, interfaces) : undefined;
    reports.push({
      ...who,
      state: 'linked',
      ...path,
      ...(name !== undefined && { interface: name }),
      vpn: name !== undefined && isVpnInterface(name),
      ...(carrier !== undefined && { viaLabel: `${carrier.name} [${fingerprint(carrier.id)}]` }),
      ...(direct !== undefined && { direct: { ...(direct.failure !== undefined && { failure: direct.failure }), verdict: direct.verdict } }),
    });
  }
  for (const member of node.listedMembers()) {
    if (linkedIds.has(member.id) || member.id === node.id) continue;
    const { host, port, failure, route, verdict } = await verdictFor(node, member, interfaces);
    reports.push({
      id: member.id,
      name: member.name,
      fingerprint: fingerprint(member.id),
      state: 'unreachable',
      host,
      port,
      ...(failure !== undefined && { failure }),
      ...(route !== undefined && { routeInterface: route }),
      verdict,
    });
  }
  node.pathStats.retain(new Set([...linkedIds, ...node.listedMembers().map((m) => m.id)]));
  reports.sort((a, b) => (a.state === b.state ? a.name.localeCompare(b.name) : a.state === 'linked' ? -1 : 1));
  return { self: { id: node.id, name: node.name, fingerprint: fingerprint(node.id) }, group: node.group, passwordProtected: node.passwordProtected, at: Date.now(), members: reports };
}

/** Why a member cannot be dialed at its listed address: its last direct failure, the route, the verdict. */
async function verdictFor(node: DoctorNode, member: { id: string; host: string; port: number }, interfaces: InterfaceTable) {
  const failure = node.pathStats.lastFailure(member.id);
  const host = failure?.host ?? member.host;
  const port = failure?.port ?? member.port;
  const route = await routeInterface(host, interfaces);
  const verdict = diagnose({ host, port, ...(failure !== undefined && { failure }), ...(route !== undefined && { routeInterface: route }) }, interfaces);
  return { host, port, failure, route, verdict };
}

/** For a member reached through a relay: why the direct path does not work, when it is listed. */
async function directVerdict(node: DoctorNode, memberId: string, interfaces: InterfaceTable): Promise<{ failure?: FailureFacts; verdict: Verdict } | undefined> {
  const listed = node.listedMembers().find((m) => m.id === memberId);
  if (listed === undefined) return undefined;
  const { failure, verdict } = await verdictFor(node, listed, interfaces);
  return { ...(failure !== undefined && { failure }), verdict };
}

/** An endpoint as `host:port`, IPv6 in brackets. */
function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The round trip as people read it. */
export function formatRtt(path: { rttMs?: number; rttSamples: number }): string {
  if (path.rttMs === undefined) return 'no pong yet';
  const ms = path.rttMs < 10 ? path.rttMs.toFixed(2) : path.rttMs.toFixed(0);
  return `${ms} ms (median of ${path.rttSamples})`;
}

/**
 * The lines of one member's block, plain text (callers make them safe for where they go: the
 * terminal or Markdown). The first line names the member; the rest are `label: value`.
 */
export function memberLines(member: MemberReport): { title: string; fields: [string, string][] } {
  const title = `${member.name} [${member.fingerprint}]`;
  if (member.state === 'linked') {
    const via = member.viaLabel ?? member.via;
    const path = member.kind === 'relayed' ? `relayed${via !== undefined ? ` via ${via}` : ''}` : 'direct';
    return {
      title,
      fields: [
        ['path', path],
        ['round trip', formatRtt(member)],
        ['address', `${endpoint(member.remoteAddress, member.remotePort)} from ${member.localAddress}`],
        ['interface', member.interface === undefined ? 'unknown' : `${member.interface}${member.vpn ? ' (VPN)' : ''}`],
        ...(member.direct === undefined ? [] : ([['direct path', member.direct.verdict.summary], ['what to do', member.direct.verdict.advice]] as [string, string][])),
      ],
    };
  }
  const fields: [string, string][] = [
    ['path', 'unreachable'],
    ['address', endpoint(member.host, member.port)],
  ];
  if (member.routeInterface !== undefined) fields.push(['route', member.routeInterface === null ? 'none' : `via ${member.routeInterface}`]);
  if (member.failure !== undefined) {
    fields.push(['last failure', `${member.failure.errno !== undefined ? `${member.failure.errno} ` : ''}${member.failure.code} at ${new Date(member.failure.at).toISOString()}`]);
  }
  fields.push(['cause', member.verdict.summary], ['what to do', member.verdict.advice]);
  return { title, fields };
}
