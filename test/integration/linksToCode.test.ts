/**
 * Links to code in a real VS Code, with a CLI peer on 127.0.0.1: a chat code location opens the
 * code in this checkout where it is now (or its line, when nothing was quoted), bad paths and
 * files get a clear refusal and open nothing, Share Selection to Chat sends the location with the
 * code, and snippet cards notice when the member's file changes.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { codeShareText } from '../../src/board/chatMarkup';
import { cliEvents, startChatPeer } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import type { TeamNotesApi, WebviewMessageOutcome } from './api';
import { api, extension, until, useCliRepository } from './teamNotes';

const MATH = ['// math helpers', 'export function add(a: number, b: number): number {', '  const sum = a + b;', '  return sum;', '}', '', 'export function twice(n: number): number {', '  return add(n, n);', '}', ''];

describe('links to code', function () {
  this.timeout(60_000);
  const group = `code-${process.pid}-${Date.now().toString(36)}`;
  const processes: CliProcess[] = [];
  const made: string[] = [];
  let teamNotes: TeamNotesApi;
  let bob: { proc: CliProcess; id: string };
  let folder: string;
  let receive: (raw: unknown) => Promise<WebviewMessageOutcome>;

  const write = (relative: string, text: string): string => {
    const file = join(folder, relative);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  const selectionLines = (): [string, number, number] | undefined => {
    const editor = vscode.window.activeTextEditor;
    return editor === undefined ? undefined : [vscode.workspace.asRelativePath(editor.document.uri, false), editor.selection.start.line + 1, editor.selection.end.line + 1];
  };
  const statuses = async (): Promise<{ id: string; status: string; startLine?: number; endLine?: number }[]> => {
    const read = teamNotes.testOnlySnippetStatuses;
    assert.ok(typeof read === 'function', 'in test mode the API has testOnlySnippetStatuses');
    return read();
  };

  before(async function () {
    this.timeout(60_000);
    const cliPath = join(extension().extensionPath, 'dist', 'cli.js');
    teamNotes = await api();
    const workspace = vscode.workspace.workspaceFolders?.[0];
    assert.ok(workspace, 'the suite needs a workspace folder open (the harness opens one)');
    folder = workspace.uri.fsPath;
    made.push(join(folder, 'links'));
    const repository = await useCliRepository(cliPath);
    processes.push(repository.proc);
    bob = await startChatPeer(cliPath, group, 'cli-bob', repository.address);
    processes.push(bob.proc);
    await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'vscode-cody' });
    await until(teamNotes, (s) => s.session.state === 'joined' && s.members.some((m) => m.id === bob.id && m.online), `joined ${group} with cli-bob online`);
    await vscode.commands.executeCommand('teamNotes.openBoard');
    const hook = teamNotes.testOnlyReceiveWebviewMessage;
    assert.ok(typeof hook === 'function', 'in test mode the API has testOnlyReceiveWebviewMessage');
    receive = (raw) => hook(raw);
  });

  after(async function () {
    this.timeout(20_000);
    if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
    await Promise.all(processes.map((p) => p.kill()));
    for (const path of made) rmSync(path, { recursive: true, force: true });
  });

  it('opens a bare path:line at that line of this checkout', async () => {
    write('links/math.ts', MATH.join('\n'));
    assert.deepEqual(await receive({ type: 'openCode', path: 'links/math.ts', startLine: 7, endLine: 8 }), { outcome: 'done', type: 'openCode' });
    assert.deepEqual(selectionLines(), ['links/math.ts', 7, 8]);
  });

  it('opens quoted code where it is now, after lines were added above it', async () => {
    write('links/moved.ts', ['// one', '// two', '// three', ...MATH].join('\n'));
    const code = MATH.slice(1, 5).join('\n');
    assert.deepEqual(await receive({ type: 'openCode', path: 'links/moved.ts', startLine: 2, endLine: 5, code }), { outcome: 'done', type: 'openCode' });
    assert.deepEqual(selectionLines(), ['links/moved.ts', 5, 8]);
  });

  it('refuses a missing file, a path outside the workspace, a 100 MB file and a binary one, clearly, opening nothing', async function () {
    this.timeout(60_000);
    write('links/data.bin', '');
    writeFileSync(join(folder, 'links/data.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]));
    write('links/huge.log', '');
    truncateSync(join(folder, 'links/huge.log'), 100 * 1024 * 1024); // sparse: 100 MB without writing them
    const outside = join(tmpdir(), `team-notes-outside-${process.pid}.ts`);
    writeFileSync(outside, 'export const secret = 1;\n');
    symlinkSync(outside, join(folder, 'links/escape.ts'));
    const documentsBefore = vscode.workspace.textDocuments.map((d) => d.uri.toString()).sort();
    const failed = async (path: string): Promise<string> => {
      const started = Date.now();
      const outcome = await receive({ type: 'openCode', path, startLine: 1, endLine: 1 });
      assert.ok(Date.now() - started < 5000, `${path} took ${Date.now() - started} ms`);
      assert.equal(outcome.outcome, 'failed', `${path}: ${JSON.stringify(outcome)}`);
      return outcome.outcome === 'failed' ? `${outcome.code} ${outcome.message}` : '';
    };
    assert.match(await failed('links/nothing-here.ts'), /^ERR_PATH_NOT_FOUND "links\/nothing-here.ts" is not in your workspace/);
    assert.match(await failed('links/escape.ts'), /^ERR_PATH_OUTSIDE .*outside your workspace folders/);
    assert.match(await failed('links/huge.log'), /^ERR_BAD_INPUT .*100 MB, more than 5 MB/);
    assert.match(await failed('links/data.bin'), /^ERR_BAD_INPUT .*binary file/);
    const refused = await receive({ type: 'openCode', path: '../../etc/passwd', startLine: 1, endLine: 1 });
    assert.deepEqual(refused, { outcome: 'refused', code: 'ERR_WEBVIEW_FIELD_FORMAT', type: 'openCode', field: 'path' });
    assert.deepEqual(vscode.workspace.textDocuments.map((d) => d.uri.toString()).sort(), documentsBefore, 'a refused location opened a document');
    rmSync(outside, { force: true });
  });

  it('picks no line for quoted code that appears a thousand times, and stays quick', async () => {
    const block = ['if (ready) {', '  start(everything, now);', '}'];
    write('links/many.ts', Array.from({ length: 1000 }, () => block.join('\n')).join('\n'));
    const started = Date.now();
    assert.deepEqual(await receive({ type: 'openCode', path: 'links/many.ts', startLine: 4, endLine: 6, code: block.join('\n') }), { outcome: 'done', type: 'openCode' });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor !== undefined && editor.document.uri.fsPath.endsWith('many.ts'));
    assert.ok(editor.selection.isEmpty && editor.selection.start.line === 0, 'an ambiguous location selects no lines');
  });

  it('Share Selection to Chat sends path:start-end and the code in a fenced block, and refuses a selection too long for chat', async () => {
    const file = write('links/share.ts', MATH.join('\n'));
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    // From the middle of line 2 to the middle of line 4: whole lines are quoted.
    editor.selection = new vscode.Selection(1, 7, 3, 5);
    await vscode.commands.executeCommand('teamNotes.shareSelectionToChat');
    const expected = codeShareText('links/share.ts', 2, 4, 'typescript', MATH.slice(1, 4).join('\n'));
    await bob.proc.waitFor(cliEvents.chat('vscode-cody', expected), 'cli-bob to print the shared selection');

    const long = write('links/long.ts', Array.from({ length: 400 }, (_, i) => `export const value${i} = ${'"x"'.repeat(20)};`).join('\n'));
    const longDocument = await vscode.workspace.openTextDocument(vscode.Uri.file(long));
    const longEditor = await vscode.window.showTextDocument(longDocument, vscode.ViewColumn.One);
    longEditor.selection = new vscode.Selection(0, 0, 399, 10);
    const chatBefore = teamNotes.snapshot().chat.length;
    await vscode.commands.executeCommand('teamNotes.shareSelectionToChat');
    assert.equal(teamNotes.lastError()?.code, 'ERR_BAD_INPUT');
    assert.match(teamNotes.lastError()?.message ?? '', /a chat message holds at most 16,000/);
    assert.equal(teamNotes.snapshot().chat.length, chatBefore, 'a refused selection was sent');
  });

  it('marks a snippet card moved, changed, or not in this checkout as the file changes, and Open goes where the code is now', async function () {
    this.timeout(60_000);
    const file = write('links/card.ts', MATH.join('\n'));
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(1, 0, 4, 1);
    await vscode.commands.executeCommand('teamNotes.shareSelection');
    const snap = await until(teamNotes, (s) => s.board.some((i) => i.kind === 'snippet' && 'path' in i && i.path === 'links/card.ts'), 'the card on our board');
    const card = snap.board.find((i) => i.kind === 'snippet' && 'path' in i && i.path === 'links/card.ts');
    assert.ok(card);
    const statusOf = async () => (await statuses()).find((s) => s.id === card.id);
    assert.deepEqual(await statusOf(), { id: card.id, status: 'same', startLine: 2, endLine: 5 });

    // Lines added above, by an edit in the editor (unsaved): moved.
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '// added\n// added\n'));
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(await statusOf(), { id: card.id, status: 'same', startLine: 4, endLine: 7 });
    assert.deepEqual(await receive({ type: 'openSnippet', id: card.id }), { outcome: 'done', type: 'openSnippet' });
    assert.deepEqual(selectionLines(), ['links/card.ts', 4, 7]);

    // A line of it edited: changed since shared. Open may have shown the file in a new editor.
    const shown = vscode.window.activeTextEditor;
    assert.ok(shown !== undefined && shown.document === document);
    await shown.edit((edit) => edit.replace(document.lineAt(4).range, '  const sum = b + a; // commutes'));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await statusOf())?.status, 'changed');

    // The file gone from the checkout: not in your checkout.
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    rmSync(file);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await statusOf())?.status, 'missing');
  });
});
