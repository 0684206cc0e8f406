/**
 * The `team-notes` CLI (dist/cli.js) as a separate process speaking JSON lines, for tests.
 *
 * No import from src/ (only the small isolatedDiscovery helper), so the same helper runs in plain
 * Node (mocha) and inside the VS Code extension host (the in-editor suite bundles it). It starts
 * the CLI with `process.execPath` and `ELECTRON_RUN_AS_NODE=1`, so under desktop VS Code's Electron
 * the child is plain Node too. LAN discovery stays on loopback unless the process runs in a network
 * namespace a test made (`netns`), where it is the real thing.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ISOLATED_DISCOVERY_ENV } from './isolatedDiscovery';

export type CliEvent = Record<string, unknown> & { event: string };

export interface CliMember {
  id: string;
  name: string;
}

export interface CliProcessOptions {
  /** Run inside this network namespace (`ip netns exec`), with discovery on its real interfaces. */
  netns?: string;
  /** The process's working folder (a `/pin PATH` is relative to it); default: this process's. */
  cwd?: string;
}

export class CliProcess {
  readonly events: CliEvent[] = [];
  stderr = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(cliPath: string, args: string[], readonly label = args[0] ?? 'cli', extraEnv: NodeJS.ProcessEnv = {}, options: CliProcessOptions = {}) {
    const [command, commandArgs] = options.netns === undefined ? [process.execPath, [cliPath, ...args]] : ['ip', ['netns', 'exec', options.netns, process.execPath, cliPath, ...args]];
    this.child = spawn(command, commandArgs, {
      stdio: 'pipe',
      cwd: options.cwd,
      env: { ...process.env, ...(options.netns === undefined ? ISOLATED_DISCOVERY_ENV : {}), ELECTRON_RUN_AS_NODE: '1', ...extraEnv },
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as CliEvent);
      } catch {
        this.events.push({ event: 'text', line });
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      this.child.once('error', (error) => {
        this.stderr += `spawn error: ${error.message}\n`;
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  /** Waits for the first event (from the start) that matches; fails with every event seen. */
  async waitFor(predicate: (e: CliEvent) => boolean, what: string, timeoutMs = 15_000): Promise<CliEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.exitCode !== undefined || Date.now() > deadline) {
        const why = this.exitCode !== undefined ? `the ${this.label} process exited with ${String(this.exitCode)}` : `${timeoutMs} ms passed`;
        throw new Error(`${this.label}: waited for ${what} but ${why}; events so far: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends one line on stdin (for `chat`, one chat message or a `/command`). */
  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }

  /** Kills the process (if still running) and waits for it to exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

/** `team-notes repository` on 127.0.0.1 and a free port. */
export async function startRepository(cliPath: string): Promise<{ proc: CliProcess; port: number; address: string }> {
  const proc = new CliProcess(cliPath, ['repository', '--host', '127.0.0.1', '--port', '0', '--json'], 'repository');
  const listening = await proc.waitFor((e) => e.event === 'listening', 'the repository to listen');
  const port = listening.port as number;
  return { proc, port, address: `127.0.0.1:${port}` };
}

/** `team-notes chat` joined to `group` through the repository at `repository` (`host:port`). */
export async function startChatPeer(cliPath: string, group: string, name: string, repository: string): Promise<{ proc: CliProcess; id: string }> {
  const proc = new CliProcess(cliPath, ['chat', '--group', group, '--name', name, '--repository', repository, '--listen', '127.0.0.1:0', '--json'], `chat peer ${name}`);
  const ready = await proc.waitFor((e) => e.event === 'ready', `${name} to be ready`);
  return { proc, id: ready.id as string };
}

/** Predicates over CLI events. */
export const cliEvents = {
  joined: (name: string) => (e: CliEvent) => e.event === 'joined' && (e.member as CliMember | undefined)?.name === name,
  left: (name: string) => (e: CliEvent) => e.event === 'left' && (e.member as CliMember | undefined)?.name === name,
  chat: (from: string, text: string) => (e: CliEvent) =>
    e.event === 'message' && e.type === 'chat' && (e.from as CliMember | undefined)?.name === from && e.text === text,
  snippet: (from: string) => (e: CliEvent) =>
    e.event === 'message' && e.type === 'snippet' && e.op === 'add' && (e.from as CliMember | undefined)?.name === from,
};

/** The CLI processes one test file starts, all killed after each test (call `killAll` in afterEach). */
export class CliProcesses {
  private readonly running: CliProcess[] = [];

  constructor(private readonly cliPath: string) {}

  start(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    const proc = new CliProcess(this.cliPath, args, args[0], env);
    this.running.push(proc);
    return proc;
  }

  async killAll(): Promise<void> {
    for (const proc of this.running.splice(0)) {
      proc.signal('SIGKILL');
      await proc.exited;
    }
  }
}
