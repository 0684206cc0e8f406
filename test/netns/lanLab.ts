/**
 * A LAN made of Linux network namespaces for tests: each host is a namespace, each segment a bridge
 * inside a "switch" namespace of its own, joined to the hosts by veth pairs. Nothing touches the
 * machine's own network namespace, so all the traffic stays inside what the test made; `destroy`
 * removes it all (and `create` first removes what a crashed run left, by its prefix).
 *
 * Needs root and iproute2 (`ip netns`); {@link LanLab.unavailable} says why not otherwise.
 */
import { execFileSync } from 'node:child_process';
import { CliProcess } from '../helpers/cliProcess';

/** Every namespace a lab makes starts with this, so leftovers are recognisable. */
const PREFIX = 'tnlab';

export interface LabHost {
  name: string;
  /** Segments this host has an interface on (a host on two is a router's position, but forwards nothing). */
  segments: string[];
}

/** True while a process with this pid runs. */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class LanLab {
  private readonly processes: CliProcess[] = [];
  private readonly addresses = new Map<string, Map<string, string>>();

  private constructor(
    private readonly id: string,
    private readonly hosts: readonly LabHost[],
    private readonly segments: readonly string[],
    private readonly cliPath: string,
  ) {}

  /** Why namespaces cannot be made here, or undefined when they can. */
  static unavailable(): string | undefined {
    if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
    if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
    try {
      ip('netns', 'list');
    } catch {
      return 'iproute2 (ip netns) is not installed';
    }
    return undefined;
  }

  /** Removes every namespace an earlier lab left behind (a test process that was killed). */
  static removeLeftovers(): void {
    for (const line of ip('netns', 'list').split('\n')) {
      const name = line.split(' ')[0] ?? '';
      // A lab is named after the process that made it: one whose process still runs is another
      // test run's, and stays.
      const pid = /^tnlab(\d+)-/.exec(name)?.[1];
      if (name.startsWith(PREFIX) && (pid === undefined || !processRuns(Number(pid)))) ip('netns', 'del', name);
    }
  }

  /**
   * Makes the hosts and segments: segment k is 10.200.k.0/24 and the i-th host on it gets .i+1.
   * Loopback is up in every host.
   */
  static create(hosts: readonly LabHost[], cliPath: string): LanLab {
    LanLab.removeLeftovers();
    const segments = [...new Set(hosts.flatMap((h) => h.segments))];
    const lab = new LanLab(`${PREFIX}${process.pid}`, hosts, segments, cliPath);
    try {
      lab.build();
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private namespace(host: string): string {
    return `${this.id}-${host}`;
  }

  private get switchNamespace(): string {
    return `${this.id}-switch`;
  }

  private build(): void {
    ip('netns', 'add', this.switchNamespace);
    for (let k = 0; k < this.segments.length; k += 1) {
      ip('-n', this.switchNamespace, 'link', 'add', `br${k}`, 'type', 'bridge');
      ip('-n', this.switchNamespace, 'link', 'set', `br${k}`, 'up');
    }
    const onSegment = new Map<string, number>();
    this.hosts.forEach((host, h) => {
      const ns = this.namespace(host.name);
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      const addresses = new Map<string, string>();
      for (const segment of host.segments) {
        const k = this.segments.indexOf(segment);
        const index = (onSegment.get(segment) ?? 0) + 1;
        onSegment.set(segment, index);
        // Interface names are at most 15 characters; made in the switch namespace, then one end moved.
        const hostEnd = `h${h}s${k}`;
        const switchEnd = `p${h}s${k}`;
        ip('-n', this.switchNamespace, 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', switchEnd);
        ip('-n', this.switchNamespace, 'link', 'set', hostEnd, 'netns', ns);
        ip('-n', this.switchNamespace, 'link', 'set', switchEnd, 'master', `br${k}`);
        ip('-n', this.switchNamespace, 'link', 'set', switchEnd, 'up');
        const address = `10.200.${k}.${index}`;
        ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', hostEnd);
        ip('-n', ns, 'link', 'set', hostEnd, 'up');
        addresses.set(segment, address);
      }
      this.addresses.set(host.name, addresses);
    });
  }

  /** The host's address on `segment` (default: its first). */
  address(host: string, segment?: string): string {
    const addresses = this.addresses.get(host);
    const address = segment === undefined ? [...(addresses?.values() ?? [])][0] : addresses?.get(segment);
    if (address === undefined) throw new Error(`${host} has no address${segment === undefined ? '' : ` on ${segment}`}`);
    return address;
  }

  /** The name of the host's interface on `segment` (default: its first), as `ip link` and `os.networkInterfaces()` show it. */
  interfaceName(host: string, segment?: string): string {
    const h = this.hosts.findIndex((x) => x.name === host);
    const own = this.hosts[h]?.segments;
    const name = segment ?? own?.[0];
    if (own === undefined || name === undefined || !own.includes(name)) throw new Error(`${host} has no interface${segment === undefined ? '' : ` on ${segment}`}`);
    return `h${h}s${this.segments.indexOf(name)}`;
  }

  /** Runs a command (`ip`, `tc`…) inside `host`'s namespace and returns its output; throws when it fails. */
  exec(host: string, command: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.namespace(host), command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs `ip` with `args` inside `host` (a route, an address): it goes with the host's namespace. */
  ipIn(host: string, ...args: string[]): string {
    return ip('-n', this.namespace(host), ...args);
  }

  /** Turns IPv4 forwarding on or off in `host`: a host on two segments becomes a router, or stops being one. */
  setForwarding(host: string, on: boolean): void {
    execFileSync('ip', ['netns', 'exec', this.namespace(host), 'sysctl', '-qw', `net.ipv4.ip_forward=${on ? 1 : 0}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs the CLI with `args` inside `host`, with LAN discovery on the host's real interfaces. */
  run(host: string, args: string[], label = `${host}: ${args[0] ?? 'cli'}`): CliProcess {
    const proc = new CliProcess(this.cliPath, args, label, {}, { netns: this.namespace(host) });
    this.processes.push(proc);
    return proc;
  }

  /** Kills every process the lab started, then removes its namespaces (and so their interfaces). */
  async close(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((p) => p.kill()));
    this.destroy();
  }

  private destroy(): void {
    for (const host of this.hosts) {
      try {
        ip('netns', 'del', this.namespace(host.name));
      } catch {
        // never made
      }
    }
    try {
      ip('netns', 'del', this.switchNamespace);
    } catch {
      // never made
    }
  }
}
