/**
 * The group commands inside a real VS Code's extension host: Start Repository Server finishes
 * without waiting for its notification and says when one already runs; Leave Group leaves with
 * `{ confirmed: true }` while the board shows the group, and without a question when it does not.
 * Its question itself (a modal dialog, which VS Code refuses while it runs extension tests) is
 * answered in test/e2e/firstHour.test.ts.
 *
 * Named to run after extension.test.ts, whose first test checks that nothing activated the
 * extension before it.
 */
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import * as vscode from 'vscode';
import { freePort } from '../helpers/ports';
import type { TeamNotesApi } from './api';
import { api, until } from './teamNotes';

interface RepositoryStart {
  address: string;
  alreadyRunning: boolean;
}

/** Runs a command and fails if it has not finished within `ms` (a command must not wait for a notification nobody answers). */
async function finishesWithin<T>(ms: number, command: string, ...args: unknown[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${command} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([vscode.commands.executeCommand<T>(command, ...args), late]);
  } finally {
    clearTimeout(timer);
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

describe('the group commands', function () {
  this.timeout(30_000);
  const group = `commands-${process.pid}-${Date.now().toString(36)}`;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('teamNotes');
  let teamNotes: TeamNotesApi;
  let repository: RepositoryStart | undefined;

  before(async () => {
    teamNotes = await api();
    await config().update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
    await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Start Repository Server finishes without waiting for its notification, listening on the port of Repository Address', async () => {
    const configured = await freePort();
    await config().update('repositoryAddress', `127.0.0.1:${configured}`, vscode.ConfigurationTarget.Global);
    repository = await finishesWithin<RepositoryStart | undefined>(5_000, 'teamNotes.startRepository');
    assert.ok(repository !== undefined, `Start Repository Server failed: ${JSON.stringify(teamNotes.lastError())}`);
    assert.equal(await listening(portOf(repository.address)), true, `nothing listens at ${repository.address}`);
    // An earlier suite may have started this window's repository already (it runs until the window closes).
    if (!repository.alreadyRunning) assert.equal(portOf(repository.address), configured, 'the repository ignored the port of Repository Address');
  });

  it('Start Repository Server says where the repository runs when this window runs one already', async () => {
    assert.ok(repository, 'not run: Start Repository Server failed above');
    await config().update('repositoryAddress', `127.0.0.1:${await freePort()}`, vscode.ConfigurationTarget.Global);
    const again = await finishesWithin<RepositoryStart | undefined>(5_000, 'teamNotes.startRepository');
    assert.deepEqual(again, { address: repository.address, alreadyRunning: true });
  });

  async function joinWithANote(): Promise<void> {
    assert.ok(repository, 'not run: Start Repository Server failed above');
    await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'leaver', password: '' });
    await until(teamNotes, (s) => s.session.state === 'joined' && s.session.group === group, `joined ${group}`);
    if (!teamNotes.snapshot().board.some((i) => i.kind === 'note')) await vscode.commands.executeCommand('teamNotes.addNote', { text: 'something to lose sight of' });
    await until(teamNotes, (s) => s.board.some((i) => i.kind === 'note'), 'the note on the board');
  }

  it('Leave Group with { confirmed: true } leaves while the board shows the group, and joining again brings the board back from this machine', async () => {
    await joinWithANote();
    await vscode.commands.executeCommand('teamNotes.openBoard');
    const notes = teamNotes.snapshot().board.filter((i) => i.kind === 'note').map((i) => i.id);
    await finishesWithin<void>(5_000, 'teamNotes.leaveGroup', { confirmed: true });
    await until(teamNotes, (s) => s.session.state === 'idle', 'the session to be idle after a confirmed leave');
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'leaver', password: '' });
    const back = await until(teamNotes, (s) => s.session.state === 'joined', `joined ${group} again`);
    assert.deepEqual(back.board.filter((i) => i.kind === 'note').map((i) => i.id), notes, 'the board did not come back after leaving');
  });

  it('Leave Group asks first while the board shows the group: unanswered, it stays in the group', async () => {
    await joinWithANote();
    await vscode.commands.executeCommand('teamNotes.openBoard');
    // VS Code refuses dialogs while it runs extension tests, so the question fails instead of being answered.
    await assert.rejects(finishesWithin<void>(5_000, 'teamNotes.leaveGroup'), /dialog/i);
    assert.equal(teamNotes.snapshot().session.state, 'joined', 'Leave Group left without asking');
    await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await until(teamNotes, (s) => s.session.state === 'idle', 'the session to be idle');
  });

  it('Leave Group leaves without a question when the board is not showing', async () => {
    await joinWithANote();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await finishesWithin<void>(5_000, 'teamNotes.leaveGroup');
    await until(teamNotes, (s) => s.session.state === 'idle', 'the session to be idle');
  });
});
