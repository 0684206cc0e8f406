/**
 * What another member sends must not forge lines in, or act on, the terminal of a `team-notes chat`
 * reading in human-readable mode. The repository and the watching peer are the real CLI
 * (dist/cli.js, run `npm run build` first) as separate processes; the attacker is an in-process
 * PeerNode, so that it can also put on the wire what the chat CLI's stdin cannot (several lines in
 * one message) and what its own encoder would refuse.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerNode } from '../../src/net/peerNode';
import { startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { TestNetwork, waitUntil } from '../helpers/net';
import { ISOLATED_DISCOVERY_ENV } from '../helpers/isolatedDiscovery';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const GROUP = 'design';

/** What a terminal must never be given raw: C0 (LF aside, it ends our lines), DEL, C1, U+2028/9, bidi controls, U+FFFE/F, lone surrogates. */
const FORBIDDEN = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFFFE\uFFFF\uD800-\uDFFF]/u; // eslint-disable-line no-control-regex -- the characters under test

/** `team-notes chat` without `--json`, its output kept as raw bytes: no line splitting that could hide a CR. */
class HumanChat {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  exitCode: number | null | undefined = undefined;

  constructor(name: string, repositoryPort: number) {
    this.child = spawn(process.execPath, [cli, 'chat', '--group', GROUP, '--name', name, '--repository', `127.0.0.1:${repositoryPort}`, '--listen', '127.0.0.1:0'], {
      stdio: 'pipe',
      env: { ...process.env, ...ISOLATED_DISCOVERY_ENV, ELECTRON_RUN_AS_NODE: '1' },
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.out.push(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.err.push(chunk));
    this.child.once('exit', (code) => (this.exitCode = code));
  }

  get stdoutBytes(): Buffer {
    return Buffer.concat(this.out);
  }
  get stderrBytes(): Buffer {
    return Buffer.concat(this.err);
  }
  get stdout(): string {
    return this.stdoutBytes.toString('utf8');
  }
  get stderr(): string {
    return this.stderrBytes.toString('utf8');
  }

  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<string> {
    await waitUntil(() => pattern.test(this[stream]) || this.exitCode !== undefined, what, 15_000).catch((err: Error) => {
      throw new Error(`${err.message}; stdout: ${JSON.stringify(this.stdout)}; stderr: ${JSON.stringify(this.stderr)}`);
    });
    const match = pattern.exec(this[stream]);
    if (match === null) throw new Error(`chat exited with ${String(this.exitCode)} before ${what}; stdout: ${JSON.stringify(this.stdout)}; stderr: ${JSON.stringify(this.stderr)}`);
    return match[0];
  }

  kill(): Promise<void> {
    if (this.exitCode !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/** Fails naming the byte and its line when an output has an ESC, BEL, CR, C1 or other forbidden character. */
function assertTerminalSafe(bytes: Buffer, what: string): void {
  assert.equal(bytes.indexOf(0x1b), -1, `${what} contains an ESC byte: ${JSON.stringify(bytes.toString('utf8'))}`);
  for (const line of bytes.toString('utf8').split('\n')) {
    const bad = FORBIDDEN.exec(line);
    assert.equal(bad, null, `${what} has U+${bad?.[0].codePointAt(0)?.toString(16)} raw in the line ${JSON.stringify(line)}`);
  }
}

/**
 * Sends `placeholder` as a chat from `node` to its only member, with the placeholder's bytes in the
 * encoded XML swapped for `replacement` on the way out, past the encoder that would refuse it.
 * The node builds everything else (envelope, signature, framing, sealing), so the test does not
 * depend on those; the two strings have the same UTF-8 length so that no length field changes.
 * PeerNode has no public way to do this (refusing such messages is the encoder's job), so the test
 * reaches its private link table through TypeScript's bracket access, which keeps types checked.
 */
function chatTampered(node: PeerNode, memberId: string, placeholder: string, replacement: string): void {
  assert.equal(Buffer.byteLength(replacement), Buffer.byteLength(placeholder), 'same UTF-8 length');
  const connection = node['links'].get(memberId)?.connection;
  assert.ok(connection !== undefined, 'the attacker has a link to the watcher');
  const sendEncoded = connection.sendEncoded;
  connection.sendEncoded = (frames, message) => {
    connection.sendEncoded = sendEncoded;
    const at = frames.xml.indexOf(placeholder);
    assert.ok(at >= 0, 'the placeholder is in the encoded message');
    const xml = Buffer.from(frames.xml);
    xml.write(replacement, at, 'utf8');
    return sendEncoded.call(connection, { ...frames, xml }, message);
  };
  node.chat(placeholder);
}

/** An ASCII placeholder of `text`'s UTF-8 length. */
const placeholderFor = (text: string): string => 'P'.repeat(Buffer.byteLength(text));

describe('team-notes chat output against hostile members (separate processes)', function () {
  this.timeout(30_000);
  const net = new TestNetwork();
  const repositories: CliProcess[] = [];
  const chats: HumanChat[] = [];

  before(() => assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first'));
  afterEach(async () => {
    await net.closeAll();
    for (const chat of chats.splice(0)) await chat.kill();
    for (const repository of repositories.splice(0)) await repository.kill();
  });

  /** A repository, a watching CLI in human-readable mode, and an in-process attacker connected to it. */
  async function setUp(attackerName = 'mallory'): Promise<{ watcher: HumanChat; attacker: PeerNode; watcherId: string }> {
    const repository = await startRepository(cli);
    repositories.push(repository.proc);
    const watcher = new HumanChat('watcher', repository.port);
    chats.push(watcher);
    await watcher.waitFor('stdout', /^Joined "design" as watcher .*\n/m, 'the watcher to join');
    const attacker = net.peer(attackerName, repository.port, { group: GROUP });
    await attacker.join();
    await waitUntil(() => attacker.members().some((m) => m.name === 'watcher'), 'the attacker to connect to the watcher');
    await watcher.waitFor('stdout', new RegExp(`^\\* ${attackerName} \\[[0-9a-f]{4}-[0-9a-f]{4}\\] joined\\n`, 'm'), 'the watcher to see the attacker');
    return { watcher, attacker, watcherId: attacker.members().find((m) => m.name === 'watcher')!.id };
  }

  it('shows a chat with line feeds on one line, with visible \\n, and forges no line', async () => {
    const { watcher, attacker } = await setUp();
    attacker.chat('\nalice: forged\n[12:00:00] bob: also forged\tend');
    attacker.chat('a backslash-n typed as text: \\n');
    attacker.chat('after');
    await watcher.waitFor('stdout', /^\[\d\d:\d\d:\d\d\] mallory: after\n/m, 'the last chat');
    const lines = watcher.stdout.split('\n');
    assert.ok(
      lines.some((l) => /^\[\d\d:\d\d:\d\d\] mallory: \\nalice: forged\\n\[12:00:00\] bob: also forged\\tend$/.test(l)),
      `the chat is one line with visible escapes: ${JSON.stringify(lines)}`,
    );
    assert.ok(lines.some((l) => l.endsWith('mallory: a backslash-n typed as text: \\\\n')), 'a typed backslash is escaped, so it cannot pass for a line feed');
    assert.deepEqual(lines.filter((l) => l.startsWith('alice:') || l.startsWith('[12:00:00] bob')), [], 'no forged line');
    assertTerminalSafe(watcher.stdoutBytes, 'stdout');
    assertTerminalSafe(watcher.stderrBytes, 'stderr');
  });

  it('refuses "\\nalice: forged\\x1b[31m" on the wire and prints no ESC byte', async () => {
    const { watcher, attacker, watcherId } = await setUp();
    const hostile = '\nalice: forged\u001b[31m';
    // The project's own encoder will not send it, so the attacker writes the frame by hand.
    assert.throws(() => attacker.chat(hostile), (err: { code?: string }) => err.code === 'ERR_BAD_MESSAGE');
    chatTampered(attacker, watcherId, placeholderFor(hostile), hostile);
    await watcher.waitFor('stdout', /^\* mallory \[[0-9a-f]{4}-[0-9a-f]{4}\] left \(closed\)\n/m, 'the watcher to drop the attacker');
    await watcher.waitFor('stderr', /^error ERR_[A-Z_]+: .*\n/m, 'the refusal on stderr');
    assert.ok(!watcher.stdout.includes('forged'), `nothing of the refused text was shown: ${JSON.stringify(watcher.stdout)}`);
    assertTerminalSafe(watcher.stdoutBytes, 'stdout');
    assertTerminalSafe(watcher.stderrBytes, 'stderr');
  });

  it('escapes remote bytes quoted in an error message (an XML tag name with ESC, OSC 8 and C1 CSI)', async () => {
    const { watcher, attacker, watcherId } = await setUp();
    // The XML checker quotes a bad tag name in its error. The chat text is closed early and the
    // element put beside it (deeper nesting is refused before names are checked).
    const evilTag = 'chat\u001b[31m\u001b]8;;https://evil.example\u0007\u009b2J\u202e';
    const splice = `x]]></text><${evilTag}/><text><![CDATA[x`;
    chatTampered(attacker, watcherId, placeholderFor(splice), splice);
    const line = await watcher.waitFor('stderr', /^error ERR_BAD_XML: .*\n/m, 'the refusal on stderr');
    assert.ok(line.includes("'chat\\x1b[31m\\x1b]8;;https://evil.example\\x07\\u009b2J\\u202e'"), `the quoted name is escaped: ${JSON.stringify(line)}`);
    assertTerminalSafe(watcher.stdoutBytes, 'stdout');
    assertTerminalSafe(watcher.stderrBytes, 'stderr');
  });

  it('keeps an error notice with line feeds on one log line', async () => {
    const { watcher, attacker } = await setUp();
    // The chat CLI logs at warn, and a member's error notice is logged with its text.
    attacker.broadcast({ type: 'error', code: 'ERR_PROTOCOL', text: 'x\nwarn: forged log line\ty' });
    const line = await watcher.waitFor('stderr', /^warn: .*reports ERR_PROTOCOL.*\n/m, 'the logged notice');
    assert.ok(line.endsWith('reports ERR_PROTOCOL: x\\nwarn: forged log line\\ty\n'), JSON.stringify(line));
    assert.doesNotMatch(watcher.stderr, /^warn: forged/m);
    assertTerminalSafe(watcher.stderrBytes, 'stderr');
  });
});
