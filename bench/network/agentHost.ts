/**
 * The part of a benchmark agent process that is the same for every system: it takes commands
 * from the orchestrator over IPC, sends benchmark messages through the system, and counts and
 * times what the system delivers. One `AgentSystem` per measured system plugs into it.
 *
 * Runs only inside a child process forked by run.ts (from the esbuild bundle of an agent entry).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Session } from 'node:inspector';
import { messageText, parseMessageText } from './ipc';
import type { BlastResult, Command, JoinArgs, MemoryFigures, Phase, ReceiveStats, Ready, Reply } from './ipc';

/** What the harness gives a system: where to hand received texts, whom to tell of lost links. */
export interface AgentHooks {
  /** This agent's index in the topology (the sender number in message texts). */
  index: number;
  /** Call with the text of every benchmark message as soon as the system delivers it. */
  deliver(text: string): void;
  /** Call when a link to another member (or to the relay) is lost. */
  linkLost(reason: string): void;
  /** Call on any other error the system reports. */
  error(reason: string): void;
}

/** One measured system, seen from one member. */
export interface AgentSystem {
  /** Starts what must exist before joining (the bare mesh listens here); returns the port, if any. */
  start(): Promise<number | undefined>;
  /** Joins; resolves once connected to every member already there. */
  join(args: JoinArgs): Promise<void>;
  /** Sends one text to every other member. */
  broadcast(text: string): void;
  /** Open links to other members (or to the relay). */
  links(): number;
  close(): Promise<void>;
}

interface PhaseState {
  count: number;
  /** Per sender: receipts per seq. */
  seen: Map<number, Uint8Array>;
  /** Per sender: latency per seq in ms (NaN until received). */
  latency: Map<number, Float64Array>;
  received: number;
  unique: number;
  duplicates: number;
  unexpected: number;
  lastReceivedNs: bigint;
  maxLatencyMs: number;
  sendCallUs: number[];
}

function newPhase(count: number): PhaseState {
  return {
    count,
    seen: new Map(),
    latency: new Map(),
    received: 0,
    unique: 0,
    duplicates: 0,
    unexpected: 0,
    lastReceivedNs: 0n,
    maxLatencyMs: 0,
    sendCallUs: [],
  };
}

function send(message: Ready | Reply): void {
  process.send?.(message);
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function memoryFigures(): MemoryFigures {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external };
}

let profiler: Session | undefined;

/** Starts or stops the V8 CPU profiler of this process (loaded only when asked for). */
async function profile(action: 'start' | 'stop', file: string | undefined): Promise<void> {
  const post = (session: Session, method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  if (action === 'start') {
    const { Session } = await import('node:inspector');
    profiler = new Session();
    profiler.connect();
    await post(profiler, 'Profiler.enable');
    await post(profiler, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(profiler, 'Profiler.start');
    return;
  }
  if (profiler === undefined) return;
  const { profile: result } = (await post(profiler, 'Profiler.stop')) as { profile: unknown };
  profiler.disconnect();
  profiler = undefined;
  if (file !== undefined) writeFileSync(file, JSON.stringify(result));
}

/** CPU time used by this process so far, user and system, in µs. */
function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * CPU time of this process's main thread alone so far, in µs (Linux: the scheduler's own count);
 * the rest of {@link cpuUs} is V8's helper threads (the optimising compiler, concurrent GC) and
 * libuv's pool. Undefined where /proc does not say.
 */
function mainThreadUs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return undefined;
  }
}

/** Closes `close()` or gives up after `ms`, then exits. */
function exitAfter(close: () => Promise<void>, ms: number): void {
  const timer = setTimeout(() => process.exit(0), ms);
  close().then(
    () => {
      clearTimeout(timer);
      process.exit(0);
    },
    () => process.exit(0),
  );
}

/** Runs a benchmark agent: `makeSystem` builds the system with the hooks. */
export function runAgent(makeSystem: (hooks: AgentHooks) => AgentSystem): void {
  const index = Number(argValue('--index') ?? '0');
  const phases = new Map<Phase, PhaseState>();
  let linkLosses = 0;
  let errors = 0;
  let lastError: string | undefined;

  const hooks: AgentHooks = {
    index,
    deliver(text) {
      const now = process.hrtime.bigint();
      const parsed = parseMessageText(text);
      const state = parsed === undefined ? undefined : phases.get(parsed.phase);
      if (parsed === undefined || state === undefined) return;
      state.received += 1;
      state.lastReceivedNs = now;
      if (parsed.seq >= state.count) {
        state.unexpected += 1;
        return;
      }
      let seen = state.seen.get(parsed.sender);
      let latency = state.latency.get(parsed.sender);
      if (seen === undefined || latency === undefined) {
        seen = new Uint8Array(state.count);
        latency = new Float64Array(state.count).fill(Number.NaN);
        state.seen.set(parsed.sender, seen);
        state.latency.set(parsed.sender, latency);
      }
      if (seen[parsed.seq]! > 0) {
        state.duplicates += 1;
        return;
      }
      seen[parsed.seq] = 1;
      state.unique += 1;
      const ms = Number(now - parsed.sendNs) / 1e6;
      latency[parsed.seq] = ms;
      if (ms > state.maxLatencyMs) state.maxLatencyMs = ms;
    },
    linkLost(reason) {
      linkLosses += 1;
      lastError = reason;
    },
    error(reason) {
      errors += 1;
      lastError = reason;
    },
  };
  const system = makeSystem(hooks);

  /**
   * Sends one message and times the sender's work for it: the broadcast call, plus whatever the
   * system deferred to `process.nextTick` (a socket corked during the call and written after it).
   * Ticks run in the order queued, so this tick, queued last, runs after the system's.
   */
  const sendOne = (phase: Phase, seq: number, timed: boolean): void => {
    const sendNs = process.hrtime.bigint();
    system.broadcast(messageText(phase, index, seq, sendNs));
    if (timed) process.nextTick(() => phases.get(phase)?.sendCallUs.push(Number(process.hrtime.bigint() - sendNs) / 1e3));
  };

  /** Sends `count` messages at `rate` per second, in batches from a 1 ms timer loop (not one timer per message). */
  const blast = (phase: Phase, count: number, rate: number): Promise<BlastResult> =>
    new Promise((resolve) => {
      const start = process.hrtime.bigint();
      let first = 0n;
      let last = 0n;
      let sent = 0;
      const tick = (): void => {
        try {
          const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
          const due = Math.min(count, Math.floor(elapsedS * rate) + 1);
          while (sent < due) {
            const sendNs = process.hrtime.bigint();
            if (sent === 0) first = sendNs;
            last = sendNs;
            system.broadcast(messageText(phase, index, sent, sendNs));
            sent += 1;
          }
        } catch (err) {
          resolve({ sent, firstSendNs: String(first), lastSendNs: String(last), error: err instanceof Error ? err.message : String(err) });
          return;
        }
        if (sent >= count) resolve({ sent, firstSendNs: String(first), lastSendNs: String(last) });
        else setTimeout(tick, 1);
      };
      tick();
    });

  const stats = (phase: Phase, withLatencies: boolean): ReceiveStats => {
    const state = phases.get(phase) ?? newPhase(0);
    const result: ReceiveStats = {
      received: state.received,
      unique: state.unique,
      duplicates: state.duplicates,
      unexpected: state.unexpected,
      lastReceivedNs: String(state.lastReceivedNs),
      maxLatencyMs: state.maxLatencyMs,
      sendCallUs: state.sendCallUs,
      linkLosses,
      errors,
      links: system.links(),
    };
    if (lastError !== undefined) result.lastError = lastError;
    if (withLatencies) {
      result.latencies = {};
      for (const [sender, values] of state.latency) result.latencies[String(sender)] = [...values].map((v) => (Number.isNaN(v) ? null : v));
    }
    return result;
  };

  const handle = async (command: Command): Promise<Reply | undefined> => {
    switch (command.cmd) {
      case 'join': {
        const start = process.hrtime.bigint();
        const cpuBefore = cpuUs();
        await system.join(command.args);
        const joinMs = Number(process.hrtime.bigint() - start) / 1e6;
        const joinCpuMs = (cpuUs() - cpuBefore) / 1000;
        const links = system.links();
        if (links < command.expectLinks) throw new Error(`joined with ${links} links, expected ${command.expectLinks}`);
        return { id: command.id, ok: true, joinMs, joinCpuMs, links };
      }
      case 'expect':
        phases.set(command.phase, newPhase(command.count));
        return { id: command.id, ok: true };
      case 'send':
        sendOne(command.phase, command.seq, true);
        return undefined;
      case 'blast':
        return { id: command.id, ok: true, blast: await blast(command.phase, command.count, command.rate) };
      case 'stats':
        return { id: command.id, ok: true, stats: stats(command.phase, command.latencies) };
      case 'memory':
        return { id: command.id, ok: true, memory: memoryFigures() };
      case 'links':
        return { id: command.id, ok: true, links: system.links() };
      case 'cpu':
        return { id: command.id, ok: true, cpuUs: cpuUs(), mainThreadUs: mainThreadUs() };
      case 'profile':
        await profile(command.action, command.file);
        return { id: command.id, ok: true };
      case 'exit':
        send({ id: command.id, ok: true });
        exitAfter(() => system.close(), 3000);
        return undefined;
    }
  };

  process.on('message', (command: Command) => {
    handle(command).then(
      (reply) => {
        if (reply !== undefined) send(reply);
      },
      (err: unknown) => {
        if (command.cmd !== 'send') send({ id: command.id, ok: false, error: err instanceof Error ? err.message : String(err) });
        else hooks.error(err instanceof Error ? err.message : String(err));
      },
    );
  });
  process.on('disconnect', () => process.exit(0));

  system.start().then(
    (port) => send(port === undefined ? { ready: true } : { ready: true, port }),
    (err: unknown) => {
      console.error(`agent ${index}: cannot start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

/** Runs a server process (repository or relay): reports its port, answers memory and exit. */
export function runServer(start: () => Promise<{ port: number; close: () => Promise<void> }>): void {
  start().then(
    ({ port, close }) => {
      process.on('message', (command: Command) => {
        if (command.cmd === 'memory') send({ id: command.id, ok: true, memory: memoryFigures() });
        else if (command.cmd === 'cpu') send({ id: command.id, ok: true, cpuUs: cpuUs(), mainThreadUs: mainThreadUs() });
        else if (command.cmd === 'profile') {
          profile(command.action, command.file).then(
            () => send({ id: command.id, ok: true }),
            (err: unknown) => send({ id: command.id, ok: false, error: String(err) }),
          );
        }
        else if (command.cmd === 'exit') {
          send({ id: command.id, ok: true });
          exitAfter(close, 3000);
        } else send({ id: command.id, ok: false, error: `a server does not take ${command.cmd}` });
      });
      process.on('disconnect', () => process.exit(0));
      send({ ready: true, port });
    },
    (err: unknown) => {
      console.error(`server: cannot start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
