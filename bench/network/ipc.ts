/**
 * What the benchmark orchestrator (run.ts) and its child processes say to each other over the
 * `child_process.fork` IPC channel, and the text every benchmark message carries on the wire.
 *
 * Every command carries an `id`; the child answers each with a {@link Reply} holding the same id.
 */

/** The three systems measured on the same topology. */
export type SystemName = 'teamNotes' | 'tcpMesh' | 'wsRelay';

/** How an agent joins, per system. */
export type JoinArgs =
  /** Team Notes: register with the repository and dial every listed member. */
  | { system: 'teamNotes'; repository: { host: string; port: number }; name: string; group: string }
  /** Bare TCP mesh: dial every agent already there (their ports come from the orchestrator). */
  | { system: 'tcpMesh'; members: { index: number; port: number }[] }
  /** WebSocket relay: open one WebSocket to the relay server. */
  | { system: 'wsRelay'; url: string };

/** Phase tags: C first messages after joining (cold), U warm-up, L latency, T throughput. */
export type Phase = 'C' | 'U' | 'L' | 'T';

export type Command =
  /** Join; `expectLinks` is the number of connections the agent must hold once joined. */
  | { id: number; cmd: 'join'; args: JoinArgs; expectLinks: number }
  /** Forget everything received so far and count phase `phase`: `count` messages per sender. */
  | { id: number; cmd: 'expect'; phase: Phase; count: number }
  /** Send one message of `phase` with sequence number `seq` now. Not answered (it would disturb the measurement). */
  | { id: number; cmd: 'send'; phase: Phase; seq: number }
  /** Send `count` messages of `phase` at `rate` messages per second; answered when all are handed to the system. */
  | { id: number; cmd: 'blast'; phase: Phase; count: number; rate: number }
  /** Report what this agent received (see {@link ReceiveStats}). */
  | { id: number; cmd: 'stats'; phase: Phase; latencies: boolean }
  /** Run a full garbage collection, then report memory. */
  | { id: number; cmd: 'memory' }
  /** Report the number of open links. */
  | { id: number; cmd: 'links' }
  /** Report the CPU time this process has used so far (`process.cpuUsage()`). */
  | { id: number; cmd: 'cpu' }
  /** Start the V8 CPU profiler, or stop it and write the profile to `file` (a .cpuprofile for Chrome DevTools). */
  | { id: number; cmd: 'profile'; action: 'start' | 'stop'; file?: string }
  /** Close everything and exit. */
  | { id: number; cmd: 'exit' };

/** Distributive Omit, so that each command keeps its own fields. */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never;

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** What a receiver saw of one phase. */
export interface ReceiveStats {
  /** Messages of the phase received, duplicates included. */
  received: number;
  /** Distinct (sender, seq) pairs received. */
  unique: number;
  duplicates: number;
  /** Messages whose (sender, seq) lies outside what `expect` announced, or that could not be parsed. */
  unexpected: number;
  /** process.hrtime.bigint() of the last message received, in ns (as a string: JSON has no bigint). */
  lastReceivedNs: string;
  /** Largest receive time minus send time, in ms. */
  maxLatencyMs: number;
  /** Per sender, per seq: receive time minus send time in ms, or null when not received (only when asked). */
  latencies?: Record<string, (number | null)[]>;
  /** Sender's work per message this agent sent in the phase, in µs: the broadcast call and the writes it deferred to the next tick. */
  sendCallUs: number[];
  /** Links lost since the start (closed connections, member left, errors). */
  linkLosses: number;
  /** Links open now. */
  links: number;
  /** Other errors the system reported (connection errors, failed sends). */
  errors: number;
  lastError?: string;
}

export interface BlastResult {
  sent: number;
  /** hrtime of the first and last send, in ns (strings). */
  firstSendNs: string;
  lastSendNs: string;
  /** Error message if a send threw. */
  error?: string;
}

export type Reply =
  | { id: number; ok: true; joinMs?: number; /** CPU time of the joiner over its join (user and system), in ms. */ joinCpuMs?: number; links?: number; memory?: MemoryFigures; stats?: ReceiveStats; blast?: BlastResult; cpuUs?: number; /** The main thread's part of `cpuUs` (Linux only). */ mainThreadUs?: number }
  | { id: number; ok: false; error: string };

/** First message of every child: it is ready for commands (`port` for processes that listen). */
export interface Ready {
  ready: true;
  port?: number;
}

/** Characters of text in each benchmark message (the issue asks for about 100 bytes). */
export const MESSAGE_TEXT_LENGTH = 100;

const filler = 'x'.repeat(MESSAGE_TEXT_LENGTH);

/**
 * The text of a benchmark message: `phase|sender|seq|sendTimeNs|` padded to 100 characters.
 * `process.hrtime.bigint()` reads CLOCK_MONOTONIC, shared by every process on the machine, so a
 * receiver can subtract the sender's send time from its own receive time.
 */
export function messageText(phase: Phase, sender: number, seq: number, sendNs: bigint): string {
  const head = `${phase}|${sender}|${seq}|${sendNs}|`;
  return head + filler.slice(head.length);
}

export interface ParsedText {
  phase: Phase;
  sender: number;
  seq: number;
  sendNs: bigint;
}

/** Parses {@link messageText}; undefined for anything else. */
export function parseMessageText(text: string): ParsedText | undefined {
  const match = /^([CULT])\|(\d+)\|(\d+)\|(\d+)\|/.exec(text);
  if (match === null) return undefined;
  return { phase: match[1] as Phase, sender: Number(match[2]), seq: Number(match[3]), sendNs: BigInt(match[4]!) };
}
