/**
 * `team-notes doctor`: joins a group for a few seconds as a fresh member, as `chat` does (LAN
 * discovery when no repository is named), pings every member it reaches, and prints one block per
 * member: direct or relayed, the round trip, the address and local interface used, or, for a
 * member it cannot reach, the likely cause and what to do. Then it leaves.
 */
import { hostname } from 'node:os';
import { accountDisplayName } from '../net/accountName';
import { gatherDoctorReport, memberLines } from '../net/doctorReport';
import type { DoctorReport } from '../net/doctorReport';
import { NetError, toNetError } from '../net/errors';
import { DEFAULT_REPOSITORY_PORT } from '../net/limits';
import { MemberKey } from '../net/memberKey';
import { PeerNode } from '../net/peerNode';
import { parseAddress } from '../net/tcp';
import { repositoryAddress } from './chatCommand';
import { parseLogLevel, stderrLogger } from './consoleLogger';
import { readPassword } from './dataFolder';
import { discoveryOptionUsage, startDiscovery } from './discovery';
import { parseJoinCommand } from './joinOptions';
import type { JoinOptions } from './joinOptions';
import { printError, printEvent } from './output';

/** How long the doctor waits for pongs after joining, by default, in ms. */
export const DEFAULT_DOCTOR_WAIT_MS = 3_000;
/** The longest wait `--wait` accepts, in ms. */
const MAX_DOCTOR_WAIT_MS = 120_000;

export const doctorUsage = `team-notes doctor --group G [--repository H:P] [--no-discovery] [--password-file FILE] [--wait MS] [--json]
  Joins the group for a few seconds and reports, per member: a direct or relayed path, the round
  trip time, the address and local network interface used; for a member it cannot reach, the likely
  cause (connection refused, a firewall dropping the port, no route, another subnet, only over a
  VPN, a different password) and what to do. Then leaves. Exits 1 only when it cannot join at all.
  --group G         group to diagnose
  --repository H:P  repository server, or any member's address (default: found on the local network)
${discoveryOptionUsage}
  --password-file FILE  the group password (first line); else TEAM_NOTES_PASSWORD; else an open group
  --name N          display name the members see while it runs (default: yours, with "(doctor)")
  --listen H:P      where to listen (default 0.0.0.0:0)
  --wait MS         how long to wait for answers after joining (default ${DEFAULT_DOCTOR_WAIT_MS})
  --json            the report as one JSON object
  --log-level L     trace, debug, info, warn, error or off (default error)`;

interface DoctorOptions extends JoinOptions {
  name: string;
  waitMs: number;
}

function readOptions(argv: string[]): DoctorOptions {
  const { join, values } = parseJoinCommand(argv, { wait: { type: 'string' } });
  const wait = values.wait ?? String(DEFAULT_DOCTOR_WAIT_MS);
  if (!/^[0-9]{1,6}$/.test(wait) || Number(wait) > MAX_DOCTOR_WAIT_MS) throw new NetError('ERR_BAD_INPUT', `--wait ${wait} is not a number of milliseconds (0 to ${MAX_DOCTOR_WAIT_MS})`);
  const own = accountDisplayName() || hostname();
  return { ...join, name: join.name ?? `${own.slice(0, 55).trim()} (doctor)`, waitMs: Number(wait) };
}

/** The report as terminal lines (each made safe by printEvent). */
export function reportText(report: DoctorReport): string[] {
  const reached = report.members.filter((m) => m.state === 'linked').length;
  const lines = [
    `Connection diagnosis of "${report.group}" as ${report.self.name} [${report.self.fingerprint}]: ${reached} of ${report.members.length} members reached${report.passwordProtected ? ' (password group)' : ''}`,
  ];
  if (report.members.length === 0) lines.push('  nobody else is in the group');
  for (const member of report.members) {
    const { title, fields } = memberLines(member);
    lines.push('', title, ...fields.map(([label, value]) => `  ${label}: ${value}`));
  }
  return lines;
}

export async function runDoctor(argv: string[]): Promise<number> {
  const options = readOptions(argv);
  const { json } = options;
  const logger = stderrLogger(parseLogLevel(options.logLevel, 'error'));
  const listen = parseAddress(options.listen, { host: '0.0.0.0', port: 0 });
  const password = readPassword(options.passwordFile);
  const key = MemberKey.generate();
  const discovery = await startDiscovery(key.id, options.discovery, logger, json);
  let node: PeerNode | undefined;
  try {
    const repository = options.repository !== undefined ? parseAddress(options.repository, { host: '127.0.0.1', port: DEFAULT_REPOSITORY_PORT }) : await repositoryAddress(options, discovery, json);
    node = new PeerNode({ name: options.name, group: options.group, repository, listen, logger, key, password });
    await node.join();
  } catch (err) {
    const error = toNetError(err);
    printError(json, error.code, `cannot join "${options.group}": ${error.message}`);
    return 1;
  } finally {
    // The doctor looks; it does not serve the group to newcomers.
    discovery?.close();
  }
  try {
    const report = await gatherDoctorReport(node, { waitMs: options.waitMs, redial: false });
    printEvent(json, { event: 'report', ...report }, reportText(report));
  } finally {
    await node.leave();
  }
  return 0;
}
