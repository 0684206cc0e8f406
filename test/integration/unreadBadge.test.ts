/**
 * Chat conveniences that live in the extension host, in a real VS Code with CLI peers on
 * 127.0.0.1: the Members view's badge (on the activity bar icon) counting unread messages, the
 * join and leave lines the host makes from the member list, and the host refusing to open a link
 * that is not http or https.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cliEvents, startChatPeer } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import type { TeamNotesApi } from './api';
import { api, eventually, extension, until, useCliRepository } from './teamNotes';

describe('unread badge, join and leave lines, links', function () {
  this.timeout(60_000);
  const group = `badge-${process.pid}-${Date.now().toString(36)}`;
  const ourName = 'vscode-ann';
  const processes: CliProcess[] = [];
  let cliPath: string;
  let repository: { proc: CliProcess; address: string };
  let bob: { proc: CliProcess; id: string };
  let teamNotes: TeamNotesApi;

  const lines = (): { member: { id: string; name: string }; change: string }[] => {
    const read = teamNotes.testOnlyPresenceLines;
    assert.ok(typeof read === 'function', 'in test mode the API has testOnlyPresenceLines');
    return read().map(({ member, change }) => ({ member, change }));
  };
  const badge = (): { value: number; tooltip: string } | undefined => {
    const read = teamNotes.testOnlyMembersBadge;
    assert.ok(typeof read === 'function', 'in test mode the API has testOnlyMembersBadge');
    return read();
  };
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500));

  before(async function () {
    this.timeout(60_000);
    cliPath = join(extension().extensionPath, 'dist', 'cli.js');
    teamNotes = await api();
    repository = await useCliRepository(cliPath);
    processes.push(repository.proc);
    bob = await startChatPeer(cliPath, group, 'cli-bob', repository.address);
    processes.push(bob.proc);
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: ourName });
    await until(teamNotes, (s) => s.session.state === 'joined' && s.members.some((m) => m.id === bob.id && m.online), `joined ${group} with cli-bob online`);
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('makes no "joined" line for a member who was there before we joined', async () => {
    await settle();
    assert.deepEqual(lines(), []);
  });

  it('makes a line when a member joins and when one leaves, and none while one is being reconnected', async function () {
    this.timeout(90_000);
    const carol = await startChatPeer(cliPath, group, 'cli-carol', repository.address);
    processes.push(carol.proc);
    await until(teamNotes, (s) => s.members.some((m) => m.id === carol.id && m.online), 'cli-carol online');
    await eventually(() => lines().length === 1, 'the line for cli-carol joining', lines);
    assert.deepEqual(lines(), [{ member: { id: carol.id, name: 'cli-carol' }, change: 'joined' }]);

    carol.proc.type('/quit');
    await carol.proc.exited;
    await eventually(() => lines().length === 2, 'the line for cli-carol leaving', lines);
    assert.deepEqual(lines()[1], { member: { id: carol.id, name: 'cli-carol' }, change: 'left' });

    // A link dropped without a goodbye: being reconnected is no "left"; once the group says the
    // member is gone, one line says so.
    const dave = await startChatPeer(cliPath, group, 'cli-dave', repository.address);
    processes.push(dave.proc);
    await eventually(() => lines().length === 3, 'the line for cli-dave joining', lines);
    await dave.proc.kill();
    await until(teamNotes, (s) => s.members.some((m) => m.id === dave.id && !m.online), 'cli-dave no longer online');
    await eventually(() => lines().length === 4, 'the line for cli-dave lost', lines, 60_000);
    assert.deepEqual(lines().slice(2), [
      { member: { id: dave.id, name: 'cli-dave' }, change: 'joined' },
      { member: { id: dave.id, name: 'cli-dave' }, change: 'lost' },
    ]);
  });

  it('shows the unread count as the Members view badge while the board is hidden, and clears it when the board shows', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await eventually(() => teamNotes.unread() === 0 || badge() !== undefined, 'the badge to follow the unread count', () => ({ unread: teamNotes.unread(), badge: badge() }));
    const before = teamNotes.unread();
    bob.proc.type('first while you were away');
    bob.proc.type('second while you were away');
    await until(teamNotes, (s) => s.chat.some((c) => c.text === 'second while you were away'), 'both messages');
    await eventually(() => teamNotes.unread() === before + 2, 'two more unread', () => teamNotes.unread());
    const count = before + 2;
    assert.deepEqual(badge(), { value: count, tooltip: `${count} unread messages` });

    await vscode.commands.executeCommand('teamNotes.openBoard');
    await eventually(() => badge() === undefined, 'the badge to go once the board shows', () => badge());
    assert.equal(teamNotes.unread(), 0);
  });

  it('refuses to open a link that is not http or https, with its code', async () => {
    const receive = teamNotes.testOnlyReceiveWebviewMessage;
    assert.ok(typeof receive === 'function', 'in test mode the API has testOnlyReceiveWebviewMessage');
    await vscode.commands.executeCommand('teamNotes.openBoard');
    const bad: [unknown, string][] = [
      [{ type: 'openLink', url: 'javascript:alert(1)' }, 'ERR_WEBVIEW_FIELD_FORMAT'],
      [{ type: 'openLink', url: 'file:///etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT'],
      [{ type: 'openLink', url: 'vscode://settings/teamNotes' }, 'ERR_WEBVIEW_FIELD_FORMAT'],
      [{ type: 'openLink', url: `https://example.com/${'x'.repeat(3000)}` }, 'ERR_WEBVIEW_FIELD_RANGE'],
      [{ type: 'openLink', url: 42 }, 'ERR_WEBVIEW_FIELD_TYPE'],
    ];
    for (const [raw, code] of bad) assert.deepEqual(await receive(raw), { outcome: 'refused', code, type: 'openLink', field: 'url' }, JSON.stringify(raw).slice(0, 80));
    // Still joined and chatting.
    await vscode.commands.executeCommand('teamNotes.sendMessage', { text: 'links refused, chat fine' });
    await bob.proc.waitFor(cliEvents.chat(ourName, 'links refused, chat fine'), 'cli-bob to get the chat after the refusals');
  });
});
