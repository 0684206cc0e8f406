/**
 * Pins in a real VS Code (code-server) through the Comments API, with a second member played by a
 * `team-notes chat` peer whose working folder holds its own, older, version of the file: a pin it
 * makes shows at the right line here, where the file has changed above it; replies reach both; the
 * thread follows a live edit; a pin whose code is deleted shows as outdated with its original
 * code; pins made here reach the peer; bad input gets a clear, coded refusal. Real sockets, no mocks.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CliProcess } from '../helpers/cliProcess';
import type { CliEvent } from '../helpers/cliProcess';
import type { PinThreadView, TeamNotesApi } from './api';
import { api, eventually, extension, until, useCliRepository } from './teamNotes';

const PEER_VERSION = ['export function area(w: number, h: number): number {', '  return w * h;', '}', '', 'export function next(n: number): number {', '  const step = 1;', '  return n + step;', '}', ''].join('\n');
/** The same file as this member has it: a header of three lines above, `next` unchanged. */
const OUR_VERSION = `// Geometry helpers.\n// Shared by the team.\n\n${PEER_VERSION}`;

describe('Team Notes pins in a real VS Code', function () {
  this.timeout(60_000);
  const group = `pins-${process.pid}-${Date.now().toString(36)}`;
  let teamNotes: TeamNotesApi;
  let repository: { proc: CliProcess; address: string };
  let peer: CliProcess;
  let peerFolder: string;
  let file: vscode.Uri;
  let pinId: string;

  const threads = (): PinThreadView[] => teamNotes.testOnlyPinThreads!();
  const thread = (id = pinId): PinThreadView | undefined => threads().find((t) => t.pin === id);
  async function threadWhere(predicate: (t: PinThreadView) => boolean, what: string, id = pinId): Promise<PinThreadView> {
    await eventually(() => { const t = thread(id); return t !== undefined && predicate(t); }, what, () => threads());
    return thread(id)!;
  }
  const peerPrinted = (predicate: (e: CliEvent) => boolean, what: string): Promise<CliEvent> => peer.waitFor(predicate, what);

  before(async function () {
    this.timeout(90_000);
    teamNotes = await api();
    assert.ok(teamNotes.testOnlyPinThreads, 'the test API has no testOnlyPinThreads: not in test mode?');
    const cliPath = join(extension().extensionPath, 'dist', 'cli.js');
    repository = await useCliRepository(cliPath);
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    mkdirSync(join(folder.fsPath, 'geometry'), { recursive: true });
    file = vscode.Uri.joinPath(folder, 'geometry', 'shapes.ts');
    writeFileSync(file.fsPath, OUR_VERSION);
    peerFolder = mkdtempSync(join(tmpdir(), 'team-notes-peer-checkout-'));
    mkdirSync(join(peerFolder, 'geometry'));
    writeFileSync(join(peerFolder, 'geometry', 'shapes.ts'), PEER_VERSION);
    // The gutter offers a new pin only while in a group.
    const document = await vscode.workspace.openTextDocument(file);
    assert.equal(await teamNotes.testOnlyCommentingLines!(document), 0, 'no "+" in the gutter before joining');
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'vscode-pat' });
    await until(teamNotes, (s) => s.session.state === 'joined', 'joined');
    assert.equal(await teamNotes.testOnlyCommentingLines!(document), document.lineCount, 'every line offers a new pin once joined');
    peer = new CliProcess(cliPath, ['chat', '--group', group, '--name', 'cli-quinn', '--repository', repository.address, '--listen', '127.0.0.1:0', '--json'], 'chat peer cli-quinn', {}, { cwd: peerFolder });
    await peer.waitFor((e) => e.event === 'ready', 'cli-quinn ready');
    await until(teamNotes, (s) => s.members.some((m) => m.name === 'cli-quinn' && m.online), 'cli-quinn online');
  });

  after(async function () {
    this.timeout(20_000);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (teamNotes?.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    peer?.endInput();
    await peer?.exited;
    repository?.proc.endInput();
    if (peerFolder !== undefined) rmSync(peerFolder, { recursive: true, force: true });
  });

  it('shows a pin made on the peer\'s version at the lines where that code is in ours', async () => {
    peer.type('/pin geometry/shapes.ts:6-7 Why a named step of one?');
    pinId = String((await peerPrinted((e) => e.event === 'sent' && e.type === 'pin' && e.op === 'add', 'the pin sent')).item);
    const placed = await threadWhere(() => true, 'the pin\'s thread in our editor');
    assert.deepEqual([placed.startLine, placed.endLine], [9, 10], `the pin is at the wrong lines: ${JSON.stringify(placed)}`);
    assert.equal(placed.label, undefined, 'moved code is not flagged');
    assert.match(placed.comments[0]!, /Why a named step of one\?/);
  });

  it('carries replies both ways', async () => {
    await vscode.commands.executeCommand('teamNotes.replyPin', { pin: pinId, text: 'Clearer than a bare 1.' });
    await peerPrinted((e) => e.event === 'message' && e.type === 'pin' && e.op === 'reply' && e.text === 'Clearer than a bare 1.', 'our reply at the peer');
    peer.type(`/reply ${pinId} Fair enough.`);
    const placed = await threadWhere((t) => t.comments.length === 3, 'both replies in our thread');
    assert.match(placed.comments[1]!, /Clearer than a bare 1\./);
    assert.match(placed.comments[2]!, /Fair enough\./);
  });

  it('follows a live edit above the pinned lines, before the file is saved', async () => {
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(file, new vscode.Position(0, 0), '// One more line.\n// And another.\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const placed = await threadWhere((t) => t.startLine === 11, 'the thread two lines further down');
    assert.equal(placed.endLine, 12);
  });

  it('resolves and reopens the thread for both members', async () => {
    await vscode.commands.executeCommand('teamNotes.resolvePin', { pin: pinId });
    await threadWhere((t) => t.resolved, 'the thread resolved');
    await peerPrinted((e) => e.event === 'message' && e.type === 'pin' && e.op === 'resolve', 'the resolve at the peer');
    peer.type(`/reopen ${pinId}`);
    await threadWhere((t) => !t.resolved, 'the thread reopened by the peer');
  });

  it('shows the pin as outdated with its original code when the pinned lines are deleted', async () => {
    const document = await vscode.workspace.openTextDocument(file);
    const start = document.getText().indexOf('export function next');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(file, new vscode.Range(document.positionAt(start), document.positionAt(document.getText().length)), 'export const unrelated = 42;\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const placed = await threadWhere((t) => t.outdated, 'the thread outdated');
    assert.match(placed.label ?? '', /Outdated/);
    assert.match(placed.comments[0]!, /const step = 1;/, 'the original code is quoted');
    assert.match(placed.comments[0]!, /return n \+ step;/);
  });

  it('sends a pin made here, with its repository-relative path, to the peer', async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    const id = await vscode.commands.executeCommand<string | undefined>('teamNotes.pinNote', { uri: file, startLine: 4, endLine: 6, text: 'Rename to rectArea?' });
    assert.ok(id, `not pinned: ${JSON.stringify(teamNotes.lastError())}`);
    const got = await peerPrinted((e) => e.event === 'message' && e.type === 'pin' && e.op === 'add' && e.item === id, 'our pin at the peer');
    assert.equal(got.path, 'geometry/shapes.ts');
    assert.equal(got.startLine, 4);
  });

  it('hands the pin and its thread to a member who joins later (catch-up), and keeps them over a rejoin', async () => {
    const cliPath = join(extension().extensionPath, 'dist', 'cli.js');
    const late = new CliProcess(cliPath, ['chat', '--group', group, '--name', 'cli-rosa', '--repository', repository.address, '--listen', '127.0.0.1:0', '--json'], 'chat peer cli-rosa');
    try {
      await late.waitFor((e) => e.event === 'message' && e.type === 'pin' && e.op === 'add' && e.item === pinId, 'the pin caught up by cli-rosa');
      await late.waitFor((e) => e.event === 'message' && e.type === 'pin' && e.op === 'reply' && e.item === pinId && e.text === 'Fair enough.', 'the peer\'s reply caught up by cli-rosa');
    } finally {
      late.endInput();
      await late.exited;
    }
    await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await until(teamNotes, (s) => s.session.state === 'idle', 'left');
    assert.equal(await teamNotes.testOnlyCommentingLines!(await vscode.workspace.openTextDocument(file)), 0, 'no "+" in the gutter once left');
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'vscode-pat' });
    await until(teamNotes, (s) => s.session.state === 'joined', 'joined again');
    const placed = await threadWhere((t) => t.comments.length === 3, 'the thread back from this window\'s history');
    assert.match(placed.comments[2]!, /Fair enough\./);
  });

  it('says so when the pinned code matches in several places here, and lets the member choose one', async () => {
    const block = ['  const step = 1;', '  return n + step;', '}'];
    writeFileSync(join(peerFolder, 'geometry', 'twice.ts'), ['export function next(n: number): number {', ...block, ''].join('\n'));
    const ours = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'geometry', 'twice.ts');
    writeFileSync(ours.fsPath, ['function up(n: number): number {', ...block, '', 'function again(n: number): number {', ...block, ''].join('\n'));
    peer.type('/pin geometry/twice.ts:2-3 Which step?');
    const id = String((await peerPrinted((e) => e.event === 'sent' && e.type === 'pin' && e.op === 'add' && e.item !== pinId, 'the second pin sent')).item);
    const doubtful = await threadWhere(() => true, 'the ambiguous pin\'s thread', id);
    assert.match(doubtful.label ?? '', /Not sure where: 2 places match/);
    assert.deepEqual(doubtful.candidates, [{ startLine: 2, endLine: 3 }, { startLine: 7, endLine: 8 }]);
    assert.match(doubtful.comments[0]!, /const step = 1;/, 'the original code is quoted');
    await vscode.commands.executeCommand('teamNotes.choosePinPlace', { pin: id, startLine: 7 });
    const chosen = await threadWhere((t) => t.startLine === 7, 'the thread at the chosen place', id);
    assert.match(chosen.label ?? '', /Placed where you chose/);
  });

  it('refuses a binary file, and lines that occur in many places, with a clear message', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const binary = vscode.Uri.joinPath(folder, 'geometry', 'blob.bin');
    writeFileSync(binary.fsPath, Buffer.from([0x61, 0x00, 0x62, 0x0a]));
    assert.equal(await vscode.commands.executeCommand('teamNotes.pinNote', { uri: binary, startLine: 1, text: 'no' }), undefined);
    assert.equal(teamNotes.lastError()?.code, 'ERR_BAD_INPUT');
    assert.match(teamNotes.lastError()!.message, /binary/);
    const repeated = vscode.Uri.joinPath(folder, 'geometry', 'repeated.ts');
    writeFileSync(repeated.fsPath, '}\n'.repeat(1000));
    assert.equal(await vscode.commands.executeCommand('teamNotes.pinNote', { uri: repeated, startLine: 500, text: 'which one?' }), undefined);
    assert.match(teamNotes.lastError()!.message, /places of the file/);
  });
});
