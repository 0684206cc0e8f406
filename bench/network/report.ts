/**
 * The network benchmark's result types, its goals, and how it prints them: a table on the console
 * and the "Network" section of docs/benchmarks.md (only the text between the network markers is
 * rewritten, so other benchmarks keep their own sections in the same file).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SystemName } from './ipc';
import { round } from './stats';

export interface JoinResult {
  p50: number;
  p95: number;
  max: number;
  /** CPU time of the joining process over its join, median over members (less disturbed by other work than the wall time). */
  cpuP50?: number;
  /** The last member's join, with the most members to connect to. */
  last: number;
  samplesMs: number[];
}

export interface LatencyResult {
  messages: number;
  /** Messages that reached every member. */
  complete: number;
  lostDeliveries: number;
  duplicates: number;
  /** Time until the last member received the message, in ms, over messages. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Time until the first member received it, p50 over messages, in ms. */
  firstMemberP50: number;
  /** Every single delivery, p50 and p99, in ms. */
  eachMemberP50: number;
  eachMemberP99: number;
  /** Time the sender spent inside its send call for one message to all, in µs. */
  senderCallUsP50: number;
  senderCallUsP99: number;
  gapMs: number;
}

export interface MemoryResult {
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  rssMaxMB: number;
  serverRssMB?: number;
  serverHeapUsedMB?: number;
}

export interface StepResult {
  /** Target rate, messages per second from one sender. */
  rate: number;
  count: number;
  sender: number;
  achievedRate: number;
  senderKept: boolean;
  lostDeliveries: number;
  duplicates: number;
  unexpected: number;
  linkLosses: number;
  /** Last receipt at any receiver minus the last send, in ms. */
  drainMs: number;
  /** CPU time of all processes of the system during the step (sender, receivers, server), per delivery, in µs. */
  cpuUsPerDelivery: number;
  /** The same split: the sender per message sent, a receiver per message received, the server (if any) per message sent. */
  cpuUs: { senderPerMessage: number; receiverPerDelivery: number; serverPerMessage: number; /** The receivers' main threads alone (Linux). */ receiverMainThreadPerDelivery?: number };
  clean: boolean;
  reason?: string;
}

export interface ThroughputResult {
  /** Highest rate delivered clean, messages per second from one sender to every member. */
  maxCleanRate: number;
  /** True when even the top of the ladder was clean (the limit is higher). */
  capped: boolean;
  stepSeconds: number;
  /** maxCleanRate times the number of receivers. */
  deliveriesPerSecond: number;
  firstFailedRate: number | null;
  stopReason?: string;
  steps: StepResult[];
}

export interface SystemResult {
  system: SystemName;
  status: 'ok' | 'broken' | 'skipped';
  note?: string;
  join?: JoinResult;
  /** Chat to all members after the warm-up: the main figure. */
  latency?: LatencyResult;
  /** The same for the first messages right after joining, before the warm-up. */
  coldLatency?: LatencyResult;
  memory?: MemoryResult;
  throughput?: ThroughputResult;
  /** Links lost and errors reported by the members over the whole run (throughput steps past the limit included). */
  health?: { linkLosses: number; errors: number; unreachableAgents: number; lastError?: string };
}

export interface Ratio {
  teamNotes: number | null;
  vsTcpMesh: number | null;
  vsWsRelay: number | null;
}

export interface PeersResult {
  peers: number;
  seconds: number;
  /** Cores kept busy by other work on the machine meanwhile (machine busy time minus the benchmark's own CPU). */
  otherWorkCores?: number;
  systems: Partial<Record<SystemName, SystemResult>>;
  /** Team Notes figure divided by each reference's, per figure. */
  ratios?: Record<string, Ratio>;
}

export interface Goal {
  peers: number;
  goal: string;
  target: string;
  measured: string;
  /** null when it could not be measured. */
  met: boolean | null;
}

export interface BenchResults {
  benchmark: 'network';
  date: string;
  mode: 'full' | 'quick';
  command: string;
  /** First 12 hex digits of a SHA-256 over src/net/*.ts (names and contents): the code measured. */
  srcNetDigest: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGB: number;
    freeMemoryGB: number;
    os: string;
    node: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  settings: {
    peers: number[];
    systems: SystemName[];
    messageTextBytes: number;
    latencyMessages: number;
    latencyGapMs: Record<string, number>;
    coldMessages: Record<string, number>;
    warmUpDeliveries: number;
    throughputStepSeconds: number;
    throughputLadder: number[];
    maxDrainMs: number;
    rateSlack: number;
  };
  peers: PeersResult[];
  goals: Goal[];
  seconds: number;
}

// --- figures ------------------------------------------------------------------------------------

/** The rate at which CPU costs are compared: the first step of the ladder, which every system runs. */
const CPU_RATE = 100;

/** The first step at `rate`, for per-message costs compared at the same rate. */
const stepAt = (s: SystemResult, rate: number): StepResult | undefined => s.throughput?.steps.find((st) => st.rate === rate);

interface Figure {
  key: string;
  label: string;
  get: (s: SystemResult) => number | undefined;
  /** Shown before the number, e.g. `≥` when the ladder topped out. */
  prefix?: (s: SystemResult) => string;
}

const figures: Figure[] = [
  { key: 'joinP50', label: 'Join p50 (ms)', get: (s) => s.join?.p50 },
  { key: 'joinP95', label: 'Join p95 (ms)', get: (s) => s.join?.p95 },
  { key: 'chatP50', label: 'Chat to all members p50 (ms)', get: (s) => s.latency?.p50 },
  { key: 'chatP99', label: 'Chat to all members p99 (ms)', get: (s) => s.latency?.p99 },
  { key: 'chatMax', label: 'Chat to all members max (ms)', get: (s) => s.latency?.max },
  {
    key: 'throughput',
    label: 'Max clean broadcast rate (msg/s)',
    get: (s) => s.throughput?.maxCleanRate,
    prefix: (s) => (s.throughput?.capped ? '≥ ' : ''),
  },
  { key: 'rss', label: 'Peer RSS, median (MB)', get: (s) => s.memory?.rssMB },
  { key: 'heap', label: 'Peer heap used, median (MB)', get: (s) => s.memory?.heapUsedMB },
];

const diagnostics: Figure[] = [
  { key: 'coldP50', label: 'Cold: chat to all right after joining p50 (ms)', get: (s) => s.coldLatency?.p50 },
  { key: 'coldMax', label: 'Cold: chat to all right after joining max (ms)', get: (s) => s.coldLatency?.max },
  { key: 'coldSendUs', label: 'Cold: sender busy per broadcast p50 (µs)', get: (s) => s.coldLatency?.senderCallUsP50 },
  { key: 'firstP50', label: 'Chat to first member p50 (ms)', get: (s) => s.latency?.firstMemberP50 },
  { key: 'eachP50', label: 'Each delivery p50 (ms)', get: (s) => s.latency?.eachMemberP50 },
  { key: 'eachP99', label: 'Each delivery p99 (ms)', get: (s) => s.latency?.eachMemberP99 },
  { key: 'sendUs', label: 'Sender busy per broadcast p50 (µs)', get: (s) => s.latency?.senderCallUsP50 },
  { key: 'joinLast', label: 'Join of the last member (ms)', get: (s) => s.join?.last },
  { key: 'joinCpuP50', label: 'Joiner CPU per join p50 (ms)', get: (s) => s.join?.cpuP50 },
  { key: 'deliveries', label: 'Deliveries/s at max clean rate', get: (s) => s.throughput?.deliveriesPerSecond },
  { key: 'cpuPerDelivery', label: `CPU per delivery at ${CPU_RATE} msg/s, all processes (µs)`, get: (s) => stepAt(s, CPU_RATE)?.cpuUsPerDelivery },
  { key: 'cpuSender', label: '… the sender, per message sent (µs)', get: (s) => stepAt(s, CPU_RATE)?.cpuUs.senderPerMessage },
  { key: 'cpuReceiver', label: '… each receiver, per message (µs)', get: (s) => stepAt(s, CPU_RATE)?.cpuUs.receiverPerDelivery },
  { key: 'cpuReceiverMain', label: '… of which its main thread (µs)', get: (s) => stepAt(s, CPU_RATE)?.cpuUs.receiverMainThreadPerDelivery },
  { key: 'cpuServer', label: '… the relay server, per message (µs)', get: (s) => (s.system === 'wsRelay' ? stepAt(s, CPU_RATE)?.cpuUs.serverPerMessage : undefined) },
  { key: 'serverRss', label: 'Server RSS (MB)', get: (s) => s.memory?.serverRssMB },
];

const ratioOf = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : round(a / b);

function computeRatios(p: PeersResult): Record<string, Ratio> {
  const tn = p.systems.teamNotes;
  const mesh = p.systems.tcpMesh;
  const relay = p.systems.wsRelay;
  const out: Record<string, Ratio> = {};
  for (const f of [...figures, ...diagnostics]) {
    const value = tn === undefined ? undefined : f.get(tn);
    out[f.key] = {
      teamNotes: value ?? null,
      vsTcpMesh: ratioOf(value, mesh === undefined ? undefined : f.get(mesh)),
      vsWsRelay: ratioOf(value, relay === undefined ? undefined : f.get(relay)),
    };
  }
  return out;
}

/** Absolute goals of the issue, per group size. */
const absoluteGoals: Record<number, { chatP50: number; chatP99: number; joinP95: number; rate: number }> = {
  10: { chatP50: 5, chatP99: 20, joinP95: 100, rate: 1000 },
  50: { chatP50: 25, chatP99: 100, joinP95: 250, rate: 200 },
};

/** Goals of a classroom (`npm run bench:classroom`): 100 members, each its own process. */
const classroomGoals: Record<number, { joinP95: number; chatP50: number; chatP99: number; rssVsMesh: number }> = {
  100: { joinP95: 500, chatP50: 30, chatP99: 80, rssVsMesh: 1.2 },
};

/** Fills in the ratios of every group size and returns the goals with where each stands. */
export function evaluate(results: BenchResults): Goal[] {
  const goals: Goal[] = [];
  const fmt = (v: number | undefined): string => (v === undefined ? 'n/a' : String(v));
  const check = (peers: number, goal: string, target: string, value: number | undefined, ok: (v: number) => boolean, shown?: string): void => {
    goals.push({ peers, goal, target, measured: shown ?? fmt(value), met: value === undefined || !Number.isFinite(value) ? null : ok(value) });
  };
  for (const p of results.peers) {
    p.ratios = computeRatios(p);
    const tn = p.systems.teamNotes;
    const mesh = p.systems.tcpMesh;
    const relay = p.systems.wsRelay;
    const abs = absoluteGoals[p.peers];
    const room = classroomGoals[p.peers];
    if (room !== undefined) {
      // A classroom: every member its own process; each status checks every figure its row names.
      check(p.peers, 'Join p95', `≤ ${room.joinP95} ms`, tn?.join?.p95, (v) => v <= room.joinP95, tn?.join ? `${tn.join.p95} ms` : undefined);
      const l = tn?.latency;
      const whole = l === undefined ? undefined : l.lostDeliveries + l.duplicates + (l.messages - l.complete);
      check(p.peers, 'Chat to all members: no loss, no duplicates', '0 lost, 0 duplicates', whole, (v) => v === 0, l ? `${l.lostDeliveries} lost, ${l.duplicates} duplicates, ${l.complete} of ${l.messages} complete` : undefined);
      check(p.peers, 'Chat to all members p50', `≤ ${room.chatP50} ms`, l?.p50, (v) => v <= room.chatP50, l ? `${l.p50} ms` : undefined);
      check(p.peers, 'Chat to all members p99', `≤ ${room.chatP99} ms`, l?.p99, (v) => v <= room.chatP99, l ? `${l.p99} ms` : undefined);
      const rss = tn?.memory?.rssMB;
      const meshRss = mesh?.memory?.rssMB;
      const vsMesh = rss !== undefined && meshRss !== undefined ? rss / meshRss : undefined;
      check(p.peers, 'Memory per member (RSS) within 1.2× the bare TCP mesh', `≤ ${room.rssVsMesh}×`, vsMesh, (v) => v <= room.rssVsMesh, vsMesh === undefined ? undefined : `${round(vsMesh)}× (${rss} vs ${meshRss} MB)`);
      continue;
    }
    if (abs !== undefined) {
      check(p.peers, 'Chat to all members p50', `≤ ${abs.chatP50} ms`, tn?.latency?.p50, (v) => v <= abs.chatP50, tn?.latency ? `${tn.latency.p50} ms` : undefined);
      check(p.peers, 'Chat to all members p99', `≤ ${abs.chatP99} ms`, tn?.latency?.p99, (v) => v <= abs.chatP99, tn?.latency ? `${tn.latency.p99} ms` : undefined);
      check(p.peers, 'Join p95', `≤ ${abs.joinP95} ms`, tn?.join?.p95, (v) => v <= abs.joinP95, tn?.join ? `${tn.join.p95} ms` : undefined);
      check(
        p.peers,
        'Broadcast rate, no loss, no duplicates',
        `≥ ${abs.rate.toLocaleString('en-US')} msg/s`,
        tn?.throughput?.maxCleanRate,
        (v) => v >= abs.rate,
        tn?.throughput ? `${tn.throughput.capped ? '≥ ' : ''}${tn.throughput.maxCleanRate.toLocaleString('en-US')} msg/s` : undefined,
      );
    }
    // The receive path: CPU each receiver spends per message, beside the mesh's, in the same run.
    const cpu = tn === undefined ? undefined : stepAt(tn, CPU_RATE)?.cpuUs.receiverPerDelivery;
    const meshCpu = mesh === undefined ? undefined : stepAt(mesh, CPU_RATE)?.cpuUs.receiverPerDelivery;
    const cpuVsMesh = cpu !== undefined && meshCpu !== undefined ? cpu / meshCpu : undefined;
    check(p.peers, `CPU per received message within 1.5× the bare TCP mesh (at ${CPU_RATE} msg/s)`, '≤ 1.5×', cpuVsMesh, (v) => v <= 1.5, cpuVsMesh === undefined ? undefined : `${round(cpuVsMesh)}× (${round(cpu!)} vs ${round(meshCpu!)} µs)`);
    const join = tn?.join?.p95;
    const meshJoin = mesh?.join?.p95;
    const joinVsMesh = join !== undefined && meshJoin !== undefined ? join / meshJoin : undefined;
    check(p.peers, 'Join p95 within 3× the bare TCP mesh', '≤ 3×', joinVsMesh, (v) => v <= 3, joinVsMesh === undefined ? undefined : `${round(joinVsMesh)}× (${join} vs ${meshJoin} ms)`);
    for (const [key, label] of [
      ['p50', 'p50'],
      ['p99', 'p99'],
    ] as const) {
      const value = tn?.latency?.[key];
      const meshValue = mesh?.latency?.[key];
      const relayValue = relay?.latency?.[key];
      const vsMesh = value !== undefined && meshValue !== undefined ? value / meshValue : undefined;
      check(p.peers, `Chat ${label} within 1.5× the bare TCP mesh`, '≤ 1.5×', vsMesh, (v) => v <= 1.5, vsMesh === undefined ? undefined : `${round(vsMesh)}× (${value} vs ${meshValue} ms)`);
      const vsRelay = value !== undefined && relayValue !== undefined ? value / relayValue : undefined;
      check(p.peers, `Chat ${label} below the relay server`, '< 1×', vsRelay, (v) => v < 1, vsRelay === undefined ? undefined : `${round(vsRelay)}× (${value} vs ${relayValue} ms)`);
    }
  }
  return goals;
}

// --- rendering ----------------------------------------------------------------------------------

const systemTitles: Record<SystemName, string> = { teamNotes: 'Team Notes', tcpMesh: 'Bare TCP mesh', wsRelay: 'WS relay (ws)' };

function cell(s: SystemResult | undefined, f: Figure): string {
  if (s === undefined || s.status === 'skipped') return '—';
  const v = f.get(s);
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  return `${f.prefix?.(s) ?? ''}${v >= 1000 ? v.toLocaleString('en-US') : String(v)}`;
}

const ratioCell = (r: number | null): string => (r === null ? '—' : `${r}×`);

/** A Markdown table; the first `leftColumns` columns are left-aligned, the rest (figures) right-aligned. */
function table(header: string[], rows: string[][], leftColumns = 1): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < leftColumns ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function peersTable(p: PeersResult, list: Figure[]): string {
  const ratios = p.ratios ?? computeRatios(p);
  return table(
    ['Figure', systemTitles.teamNotes, systemTitles.tcpMesh, systemTitles.wsRelay, 'TN ÷ mesh', 'TN ÷ relay'],
    list.map((f) => [
      f.label,
      cell(p.systems.teamNotes, f),
      cell(p.systems.tcpMesh, f),
      cell(p.systems.wsRelay, f),
      ratioCell(ratios[f.key]?.vsTcpMesh ?? null),
      ratioCell(ratios[f.key]?.vsWsRelay ?? null),
    ]),
  );
}

function goalsTable(goals: Goal[]): string {
  return table(
    ['Peers', 'Goal', 'Target', 'Measured', 'Status'],
    goals.map((g) => [String(g.peers), g.goal, g.target, g.measured, g.met === null ? 'not measured' : g.met ? 'met' : '**not met**']),
    2,
  );
}

function problems(results: BenchResults): string[] {
  const lines: string[] = [];
  for (const p of results.peers) {
    for (const s of Object.values(p.systems)) {
      if (s === undefined) continue;
      if (s.status !== 'ok') lines.push(`${p.peers} peers, ${systemTitles[s.system]}: ${s.status}: ${s.note ?? ''}`);
      const h = s.health;
      if (h !== undefined && (h.linkLosses > 0 || h.errors > 0 || h.unreachableAgents > 0)) {
        lines.push(`${p.peers} peers, ${systemTitles[s.system]}: ${h.linkLosses} links lost, ${h.errors} errors, ${h.unreachableAgents} agents not answering${h.lastError ? ` (last: ${h.lastError})` : ''}`);
      }
      if (s.latency && (s.latency.lostDeliveries > 0 || s.latency.duplicates > 0)) {
        lines.push(`${p.peers} peers, ${systemTitles[s.system]}: latency phase lost ${s.latency.lostDeliveries} deliveries, ${s.latency.duplicates} duplicates`);
      }
      const tp = s.throughput;
      if (tp !== undefined) {
        const failed = tp.steps.filter((st) => !st.clean);
        const lastFail = failed[failed.length - 1];
        const why = lastFail ? `first failure at ${lastFail.rate.toLocaleString('en-US')} msg/s: ${lastFail.reason ?? ''}` : 'no failure up to the top of the ladder';
        lines.push(`${p.peers} peers, ${systemTitles[s.system]} throughput: ${why}${tp.stopReason ? ` (${tp.stopReason})` : ''}`);
      }
    }
  }
  return lines;
}

/** A warning when other work kept the machine busy during the run (a tenth of a core or more). */
function loadWarning(r: BenchResults): string | undefined {
  const busy = r.peers.filter((p) => (p.otherWorkCores ?? 0) >= 0.1);
  if (busy.length === 0) return undefined;
  const what = busy.map((p) => `${p.otherWorkCores} of ${r.machine.cores} cores during the ${p.peers}-peer part`).join(', ');
  return `Other work on the machine used ${what}: absolute figures are noisier than usual; the ratios, measured interleaved, hold better.`;
}

// The load average is kept in the JSON only: the benchmark's own hundred-odd processes inflate it.
function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}, Node ${m.node}`;
}

/** The console report: tables per group size, goals, and what failed. */
export function renderConsole(r: BenchResults): string {
  const parts = [`Network benchmark, ${r.mode} run, ${r.date}, src/net digest ${r.srcNetDigest ?? '?'}`, machineLine(r)];
  const warning = loadWarning(r);
  if (warning !== undefined) parts.push(`WARNING: ${warning}`);
  for (const p of r.peers) {
    parts.push(`\n${p.peers} peers (${p.seconds} s${p.otherWorkCores !== undefined ? `; other work on the machine: ${p.otherWorkCores} cores` : ''})\n${peersTable(p, figures)}\n\nDiagnostics\n${peersTable(p, diagnostics)}`);
  }
  parts.push(`\nGoals (Team Notes)\n${goalsTable(r.goals)}`);
  const notes = problems(r);
  if (notes.length > 0) parts.push(`\nNotes\n${notes.map((n) => `- ${n}`).join('\n')}`);
  return parts.join('\n');
}

function method(r: BenchResults): string {
  const s = r.settings;
  const gaps = Object.entries(s.latencyGapMs)
    .map(([n, g]) => `${g} ms for ${n} peers`)
    .join(', ');
  const cold = Object.entries(s.coldMessages)
    .map(([n, c]) => `${c} for ${n} peers`)
    .join(', ');
  return [
    '**Method.** Every member is its own Node process on the loopback interface (each Team Notes member with an address of its own,',
    '127.0.0.2, 127.0.0.3, …, as on a LAN: its limits count connections per address), forked from an esbuild bundle of its agent',
    '(`bench/network/agent*.ts`; the same way and with the same flags for all three systems) and driven over IPC by',
    '`bench/network/run.ts`. The Team Notes repository and the WebSocket relay run in processes of their own.',
    'The three systems are up at the same time and take turns, so that the noise of the shared machine falls on all',
    'of them: joins alternate member by member, latency messages alternate in blocks of 20, throughput steps alternate.',
    '',
    '- *Systems.* **Team Notes**: `PeerNode` and `RepositoryServer` from `src/net` (length-prefixed XML frames, one',
    "  persistent connection per pair). **Bare TCP mesh**, the machine's limit: every agent a `net` server, one",
    '  persistent connection per pair, a 4-byte length prefix and the raw text, `setNoDelay`, one `write()` per frame.',
    '  **WS relay**: one `ws` server process that sends every message on to every other client (server-relayed design).',
    '- *Join*: members join one after another; the time from the join command to being connected to every member',
    '  already there (Team Notes: `await node.join()`: the repository answered and every member was dialed and',
    '  answered `hello`; mesh: connect and a one-frame hello each way with every agent; relay: the WebSocket is open).',
    '  p50 and p95 over all members. Each join runs in a fresh process, so it includes first-use compilation.',
    `- *Chat to all members*: ${s.latencyMessages} messages of ${s.messageTextBytes} characters per system, one at a time`,
    `  (gap ${gaps}, ±25 %), senders rotating. The sender writes \`process.hrtime.bigint()\``,
    '  (CLOCK_MONOTONIC, shared by all processes) into the text; each receiver subtracts it from its own receive time.',
    '  Per message, the time until the **last** member had it; p50 / p99 / max over messages. Measured after a warm-up',
    `  in which every member broadcasts until each has handled about ${s.warmUpDeliveries} messages (V8 needs a thousand`,
    `  calls or so to optimise a codec); the "cold" diagnostic rows are messages sent right after the joins (${cold}).`,
    `- *Broadcast rate*: one sender broadcasts at a fixed rate for ${s.throughputStepSeconds} s (batches from a 1 ms`,
    '  timer); receivers count every (sender, seq). A step is clean when every receiver got every message exactly',
    `  once, the sender kept the rate (last send at most ${Math.round((s.rateSlack - 1) * 100)} % late) and the receivers`,
    `  were done within ${s.maxDrainMs} ms of the last send (no growing backlog). Rates ${s.throughputLadder.map((x) => x.toLocaleString('en-US')).join(', ')}`,
    '  msg/s; a failed step is retried once, then one step (not retried) halfway between the last clean rate and the',
    '  failed one.',
    '  Reported: the highest clean rate (messages per second from one sender, each delivered to every member).',
    '  CPU rows: `process.cpuUsage()` of every process of the system over a step, divided by the deliveries; the',
    '  main-thread row counts the receivers\' main threads alone (the scheduler\'s figure in /proc), the rest being V8\'s',
    '  helper threads (optimising compiler, concurrent GC).',
    '- *Memory*: after the latency phase and two full garbage collections (`--expose-gc`): RSS and V8 heap used,',
    '  median over members.',
    "- *Ratios*: the Team Notes figure divided by the reference's. For join, latency, CPU and memory lower is better;",
    '  for the broadcast rate higher is better.',
  ].join('\n');
}

/** The two sections the network benchmark writes: the default run (10 and 50 peers) and the classroom (100). */
export type SectionKind = 'network' | 'classroom';
export const sections: Record<SectionKind, { title: string; script: string; file: string }> = {
  network: { title: '## Network', script: 'npm run bench', file: 'results.json' },
  classroom: { title: '## Network: a classroom of 100', script: 'npm run bench:classroom', file: 'results-classroom.json' },
};

/** The Markdown of a network section, markers excluded. */
export function renderSection(r: BenchResults, kind: SectionKind = 'network'): string {
  const { title, script, file } = sections[kind];
  const parts = [
    title,
    '',
    `Latest run: ${r.date.slice(0, 10)} (${r.mode}, ${Math.round(r.seconds)} s), \`${script}\`, src/net digest \`${r.srcNetDigest ?? '?'}\`. Machine: ${machineLine(r)}.`,
    `All figures: \`bench/network/${file}\`.`,
    ...(loadWarning(r) === undefined ? [] : ['', `> ${loadWarning(r)}`]),
    '',
    method(r),
  ];
  for (const p of r.peers) {
    const other = p.otherWorkCores === undefined ? [] : [`Other work on the machine meanwhile: ${p.otherWorkCores} of ${r.machine.cores} cores on average.`, ''];
    parts.push('', `### ${p.peers} peers`, '', ...other, peersTable(p, figures), '', `<details><summary>Diagnostics, ${p.peers} peers</summary>`, '', peersTable(p, diagnostics), '', '</details>');
  }
  const met = r.goals.filter((g) => g.met === true).length;
  const measured = r.goals.filter((g) => g.met !== null).length;
  parts.push('', '### Goals (Team Notes)', '', `${met} of ${measured} measured goals met.`, '', goalsTable(r.goals));
  const notes = problems(r);
  if (notes.length > 0) parts.push('', '### Notes', '', ...notes.map((n) => `- ${n}`));
  return parts.join('\n');
}

export const docsPath = join(__dirname, '..', '..', 'docs', 'benchmarks.md');

/** Rewrites the Network section of docs/benchmarks.md, creating the file or the section if missing. */
export function updateDocs(r: BenchResults, path = docsPath, kind: SectionKind = 'network'): void {
  const START = `<!-- ${kind}:start -->`;
  const END = `<!-- ${kind}:end -->`;
  const section = `${START}\n${renderSection(r, kind)}\n${END}`;
  let text = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Benchmarks\n\nEach benchmark owns one section between its `<!-- name:start -->` and `<!-- name:end -->` markers;\nits runner rewrites only that section.\n';
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start >= 0 && end > start) text = text.slice(0, start) + section + text.slice(end + END.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
