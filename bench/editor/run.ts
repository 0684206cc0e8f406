/**
 * The editor benchmark (`npm run bench:editor`): the packaged extension in a real VS Code
 * (code-server, driven through Chromium), measuring
 *
 * - activation: the time VS Code reports for activating Team Notes ("Developer: Show Running
 *   Extensions": code loading plus the `activate` call), once per window load, over several reloads;
 * - idle cost: the extension host process's CPU time and main-thread wake-ups over a stretch in
 *   which nothing happens, first before Team Notes is activated, then activated and not in a group,
 *   then joined to a group with one other member (a CLI peer); each beside a second code-server
 *   without Team Notes, measured over the same seconds (the reference: the machine's moment falls
 *   on both alike), started once activation has been measured.
 *
 * Prints a table, writes bench/editor/results.json and the editor section of docs/benchmarks.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { answerQuickInput, openWorkbench, runFromPalette, waitForWorkbenchReady } from '../../test/editor/browser';
import type { Workbench } from '../../test/editor/browser';
import { codeServerVersion, startCodeServer } from '../../test/editor/codeServer';
import type { CodeServer } from '../../test/editor/codeServer';
import { cliEvents } from '../../test/helpers/cliProcess';
import type { CliProcess } from '../../test/helpers/cliProcess';
import { startGroupWithPeer, typeGroup } from '../../test/e2e/editorWindow';
import { currentVsix } from '../../test/e2e/vsixFile';
import { saveBenchmarkSection } from '../saveSection';
import { extensionHostPid, profileHost, reportedActivationMs, sampleIdle, untilQuiet } from './extensionHost';
import type { HostProfile, IdleSample } from './extensionHost';

/** Window loads whose activation is measured (the first load and this many minus one reloads). */
const LOADS = Number(process.env.BENCH_EDITOR_LOADS ?? 5);
/** Length of each idle measurement, in ms. */
const IDLE_MS = Number(process.env.BENCH_EDITOR_IDLE_MS ?? 30_000);
/** How long the host is profiled around one more activation (typing the command in the palette included), in ms. */
const ACTIVATION_PROFILE_MS = 4_000;
/** Wait after a window load before anything is measured: VS Code's own start-up work settles, in ms. */
const SETTLE_MS = 8_000;
/** …and before the first idle measurement, longer: the built-in extensions' start-up work would count against the reference. */
const FIRST_SETTLE_MS = 25_000;
/** Part of the folder the `.vsix` is installed in (publisher.name-version): code loaded from it is the extension's. */
const EXTENSION_FOLDER = '/team-notes.team-notes-';
/** The extension as Running Extensions names it (its display name). */
const EXTENSION_NAME = 'Team Notes';
/**
 * A built-in extension activated at every load, read from the same list as a reference: how long a
 * small activation takes on this machine at that moment (the machine is shared and its load varies).
 */
const REFERENCE_NAME = 'Git Base';
/** Goals from the issue. */
const GOAL_ACTIVATION_MS = 50;
/**
 * "No CPU when nothing happens": Team Notes' own code may use at most this much of the extension
 * host's CPU time, in ms per second (0.1 % of a core: a ping every 15 s fits, a timer polling every
 * second or two does not).
 */
const GOAL_EXTRA_CPU_MS_PER_S = 1;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

interface IdleFigures {
  seconds: number;
  cpuMsPerS: number;
  wakeUpsPerS: number;
}

const perSecond = (s: IdleSample): IdleFigures => ({ seconds: round(s.wallMs / 1000, 1), cpuMsPerS: round(s.cpuMs / (s.wallMs / 1000)), wakeUpsPerS: round(s.wakeUps / (s.wallMs / 1000)) });

/** One idle stretch: the window with Team Notes, and the reference window without it, over the same seconds. */
interface IdlePair {
  teamNotes: IdleFigures;
  reference: IdleFigures;
}

/** Samples both extension hosts over the same stretch. */
async function sampleBoth(teamNotesPid: number, referencePid: number): Promise<IdlePair> {
  const [teamNotes, reference] = await Promise.all([sampleIdle(teamNotesPid, IDLE_MS), sampleIdle(referencePid, IDLE_MS)]);
  return { teamNotes: perSecond(teamNotes), reference: perSecond(reference) };
}

const describePair = (p: IdlePair): string =>
  `${p.teamNotes.cpuMsPerS} ms/s CPU, ${p.teamNotes.wakeUpsPerS} wake-ups/s (reference ${p.reference.cpuMsPerS} ms/s, ${p.reference.wakeUpsPerS}/s)`;

interface ProfiledFigures {
  seconds: number;
  busyMsPerS: number;
  teamNotesMsPerS: number;
}

const profiledPerSecond = (p: HostProfile): ProfiledFigures => ({ seconds: round(p.wallMs / 1000, 1), busyMsPerS: round(p.busyMs / (p.wallMs / 1000)), teamNotesMsPerS: round(p.extensionMs / (p.wallMs / 1000), 3) });

interface EditorResults {
  date: string;
  seconds: number;
  machine: string;
  loadAverageAtStart: number;
  activationMs: number[];
  activationMedianMs: number;
  /** Loads where the list showed the reference. */
  referenceActivationMs: number[];
  referenceActivationMedianMs: number | undefined;
  idle: { notActivated: IdlePair; notJoined: IdlePair; joined: IdlePair };
  /** The same states profiled, in ms per second: the host's busy time and Team Notes' part of it. */
  profiled: { activation?: { busyMs: number; teamNotesMs: number }; notJoined: ProfiledFigures; joined: ProfiledFigures };
}

async function reload(page: Page): Promise<void> {
  // A marker on the old page tells the new one apart.
  await page.evaluate('window.teamNotesBeforeReload = true');
  await runFromPalette(page, 'Developer: Reload Window');
  const deadline = Date.now() + 60_000;
  while ((await page.evaluate('window.teamNotesBeforeReload === true').catch(() => true)) && Date.now() < deadline) await page.waitForTimeout(100);
  if (Date.now() >= deadline) throw new Error('the window did not reload within 60 s');
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await waitForWorkbenchReady(page);
}

async function hostPid(codeServerPid: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pid = extensionHostPid(codeServerPid);
    if (pid !== undefined) return pid;
    if (Date.now() > deadline) throw new Error('no extension host process in code-server\'s process group');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const vsix = currentVsix();
  const started = Date.now();
  const load = loadavg()[0]!;
  const processes: CliProcess[] = [];
  const folder = mkdtempSync(join(tmpdir(), 'team-notes-bench-editor-'));
  writeFileSync(join(folder, 'README.md'), '# A project the team works on\n');
  const group = `bench-${Date.now().toString(36)}`;
  const { peer, settings } = await startGroupWithPeer(group, 'cli-bob', processes);
  const server = await startCodeServer({ folder, vsix, settings: { ...settings, 'teamNotes.displayName': 'alice' } });
  const workbench = await openWorkbench(server.workbenchUrl());
  // The reference for the idle figures: the same VS Code on a folder like it, without Team Notes,
  // started once activation has been measured (so that it does not load the machine meanwhile).
  const referenceFolder = mkdtempSync(join(tmpdir(), 'team-notes-bench-editor-reference-'));
  writeFileSync(join(referenceFolder, 'README.md'), '# A project the team works on\n');
  let reference: { server: CodeServer; workbench: Workbench } | undefined;
  try {
    const page = workbench.page;
    await waitForWorkbenchReady(page);
    const activationMs: number[] = [];
    const referenceActivationMs: number[] = [];
    for (let i = 0; i < LOADS; i += 1) {
      if (i > 0) await reload(page);
      await page.waitForTimeout(i === 0 ? FIRST_SETTLE_MS : SETTLE_MS);
      // A command of the extension's activates it (`onCommand`); Show Log does nothing else.
      await untilQuiet(await hostPid(server.pid!));
      await runFromPalette(page, 'Team Notes: Show Log');
      const [ms, builtIn] = await reportedActivationMs(page, [EXTENSION_NAME, REFERENCE_NAME]);
      activationMs.push(ms!);
      if (builtIn !== undefined) referenceActivationMs.push(builtIn);
      console.log(`load ${i + 1}: activation ${ms} ms (${REFERENCE_NAME}: ${builtIn ?? 'not listed'} ms)`);
    }

    const referenceServer = await startCodeServer({ folder: referenceFolder });
    reference = { server: referenceServer, workbench: await openWorkbench(referenceServer.workbenchUrl()) };
    await waitForWorkbenchReady(reference.workbench.page);
    // A reload leaves Team Notes not activated (nothing of it is open, and it is in no group).
    await reload(page);
    await page.waitForTimeout(FIRST_SETTLE_MS);
    const referencePid = await hostPid(referenceServer.pid!);
    let pid = await hostPid(server.pid!);
    await Promise.all([untilQuiet(pid), untilQuiet(referencePid)]);
    process.stdout.write(`idle, Team Notes not activated (${IDLE_MS / 1000} s)… `);
    const notActivated = await sampleBoth(pid, referencePid);
    console.log(describePair(notActivated));
    // Show Log opens the Output panel: the reference window opens its own. This activation runs
    // under the profiler (so its reported time is not one of the loads above): what of it is
    // Team Notes' own code, and what the host's.
    process.stdout.write(`activation, profiled (${ACTIVATION_PROFILE_MS / 1000} s)… `);
    const activationProfile = await profileHost(pid, ACTIVATION_PROFILE_MS, EXTENSION_FOLDER, () => runFromPalette(page, 'Team Notes: Show Log'));
    const activationProfiled = { busyMs: round(activationProfile.busyMs, 1), teamNotesMs: round(activationProfile.extensionMs, 1) };
    console.log(`host busy ${activationProfiled.busyMs} ms, Team Notes' own code ${activationProfiled.teamNotesMs} ms`);
    await runFromPalette(reference.workbench.page, 'View: Toggle Output');
    await page.waitForTimeout(2_000);
    process.stdout.write(`idle, activated, not in a group (${IDLE_MS / 1000} s)… `);
    const notJoined = await sampleBoth(pid, referencePid);
    console.log(describePair(notJoined));
    process.stdout.write(`  …and profiled (${IDLE_MS / 1000} s)… `);
    const notJoinedProfile = profiledPerSecond(await profileHost(pid, IDLE_MS, EXTENSION_FOLDER));
    console.log(`host busy ${notJoinedProfile.busyMsPerS} ms/s, Team Notes ${notJoinedProfile.teamNotesMsPerS} ms/s`);
    await runFromPalette(page, 'Team Notes: Join Group…');
    await typeGroup(page, group);
    await answerQuickInput(page, /password/i, '');
    await peer.proc.waitFor(cliEvents.joined('alice'), 'the CLI peer to see alice join', 30_000);
    // The board opens on a join and catches up; then nothing happens.
    await page.waitForTimeout(SETTLE_MS);
    pid = await hostPid(server.pid!);
    process.stdout.write(`idle, joined with one other member (${IDLE_MS / 1000} s)… `);
    const joined = await sampleBoth(pid, referencePid);
    console.log(describePair(joined));
    process.stdout.write(`  …and profiled (${IDLE_MS / 1000} s)… `);
    const joinedProfile = profiledPerSecond(await profileHost(pid, IDLE_MS, EXTENSION_FOLDER));
    console.log(`host busy ${joinedProfile.busyMsPerS} ms/s, Team Notes ${joinedProfile.teamNotesMsPerS} ms/s`);

    const results: EditorResults = {
      date: new Date().toISOString().slice(0, 10),
      seconds: Math.round((Date.now() - started) / 1000),
      machine: `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${round(totalmem() / 2 ** 30, 1)} GB RAM, ${platform()} ${release()}, Node ${process.version}, code-server ${codeServerVersion}`,
      loadAverageAtStart: round(load),
      activationMs,
      activationMedianMs: median(activationMs),
      referenceActivationMs,
      referenceActivationMedianMs: referenceActivationMs.length === 0 ? undefined : median(referenceActivationMs),
      idle: { notActivated, notJoined, joined },
      profiled: { activation: activationProfiled, notJoined: notJoinedProfile, joined: joinedProfile },
    };
    writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    const body = section(results);
    saveBenchmarkSection('editor', body);
    console.log(`\n${body}\nWrote bench/editor/results.json and the editor section of docs/benchmarks.md.`);
  } finally {
    await workbench.close();
    await reference?.workbench.close();
    await server.stop();
    await reference?.server.stop();
    rmSync(referenceFolder, { recursive: true, force: true });
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(folder, { recursive: true, force: true });
  }
}

function section(r: EditorResults): string {
  const { notActivated, notJoined, joined } = r.idle;
  // Over the reference, less what the two windows differ by while Team Notes has not even started.
  const extraCpu = (p: IdlePair): number => round(p.teamNotes.cpuMsPerS - p.reference.cpuMsPerS - (p === notActivated ? 0 : notActivated.teamNotes.cpuMsPerS - notActivated.reference.cpuMsPerS));
  const extraWake = (p: IdlePair): number => round(p.teamNotes.wakeUpsPerS - p.reference.wakeUpsPerS - (p === notActivated ? 0 : notActivated.teamNotes.wakeUpsPerS - notActivated.reference.wakeUpsPerS));
  const profiledMet = (f: ProfiledFigures): boolean => f.teamNotesMsPerS <= GOAL_EXTRA_CPU_MS_PER_S;
  const status = (met: boolean): string => (met ? 'met' : '**not met**');
  const row = (what: string, p: IdlePair): string => `| ${what} | ${p.teamNotes.cpuMsPerS} | ${p.reference.cpuMsPerS} | ${extraCpu(p)} | ${p.teamNotes.wakeUpsPerS} | ${p.reference.wakeUpsPerS} | ${extraWake(p)} |`;
  return `## Editor

Latest run: ${r.date} (${r.seconds} s), \`npm run bench:editor\`. Machine: ${r.machine}. Load average at the start: ${r.loadAverageAtStart}.
All figures: \`bench/editor/results.json\`.

**Method.** \`bench/editor/run.ts\` installs the packaged \`.vsix\` into code-server (its extension host is a Node
process on this machine) and drives the workbench through Chromium.
- *Activation*: the time VS Code itself reports in "Developer: Show Running Extensions" (loading the extension's code
  plus its \`activate\` call), after "Team Notes: Show Log" activated it, run once the extension host has been quiet
  (under 5 % of a core) for a second, at most 30 s after the load; once on the first load of the window and once
  after each of ${r.activationMs.length - 1} "Developer: Reload Window"; median. The same list gives ${REFERENCE_NAME}'s, a built-in extension, as a
  reference for the machine's state at that moment.
- *Idle*: the extension host process's CPU time (user + system, all threads, from \`/proc\`) and its main thread's
  wake-ups (voluntary context switches: each time its event loop slept and woke) over ${notJoined.teamNotes.seconds} s in which nothing
  happens: before Team Notes is activated, then activated and in no group, then joined to a group with one other
  member (a CLI peer on the same machine; the board open). The reference is a second code-server on a folder like it,
  without Team Notes, started after the activation loads and measured over the same seconds as each stretch (it opens
  its Output panel when Team Notes' Show Log opens this one's). "Over the reference" is the difference between the
  two, less the difference they already had before Team Notes was activated (the first row). Those differences
  swing by several ms/s from run to run, more than the goal's 1 ms/s, so the goal is judged on a CPU profile of the
  host over a further stretch in each state (V8's sampling profiler, through the inspector SIGUSR1 opens): each busy
  sample belongs to the first file of code on its stack, and what is under the extension's own folder (with the Node
  internals it called) is Team Notes'.

| Activation (ms) | Median | Each load |
|---|---:|---|
| Team Notes, as VS Code reports it | ${r.activationMedianMs} | ${r.activationMs.join(', ')} |
| ${REFERENCE_NAME} (built in, activated at start-up; reference, where the list showed it) | ${r.referenceActivationMedianMs ?? 'n/a'} | ${r.referenceActivationMs.join(', ')} |

${r.profiled.activation === undefined ? '' : `One more activation under the host's CPU profile (${ACTIVATION_PROFILE_MS / 1000} s around "Team Notes: Show Log", so not one of the loads above): the host was busy ${r.profiled.activation.busyMs} ms, of it ${r.profiled.activation.teamNotesMs} ms in Team Notes' own code (its module's top level and \`activate\`; compiling the module counts as the host's loader).\n\n`}| Extension host, idle | CPU ms/s | reference, same seconds | over the reference | wake-ups/s | reference | over the reference |
|---|---:|---:|---:|---:|---:|---:|
${row('Team Notes installed, not activated', notActivated)}
${row('Activated, in no group', notJoined)}
${row('Joined, one other member', joined)}

| Extension host, idle, CPU profile (${r.profiled.joined.seconds} s each) | host busy ms/s | of it Team Notes' own code, ms/s |
|---|---:|---:|
| Activated, in no group | ${r.profiled.notJoined.busyMsPerS} | ${r.profiled.notJoined.teamNotesMsPerS} |
| Joined, one other member | ${r.profiled.joined.busyMsPerS} | ${r.profiled.joined.teamNotesMsPerS} |

| Goal | Target | Measured | Status |
|---|---|---:|---|
| Activation (median over ${r.activationMs.length} loads) | ≤ ${GOAL_ACTIVATION_MS} ms | ${r.activationMedianMs} ms | ${status(r.activationMedianMs <= GOAL_ACTIVATION_MS)} |
| Idle, in no group: CPU of Team Notes' own code, from the host's profile | ≤ ${GOAL_EXTRA_CPU_MS_PER_S} ms/s | ${r.profiled.notJoined.teamNotesMsPerS} ms/s | ${status(profiledMet(r.profiled.notJoined))} |
| Idle, joined with one other member: CPU of Team Notes' own code, from the host's profile | ≤ ${GOAL_EXTRA_CPU_MS_PER_S} ms/s | ${r.profiled.joined.teamNotesMsPerS} ms/s | ${status(profiledMet(r.profiled.joined))} |
`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
