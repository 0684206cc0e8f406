/**
 * The fault tests' bookkeeping: `team-notes` CLI processes (repository and chat members) spawned
 * from dist/cli.js with their pids, every JSON event they print with the time it was read, and a
 * ledger of every message anyone has shown.
 *
 * A message is known by (author id, seq). The ledger checks that one (author, seq) always carries
 * the same text and one text always the same (author, seq) (a number used twice shows up here),
 * and keeps for every run of a process what it has shown: its history replay (`history: true`),
 * what it showed live after, and a count of every (author, seq) it showed twice. A member's own
 * messages are not shown back to it; it holds what it typed, so those count as held once some
 * member (or its own replay after a restart) shows them with their number.
 *
 * Processes are spawned here rather than through test/helpers/cliProcess.ts because the soak test
 * reads a member's RSS from /proc/<pid>/status and CliProcess keeps its child (and pid) private.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TcpProxy } from '../helpers/tcpProxy';
import { ISOLATED_DISCOVERY_ENV } from '../helpers/isolatedDiscovery';

/** The CLI under test: this repository's build, or another one (`FAULTS_CLI=/path/to/cli.js`, e.g. to check that a broken build fails). */
export const CLI = process.env.FAULTS_CLI ?? join(__dirname, '..', '..', 'dist', 'cli.js');

export type Json = Record<string, unknown> & { event: string };

export interface TimedEvent {
  /** performance.now() when the line was read. */
  at: number;
  e: Json;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `stepMs` until it returns true; throws `what()` (a description of the state) after `timeoutMs`. */
export async function until(check: () => boolean, what: () => string, timeoutMs: number, stepMs = 50): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`after ${timeoutMs} ms: ${what()}`);
    await sleep(stepMs);
  }
}

/** A small seeded generator (mulberry32, shared with the board benchmark), so a soak can be replayed from its printed seed. */
export { prng as seededRandom } from '../../bench/board/synthetic';

/** Every process any test started, killed if mocha itself goes away. */
const everyProcess = new Set<Proc>();
process.once('exit', () => {
  for (const p of everyProcess) if (p.exitCode === undefined) p.child.kill('SIGKILL');
});

/** One CLI process: JSON events with the time each was read, stderr, exit. */
export class Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: TimedEvent[] = [];
  readonly startedAt = performance.now();
  stderr = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  private readonly listeners: ((e: Json, at: number) => void)[] = [];

  constructor(args: string[], readonly label: string) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: 'pipe', env: { ...process.env, ...ISOLATED_DISCOVERY_ENV, ELECTRON_RUN_AS_NODE: '1' } });
    everyProcess.add(this);
    // Writing to a member that was just killed must not crash the test.
    this.child.stdin.on('error', () => {});
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const at = performance.now();
      let e: Json;
      try {
        e = JSON.parse(line) as Json;
      } catch {
        e = { event: 'text', line };
      }
      this.events.push({ at, e });
      for (const listener of this.listeners) listener(e, at);
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        everyProcess.delete(this);
        resolve(this.exitCode);
      });
      this.child.once('error', (error) => {
        this.stderr += `spawn error: ${error.message}\n`;
        this.exitCode = null;
        everyProcess.delete(this);
        resolve(null);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Called for every event from now on, synchronously as its line is read. */
  onEvent(listener: (e: Json, at: number) => void): void {
    this.listeners.push(listener);
  }

  async waitFor(predicate: (e: Json) => boolean, what: string, timeoutMs = 15_000): Promise<TimedEvent> {
    let found: TimedEvent | undefined;
    await until(
      () => (found = this.events.find((t) => predicate(t.e))) !== undefined || !this.running,
      () => `${this.label}: no ${what}; stderr: ${this.stderr.slice(-2000)}`,
      timeoutMs,
      20,
    );
    if (found === undefined) throw new Error(`${this.label} exited with ${String(this.exitCode)} before ${what}; stderr: ${this.stderr.slice(-2000)}`);
    return found;
  }

  type(line: string): void {
    if (this.running && this.child.stdin.writable) this.child.stdin.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Resident set size in KiB, from /proc/<pid>/status (Linux). */
  rssKiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match === null) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]);
  }
}

/** A member across restarts: a name, a data folder (kept between runs), its runs. */
export class Slot {
  readonly runs: ChatRun[] = [];
  constructor(
    readonly name: string,
    public dataDir: string | undefined,
  ) {}

  get current(): ChatRun | undefined {
    const last = this.runs[this.runs.length - 1];
    return last?.proc.running ? last : undefined;
  }
}

/** One run of `team-notes chat` for a slot, and what it has shown. */
export class ChatRun {
  readonly proc: Proc;
  id = '';
  listenPort = 0;
  readyAt: number | undefined;
  /** (author:seq) → text, replayed from the data folder before joining. */
  readonly replay = new Map<string, string>();
  /** (author:seq) → text, shown live (after the replay). */
  readonly live = new Map<string, string>();
  /** Every (author:seq) this run has shown or typed (its own, once numbered): what it holds. */
  readonly holds = new Set<string>();
  /** (author:seq) shown a second time by this run, with how. */
  readonly duplicates: string[] = [];
  /** Lines typed as chat messages, with when. */
  readonly typed: { text: string; at: number }[] = [];
  /** Ids of the members this run has a link with now. */
  readonly links = new Set<string>();
  /** When this run was killed with SIGKILL (a message typed just before may never have been read). */
  killedAt: number | undefined;
  quitAt: number | undefined;
  private sender: NodeJS.Timeout | undefined;
  private counter = 0;

  constructor(
    readonly world: World,
    readonly slot: Slot,
    readonly index: number,
    args: string[],
  ) {
    this.proc = new Proc(args, `${slot.name}#${index}`);
    this.proc.onEvent((e, at) => this.onEvent(e, at));
  }

  get label(): string {
    return this.proc.label;
  }

  private onEvent(e: Json, at: number): void {
    switch (e.event) {
      case 'ready': {
        this.id = String(e.id);
        this.listenPort = Number(String(e.listen).split(':').pop());
        this.readyAt = at;
        for (const m of (e.members as { id: string }[] | undefined) ?? []) this.links.add(m.id);
        return;
      }
      case 'joined':
        this.links.add((e.member as { id: string }).id);
        return;
      case 'left':
        this.links.delete((e.member as { id: string }).id);
        return;
      case 'message': {
        if (e.type !== 'chat' || typeof e.seq !== 'number') return;
        const key = `${(e.from as { id: string }).id}:${e.seq}`;
        const text = String(e.text);
        if (this.replay.has(key) || this.live.has(key)) this.duplicates.push(`${key} "${text}" shown again ${e.history === true ? 'in the replay' : 'live'}`);
        if (e.history === true) {
          if (this.readyAt !== undefined) this.duplicates.push(`${key} "${text}" marked history after ready`);
          this.replay.set(key, text);
        } else {
          this.live.set(key, text);
        }
        this.holds.add(key);
        this.world.observe(key, text, this);
        return;
      }
    }
  }

  /** Types one chat message, recorded first so the ledger can tell it is this run's own. */
  say(): string {
    this.counter += 1;
    const text = `${this.slot.name}.${this.index}.${this.counter}`;
    this.typed.push({ text, at: performance.now() });
    this.world.typedBy.set(text, this);
    this.proc.type(text);
    return text;
  }

  /** Types a message every `periodMs` (± `jitterMs`, from `random`) until stopped. */
  startSending(periodMs: number, jitterMs = 0, random: () => number = Math.random): void {
    this.stopSending();
    const next = (): void => {
      this.sender = setTimeout(() => {
        if (!this.proc.running) return;
        this.say();
        next();
      }, periodMs + (random() * 2 - 1) * jitterMs);
    };
    next();
  }

  stopSending(): void {
    clearTimeout(this.sender);
    this.sender = undefined;
  }

  /** Keys of messages from other authors that this run shows, live or replayed. */
  shown(): Set<string> {
    return new Set([...this.replay.keys(), ...this.live.keys()]);
  }

  async kill(): Promise<void> {
    this.stopSending();
    this.killedAt = performance.now();
    await this.proc.kill();
  }

  /**
   * Kills this run with SIGKILL the moment one of its events matches, from inside the handler
   * that reads the line (so the process is at most a few writes further along); resolves on exit.
   */
  killOn(predicate: (e: Json) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.proc.onEvent((e) => {
        if (this.killedAt !== undefined || !predicate(e)) return;
        this.stopSending();
        this.killedAt = performance.now();
        this.proc.child.kill('SIGKILL');
        void this.proc.exited.then(() => resolve());
      });
    });
  }

  /** Leaves with /quit and waits for the process to exit (killed if it has not after 10 s). */
  async quit(): Promise<number | null> {
    this.stopSending();
    this.quitAt = performance.now();
    this.proc.type('/quit');
    const code = await Promise.race([this.proc.exited, sleep(10_000).then(() => 'hung' as const)]);
    if (code === 'hung') {
      await this.proc.kill();
      throw new Error(`${this.label} did not exit within 10 s of /quit; stderr: ${this.proc.stderr.slice(-2000)}`);
    }
    return code;
  }
}

export interface Figures {
  sent: number;
  delivered: number;
  expected: number;
  duplicated: number;
  lost: number;
}

/** One test's processes, proxies, temp folder and message ledger. */
export class World {
  readonly root = mkdtempSync(join(tmpdir(), 'team-notes-faults-'));
  readonly group = 'faults';
  repository: Proc | undefined;
  repositoryPort = 0;
  /** (author:seq) → text, for everything any run has shown. */
  readonly known = new Map<string, string>();
  /** text → (author:seq). */
  readonly byText = new Map<string, string>();
  /** Text typed → the run that typed it. */
  readonly typedBy = new Map<string, ChatRun>();
  /** One (author, seq) seen with two texts, or one text with two numbers. */
  readonly conflicts: string[] = [];
  readonly slots: Slot[] = [];
  readonly runs: ChatRun[] = [];
  readonly proxies: TcpProxy[] = [];

  async startRepository(): Promise<void> {
    this.repository = new Proc(['repository', '--host', '127.0.0.1', '--port', '0', '--json'], 'repository');
    const listening = await this.repository.waitFor((e) => e.event === 'listening', 'listening');
    this.repositoryPort = Number(listening.e.port);
  }

  async proxy(): Promise<TcpProxy> {
    const proxy = new TcpProxy();
    this.proxies.push(proxy);
    await proxy.listen();
    return proxy;
  }

  /** A new member slot; `data` false: no --data (every run a new member, history in memory). */
  slot(name: string, data = true): Slot {
    const slot = new Slot(name, data ? join(this.root, name) : undefined);
    this.slots.push(slot);
    return slot;
  }

  /** Starts a run of `slot` and waits for its ready event. */
  async start(slot: Slot, extraArgs: string[] = []): Promise<ChatRun> {
    const args = ['chat', '--group', this.group, '--name', slot.name, '--repository', `127.0.0.1:${this.repositoryPort}`, '--listen', '127.0.0.1:0', '--json'];
    if (slot.dataDir !== undefined) args.push('--data', slot.dataDir);
    const run = new ChatRun(this, slot, slot.runs.length + 1, [...args, ...extraArgs]);
    slot.runs.push(run);
    this.runs.push(run);
    await run.proc.waitFor((e) => e.event === 'ready', 'ready');
    return run;
  }

  observe(key: string, text: string, by: ChatRun): void {
    const knownText = this.known.get(key);
    if (knownText !== undefined && knownText !== text) this.conflicts.push(`${by.label} shows ${key} as "${text}", elsewhere "${knownText}"`);
    const knownKey = this.byText.get(text);
    if (knownKey !== undefined && knownKey !== key) this.conflicts.push(`${by.label} shows "${text}" as ${key}, elsewhere ${knownKey}`);
    if (knownText !== undefined) return;
    this.known.set(key, text);
    this.byText.set(text, key);
    // The author's run holds its own message from the moment it typed it.
    this.typedBy.get(text)?.holds.add(key);
  }

  /** Keys known now that `run` does not hold. */
  missing(run: ChatRun, of: Iterable<string> = this.known.keys()): string[] {
    const out: string[] = [];
    for (const key of of) if (!run.holds.has(key)) out.push(key);
    return out;
  }

  /** Waits until every run in `runs` has every link to the others. */
  async connected(runs: ChatRun[], timeoutMs = 20_000): Promise<void> {
    await until(
      () => runs.every((r) => runs.every((o) => o === r || r.links.has(o.id))),
      () => `not all linked: ${runs.map((r) => `${r.label} → ${r.links.size}`).join(', ')}`,
      timeoutMs,
    );
  }

  /**
   * Waits until every run in `runs` holds everything known, and still does a second later with
   * nothing new known meanwhile; returns how long that took (the second of quiet included).
   */
  async settle(runs: ChatRun[], timeoutMs = 30_000): Promise<number> {
    const start = performance.now();
    let stableSince: number | undefined;
    let size = -1;
    await until(
      () => {
        const complete = runs.every((r) => this.missing(r).length === 0);
        if (!complete) {
          stableSince = undefined;
          return false;
        }
        if (stableSince === undefined || this.known.size !== size) {
          size = this.known.size;
          stableSince = performance.now();
          return false;
        }
        return performance.now() - stableSince >= 1000;
      },
      () => `not settled: ${this.describeMissing(runs)}`,
      timeoutMs,
      100,
    );
    return performance.now() - start;
  }

  /**
   * Typed lines that no member ever showed with a number: lost. A line typed within a second
   * before its process was killed may never have been read from stdin, and does not count.
   */
  lostTyped(): string[] {
    const lost: string[] = [];
    for (const run of this.runs) {
      for (const { text, at } of run.typed) {
        if (run.killedAt !== undefined && at > run.killedAt - 1000) continue;
        if (!this.byText.has(text)) lost.push(`${run.label} typed "${text}"`);
      }
    }
    return lost;
  }

  figures(survivors: ChatRun[]): Figures {
    const sent = this.known.size;
    let delivered = 0;
    for (const run of survivors) delivered += sent - this.missing(run).length;
    const duplicated = this.runs.reduce((n, r) => n + r.duplicates.length, 0);
    const expected = sent * survivors.length;
    return { sent, delivered, expected, duplicated, lost: expected - delivered + this.lostTyped().length };
  }

  /** Every survivor holds every message, nobody showed one twice, no typed line was lost, numbers are consistent. */
  assertIntact(survivors: ChatRun[]): void {
    const problems: string[] = [];
    for (const run of this.runs) {
      if (!run.proc.running && run.killedAt === undefined && run.quitAt === undefined) problems.push(`${run.label} exited by itself with ${String(run.proc.exitCode)}`);
      if (run.quitAt !== undefined && run.proc.exitCode !== 0) problems.push(`${run.label} exited with ${String(run.proc.exitCode)} after /quit`);
    }
    problems.push(...this.conflicts.slice(0, 10).map((c) => `conflict: ${c}`));
    for (const run of this.runs) problems.push(...run.duplicates.slice(0, 10).map((d) => `duplicate at ${run.label}: ${d}`));
    problems.push(...this.lostTyped().slice(0, 10).map((l) => `lost: ${l}`));
    const missing = this.describeMissing(survivors);
    if (missing !== '') problems.push(`missing: ${missing}`);
    if (problems.length > 0) throw new Error(`${problems.length} problems:\n  ${problems.join('\n  ')}`);
  }

  describeMissing(runs: ChatRun[]): string {
    const parts: string[] = [];
    for (const run of runs) {
      const missing = this.missing(run);
      if (missing.length > 0) parts.push(`${run.label} lacks ${missing.length}/${this.known.size} (${missing.slice(0, 6).map((k) => `${k} "${this.known.get(k)}"`).join(', ')})`);
    }
    return parts.join('; ');
  }

  /** The last lines of every process's stderr, for a failed test's report. */
  diagnostics(): string {
    return this.runs
      .filter((r) => r.proc.stderr.trim() !== '')
      .map((r) => `--- ${r.label} (pid ${r.proc.pid}, exit ${String(r.proc.exitCode)}) stderr:\n${r.proc.stderr.slice(-1500)}`)
      .join('\n');
  }

  /** Kills every process (SIGKILL), closes proxies and removes the temp folder. */
  async close(): Promise<void> {
    for (const run of this.runs) run.stopSending();
    await Promise.all([...this.runs.map((r) => r.proc.kill()), this.repository?.kill()]);
    await Promise.all(this.proxies.map((p) => p.close()));
    if (existsSync(this.root)) rmSync(this.root, { recursive: true, force: true });
  }
}

export function formatFigures(f: Figures): string {
  return `sent ${f.sent}, delivered ${f.delivered}/${f.expected}, duplicated ${f.duplicated}, lost ${f.lost}`;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
