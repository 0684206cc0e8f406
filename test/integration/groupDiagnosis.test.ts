/**
 * Team Notes: Diagnose Connection inside a real VS Code's extension host: with a CLI member
 * linked and one listed at a port where nothing listens, the report (the Markdown the preview
 * shows) says the first is reached directly with a round trip and the second through the first. Not in a group, the command reports nothing and keeps working.
 *
 * Named to run after extension.test.ts, whose first test checks that nothing activated the
 * extension before it.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cliEvents, CliProcess, startChatPeer, startRepository } from '../helpers/cliProcess';
import { freePort } from '../helpers/ports';
import type { TeamNotesApi } from './api';
import { api, extension, until } from './teamNotes';

describe('Diagnose Connection in a real VS Code', function () {
  this.timeout(60_000);
  const group = `doctor-${process.pid}-${Date.now().toString(36)}`;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('teamNotes');
  const processes: CliProcess[] = [];
  let teamNotes: TeamNotesApi;

  before(async () => {
    teamNotes = await api();
    await config().update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
    await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await Promise.all(processes.map((p) => p.kill()));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('not in a group, reports nothing', async () => {
    assert.equal(teamNotes.snapshot().session.state, 'idle');
    // Its notification ("Join Group…") stays unanswered; the command finishes all the same.
    assert.equal(await vscode.commands.executeCommand<string | undefined>('teamNotes.diagnoseConnection', { show: false }), undefined);
  });

  it('says which member is reached directly and with what round trip, and which only through a relay', async () => {
    const cli = join(extension().extensionPath, 'dist', 'cli.js');
    const repository = await startRepository(cli);
    processes.push(repository.proc);
    const bob = await startChatPeer(cli, group, 'cli-bob', repository.address);
    processes.push(bob.proc);
    // A member the repository lists at a port where nothing listens (it says so itself).
    const closed = await freePort();
    const ghost = new CliProcess(cli, ['chat', '--group', group, '--name', 'cli-ghost', '--repository', repository.address, '--listen', '127.0.0.1:0', '--advertise-port', String(closed), '--json'], 'chat peer cli-ghost');
    processes.push(ghost);
    await ghost.waitFor((e) => e.event === 'ready', 'cli-ghost to be ready');

    await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'vscode-host', password: '' });
    await until(teamNotes, (s) => s.session.state === 'joined' && s.members.some((m) => m.name === 'cli-bob' && m.online), 'joined, with cli-bob linked');
    await bob.proc.waitFor(cliEvents.joined('vscode-host'), 'cli-bob to see vscode-host');

    const markdown = await vscode.commands.executeCommand<string | undefined>('teamNotes.diagnoseConnection', { waitMs: 1_500 });
    assert.ok(markdown !== undefined, `no report: ${JSON.stringify(teamNotes.lastError())}`);
    const text = markdown.replace(/\\(.)/g, '$1');
    const section = (name: string): string => text.split('\n## ').find((s) => s.includes(name)) ?? '';
    assert.match(section('cli-bob'), /direct/i, `cli-bob's section: ${section('cli-bob')}`);
    assert.match(section('cli-bob'), /\d+(\.\d+)? ms/, `cli-bob's round trip: ${section('cli-bob')}`);
    // Nothing answers at cli-ghost's port, but cli-ghost dialed cli-bob: after two refused dials the
    // window reaches it through cli-bob, and the report says so.
    await until(teamNotes, (s) => s.members.some((m) => m.name === 'cli-ghost' && m.online), 'cli-ghost reached through cli-bob');
    const again = (await vscode.commands.executeCommand<string | undefined>('teamNotes.diagnoseConnection', { waitMs: 1_500 }))!.replace(/\\(.)/g, '$1');
    const ghostSection = again.split('\n## ').find((s) => s.includes('cli-ghost')) ?? '';
    assert.match(ghostSection, /relayed/i, `cli-ghost's section: ${ghostSection}`);
    assert.match(ghostSection, /cli-bob/, `cli-ghost's relay is named: ${ghostSection}`);
    // The preview opened on the report.
    await until(teamNotes, () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => /Connection Diagnosis/.test(t.label))), 'the report to be shown');
  });
});
