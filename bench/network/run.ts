/**
 * Network benchmark: Team Notes against two references on the same topology, every member a
 * separate process on 127.0.0.1.
 *
 *   (a) tcpMesh  a bare TCP mesh with minimal framing: the machine's limit;
 *   (b) wsRelay  a WebSocket relay server built on `ws`: the server-relayed design.
 *
 * For each group size it measures join time, the time for one chat message to reach every member,
 * the highest broadcast rate delivered with no loss and no duplicates, and peer memory. The three
 * systems run side by side and their measurements are interleaved, so that the noise of a shared
 * machine falls on all three alike. It prints figures; it asserts nothing about timing.
 *
 *   npm run bench                                  full run (10 and 50 peers), saves results
 *   npm run bench:classroom                        100 peers, joins, latency and memory, saves results-classroom.json
 *   node --import tsx bench/network/run.ts --quick --peers 10
 *
 * Options:
 *   --classroom        100 peers, Team Notes and the bare mesh, phases latency and memory, saved apart
 *   --peers 10,50      group sizes (default 10,50)
 *   --quick            fewer messages, 1 s throughput steps (does not save unless --save)
 *   --systems a,b      subset of teamNotes,tcpMesh,wsRelay
 *   --messages N       latency messages per system (default 200, quick 60)
 *   --duration S       seconds per throughput step (default 2, quick 1)
 *   --save / --no-save write bench/network/results.json and docs/benchmarks.md (default: only
 *                      for a full run of every system at the default sizes; other runs write
 *                      .cache/bench-network/results-last.json)
 *   --phases a,b       subset of latency,memory,throughput (joins always run); e.g. to profile one phase
 *   --rates 100,200    the throughput ladder's rates in messages per second (e.g. to profile one rate)
 *   --render           run nothing: print bench/network/results.json (with --classroom: results-classroom.json)
 *                      again and rewrite its docs section
 *   --cpu-prof         profile each joiner over its join, and every process during the latency and the throughput phases: V8 CPU
 *                      profiles (open in Chrome DevTools) in .cache/bench-network/prof/<peers>/<system>/
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Child, benchDir, buildDir, bundleAll, pool, sleep } from './children';
import type { Entry } from './children';
import type { JoinArgs, Phase, ReceiveStats, SystemName } from './ipc';
import { evaluate, renderConsole, sections, updateDocs } from './report';
import type { BenchResults, LatencyResult, MemoryResult, PeersResult, StepResult, SystemResult, ThroughputResult } from './report';
import { max, median, percentile, round } from './stats';

// --- options ----------------------------------------------------------------------------------

const allSystems: SystemName[] = ['teamNotes', 'tcpMesh', 'wsRelay'];
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  if (at >= 0) return argv[at + 1];
  const inline = argv.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
};

const quick = flag('--quick');
/** A classroom: 100 members, the latency and memory phases, saved apart from the default run. */
const classroom = flag('--classroom');
const peerCounts = (option('--peers') ?? (classroom ? '100' : '10,50')).split(',').map(Number);
// A classroom runs Team Notes beside the bare mesh only: 300 member processes of about 50 MB each
// would not fit beside other work, and the mesh is the reference its goals name.
const systems = (option('--systems')?.split(',') ?? (classroom ? ['teamNotes', 'tcpMesh'] : allSystems)) as SystemName[];
const latencyMessages = Number(option('--messages') ?? (quick ? 60 : 200));
const stepSeconds = Number(option('--duration') ?? (quick ? 1 : 2));
const cpuProf = flag('--cpu-prof');
const allPhases = ['latency', 'memory', 'throughput'];
const phases = option('--phases')?.split(',') ?? (classroom ? ['latency', 'memory'] : allPhases);
const defaultRun = !classroom && !quick && !cpuProf && ['--peers', '--systems', '--messages', '--duration', '--phases', '--rates'].every((name) => option(name) === undefined);
// A classroom run saves as a default run does when only --classroom is given.
const classroomRun = classroom && !quick && !cpuProf && ['--peers', '--systems', '--messages', '--phases'].every((name) => option(name) === undefined);
const save = flag('--save') || ((defaultRun || classroomRun) && !flag('--no-save'));

for (const n of peerCounts) if (!Number.isInteger(n) || n < 2 || n > 200) throw new Error(`--peers: ${n} is not a group size from 2 to 200`);
for (const s of systems) if (!allSystems.includes(s)) throw new Error(`--systems: unknown system ${s} (known: ${allSystems.join(', ')})`);
for (const p of phases) if (!allPhases.includes(p)) throw new Error(`--phases: unknown phase ${p} (known: ${allPhases.join(', ')})`);

/** Broadcast rates tried, in messages per second from one sender. */
const ladder = option('--rates')?.split(',').map(Number) ?? [100, 200, 400, 1000, 2000, 4000, 8000, 16000, 32000];
for (const r of ladder) if (!Number.isInteger(r) || r < 1) throw new Error(`--rates: ${r} is not a whole number of messages per second`);
/** A step is clean only if every receiver has everything this soon after the last send, in ms. */
const maxDrainMs = 250;
/** The sender kept the rate if its last send came no later than this factor times the planned time. */
const rateSlack = 1.1;

const startedAt = Date.now();
const log = (text: string): void => {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${seconds} s] ${text}\n`);
};

// --- topology ---------------------------------------------------------------------------------

interface Topology {
  system: SystemName;
  n: number;
  server: Child | undefined;
  serverPort: number | undefined;
  agents: Child[];
  /** Listening ports of the agents (bare mesh). */
  ports: number[];
  broken: string | undefined;
}

const agentEntry: Record<SystemName, Entry> = { teamNotes: 'agentTeamNotes', tcpMesh: 'agentTcpMesh', wsRelay: 'agentWsRelay' };
const serverEntry: Partial<Record<SystemName, Entry>> = { teamNotes: 'serverRepository', wsRelay: 'serverRelay' };

/** Node flags of every child: `--expose-gc` for the memory figures (never the parent's `--import tsx`). */
const childExecArgv = ['--expose-gc'];

/** The folder of a topology's CPU profiles, made if missing. */
function profileDir(n: number, system: SystemName): string {
  const dir = join(buildDir, 'prof', String(n), system);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** With --cpu-prof, starts or stops the profiler of every process of the topologies. */
async function profileAll(topologies: Topology[], action: 'start' | 'stop', phase: string): Promise<void> {
  if (!cpuProf) return;
  await Promise.all(
    topologies.map(async (t) => {
      const dir = profileDir(t.n, t.system);
      const children = t.server === undefined ? t.agents : [...t.agents, t.server];
      await Promise.all(
        children.map((c, i) =>
          c.request({ cmd: 'profile', action, file: join(dir, `${phase}-${i < t.agents.length ? `agent${i}` : 'server'}.cpuprofile`) }).catch(() => {}),
        ),
      );
    }),
  );
  if (action === 'stop') log(`  CPU profiles of the ${phase} phase in ${join(buildDir, 'prof', String(topologies[0]!.n))}`);
}

function joinArgs(topology: Topology, i: number): JoinArgs {
  switch (topology.system) {
    case 'teamNotes':
      return { system: 'teamNotes', repository: { host: '127.0.0.1', port: topology.serverPort! }, name: `peer${i}`, group: 'bench' };
    case 'tcpMesh':
      return { system: 'tcpMesh', members: topology.ports.slice(0, i).map((port, index) => ({ index, port })) };
    case 'wsRelay':
      return { system: 'wsRelay', url: `ws://127.0.0.1:${topology.serverPort!}` };
  }
}

/** Connections a member holds once everybody has joined. */
const fullLinks = (t: Topology): number => (t.system === 'wsRelay' ? 1 : t.n - 1);
/** Connections member `i` must hold right after joining. */
const linksAfterJoin = (t: Topology, i: number): number => (t.system === 'wsRelay' ? 1 : i);

async function startTopologies(n: number, bundles: Record<Entry, string>, which: SystemName[]): Promise<Topology[]> {
  const topologies: Topology[] = which.map((system) => ({ system, n, server: undefined, serverPort: undefined, agents: [], ports: [], broken: undefined }));
  for (const t of topologies) {
    const entry = serverEntry[t.system];
    if (entry === undefined) continue;
    t.server = new Child(`${t.system} server`, bundles[entry], [], childExecArgv);
    t.serverPort = (await t.server.ready).port;
  }
  // Agents of the three systems are started alternately, a few at a time.
  const tasks: (() => Promise<void>)[] = [];
  for (let i = 0; i < n; i++) {
    for (const t of topologies) {
      tasks.push(async () => {
        const child = new Child(`${t.system} agent ${i}`, bundles[agentEntry[t.system]], ['--index', String(i)], childExecArgv);
        t.agents[i] = child;
        const ready = await child.ready;
        if (ready.port !== undefined) t.ports[i] = ready.port;
      });
    }
  }
  await pool(4, tasks);
  return topologies;
}

async function stopTopology(t: Topology): Promise<void> {
  await Promise.all(t.agents.map((a) => a.stop()));
  await t.server?.stop();
}

/** Runs `fn` for a topology unless it is broken; an error marks it broken. */
async function guarded(t: Topology, what: string, fn: () => Promise<void>): Promise<void> {
  if (t.broken !== undefined) return;
  try {
    await fn();
  } catch (err) {
    t.broken = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    log(`  ${t.system}: BROKEN during ${t.broken}`);
  }
}

/** Order of the systems in round `r`: rotated, so that none always goes first. */
const rotated = <T>(items: T[], r: number): T[] => items.map((_, i) => items[(i + r) % items.length]!);

// --- phases -----------------------------------------------------------------------------------

async function measureJoins(topologies: Topology[], joinMs: Map<SystemName, number[]>, joinCpuMs: Map<SystemName, number[]>): Promise<void> {
  const n = topologies[0]!.n;
  for (let i = 0; i < n; i++) {
    for (const t of rotated(topologies, i)) {
      await guarded(t, `join of agent ${i}`, async () => {
        // With --cpu-prof each joiner is profiled over its own join (the profiler's start is outside the timed part).
        const file = cpuProf ? join(profileDir(n, t.system), `join-agent${i}.cpuprofile`) : undefined;
        if (file !== undefined) await t.agents[i]!.request({ cmd: 'profile', action: 'start', file });
        const reply = await t.agents[i]!.request({ cmd: 'join', args: joinArgs(t, i), expectLinks: linksAfterJoin(t, i) }, 30_000);
        if (file !== undefined) await t.agents[i]!.request({ cmd: 'profile', action: 'stop', file });
        joinMs.get(t.system)!.push(reply.joinMs!);
        joinCpuMs.get(t.system)!.push(reply.joinCpuMs!);
      });
    }
  }
  // Everybody must now hold a full set of links (the last joins may still be settling on the far side).
  for (const t of topologies) {
    await guarded(t, 'link check', async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const links = await Promise.all(t.agents.map((a) => a.request({ cmd: 'links' }).then((r) => r.links!)));
        const short = links.filter((l) => l < fullLinks(t)).length;
        if (short === 0) return;
        if (Date.now() > deadline) throw new Error(`${short} of ${t.n} agents hold fewer than ${fullLinks(t)} links: ${links.join(',')}`);
        await sleep(100);
      }
    });
  }
}

/** Sends `count` messages from rotating senders with `gapMs` (±25 %) between them. */
async function sendSpaced(t: Topology, phase: Phase, from: number, count: number, gapMs: number): Promise<void> {
  for (let k = from; k < from + count; k++) {
    t.agents[k % t.n]!.post({ cmd: 'send', phase, seq: Math.floor(k / t.n) });
    await sleep(gapMs * (0.75 + Math.random() * 0.5));
  }
}

async function expectAll(t: Topology, phase: Phase, count: number): Promise<void> {
  await Promise.all(t.agents.map((a) => a.request({ cmd: 'expect', phase, count })));
}

async function allStats(t: Topology, phase: Phase, latencies: boolean): Promise<ReceiveStats[]> {
  return Promise.all(t.agents.map((a) => a.request({ cmd: 'stats', phase, latencies }).then((r) => r.stats!)));
}

/** Gap between latency messages, in ms: long enough that they do not queue behind each other. */
const latencyGapMs = (n: number): number => Math.max(15, n);

/** Sends `count` spaced messages of `phase` per system, the systems taking turns in blocks of 20. */
async function spacedRounds(topologies: Topology[], phase: Phase, count: number): Promise<void> {
  const n = topologies[0]!.n;
  for (const t of topologies) await guarded(t, `${phase} setup`, () => expectAll(t, phase, Math.ceil(count / n)));
  const block = 20;
  for (let from = 0, r = 0; from < count; from += block, r++) {
    for (const t of rotated(topologies, r)) {
      await guarded(t, 'latency', () => sendSpaced(t, phase, from, Math.min(block, count - from), latencyGapMs(n)));
    }
  }
  await sleep(300);
}

/** Per message, the time until the last member had it; p50 / p99 / max over messages. */
async function latencyOf(t: Topology, phase: Phase, count: number): Promise<LatencyResult> {
  const n = t.n;
  const stats = await allStats(t, phase, true);
  const toAll: number[] = [];
  const toFirst: number[] = [];
  const each: number[] = [];
  let lost = 0;
  for (let k = 0; k < count; k++) {
    const sender = k % n;
    const seq = Math.floor(k / n);
    const times: number[] = [];
    for (let r = 0; r < n; r++) {
      if (r === sender) continue;
      const ms = stats[r]!.latencies?.[String(sender)]?.[seq];
      if (ms === null || ms === undefined) lost += 1;
      else times.push(ms);
    }
    if (times.length < n - 1) continue;
    toAll.push(max(times));
    toFirst.push(Math.min(...times));
    each.push(...times);
  }
  const sendCallUs = stats.flatMap((s) => s.sendCallUs);
  return {
    messages: count,
    complete: toAll.length,
    lostDeliveries: lost,
    duplicates: stats.reduce((sum, s) => sum + s.duplicates, 0),
    p50: round(percentile(toAll, 50)),
    p95: round(percentile(toAll, 95)),
    p99: round(percentile(toAll, 99)),
    max: round(max(toAll)),
    firstMemberP50: round(percentile(toFirst, 50)),
    eachMemberP50: round(percentile(each, 50)),
    eachMemberP99: round(percentile(each, 99)),
    senderCallUsP50: round(percentile(sendCallUs, 50)),
    senderCallUsP99: round(percentile(sendCallUs, 99)),
    gapMs: latencyGapMs(n),
  };
}

/** Messages each member encodes and decodes in the warm-up, so that V8 has optimised the hot code. */
const warmUpDeliveries = quick ? 400 : 800;

/** Messages sent right after the joins, before the warm-up (about one per member). */
const coldMessages = (n: number): number => Math.max(30, n);

/**
 * Warm-up: every member of every system broadcasts at once, at a modest total rate, until each
 * has sent and received about {@link warmUpDeliveries} messages (a codec takes a thousand calls or
 * more to reach its steady speed). Not measured; waits until everything is delivered.
 */
async function warmUp(topologies: Topology[]): Promise<void> {
  const n = topologies[0]!.n;
  const perSender = Math.ceil(warmUpDeliveries / (n - 1));
  const totalRate = 10_000 / n;
  const live = topologies.filter((t) => t.broken === undefined);
  await Promise.all(live.map((t) => guarded(t, 'warm-up setup', () => expectAll(t, 'U', perSender))));
  await Promise.all(
    live.map((t) =>
      guarded(t, 'warm-up', async () => {
        await Promise.all(t.agents.map((a) => a.request({ cmd: 'blast', phase: 'U', count: perSender, rate: totalRate / n }, 120_000)));
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          const stats = await allStats(t, 'U', false);
          if (stats.every((s) => s.unique >= perSender * (n - 1))) return;
          await sleep(100);
        }
        log(`  ${t.system}: warm-up messages still missing after 20 s`);
      }),
    ),
  );
  await sleep(500);
}

interface LatencyPhases {
  cold: Map<SystemName, LatencyResult>;
  warm: Map<SystemName, LatencyResult>;
}

/**
 * Chat to all members, twice: first right after the joins, while the code is still cold (each member
 * sends about one message, as in a fresh session), then, after a warm-up, the main figure.
 */
async function measureLatency(topologies: Topology[]): Promise<LatencyPhases> {
  const n = topologies[0]!.n;
  const coldCount = coldMessages(n);
  const result: LatencyPhases = { cold: new Map(), warm: new Map() };
  await spacedRounds(topologies, 'C', coldCount);
  for (const t of topologies) await guarded(t, 'cold latency stats', async () => void result.cold.set(t.system, await latencyOf(t, 'C', coldCount)));
  log(`== ${n} peers: warm-up (${warmUpDeliveries} deliveries per member)`);
  await warmUp(topologies);
  log(`== ${n} peers: chat latency (${latencyMessages} messages per system, gap ${latencyGapMs(n)} ms)`);
  await profileAll(topologies, 'start', 'latency');
  await spacedRounds(topologies, 'L', latencyMessages);
  await profileAll(topologies, 'stop', 'latency');
  for (const t of topologies) await guarded(t, 'latency stats', async () => void result.warm.set(t.system, await latencyOf(t, 'L', latencyMessages)));
  return result;
}

async function measureMemory(topologies: Topology[]): Promise<Map<SystemName, MemoryResult>> {
  const results = new Map<SystemName, MemoryResult>();
  const mb = (bytes: number): number => round(bytes / (1024 * 1024));
  for (const t of topologies) {
    await guarded(t, 'memory', async () => {
      const figures = await Promise.all(t.agents.map((a) => a.request({ cmd: 'memory' }).then((r) => r.memory!)));
      const server = t.server === undefined ? undefined : (await t.server.request({ cmd: 'memory' })).memory!;
      results.set(t.system, {
        rssMB: mb(median(figures.map((f) => f.rss))),
        heapUsedMB: mb(median(figures.map((f) => f.heapUsed))),
        heapTotalMB: mb(median(figures.map((f) => f.heapTotal))),
        rssMaxMB: mb(max(figures.map((f) => f.rss))),
        ...(server === undefined ? {} : { serverRssMB: mb(server.rss), serverHeapUsedMB: mb(server.heapUsed) }),
      });
    });
  }
  return results;
}

/** CPU time used so far by each agent of a topology and by its server (last, 0 if none), in µs; and of their main threads alone (NaN where unknown). */
async function topologyCpuUs(t: Topology): Promise<{ all: number[]; main: number[] }> {
  const agents = await Promise.all(t.agents.map((c) => c.request({ cmd: 'cpu' })));
  const server = t.server === undefined ? { cpuUs: 0, mainThreadUs: 0 } : await t.server.request({ cmd: 'cpu' });
  const replies = [...agents, server];
  return { all: replies.map((r) => r.cpuUs!), main: replies.map((r) => r.mainThreadUs ?? Number.NaN) };
}

async function throughputStep(t: Topology, rate: number, senderIndex: number): Promise<StepResult> {
  const count = Math.max(1, Math.round(rate * stepSeconds));
  await expectAll(t, 'T', count);
  const lossesBefore = (await allStats(t, 'T', false)).map((st) => st.linkLosses);
  const cpuBefore = await topologyCpuUs(t);
  const sender = t.agents[senderIndex]!;
  const blast = (await sender.request({ cmd: 'blast', phase: 'T', count, rate }, stepSeconds * 10_000 + 30_000)).blast!;
  const receivers = t.agents.filter((_, i) => i !== senderIndex);
  // Drain: wait until every receiver has everything, or nothing moves for 1.5 s (20 s at most).
  let stats: ReceiveStats[];
  let lastTotal = -1;
  let lastProgress = Date.now();
  const start = Date.now();
  for (;;) {
    stats = await Promise.all(receivers.map((a) => a.request({ cmd: 'stats', phase: 'T', latencies: false }).then((r) => r.stats!)));
    const total = stats.reduce((sum, s) => sum + s.received, 0);
    if (stats.every((s) => s.unique >= count)) break;
    if (total !== lastTotal) {
      lastTotal = total;
      lastProgress = Date.now();
    }
    if (Date.now() - lastProgress > 1500 || Date.now() - start > 20_000) break;
    await sleep(100);
  }
  const senderStats = (await sender.request({ cmd: 'stats', phase: 'T', latencies: false })).stats!;
  // Includes the little CPU of the drain polling; the same for every system.
  const cpuAfter = await topologyCpuUs(t);
  const cpu = cpuAfter.all.map((v, i) => v - cpuBefore.all[i]!);
  const mainCpu = cpuAfter.main.map((v, i) => v - cpuBefore.main[i]!);
  const receiversMainUs = mainCpu.reduce((sum, v, i) => (i === senderIndex || i === mainCpu.length - 1 ? sum : sum + v), 0);
  const cpuUs = cpu.reduce((a, b) => a + b, 0);
  const senderCpuUs = cpu[senderIndex]!;
  const serverCpuUs = cpu[cpu.length - 1]!;
  const receiversCpuUs = cpuUs - senderCpuUs - serverCpuUs;
  const first = BigInt(blast.firstSendNs);
  const last = BigInt(blast.lastSendNs);
  const sendSeconds = Number(last - first) / 1e9;
  const planned = (count - 1) / rate;
  const lastReceived = stats.reduce((m, s) => (BigInt(s.lastReceivedNs) > m ? BigInt(s.lastReceivedNs) : m), 0n);
  const missing = stats.reduce((sum, s) => sum + Math.max(0, count - s.unique), 0);
  const duplicates = stats.reduce((sum, s) => sum + s.duplicates, 0);
  const unexpected = stats.reduce((sum, s) => sum + s.unexpected, 0);
  const lossesAfter = t.agents.map((_, i) => (i === senderIndex ? senderStats : stats[i < senderIndex ? i : i - 1]!).linkLosses);
  const linkLosses = lossesAfter.reduce((sum, v, i) => sum + v - lossesBefore[i]!, 0);
  const drainMs = lastReceived > 0n ? Number(lastReceived - last) / 1e6 : Number.NaN;
  const senderKept = blast.error === undefined && blast.sent === count && sendSeconds <= planned * rateSlack + 0.005;
  const reasons: string[] = [];
  if (blast.error !== undefined) reasons.push(`send failed: ${blast.error}`);
  if (!senderKept && blast.error === undefined) reasons.push(`sender behind (${round(sendSeconds)} s for ${round(planned)} s)`);
  if (missing > 0) reasons.push(`${missing} deliveries lost`);
  if (duplicates > 0) reasons.push(`${duplicates} duplicates`);
  if (unexpected > 0) reasons.push(`${unexpected} unexpected`);
  if (linkLosses > 0) reasons.push(`${linkLosses} links lost (${[...stats, senderStats].find((s) => s.lastError)?.lastError ?? '?'})`);
  if (!(drainMs <= maxDrainMs)) reasons.push(`receivers ${round(drainMs)} ms behind`);
  return {
    rate,
    count,
    sender: senderIndex,
    achievedRate: round(sendSeconds > 0 ? (count - 1) / sendSeconds : rate),
    senderKept,
    lostDeliveries: missing,
    duplicates,
    unexpected,
    linkLosses,
    drainMs: round(drainMs),
    cpuUsPerDelivery: round(cpuUs / (count * (t.n - 1))),
    cpuUs: {
      senderPerMessage: round(senderCpuUs / count),
      receiverPerDelivery: round(receiversCpuUs / (count * (t.n - 1))),
      ...(Number.isFinite(receiversMainUs) ? { receiverMainThreadPerDelivery: round(receiversMainUs / (count * (t.n - 1))) } : {}),
      serverPerMessage: round(serverCpuUs / count),
    },
    clean: reasons.length === 0,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}

interface LadderState {
  index: number;
  mode: 'climb' | 'bisect' | 'done';
  lastPass: number | undefined;
  firstFail: number | undefined;
  retried: boolean;
  nextRate: number;
  steps: StepResult[];
  stopReason: string | undefined;
}

/**
 * Steps the broadcast rate up for every system, interleaved: one step per system per round. A
 * failed step is retried once (the machine is noisy); after a confirmed failure one step halfway
 * between the last clean rate and the failed one (not retried) narrows the answer.
 */
async function measureThroughput(topologies: Topology[]): Promise<Map<SystemName, ThroughputResult>> {
  const states = new Map<SystemName, LadderState>(
    topologies.map((t) => [t.system, { index: 0, mode: 'climb', lastPass: undefined, firstFail: undefined, retried: false, nextRate: ladder[0]!, steps: [], stopReason: undefined }]),
  );
  for (let round_ = 0; ; round_++) {
    const active = rotated(topologies, round_).filter((t) => t.broken === undefined && states.get(t.system)!.mode !== 'done');
    if (active.length === 0) break;
    for (const t of active) {
      const state = states.get(t.system)!;
      await guarded(t, `throughput at ${state.nextRate}/s`, async () => {
        const step = await throughputStep(t, state.nextRate, (state.steps.length + 1) % t.n);
        state.steps.push(step);
        log(`  ${t.system.padEnd(9)} ${String(step.rate).padStart(6)} msg/s: ${step.clean ? 'clean' : `FAIL ${step.reason}`} (drain ${step.drainMs} ms, CPU ${step.cpuUsPerDelivery} µs/delivery)`);
        advance(state, step);
        if (step.linkLosses > 0) {
          state.mode = 'done';
          state.stopReason = `links lost at ${step.rate}/s`;
        }
      });
      await sleep(200);
    }
  }
  const results = new Map<SystemName, ThroughputResult>();
  for (const t of topologies) {
    const state = states.get(t.system)!;
    const capped = state.firstFail === undefined && state.lastPass === ladder[ladder.length - 1];
    results.set(t.system, {
      maxCleanRate: state.lastPass ?? 0,
      capped,
      stepSeconds,
      deliveriesPerSecond: (state.lastPass ?? 0) * (t.n - 1),
      firstFailedRate: state.firstFail ?? null,
      ...(state.stopReason !== undefined ? { stopReason: state.stopReason } : {}),
      steps: state.steps,
    });
  }
  return results;
}

function advance(state: LadderState, step: StepResult): void {
  if (step.clean) {
    state.lastPass = Math.max(state.lastPass ?? 0, step.rate);
    state.retried = false;
    if (state.mode === 'bisect') {
      state.mode = 'done';
      return;
    }
    state.index += 1;
    if (state.index >= ladder.length) state.mode = 'done';
    else state.nextRate = ladder[state.index]!;
    return;
  }
  if (!state.retried && step.linkLosses === 0 && state.mode === 'climb') {
    state.retried = true; // same rate once more
    return;
  }
  state.retried = false;
  if (state.mode === 'bisect') {
    state.mode = 'done';
    return;
  }
  state.firstFail = step.rate;
  // Halfway to the last clean rate; below the ladder's first step, halfway to zero.
  const mid = Math.round(((state.lastPass ?? 0) + step.rate) / 2);
  if (mid >= 10 && mid > (state.lastPass ?? 0) * 1.2) {
    state.mode = 'bisect';
    state.nextRate = mid;
  } else {
    state.mode = 'done';
  }
}

// --- main -------------------------------------------------------------------------------------

/** CPU time the whole machine has spent busy so far, from /proc/stat, in µs (undefined off Linux). */
function machineBusyUs(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait, in USER_HZ (100) ticks.
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    return busy * 10_000;
  } catch {
    return undefined;
  }
}

/**
 * How many cores other work on the machine kept busy while this group size ran: the machine's busy
 * time minus the CPU time of the benchmark's own processes, divided by the wall time.
 */
async function foreignCores(topologies: Topology[], busyBefore: number | undefined, selfBefore: number, wallStart: number): Promise<number | undefined> {
  const busyAfter = machineBusyUs();
  if (busyBefore === undefined || busyAfter === undefined) return undefined;
  const children = topologies.flatMap((t) => (t.server === undefined ? t.agents : [...t.agents, t.server]));
  const childCpu = await Promise.all(children.map((c) => c.request({ cmd: 'cpu' }).then((r) => r.cpuUs!).catch(() => 0)));
  const self = process.cpuUsage();
  const ownUs = childCpu.reduce((a, b) => a + b, 0) + (self.user + self.system - selfBefore);
  const wallUs = (Date.now() - wallStart) * 1000;
  return round(Math.max(0, busyAfter - busyBefore - ownUs) / wallUs);
}

async function runPeers(n: number, bundles: Record<Entry, string>, which: SystemName[], skipped: Map<SystemName, string>): Promise<PeersResult> {
  const started = Date.now();
  const busyBefore = machineBusyUs();
  const selfCpu = process.cpuUsage();
  const selfBefore = selfCpu.user + selfCpu.system;
  log(`== ${n} peers: starting ${which.length} × ${n} agents (${which.join(', ')})`);
  const topologies = await startTopologies(n, bundles, which);
  await sleep(500);
  try {
    log(`== ${n} peers: joining one after another`);
    const joinMs = new Map<SystemName, number[]>(which.map((s) => [s, []]));
    const joinCpuMs = new Map<SystemName, number[]>(which.map((s) => [s, []]));
    await measureJoins(topologies, joinMs, joinCpuMs);
    let latency: LatencyPhases = { cold: new Map(), warm: new Map() };
    let memory = new Map<SystemName, MemoryResult>();
    let throughput = new Map<SystemName, ThroughputResult>();
    if (phases.includes('latency')) {
      log(`== ${n} peers: chat latency right after joining (cold)`);
      latency = await measureLatency(topologies);
    }
    if (phases.includes('memory')) {
      log(`== ${n} peers: memory`);
      memory = await measureMemory(topologies);
    }
    if (phases.includes('throughput')) {
      log(`== ${n} peers: throughput (${stepSeconds} s per step)`);
      await profileAll(topologies, 'start', 'throughput');
      throughput = await measureThroughput(topologies);
      await profileAll(topologies, 'stop', 'throughput');
    }
    // Link losses and errors over the whole run, for each system (a healthy run has none before the throughput limit).
    const health = new Map<SystemName, SystemResult['health']>();
    for (const t of topologies) {
      const stats = await Promise.all(t.agents.map((a) => a.request({ cmd: 'stats', phase: 'L', latencies: false }).then((r) => r.stats!).catch(() => undefined)));
      const known = stats.filter((st): st is ReceiveStats => st !== undefined);
      const lastError = known.find((st) => st.lastError !== undefined)?.lastError;
      health.set(t.system, {
        linkLosses: known.reduce((sum, st) => sum + st.linkLosses, 0),
        errors: known.reduce((sum, st) => sum + st.errors, 0),
        unreachableAgents: stats.length - known.length,
        ...(lastError !== undefined ? { lastError } : {}),
      });
    }
    const systemsResult: Partial<Record<SystemName, SystemResult>> = {};
    for (const [system, reason] of skipped) systemsResult[system] = { system, status: 'skipped', note: reason };
    for (const t of topologies) {
      const samples = joinMs.get(t.system)!;
      const result: SystemResult = { system: t.system, status: t.broken === undefined ? 'ok' : 'broken', health: health.get(t.system) };
      if (t.broken !== undefined) result.note = t.broken;
      if (samples.length > 0) {
        result.join = {
          p50: round(percentile(samples, 50)),
          p95: round(percentile(samples, 95)),
          max: round(max(samples)),
          cpuP50: round(median(joinCpuMs.get(t.system)!)),
          last: round(samples[samples.length - 1]!),
          samplesMs: samples.map(round),
        };
      }
      const l = latency.warm.get(t.system);
      if (l !== undefined) result.latency = l;
      const cold = latency.cold.get(t.system);
      if (cold !== undefined) result.coldLatency = cold;
      const m = memory.get(t.system);
      if (m !== undefined) result.memory = m;
      const tp = throughput.get(t.system);
      if (tp !== undefined) result.throughput = tp;
      systemsResult[t.system] = result;
    }
    const otherWork = await foreignCores(topologies, busyBefore, selfBefore, started);
    if (otherWork !== undefined) log(`== ${n} peers: other work on the machine kept ${otherWork} of ${cpus().length} cores busy on average`);
    return { peers: n, seconds: round((Date.now() - started) / 1000), ...(otherWork !== undefined ? { otherWorkCores: otherWork } : {}), systems: systemsResult };
  } finally {
    await Promise.all(topologies.map(stopTopology));
  }
}

/** A digest of the measured network code (src/net/*.ts), so that a result can be matched to the code it measured. */
function sourceDigest(): string {
  const dir = join(benchDir, '..', '..', 'src', 'net');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest('hex').slice(0, 12);
}

/** --render: the saved results printed and written to the docs again (after a change to the report). */
function renderSaved(): void {
  const kind = classroom ? 'classroom' : 'network';
  const results = JSON.parse(readFileSync(join(benchDir, sections[kind].file), 'utf8')) as BenchResults;
  results.goals = evaluate(results);
  process.stdout.write(`${renderConsole(results)}\n`);
  updateDocs(results, undefined, kind);
  log(`Rewrote its section of docs/benchmarks.md from bench/network/${sections[kind].file}`);
}

async function main(): Promise<void> {
  if (flag('--render')) return renderSaved();
  const began = Date.now();
  log(`Bundling agents into ${buildDir}`);
  const built = await bundleAll();
  const bundles = {} as Record<Entry, string>;
  const skipped = new Map<SystemName, string>();
  for (const [entry, result] of Object.entries(built) as [Entry, { file: string } | { error: string }][]) {
    if ('file' in result) bundles[entry] = result.file;
  }
  const which = systems.filter((system) => {
    const needed = [agentEntry[system], serverEntry[system]].filter((e): e is Entry => e !== undefined);
    const failure = needed.map((e) => built[e]).find((r): r is { error: string } => 'error' in r);
    if (failure !== undefined) {
      skipped.set(system, `did not build: ${failure.error}`);
      log(`Skipping ${system}: it did not build: ${failure.error}`);
      return false;
    }
    return true;
  });
  if (which.length === 0) throw new Error('No system could be built');

  const loadBefore = loadavg();
  const peers: PeersResult[] = [];
  for (const n of peerCounts) peers.push(await runPeers(n, bundles, which, skipped));

  const cpuList = cpus();
  const results: BenchResults = {
    benchmark: 'network',
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `node --import tsx bench/network/run.ts${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`,
    srcNetDigest: sourceDigest(),
    machine: {
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memoryGB: round(totalmem() / 1024 ** 3),
      freeMemoryGB: round(freemem() / 1024 ** 3),
      os: `${process.platform} ${release()}`,
      node: process.version,
      loadAverageBefore: loadBefore.map(round),
      loadAverageAfter: loadavg().map(round),
    },
    settings: {
      peers: peerCounts,
      systems,
      messageTextBytes: 100,
      latencyMessages,
      latencyGapMs: Object.fromEntries(peerCounts.map((n) => [n, latencyGapMs(n)])),
      coldMessages: Object.fromEntries(peerCounts.map((n) => [n, coldMessages(n)])),
      warmUpDeliveries,
      throughputStepSeconds: stepSeconds,
      throughputLadder: ladder,
      maxDrainMs,
      rateSlack,
    },
    peers,
    goals: [],
    seconds: 0,
  };
  results.goals = evaluate(results);
  results.seconds = round((Date.now() - began) / 1000);

  process.stdout.write(`\n${renderConsole(results)}\n`);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  if (save) {
    const kind = classroom ? 'classroom' : 'network';
    writeFileSync(join(benchDir, sections[kind].file), json);
    updateDocs(results, undefined, kind);
    log(`Wrote bench/network/${sections[kind].file} and its section of docs/benchmarks.md (${results.seconds} s)`);
  } else {
    writeFileSync(join(buildDir, 'results-last.json'), json);
    log(`Wrote ${join(buildDir, 'results-last.json')} (not saved as the latest results: pass --save) (${results.seconds} s)`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
