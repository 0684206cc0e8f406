/**
 * The group's history inside a real VS Code, against a CLI repository and a CLI peer on 127.0.0.1:
 * delivery counts of own chat messages, Export Session as Markdown (chat, a note, a snippet shared
 * from a real editor, an image written beside the document), and Clear Local History followed by a
 * rejoin that gets everything back from the peer by catch-up, each message once.
 *
 * Named zz-… so that it runs after extension.test.ts, whose first test must run before anything
 * activates the extension (files run in name order); it activates the extension only in its hooks.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as vscode from 'vscode';
import { cliEvents, startChatPeer, startRepository } from '../helpers/cliProcess';
import type { CliEvent, CliProcess } from '../helpers/cliProcess';
import type { Snapshot, TeamNotesApi } from './api';
import { api, eventually, extension, until } from './teamNotes';

describe('Team Notes history in a real VS Code (delivery, export, clear and catch-up)', function () {
  this.timeout(60_000);
  const group = `hist-${process.pid}-${Date.now().toString(36)}`;
  const ourName = 'vscode-hana';
  const peerName = 'cli-ivan';
  const stamp = Date.now().toString(36);
  const ourChat = `our words for the record ${stamp}`;
  const peerChat = `the terminal agrees ${stamp}`;
  const noteText = `remember the release notes ${stamp}`;
  let cliPath: string;
  let teamNotes: TeamNotesApi;
  let repository: { proc: CliProcess; address: string };
  let ivan: { proc: CliProcess; id: string };
  let exportDir: string | undefined;
  let joined = false;
  const processes: CliProcess[] = [];
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('teamNotes');
  const fromIvan = (since = 0): CliEvent[] => ivan.proc.events.slice(since);
  const ivanOnline = (s: Snapshot): boolean => s.members.some((m) => m.id === ivan.id && m.online);

  const requireJoined = (): void => {
    if (!joined) throw new Error('not run: Join Group failed above');
  };

  async function leave(): Promise<void> {
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await until(teamNotes, (s) => s.session.state === 'idle', 'the session to be idle after leaving');
  }

  before(async function () {
    this.timeout(90_000);
    cliPath = join(extension().extensionPath, 'dist', 'cli.js');
    teamNotes = await api();
    await leave();
    repository = await startRepository(cliPath);
    processes.push(repository.proc);
    await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
    await config().update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
    await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
    await config().update('bannedPeers', [], vscode.ConfigurationTarget.Global);
    ivan = await startChatPeer(cliPath, group, peerName, repository.address);
    processes.push(ivan.proc);
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: ourName });
    await until(teamNotes, (s) => s.session.state === 'joined' && s.session.group === group && ivanOnline(s), `joined ${group} with ${peerName} online`);
    await ivan.proc.waitFor(cliEvents.joined(ourName), `${peerName} to see ${ourName} join`);
    joined = true;
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes !== undefined) await leave().catch(() => undefined);
    await Promise.all(processes.map((p) => p.kill()));
    if (exportDir !== undefined) rmSync(exportDir, { recursive: true, force: true });
  });

  it('counts an own chat message delivered once the CLI peer holds it: { delivered: 1, of: 1 }', async () => {
    requireJoined();
    await vscode.commands.executeCommand('teamNotes.sendMessage', { text: ourChat });
    const sent = await until(teamNotes, (s) => s.chat.some((c) => c.own && c.text === ourChat), 'our message in the chat');
    const entry = sent.chat.find((c) => c.own && c.text === ourChat)!;
    assert.ok(entry.delivery !== undefined, `an own message has no delivery in the snapshot: ${JSON.stringify(entry)}`);
    assert.equal(entry.delivery.of, 1, `sent with one member online, but delivery says of ${entry.delivery.of}`);
    assert.ok(entry.delivery.delivered <= 1, JSON.stringify(entry.delivery));
    await ivan.proc.waitFor(cliEvents.chat(ourName, ourChat), `${peerName} to print our message`);
    const delivered = await until(
      teamNotes,
      (s) => s.chat.find((c) => c.id === entry.id)?.delivery?.delivered === 1,
      `the delivery of our message to reach 1 of 1 after ${peerName} printed it`,
    );
    assert.deepEqual(delivered.chat.find((c) => c.id === entry.id)!.delivery, { delivered: 1, of: 1 });
    // The peer's own message is not ours: no delivery count on it.
    ivan.proc.type(peerChat);
    const withPeer = await until(teamNotes, (s) => s.chat.some((c) => c.text === peerChat), `${peerName}'s message in the chat`);
    const theirs = withPeer.chat.find((c) => c.text === peerChat)!;
    assert.equal(theirs.own, false);
    assert.equal(theirs.delivery, undefined, `a received message carries a delivery count: ${JSON.stringify(theirs)}`);
  });

  /** The sample file shared as a snippet, and the PNG added to the board. */
  const sampleName = 'team-notes-history-sample.ts';
  const sampleLines = ['// shared for the export test', 'export function half(n: number): number {', '  return n / 2;', '}', ''];
  const snippetCode = `${sampleLines[1]}\n${sampleLines[2]}`;
  let pngBytes: Uint8Array;

  it('Export Session as Markdown with { file } writes the chat, a note, a snippet with its path:lines and an image beside it', async function () {
    this.timeout(90_000);
    requireJoined();
    // A note.
    await vscode.commands.executeCommand('teamNotes.addNote', { text: noteText });
    await until(teamNotes, (s) => s.board.some((i) => i.kind === 'note' && 'text' in i && i.text === noteText), 'the note on our board');
    // A snippet from a real editor document.
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the suite needs a workspace folder open (the harness opens one)');
    const file = join(folder.uri.fsPath, sampleName);
    writeFileSync(file, sampleLines.join('\n'));
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(1, 0, 2, document.lineAt(2).text.length);
    assert.equal(document.getText(editor.selection), snippetCode);
    await vscode.commands.executeCommand('teamNotes.shareSelection');
    await until(teamNotes, (s) => s.board.some((i) => i.kind === 'snippet' && 'path' in i && i.path === sampleName), 'the snippet on our board');
    // An image, as the board panel hands one over (a paste or a drop).
    const png = new PNG({ width: 48, height: 32 });
    for (let i = 0; i < png.data.length; i += 4) png.data.set([200, (i / 4) % 48 * 5, 60, 255], i);
    pngBytes = new Uint8Array(PNG.sync.write(png));
    const receive = teamNotes.testOnlyReceiveWebviewMessage;
    assert.ok(typeof receive === 'function', 'in test mode the API has testOnlyReceiveWebviewMessage');
    await vscode.commands.executeCommand('teamNotes.openBoard');
    const imagesBefore = teamNotes.snapshot().board.filter((i) => i.kind === 'image').length;
    assert.deepEqual(await receive({ type: 'addImage', bytes: pngBytes, x: 600, y: 700, width: 48, height: 32 }), { outcome: 'done', type: 'addImage' });
    await until(teamNotes, (s) => s.board.filter((i) => i.kind === 'image').length > imagesBefore, 'the image on our board');
    // The peer holds all of it (the clear-and-rejoin test below gets it back from there).
    await ivan.proc.waitFor((e) => e.event === 'message' && e.type === 'note' && e.text === noteText, `${peerName} to print our note`);
    await ivan.proc.waitFor((e) => e.event === 'message' && e.type === 'snippet' && e.path === sampleName, `${peerName} to print our snippet`);
    await ivan.proc.waitFor((e) => e.event === 'message' && e.type === 'image' && e.bytes === pngBytes.length, `${peerName} to print our image`);

    exportDir = mkdtempSync(join(tmpdir(), 'team-notes-export-'));
    const target = join(exportDir, 'session.md');
    const errorBefore = teamNotes.lastError();
    await vscode.commands.executeCommand('teamNotes.exportSession', { file: target });
    assert.equal(teamNotes.lastError(), errorBefore, `Export Session failed: ${JSON.stringify(teamNotes.lastError())}`);
    assert.ok(existsSync(target), `no file at ${target} after Export Session; the folder holds ${readdirSync(exportDir).join(', ')}`);
    const markdown = readFileSync(target, 'utf8');
    const section = (title: string): string => {
      const start = markdown.indexOf(title);
      assert.ok(start >= 0, `the export has no "${title}" section:\n${markdown}`);
      const next = markdown.slice(start + title.length).search(/\n#{2,3} /);
      return next < 0 ? markdown.slice(start) : markdown.slice(start, start + title.length + next);
    };
    assert.match(markdown, new RegExp(`^# Team Notes — ${group}`, 'm'));
    const chat = section('## Chat');
    assert.ok(chat.includes(ourChat), `our chat message is not in the Chat section:\n${chat}`);
    assert.ok(chat.includes(peerChat), `${peerName}'s chat message is not in the Chat section:\n${chat}`);
    assert.match(chat, new RegExp(`\\*\\*${ourName}\\*\\* · `), `our messages are not attributed to us:\n${chat}`);
    assert.match(chat, new RegExp(`\\*\\*${peerName}\\*\\* · `), `${peerName}'s messages are not attributed to it:\n${chat}`);
    assert.ok(section('### Notes').includes(`> ${noteText}`), `the note is not quoted in the Notes section:\n${section('### Notes')}`);
    const code = section('### Code');
    assert.ok(code.includes(`\`${sampleName}\`:2-3 · shared by **${ourName}**`), `the snippet's path:lines are not in the Code section:\n${code}`);
    assert.ok(code.includes(`\`\`\`typescript\n${snippetCode}\n\`\`\``), `the snippet is not a fenced typescript block in the Code section:\n${code}`);
    const images = section('### Images');
    const link = /!\[image by [^\]]*\]\((session-images\/[0-9a-f]{16}\.png)\)/.exec(images);
    assert.ok(link, `no image link in the Images section:\n${images}`);
    const written = join(exportDir, ...link[1]!.split('/'));
    assert.ok(existsSync(written), `the export links ${link[1]} but wrote ${readdirSync(exportDir).join(', ')}`);
    assert.ok(readFileSync(written).equals(Buffer.from(pngBytes)), 'the image beside the export is not the image added');
  });

  it('Clear Local History with { confirmed: true } leaves and empties board and chat; a rejoin gets it all back from the peer, each message once', async function () {
    this.timeout(90_000);
    requireJoined();
    const before = teamNotes.snapshot();
    const chatBefore = before.chat.map((c) => ({ id: c.id, text: c.text, own: c.own, from: c.from.id })).sort((a, b) => a.id.localeCompare(b.id));
    const boardBefore = before.board.map((i) => ({ id: i.id, kind: i.kind })).sort((a, b) => a.id.localeCompare(b.id));
    assert.ok(chatBefore.some((c) => c.text === ourChat) && chatBefore.some((c) => c.text === peerChat), `the tests above left both chat messages: ${JSON.stringify(chatBefore)}`);
    assert.deepEqual(boardBefore.map((i) => i.kind).sort(), ['image', 'note', 'snippet'], 'the tests above left a note, a snippet and an image');
    const imageBefore = before.board.find((i) => i.kind === 'image') as unknown as { id: string; bytes: Uint8Array };

    const mark = fromIvan().length;
    const errorBefore = teamNotes.lastError();
    await vscode.commands.executeCommand('teamNotes.clearHistory', { confirmed: true });
    assert.equal(teamNotes.lastError(), errorBefore, `Clear History failed: ${JSON.stringify(teamNotes.lastError())}`);
    const cleared = await until(teamNotes, (s) => s.session.state === 'idle' && s.chat.length === 0 && s.board.length === 0, 'idle with an empty board and chat after Clear History');
    assert.deepEqual(cleared.members, [], 'members are still listed after leaving');
    await eventually(() => fromIvan(mark).some(cliEvents.left(ourName)), `${peerName} to see ${ourName} leave`, () => fromIvan(mark));

    // On join the session shows what is on disk before any network traffic: here, nothing.
    const atJoining: Snapshot[] = [];
    const watch = teamNotes.onDidChange(() => {
      const s = teamNotes.snapshot();
      if (s.session.state === 'joining' && atJoining.length === 0) atJoining.push(s);
    });
    try {
      await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: ourName });
    } finally {
      watch.dispose();
    }
    assert.equal(atJoining.length, 1, 'the rejoin never went through "joining"');
    assert.deepEqual({ chat: atJoining[0]!.chat.length, board: atJoining[0]!.board.length }, { chat: 0, board: 0 }, 'the rejoin showed history from disk: Clear History left it there');

    const chatIds = new Set(chatBefore.map((c) => c.id));
    const boardIds = new Set(boardBefore.map((i) => i.id));
    await until(
      teamNotes,
      (s) => s.session.state === 'joined' && s.session.catchUp === undefined && [...chatIds].every((id) => s.chat.some((c) => c.id === id)) && [...boardIds].every((id) => s.board.some((i) => i.id === id)),
      `every chat message and board item back from ${peerName} by catch-up`,
      30_000,
    );
    // Let any late or repeated page arrive before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const after = teamNotes.snapshot();
    const chatAfter = after.chat.map((c) => ({ id: c.id, text: c.text, own: c.own, from: c.from.id })).sort((a, b) => a.id.localeCompare(b.id));
    const boardAfter = after.board.map((i) => ({ id: i.id, kind: i.kind })).sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(chatAfter, chatBefore, 'the chat after catch-up is not the chat before Clear History (each message once, own ones still ours)');
    assert.deepEqual(boardAfter, boardBefore, 'the board after catch-up is not the board before Clear History');
    const imageAfter = after.board.find((i) => i.id === imageBefore.id) as unknown as { bytes: Uint8Array };
    assert.ok(Buffer.from(imageAfter.bytes).equals(Buffer.from(imageBefore.bytes)), 'the image came back with other bytes');
    // And the session goes on: a new message reaches the peer.
    const later = `after the catch-up ${stamp}`;
    await vscode.commands.executeCommand('teamNotes.sendMessage', { text: later });
    await ivan.proc.waitFor(cliEvents.chat(ourName, later), `${peerName} to print a message sent after the catch-up`);
    assert.equal(teamNotes.snapshot().chat.filter((c) => c.text === later).length, 1);
  });
});
