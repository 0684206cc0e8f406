/**
 * LAN discovery inside a real VS Code's extension host: the repository this window runs announces
 * the group it serves, so that a terminal member who started the group on another, younger
 * repository moves to it and the two halves are one group. The discovery channel is this run's
 * own, on loopback (test/helpers/isolatedDiscovery.ts, in code-server's environment and so in the
 * CLI processes the tests start).
 *
 * Named to run after groupCommands.test.ts, which starts this window's repository server.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cliEvents, startChatPeer, startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { isLocalHost } from '../../src/net/interfaceAddresses';
import { LanDiscovery } from '../../src/net/lanDiscovery';
import type { DiscoveredServer } from '../../src/net/lanDiscovery';
import { discoveryEnvironment } from '../../src/net/lanGroupServers';
import type { TeamNotesApi } from './api';
import { api, extension, until } from './teamNotes';

describe('LAN discovery in a real VS Code', function () {
  this.timeout(60_000);
  const group = `lan-${process.pid}-${Date.now().toString(36)}`;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('teamNotes');
  const processes: CliProcess[] = [];
  let teamNotes: TeamNotesApi;

  before(async () => {
    teamNotes = await api();
    await config().update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
    await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('a member of the group on a younger repository moves to the one this window runs, and the two meet', async () => {
    const started = await vscode.commands.executeCommand<{ address: string } | undefined>('teamNotes.startRepository');
    assert.ok(started !== undefined, `Start Repository Server failed: ${JSON.stringify(teamNotes.lastError())}`);
    await config().update('repositoryAddress', started.address, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'vscode-host', password: '' });
    await until(teamNotes, (s) => s.session.state === 'joined' && s.session.group === group, `joined ${group} through this window's repository`);

    // A terminal teammate starts the same group on a repository of its own, started later.
    const cli = join(extension().extensionPath, 'dist', 'cli.js');
    const younger = await startRepository(cli);
    processes.push(younger.proc);
    const dave = await startChatPeer(cli, group, 'cli-dave', younger.address);
    processes.push(dave.proc);
    await dave.proc.waitFor(cliEvents.joined('vscode-host'), 'cli-dave to meet vscode-host once it follows the longer-serving repository', 20_000);
    await until(teamNotes, (s) => s.members.some((m) => m.name === 'cli-dave' && m.online), 'cli-dave among the members');
    dave.proc.type('one group');
    await until(teamNotes, (s) => s.chat.some((c) => c.from.name === 'cli-dave' && c.text === 'one group'), "cli-dave's message");
  });

  it('with teamNotes.discovery off, this window announces nothing on the LAN', async () => {
    const listener = await LanDiscovery.start({ id: 'integration-listener', intervalMs: 500, ...discoveryEnvironment(process.env) });
    const ownRepository = (): DiscoveredServer[] =>
      (listener.groups().find((g) => g.group === group)?.servers ?? []).filter((s) => s.role === 'repository' && isLocalHost(s.host) && s.port === repositoryPort);
    const address = config().get<string>('repositoryAddress') ?? '';
    const repositoryPort = Number(address.slice(address.lastIndexOf(':') + 1));
    try {
      listener.ask();
      await waitFor(() => ownRepository().length > 0, 'this window\'s repository heard serving the group', 10_000);
      await config().update('discovery', false, vscode.ConfigurationTarget.Global);
      // Heard no more once its last beacon expires (three beats and a second).
      await waitFor(() => ownRepository().length === 0, 'this window\'s repository to fall silent', 15_000);
    } finally {
      listener.close();
      await config().update('discovery', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
