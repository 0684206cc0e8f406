/**
 * What the editor benchmark reads from a running code-server: its extension host process (found
 * in code-server's process group) and that process's CPU time and wake-ups from /proc, and the
 * activation time VS Code itself reports in "Developer: Show Running Extensions".
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { runFromPalette } from '../../test/editor/browser';

/** Linux's clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_S = 100;

interface ProcStat {
  pid: number;
  processGroup: number;
  /** user + system CPU time, in ms. */
  cpuMs: number;
  /** Start time after boot, in clock ticks (the newest extension host is the current one). */
  started: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields counted from `state` (field 3 of proc(5)): pgrp is 5, utime 14, stime 15, starttime 22.
    const at = (n: number): number => Number(fields[n - 3]);
    return { pid, processGroup: at(5), cpuMs: ((at(14) + at(15)) * 1000) / CLOCK_TICKS_PER_S, started: at(22) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** The main thread's voluntary context switches: each time its event loop went to sleep and woke again. */
function wakeUps(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /voluntary_ctxt_switches:\s+(\d+)/.exec(status);
  if (match === null) throw new Error(`no context switch count in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The newest extension host in code-server's process group, or undefined while there is none. */
export function extensionHostPid(codeServerPid: number): number | undefined {
  let newest: ProcStat | undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat === undefined || stat.processGroup !== codeServerPid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('extensionHost')) continue;
    if (newest === undefined || stat.started > newest.started) newest = stat;
  }
  return newest?.pid;
}

export interface IdleSample {
  /** Wall time measured, in ms. */
  wallMs: number;
  /** CPU time the process used meanwhile (user + system, all its threads), in ms. */
  cpuMs: number;
  /** Times its main thread woke up meanwhile. */
  wakeUps: number;
}

/** The process's CPU time and main-thread wake-ups over `ms` of wall time. */
export async function sampleIdle(pid: number, ms: number): Promise<IdleSample> {
  const before = readStat(pid);
  const wakeBefore = wakeUps(pid);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = readStat(pid);
  const wakeAfter = wakeUps(pid);
  if (before === undefined || after === undefined) throw new Error(`the extension host (pid ${pid}) exited while it was measured`);
  return { wallMs: performance.now() - started, cpuMs: after.cpuMs - before.cpuMs, wakeUps: wakeAfter - wakeBefore };
}

/**
 * Waits until the extension host has been quiet (under 5 % of a core) for a whole second, at most
 * `maxMs`: after a reload it is still starting VS Code's own extensions, and an activation timed
 * then measures their work as much as ours. Returns how long it waited.
 */
export async function untilQuiet(pid: number, maxMs = 30_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    const sample = await sampleIdle(pid, 1_000);
    if (sample.cpuMs < 0.05 * sample.wallMs) break;
  }
  return performance.now() - started;
}

/**
 * VS Code's activation times of the extensions named (their display names), as "Developer: Show
 * Running Extensions" shows them: code loading plus the `activate` call, in ms (the figure VS Code
 * computes from the extension host's own timestamps). The first is required; the others are undefined
 * when the list does not show them within a few seconds (not activated, or scrolled out of its view).
 * Closes the editor again.
 */
export async function reportedActivationMs(page: Page, displayNames: readonly string[]): Promise<Array<number | undefined>> {
  await runFromPalette(page, 'Developer: Show Running Extensions');
  const times: Array<number | undefined> = [];
  for (const [i, name] of displayNames.entries()) {
    const row = page.locator('.runtime-extensions-editor .monaco-list-row').filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) }).first();
    let shown = await row.waitFor({ state: 'visible', timeout: i === 0 ? 30_000 : 5_000 }).then(() => true, () => false);
    if (!shown && i === 0) {
      // On a loaded machine the list sometimes stays empty until it is opened again.
      await runFromPalette(page, 'View: Close All Editors');
      await runFromPalette(page, 'Developer: Show Running Extensions');
      shown = await row.waitFor({ state: 'visible', timeout: 30_000 }).then(() => true, () => false);
    }
    if (!shown && i === 0) throw new Error(`Running Extensions does not list "${name}"`);
    if (!shown) {
      times.push(undefined);
      continue;
    }
    const label = row.locator('.activation-time');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = (await label.textContent()) ?? '';
      const match = /(\d+(?:\.\d+)?)\s*ms/.exec(text);
      if (match !== null) {
        times.push(Number(match[1]));
        break;
      }
      if (Date.now() > deadline) throw new Error(`"${name}" shows no activation time in Running Extensions (it shows "${text}")`);
      await page.waitForTimeout(200);
    }
  }
  await runFromPalette(page, 'View: Close All Editors');
  return times;
}

/** What a CPU profile of the extension host says about one stretch. */
export interface HostProfile {
  wallMs: number;
  /** Sampled time the host was not idle, in ms. */
  busyMs: number;
  /** …of which in code loaded from the extension's own folder (and what it called), in ms. */
  extensionMs: number;
}

/**
 * Profiles the extension host for `ms` with V8's sampling profiler, through the inspector that
 * SIGUSR1 opens on 127.0.0.1:9229 (as for any Node process), and attributes each busy sample to the
 * first frame on its stack that is code of some file: the time under a file of `extensionFolder` is
 * the extension's, whichever Node internals it called. A host shared with other extensions can be
 * judged this way without a reference measured beside it. `during`, if given, runs once the
 * profiler has started (what it makes the host do, an activation say, is then in the profile).
 */
export async function profileHost(pid: number, ms: number, extensionFolder: string, during?: () => Promise<unknown>): Promise<HostProfile> {
  const { default: WebSocket } = await import('ws');
  process.kill(pid, 'SIGUSR1');
  let url: string | undefined;
  const deadline = Date.now() + 10_000;
  while (url === undefined) {
    try {
      const list = (await (await fetch('http://127.0.0.1:9229/json/list')).json()) as Array<{ webSocketDebuggerUrl?: string }>;
      url = list[0]?.webSocketDebuggerUrl;
    } catch {
      // not listening yet
    }
    if (url === undefined) {
      if (Date.now() > deadline) throw new Error(`the extension host (pid ${pid}) opened no inspector on 127.0.0.1:9229`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result);
  });
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve) => {
      next += 1;
      waiting.set(next, resolve);
      socket.send(JSON.stringify({ id: next, method }));
    });
  try {
    await call('Profiler.enable');
    await call('Profiler.start');
    const started = performance.now();
    // What `during` makes the host do falls inside the profile, however long it takes.
    await Promise.all([new Promise((r) => setTimeout(r, ms)), during?.()]);
    const { profile } = (await call('Profiler.stop')) as { profile: CpuProfile };
    return { wallMs: performance.now() - started, ...attribute(profile, extensionFolder) };
  } finally {
    socket.close();
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

function attribute(profile: CpuProfile, extensionFolder: string): { busyMs: number; extensionMs: number } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  let busy = 0;
  let extension = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    let id: number | undefined = profile.samples[i]!;
    if (nodes.get(id)?.callFrame.functionName === '(idle)') continue;
    busy += us;
    for (; id !== undefined; id = parent.get(id)) {
      const url = nodes.get(id)?.callFrame.url ?? '';
      if (url === '' || url.startsWith('node:')) continue;
      if (url.includes(extensionFolder)) extension += us;
      break;
    }
  }
  return { busyMs: busy / 1000, extensionMs: extension / 1000 };
}
