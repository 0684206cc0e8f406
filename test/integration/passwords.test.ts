/**
 * Group passwords and bans inside a real VS Code, against `team-notes chat` peers started with
 * `TEAM_NOTES_PASSWORD`: a join with the right password, a wrong one, the password remembered in
 * SecretStorage, and a ban by key. Real sockets on 127.0.0.1, a CLI repository, no mocks.
 *
 * Runs after extension.test.ts (files run in name order); it activates the extension only in its
 * hooks and tests.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CliProcess, cliEvents, startRepository } from '../helpers/cliProcess';
import type { CliEvent } from '../helpers/cliProcess';
import type { Snapshot, TeamNotesApi } from './api';
import { api, eventually, extension, until } from './teamNotes';

/** A `team-notes chat` peer with the group password in its environment (absent: an open group). */
async function startPasswordPeer(cliPath: string, group: string, name: string, repository: string, password: string | undefined): Promise<{ proc: CliProcess; id: string; ready: CliEvent }> {
  const proc = new CliProcess(
    cliPath,
    ['chat', '--group', group, '--name', name, '--repository', repository, '--listen', '127.0.0.1:0', '--json'],
    `chat peer ${name}`,
    // Set either way, so that a TEAM_NOTES_PASSWORD in the editor's own environment never leaks in.
    { TEAM_NOTES_PASSWORD: password ?? '' },
  );
  const ready = await proc.waitFor((e) => e.event === 'ready', `${name} to be ready`);
  return { proc, id: ready.id as string, ready };
}

describe('Team Notes group passwords and bans in a real VS Code', function () {
  this.timeout(30_000);
  const group = `pw-${process.pid}-${Date.now().toString(36)}`;
  const password = `correct horse ${Date.now().toString(36)}`;
  const ourName = 'vscode-erin';
  const peerName = 'cli-frank';
  let cliPath: string;
  let teamNotes: TeamNotesApi;
  let repository: { proc: CliProcess; address: string };
  let frank: { proc: CliProcess; id: string; ready: CliEvent };
  const processes: CliProcess[] = [];
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('teamNotes');

  /** How many of frank's events came before now: `since(mark)` are the ones after. */
  const mark = (): number => frank.proc.events.length;
  const since = (from: number): CliEvent[] => frank.proc.events.slice(from);
  const frankOnline = (s: Snapshot): boolean => s.members.some((m) => m.id === frank.id && m.online);

  async function leave(): Promise<void> {
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await until(teamNotes, (s) => s.session.state === 'idle', 'the session to be idle after leaving');
  }

  /** Joins and waits for frank to be an online member and for frank to print our join (after `from`). */
  async function joinAndMeetFrank(args: Record<string, unknown>, what: string): Promise<Snapshot> {
    const from = mark();
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: ourName, ...args });
    const snapshot = await until(teamNotes, (s) => s.session.state === 'joined' && s.session.group === group && frankOnline(s), `${what}: ${peerName} online among the members`);
    await eventually(() => since(from).some(cliEvents.joined(ourName)), `${what}: ${peerName} to print ${ourName} joining`, () => since(from));
    return snapshot;
  }

  before(async function () {
    this.timeout(60_000);
    cliPath = join(extension().extensionPath, 'dist', 'cli.js');
    teamNotes = await api();
    await leave();
    repository = await startRepository(cliPath);
    processes.push(repository.proc);
    await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
    await config().update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
    await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
    await config().update('bannedPeers', [], vscode.ConfigurationTarget.Global);
    frank = await startPasswordPeer(cliPath, group, peerName, repository.address, password);
    processes.push(frank.proc);
    assert.equal(frank.ready.passwordProtected, true, `${peerName} did not take TEAM_NOTES_PASSWORD: ${JSON.stringify(frank.ready)}`);
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes !== undefined) await leave();
    await config().update('bannedPeers', undefined, vscode.ConfigurationTarget.Global);
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('joins with the password a CLI peer uses: they meet and chat both ways', async () => {
    const snapshot = await joinAndMeetFrank({ password }, 'the join with the right password');
    const member = snapshot.members.find((m) => m.id === frank.id);
    assert.deepEqual(member, { id: frank.id, name: peerName, fingerprint: String(frank.ready.fingerprint), online: true });

    const outgoing = `sealed hello ${Date.now()}`;
    await vscode.commands.executeCommand('teamNotes.sendMessage', { text: outgoing });
    await frank.proc.waitFor(cliEvents.chat(ourName, outgoing), `${peerName} to print our chat`);
    const incoming = `sealed reply ${Date.now()}`;
    frank.proc.type(incoming);
    const withReply = await until(teamNotes, (s) => s.chat.some((c) => c.text === incoming), `${peerName}'s chat`);
    assert.deepEqual(withReply.chat.find((c) => c.text === incoming)?.from, { id: frank.id, name: peerName });
    assert.ok(!frank.proc.events.some((e) => e.event === 'error'), `${peerName} reported errors: ${JSON.stringify(frank.proc.events.filter((e) => e.event === 'error'))}`);
  });

  it('rejoins with the remembered password when the join names the group but no password', async () => {
    await leave();
    const errorBefore = teamNotes.lastError();
    // No password in the arguments: only the one remembered in SecretStorage lets frank in.
    await joinAndMeetFrank({}, 'the join with the remembered password');
    assert.equal(teamNotes.lastError(), errorBefore, `the rejoin reported an error: ${JSON.stringify(teamNotes.lastError())}`);
    const text = `remembered ${Date.now()}`;
    await vscode.commands.executeCommand('teamNotes.sendMessage', { text });
    await frank.proc.waitFor(cliEvents.chat(ourName, text), `${peerName} to print chat after the rejoin`);
  });

  /** Joins with a wrong password and waits for a new ERR_AUTH_FAILED; returns every snapshot taken meanwhile. */
  async function joinWithWrongPassword(): Promise<Snapshot[]> {
    const errorBefore = teamNotes.lastError();
    const seen: Snapshot[] = [];
    const watch = teamNotes.onDidChange(() => seen.push(teamNotes.snapshot()));
    try {
      await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: ourName, password: `not ${password}` });
      await until(teamNotes, (s) => s.session.state === 'joined' && s.session.group === group, 'the join with the wrong password (the repository knows no passwords)');
      await eventually(
        () => teamNotes.lastError() !== errorBefore && teamNotes.lastError()?.code === 'ERR_AUTH_FAILED',
        'lastError() to become a new ERR_AUTH_FAILED',
        () => ({ before: errorBefore, lastError: teamNotes.lastError(), snapshot: teamNotes.snapshot() }),
      );
      // Give a late link the time it would need to show up (links form in well under a second here).
      await new Promise((r) => setTimeout(r, 1500));
      seen.push(teamNotes.snapshot());
    } finally {
      watch.dispose();
    }
    return seen;
  }

  it('with a wrong password never lists the CLI peer and reports ERR_AUTH_FAILED; the right password then works', async function () {
    this.timeout(60_000);
    await leave();
    const from = mark();
    const seen = await joinWithWrongPassword();
    const listed = seen.filter((s) => s.members.some((m) => m.id === frank.id || m.name === peerName));
    assert.deepEqual(listed.map((s) => s.members), [], `${peerName} was listed as a member with the wrong password`);
    assert.ok(!since(from).some(cliEvents.joined(ourName)), `${peerName} let us in with the wrong password: ${JSON.stringify(since(from))}`);
    assert.equal(teamNotes.snapshot().session.state, 'joined', 'a failed handshake with one member ended the session');

    await joinAndMeetFrank({ password }, 'the rejoin with the right password');
    const text = `right again ${Date.now()}`;
    await vscode.commands.executeCommand('teamNotes.sendMessage', { text });
    await frank.proc.waitFor(cliEvents.chat(ourName, text), `${peerName} to print chat after the rejoin`);
  });

  it('reports ERR_AUTH_FAILED again on a later join while the first warning is still unanswered', async function () {
    this.timeout(60_000);
    // Nobody answered the warning of the test above (a test cannot click a notification): a new
    // join with a wrong password must still report, not stay silent behind the open question.
    await leave();
    const seen = await joinWithWrongPassword();
    assert.ok(!seen.some(frankOnline), `${peerName} was online with the wrong password`);
    await joinAndMeetFrank({ password }, 'the rejoin with the right password');
  });

  it('Ban Member bans nobody without the confirmation, and refuses a row that is not a member', async function () {
    this.timeout(60_000);
    if (!frankOnline(teamNotes.snapshot())) await joinAndMeetFrank({ password }, 'the join before the ban');
    const member = teamNotes.snapshot().members.find((m) => m.id === frank.id)!;
    // The command asks with a modal dialog first; VS Code refuses to show dialogs while it runs
    // extension tests, so the question goes unanswered here and nothing may be banned.
    let refusal: string | undefined;
    try {
      await vscode.commands.executeCommand('teamNotes.banMember', { kind: 'member', member });
    } catch (err) {
      refusal = err instanceof Error ? err.message : String(err);
    }
    if (refusal !== undefined) {
      // The question names the member with the fingerprint the CLI peer prints for itself.
      assert.match(refusal, new RegExp(`Ban ${peerName} \\[${String(frank.ready.fingerprint)}\\]\\?`), `the confirmation does not name ${peerName} [${String(frank.ready.fingerprint)}]`);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(config().get<string[]>('bannedPeers'), [], 'Ban Member banned without a confirmation');
    assert.ok(frankOnline(teamNotes.snapshot()), `${peerName} was disconnected without a confirmation`);

    const errorBefore = teamNotes.lastError();
    await vscode.commands.executeCommand('teamNotes.banMember', { kind: 'self', name: ourName });
    assert.notEqual(teamNotes.lastError(), errorBefore, 'Ban Member on a row that is not a member reported nothing');
    assert.equal(teamNotes.lastError()?.code, 'ERR_UNKNOWN_MEMBER');
    assert.deepEqual(config().get<string[]>('bannedPeers'), []);
  });

  it('a peer id added to the Banned Peers setting disconnects that member at once and keeps it out', async function () {
    this.timeout(60_000);
    if (!frankOnline(teamNotes.snapshot())) await joinAndMeetFrank({ password }, 'the join before the ban');
    const from = mark();
    // What Ban Member does once confirmed (settings.banPeer): the peer id into the user settings.
    await config().update('bannedPeers', [frank.id], vscode.ConfigurationTarget.Global);
    assert.deepEqual(config().get<string[]>('bannedPeers'), [frank.id]);
    await until(teamNotes, (s) => !frankOnline(s), `${peerName} to be disconnected by the ban`);
    await eventually(() => since(from).some(cliEvents.left(ourName)), `${peerName} to see us go`, () => since(from));

    // It stays out: no new link, and what it sends does not reach us.
    const text = `after the ban ${Date.now()}`;
    frank.proc.type(text);
    await new Promise((r) => setTimeout(r, 1500));
    const after = teamNotes.snapshot();
    assert.ok(!frankOnline(after), `${peerName} came back after the ban: ${JSON.stringify(after.members)}`);
    assert.ok(!after.chat.some((c) => c.text === text), `${peerName}'s chat arrived after the ban`);
    assert.equal(after.session.state, 'joined', 'the ban ended our own session');
    assert.ok(!since(from).some(cliEvents.joined(ourName)), `${peerName} met us again after the ban: ${JSON.stringify(since(from))}`);
  });
});
