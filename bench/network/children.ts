/**
 * Building and driving the benchmark's child processes: each agent and server entry is bundled
 * once with esbuild into `.cache/bench-network/` and forked from the bundle, so that no process
 * pays for TypeScript transpiling and the memory figures count only what the system loads.
 * (`.cache/` is already ignored by git and by ESLint.)
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import type { CommandBody, Ready, Reply } from './ipc';

export const benchDir = __dirname;
export const buildDir = resolve(benchDir, '..', '..', '.cache', 'bench-network');

/** The entries bundled for child processes. */
export const entries = ['agentTeamNotes', 'agentTcpMesh', 'agentWsRelay', 'serverRepository', 'serverRelay'] as const;
export type Entry = (typeof entries)[number];

/**
 * Bundles every entry separately (a Team Notes build failure, e.g. while the codec is being
 * written, must not stop the references). Returns the bundle path per entry, or the build error.
 */
export async function bundleAll(): Promise<Record<Entry, { file: string } | { error: string }>> {
  mkdirSync(buildDir, { recursive: true });
  const results = await Promise.all(
    entries.map(async (entry) => {
      const outfile = join(buildDir, `${entry}.cjs`);
      try {
        await esbuild.build({
          entryPoints: [join(benchDir, `${entry}.ts`)],
          outfile,
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          sourcemap: 'linked',
          logLevel: 'silent',
          // Optional native add-ons of `ws`, not installed: ws falls back to its JavaScript code.
          external: ['bufferutil', 'utf-8-validate'],
        });
        return [entry, { file: outfile }] as const;
      } catch (err) {
        const failure = err as { errors?: { text: string; location?: { file: string; line: number } | null }[]; message?: string };
        const text = failure.errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ');
        return [entry, { error: text ?? failure.message ?? String(err) }] as const;
      }
    }),
  );
  return Object.fromEntries(results) as Record<Entry, { file: string } | { error: string }>;
}

type OkReply = Extract<Reply, { ok: true }>;

/** One forked child: commands go out with an id, replies come back with it. */
export class Child {
  readonly ready: Promise<Ready>;
  readonly exited: Promise<number | null>;
  private readonly process: ChildProcess;
  private readonly pending = new Map<number, { resolve: (r: OkReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private exitCode: number | null | undefined;

  constructor(
    readonly label: string,
    file: string,
    args: string[],
    execArgv: string[],
  ) {
    // execArgv is given explicitly: by default a fork inherits the parent's (`--import tsx`).
    this.process = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    let onReady: (r: Ready) => void = () => {};
    let onFail: (e: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    this.ready.catch(() => {});
    this.process.on('message', (message: Ready | Reply) => {
      if ('ready' in message) return onReady(message);
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message);
      else waiter.reject(new Error(`${this.label}: ${message.error}`));
    });
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code) => {
        this.exitCode = code;
        const error = new Error(`${this.label} exited (code ${code})`);
        onFail(error);
        for (const waiter of this.pending.values()) {
          clearTimeout(waiter.timer);
          waiter.reject(error);
        }
        this.pending.clear();
        resolve(code);
      }),
    );
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Sends a command and waits for its reply. */
  request(body: CommandBody, timeoutMs = 60_000): Promise<OkReply> {
    if (this.exitCode !== undefined) return Promise.reject(new Error(`${this.label} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: no answer to ${body.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.process.send({ ...body, id });
    });
  }

  /** Sends a command that is not answered. */
  post(body: CommandBody): void {
    if (this.exitCode === undefined) this.process.send({ ...body, id: this.nextId++ });
  }

  /** Asks the child to exit; kills it (this one process, by its handle) if it has not within `ms`. */
  async stop(ms = 4000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.request({ cmd: 'exit' }, ms).catch(() => {});
    const timer = setTimeout(() => this.process.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs `tasks` with at most `limit` at a time. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
