/**
 * A real VS Code for tests and `npm start`: code-server 4.100.3 (VS Code 1.100.3 served to a
 * browser, its extension host in Node), installed once into .cache/code-server by
 * scripts/ensure-code-server.sh.
 *
 * `startCodeServer()` runs it on 127.0.0.1 and a free port with its own user-data, extensions and
 * config folders (temporary unless given), the settings that keep the workspace-trust dialog and
 * the welcome page out of the way, and optionally a `.vsix` installed first. `stop()` kills the
 * whole process group (code-server forks its extension hosts and their children).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/ports';
import { ISOLATED_DISCOVERY_ENV } from '../helpers/isolatedDiscovery';

export { freePort };

export const repoRoot = resolve(__dirname, '..', '..');
export const codeServerVersion = '4.100.3';
const codeServerEntry = join(repoRoot, '.cache', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** The settings that keep a fresh profile from blocking the page (trust dialog, welcome page). */
export const baseSettings: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
};

/**
 * Installs code-server, Chromium and their Debian packages on first use (see the script), then
 * returns the path of code-server's entry point. Throws with the script's own message (for example
 * the exact `apt-get install` line when not root) when it cannot.
 */
export function ensureCodeServer(): string {
  const result = spawnSync('bash', [join(repoRoot, 'scripts', 'ensure-code-server.sh')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.status !== 0) {
    throw new Error(`scripts/ensure-code-server.sh failed (exit ${String(result.status)}):\n${result.stderr || result.error?.message || ''}`);
  }
  if (!existsSync(codeServerEntry)) throw new Error(`code-server is not at ${codeServerEntry} after scripts/ensure-code-server.sh`);
  return codeServerEntry;
}


export interface CodeServerOptions {
  /** The folder opened as the workspace. */
  folder: string;
  /** A `.vsix` to install (with `--force`) before the server starts. */
  vsix?: string;
  /** User settings added to `baseSettings`. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for its extension host (for example where the in-editor suite writes its results). */
  env?: Record<string, string>;
  /** Port to listen on; default: a free one. */
  port?: number;
  /** Folder for user-data, extensions and config; default: a new temporary folder, removed on stop(). */
  stateDir?: string;
  /** Called with every line code-server prints (besides keeping them in `output`). */
  onOutput?: (line: string) => void;
  /** How long to wait for the server to answer HTTP. */
  startTimeoutMs?: number;
}

export class CodeServer {
  private stopped = false;
  constructor(
    readonly url: string,
    readonly port: number,
    readonly folder: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    private readonly child: ChildProcess,
    private readonly outputLines: string[],
    private readonly removeOnStop: string | undefined,
  ) {}

  /** code-server's process id, which is also the id of its process group (its extension hosts are in it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything code-server printed so far (stdout and stderr, which include the extension host's log). */
  get output(): string {
    return this.outputLines.join('\n');
  }

  /** The workbench URL for `folder`, with optional extra query parameters. */
  workbenchUrl(query: Record<string, string> = {}): string {
    const params = new URLSearchParams({ folder: this.folder, ...query });
    return `${this.url}?${params.toString()}`;
  }

  /** A `vscode-remote://` URI of a path on this machine, as the extension host of this server sees it. */
  remoteUri(path: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${resolve(path)}`;
  }

  /** The URL that opens `folder` and runs an extension test suite (VS Code's `extensionTestsPath`) in the extension host. */
  testUrl(extensionDevelopmentPath: string, extensionTestsPath: string): string {
    const payload = [
      ['extensionDevelopmentPath', this.remoteUri(extensionDevelopmentPath)],
      ['extensionTestsPath', this.remoteUri(extensionTestsPath)],
    ];
    return this.workbenchUrl({ payload: JSON.stringify(payload) });
  }

  /** Kills code-server and everything it started (its process group); removes its temporary folder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pid = this.child.pid;
    const exited = new Promise<void>((r) => (this.child.exitCode !== null || this.child.signalCode !== null ? r() : this.child.once('exit', () => r())));
    if (pid !== undefined) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      // The group may hold children that outlived the server (extension host, its CLI peers).
      await new Promise((r) => setTimeout(r, 200));
      killGroup(pid, 'SIGKILL');
    }
    if (this.removeOnStop) rmSync(this.removeOnStop, { recursive: true, force: true, maxRetries: 3 });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

function writeSettings(userDataDir: string, settings: Record<string, unknown>): void {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

/** Installs a `.vsix` into `extensionsDir` with code-server's own `--install-extension` (so exactly as a user would). */
export function installVsix(entry: string, vsix: string, userDataDir: string, extensionsDir: string, configFile: string): string {
  const result = spawnSync(
    process.execPath,
    [entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--config', configFile, '--install-extension', resolve(vsix), '--force'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${vsix} into code-server failed (exit ${String(result.status)}):\n${output}`);
  }
  return output;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const entry = ensureCodeServer();
  const temporary = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'team-notes-code-server-'));
  const userDataDir = join(stateDir, 'user-data');
  const extensionsDir = join(stateDir, 'extensions');
  const configFile = join(stateDir, 'config.yaml');
  mkdirSync(extensionsDir, { recursive: true });
  // Our own config file, so code-server neither reads nor writes ~/.config/code-server.
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  writeSettings(userDataDir, { ...readSettings(userDataDir), ...baseSettings, ...options.settings });
  if (options.vsix) installVsix(entry, options.vsix, userDataDir, extensionsDir, configFile);

  const port = options.port ?? (await freePort());
  const outputLines: string[] = [];
  const child = spawn(
    process.execPath,
    [
      entry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--config', configFile,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      options.folder,
    ],
    {
      // Its own process group, so stop() reaches the extension host and whatever the tests started in it.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...ISOLATED_DISCOVERY_ENV, ...options.env },
    },
  );
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      outputLines.push(line);
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const server = new CodeServer(`http://127.0.0.1:${port}/`, port, options.folder, userDataDir, extensionsDir, child, outputLines, temporary ? stateDir : undefined);

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await server.stop();
      throw new Error(`code-server exited (${String(child.exitCode ?? child.signalCode)}) before answering:\n${outputLines.join('\n')}`);
    }
    try {
      const response = await fetch(`${server.url}healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer on ${server.url} within ${options.startTimeoutMs ?? 60_000} ms:\n${outputLines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return server;
}

function readSettings(userDataDir: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
