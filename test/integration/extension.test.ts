/**
 * Team Notes inside a real VS Code's extension host (code-server here; desktop VS Code through
 * @vscode/test-electron): activation, the declared commands, and a session with the `team-notes`
 * CLI as the other side — a CLI repository and a CLI peer on 127.0.0.1, real sockets.
 *
 * The first test must run before anything activates the extension: files run in name order, this
 * one first (the others, such as passwords.test.ts, activate the extension only in their hooks and
 * tests, which mocha runs after this file's).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as vscode from 'vscode';
import { codeImageSource, readPngText } from '../../src/board/pngText';
import { cliEvents, startChatPeer, startRepository } from '../helpers/cliProcess';
import { freePort } from '../helpers/ports';
import type { CliEvent, CliProcess } from '../helpers/cliProcess';
import type { TeamNotesApi, WebviewMessageOutcome } from './api';
import { api, extension, showDocument, until, useCliRepository } from './teamNotes';

interface DeclaredContributions {
  commands?: { command: string }[];
  views?: Record<string, { id: string }[]>;
}

describe('Team Notes in a real VS Code', function () {
  this.timeout(30_000);

  it('activates on its command, not before', async () => {
    const ext = extension();
    assert.equal(ext.isActive, false, 'the extension was active before any of its commands ran (activation must stay lazy)');
    await vscode.commands.executeCommand('teamNotes.showLog');
    assert.equal(ext.isActive, true, 'running teamNotes.showLog did not activate the extension');
    // The network layer and libsodium are most of the code and nothing needs them before a join:
    // activation leaves them unloaded (scripts/build.mjs makes them lazy).
    const loaded = (file: string): boolean => require.cache[join(ext.extensionPath, 'dist', file)] !== undefined;
    assert.deepEqual({ network: loaded('network.js'), libsodium: loaded('libsodium.js') }, { network: false, libsodium: false }, 'activation loaded code only a join needs');
    assert.equal(loaded('extension.js'), true, 'the check looks in the wrong place: dist/extension.js is not in require.cache');
  });

  it('registers every command package.json declares, and declares every command it registers', async () => {
    await api();
    const contributes = extension().packageJSON.contributes as DeclaredContributions;
    const declared = (contributes.commands ?? []).map((c) => c.command).sort();
    assert.ok(declared.length >= 7, `package.json declares only ${declared.join(', ')}`);
    // VS Code itself registers `<view id>.focus` and the like for each contributed view: not ours.
    const viewIds = Object.values(contributes.views ?? {}).flat().map((v) => v.id);
    const registered = (await vscode.commands.getCommands(true))
      .filter((c) => c.startsWith('teamNotes.') && !viewIds.some((view) => c.startsWith(`${view}.`)))
      .sort();
    assert.deepEqual(
      { missing: declared.filter((c) => !registered.includes(c)), undeclared: registered.filter((c) => !declared.includes(c)) },
      { missing: [], undeclared: [] },
      'declared (package.json contributes.commands) and registered (vscode.commands) commands differ',
    );
  });

  describe('with a CLI repository and a CLI peer on 127.0.0.1', function () {
    const group = `it-${process.pid}-${Date.now().toString(36)}`;
    const ourName = 'vscode-alice';
    const peerName = 'cli-bob';
    let cliPath: string;
    let repository: { proc: CliProcess; address: string };
    let bob: { proc: CliProcess; id: string };
    let teamNotes: TeamNotesApi;
    let joined = false;
    const processes: CliProcess[] = [];

    const requireJoined = (): void => {
      if (!joined) throw new Error('not run: Join Group failed above');
    };
    const fromBob = (): CliEvent[] => bob.proc.events;

    before(async function () {
      this.timeout(60_000);
      cliPath = join(extension().extensionPath, 'dist', 'cli.js');
      teamNotes = await api();
      repository = await useCliRepository(cliPath);
      processes.push(repository.proc);
      bob = await startChatPeer(cliPath, group, peerName, repository.address);
      processes.push(bob.proc);
    });

    after(async function () {
      this.timeout(20_000);
      if (joined && teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
      await Promise.all(processes.map((p) => p.kill()));
    });

    it('Join Group shows the CLI peer as a member, and the CLI peer sees us join', async () => {
      assert.equal(teamNotes.snapshot().session.state, 'idle', 'not idle before joining');
      await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: ourName });
      const snapshot = await until(
        teamNotes,
        (s) => s.session.state === 'joined' && s.members.some((m) => m.name === peerName && m.online),
        `joined ${group} with ${peerName} online`,
      );
      assert.equal(snapshot.session.group, group);
      assert.equal(snapshot.session.self?.name, ourName);
      assert.equal(snapshot.session.repository, repository.address);
      assert.equal(snapshot.members.find((m) => m.name === peerName)?.id, bob.id, 'the member id is not the CLI peer id');
      await bob.proc.waitFor(cliEvents.joined(ourName), `${peerName} to see ${ourName} join`);
      joined = true;
    });

    it('opens the board panel "Team Notes: <group>"', async () => {
      requireJoined();
      await vscode.commands.executeCommand('teamNotes.openBoard');
      const deadline = Date.now() + 10_000;
      const boardTabs = (): vscode.Tab[] =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('teamNotes.board'));
      while (boardTabs().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const tabs = boardTabs();
      const all = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => `${t.label} (${t.input instanceof vscode.TabInputWebview ? t.input.viewType : typeof t.input})`);
      assert.equal(tabs.length, 1, `expected one board tab; tabs: ${all.join(', ')}`);
      assert.equal(tabs[0]!.label, `Team Notes: ${group}`);
    });

    it('sends chat to the CLI peer and shows the CLI peer\'s chat', async () => {
      requireJoined();
      const outgoing = `hello from VS Code <b>&amp;</b> ${Date.now()}`;
      await vscode.commands.executeCommand('teamNotes.sendMessage', { text: outgoing });
      const received = await bob.proc.waitFor(cliEvents.chat(ourName, outgoing), `${peerName} to print our chat`);
      assert.equal(received.to, null, 'a group message arrived as a direct one');
      await until(teamNotes, (s) => s.chat.some((c) => c.own && c.text === outgoing), 'our own message in the chat');

      const incoming = `hello from the terminal ${Date.now()}`;
      bob.proc.type(incoming);
      const snapshot = await until(teamNotes, (s) => s.chat.some((c) => c.text === incoming), `${peerName}'s message in the chat`);
      const message = snapshot.chat.find((c) => c.text === incoming)!;
      assert.equal(message.from.name, peerName);
      assert.equal(message.from.id, bob.id);
      assert.equal(message.own, false);
    });

    it('sends a direct message to one member', async () => {
      requireJoined();
      const text = `just for you ${Date.now()}`;
      await vscode.commands.executeCommand('teamNotes.sendMessage', { text, to: bob.id });
      const received = await bob.proc.waitFor(cliEvents.chat(ourName, text), `${peerName} to print the direct message`);
      assert.equal(received.to, bob.id);
    });

    it('Share Selection sends a snippet the CLI peer prints', async () => {
      requireJoined();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the suite needs a workspace folder open (the harness opens one)');
      const file = join(folder.uri.fsPath, 'team-notes-sample.ts');
      writeFileSync(file, ['// sample for the Share Selection test', 'export function add(a: number, b: number): number {', '  return a + b;', '}', ''].join('\n'));
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const editor = await vscode.window.showTextDocument(document);
      editor.selection = new vscode.Selection(1, 0, 2, document.lineAt(2).text.length);
      const selected = document.getText(editor.selection);
      assert.equal(selected, 'export function add(a: number, b: number): number {\n  return a + b;');

      await vscode.commands.executeCommand('teamNotes.shareSelection');
      const snippet = await bob.proc.waitFor(cliEvents.snippet(ourName), `${peerName} to print the snippet`);
      assert.deepEqual(
        { code: snippet.code, language: snippet.language, path: snippet.path, startLine: snippet.startLine, endLine: snippet.endLine },
        { code: selected, language: 'typescript', path: 'team-notes-sample.ts', startLine: 2, endLine: 3 },
      );
      await until(teamNotes, (s) => s.board.some((item) => item.kind === 'snippet' && 'code' in item && item.code === selected), 'the snippet on our own board');
    });

    it('shows notes and images the CLI peer puts on the board, and sends our notes to it', async () => {
      requireJoined();
      bob.proc.type('/note from the terminal <script>x</script>');
      await until(teamNotes, (s) => s.board.some((i) => i.kind === 'note' && 'text' in i && i.text === 'from the terminal <script>x</script>'), 'the CLI note on our board');
      const png = new PNG({ width: 40, height: 30 });
      png.data.fill(90);
      const file = join(tmpdir(), `team-notes-it-${process.pid}.png`);
      writeFileSync(file, PNG.sync.write(png));
      bob.proc.type(`/image ${file}`);
      const withImage = await until(teamNotes, (s) => s.board.some((i) => i.kind === 'image'), 'the CLI image on our board');
      const image = withImage.board.find((i) => i.kind === 'image') as unknown as { bytes: Uint8Array; width: number; height: number };
      assert.deepEqual([image.width, image.height], [40, 30]);
      assert.ok(Buffer.from(image.bytes).equals(readFileSync(file)), 'the image bytes changed on the way');

      await vscode.commands.executeCommand('teamNotes.addNote', { text: 'a note from VS Code' });
      const note = await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'note' && e.text === 'a note from VS Code', `${peerName} to print our note`);
      assert.equal(note.op, 'add');
    });

    it('Share Selection as Image sends a PNG whose text chunks hold the selection and whose height grows with the lines', async function () {
      this.timeout(120_000);
      requireJoined();
      const folder = vscode.workspace.workspaceFolders![0]!;
      const file = join(folder.uri.fsPath, 'team-notes-image-sample.py');
      writeFileSync(file, Array.from({ length: 30 }, (_, i) => `value_${i} = compute(${i}, "<tag>")  # line ${i + 1}`).join('\n'));
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const heights: number[] = [];
      for (const lines of [3, 20]) {
        const editor = await showDocument(document);
        editor.selection = new vscode.Selection(0, 0, lines - 1, document.lineAt(lines - 1).text.length);
        const before = teamNotes.snapshot().board.filter((i) => i.kind === 'image').length;
        const errorBefore = teamNotes.lastError();
        await vscode.commands.executeCommand('teamNotes.shareSelectionAsImage');
        assert.equal(teamNotes.lastError(), errorBefore, `Share Selection as Image failed: ${JSON.stringify(teamNotes.lastError())}`);
        const snapshot = await until(teamNotes, (s) => s.board.filter((i) => i.kind === 'image').length > before, `the ${lines}-line code image on our board`, 30_000);
        const image = snapshot.board.filter((i) => i.kind === 'image').at(-1) as unknown as { bytes: Uint8Array; source?: { code: string; path: string; startLine: number; endLine: number } };
        const decoded = PNG.sync.read(Buffer.from(image.bytes)); // a real PNG decoder
        heights.push(decoded.height);
        const fromChunks = codeImageSource(readPngText(image.bytes));
        assert.equal(fromChunks?.code, editor.document.getText(editor.selection), 'the PNG text chunks do not hold the selection');
        assert.equal(fromChunks?.language, 'python');
        assert.deepEqual(
          { path: image.source?.path, startLine: image.source?.startLine, endLine: image.source?.endLine, code: image.source?.code },
          { path: 'team-notes-image-sample.py', startLine: 1, endLine: lines, code: editor.document.getText(editor.selection) },
        );
        const printed = await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'image' && e.bytes === image.bytes.length, `${peerName} to print the ${lines}-line image`);
        assert.equal(printed.mime, 'image/png');
      }
      assert.ok(heights[1]! > heights[0]!, `the 20-line image (${heights[1]} px) is not taller than the 3-line one (${heights[0]} px)`);
    });

    /** The hook into the board panel's message handler (present in test mode only). */
    async function boardReceiver(): Promise<(raw: unknown) => Promise<WebviewMessageOutcome>> {
      const receive = teamNotes.testOnlyReceiveWebviewMessage;
      assert.ok(typeof receive === 'function', 'in test mode the API has testOnlyReceiveWebviewMessage');
      await vscode.commands.executeCommand('teamNotes.openBoard');
      return (raw) => receive(raw);
    }

    const boardMessagesFromBob = (since: number): CliEvent[] =>
      fromBob()
        .slice(since)
        .filter((e) => e.event === 'message' && ['chat', 'note', 'snippet', 'image', 'stroke'].includes(String(e.type)));

    it('refuses a bad board panel message of every type with its code, changes nothing, and keeps working', async function () {
      this.timeout(60_000);
      requireJoined();
      const receive = await boardReceiver();
      const before = teamNotes.snapshot();
      const note = before.board.find((i) => i.kind === 'note');
      const snippet = before.board.find((i) => i.kind === 'snippet' && 'path' in i && i.path === 'team-notes-sample.ts');
      assert.ok(note && snippet, `the tests above left a note and the sample snippet on the board: ${JSON.stringify(before.board.map((i) => i.kind))}`);
      const documentsBefore = vscode.workspace.textDocuments.map((d) => d.uri.toString()).sort();
      const mark = fromBob().length;

      // [what, payload, expected code, expected field]: at least one per webview-to-host type.
      const bad: [string, unknown, string, string?][] = [
        ['not an object', null, 'ERR_WEBVIEW_NOT_OBJECT'],
        ['a type the host does not have', { type: 'runCommand', command: 'workbench.action.terminal.new' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
        ['a prototype key as the type', { type: '__proto__' }, 'ERR_WEBVIEW_UNKNOWN_TYPE'],
        ['ready with a board of its own', { type: 'ready', board: [] }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'board'],
        ['sendChat over the limit', { type: 'sendChat', text: 'x'.repeat(16_001) }, 'ERR_WEBVIEW_FIELD_RANGE', 'text'],
        ['sendChat to a made-up member', { type: 'sendChat', text: 'psst', to: 'every member' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'to'],
        ['addNote at NaN', { type: 'addNote', text: 'NaN note', x: Number.NaN, y: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', 'x'],
        ['editNote with CSS in the colour', { type: 'editNote', id: note.id, colour: 'red;background:url(x)' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'colour'],
        ['moveItem off the board', { type: 'moveItem', id: note.id, x: 1e12, y: 0 }, 'ERR_WEBVIEW_FIELD_RANGE', 'x'],
        ['deleteItem with a __proto__ key', JSON.parse(`{"type":"deleteItem","id":${JSON.stringify(note.id)},"__proto__":{"id":"x"}}`), 'ERR_WEBVIEW_UNEXPECTED_FIELD', '__proto__'],
        ['addImage with a plain array', { type: 'addImage', bytes: [0x89, 0x50, 0x4e, 0x47], x: 0, y: 0, width: 40, height: 30 }, 'ERR_WEBVIEW_FIELD_TYPE', 'bytes'],
        ['addStroke with half a point', { type: 'addStroke', points: [0, 0, 10], width: 2, colour: '#000000' }, 'ERR_WEBVIEW_FIELD_RANGE', 'points'],
        ['openSnippet of ../../etc/passwd as the id', { type: 'openSnippet', id: '../../etc/passwd' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'id'],
        ['openSnippet with a path of ../../etc/passwd', { type: 'openSnippet', id: snippet.id, path: '../../etc/passwd' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'path'],
        ['copyText without an id', { type: 'copyText' }, 'ERR_WEBVIEW_MISSING_FIELD', 'id'],
        ['codeImage with an overlong request id', { type: 'codeImage', requestId: 'r'.repeat(65), png: new Uint8Array(8) }, 'ERR_WEBVIEW_FIELD_FORMAT', 'requestId'],
        ['codeImageFailed with a number as the reason', { type: 'codeImageFailed', requestId: '3f2b8c1e-7a4d-4b7e-9c0a-1d2e3f4a5b6c', message: 42 }, 'ERR_WEBVIEW_FIELD_TYPE', 'message'],
        ['joinGroup naming a group', { type: 'joinGroup', group: 'elsewhere', name: 'mallory' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'group'],
        ['openLink to a command URI', { type: 'openLink', url: 'command:workbench.action.terminal.new' }, 'ERR_WEBVIEW_FIELD_FORMAT', 'url'],
        ['viewport zoomed in past the limit', { type: 'viewport', x: 0, y: 0, width: 100, height: 100, zoom: 1e6 }, 'ERR_WEBVIEW_FIELD_RANGE', 'zoom'],
        ['historyOpen with steps of its own', { type: 'historyOpen', steps: [] }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'steps'],
        ['historyAt half a step', { type: 'historyAt', step: 1.5 }, 'ERR_WEBVIEW_FIELD_RANGE', 'step'],
        ['historyClose with a field', { type: 'historyClose', all: true }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'all'],
        ['restoreItem with the text to restore', { type: 'restoreItem', step: 1, id: note.id, text: 'forged' }, 'ERR_WEBVIEW_UNEXPECTED_FIELD', 'text'],
      ];
      const types = ['ready', 'sendChat', 'addNote', 'editNote', 'moveItem', 'deleteItem', 'addImage', 'addStroke', 'openSnippet', 'copyText', 'codeImage', 'codeImageFailed', 'joinGroup', 'openLink', 'viewport', 'historyOpen', 'historyAt', 'historyClose', 'restoreItem'];
      assert.deepEqual(types.filter((t) => !bad.some(([, raw]) => (raw as { type?: unknown } | null)?.type === t)), [], 'a bad payload for every type');

      const wrong: string[] = [];
      for (const [what, raw, code, field] of bad) {
        const outcome = await receive(raw);
        const got = outcome.outcome === 'refused' ? { outcome: outcome.outcome, code: outcome.code, field: outcome.field } : outcome;
        const expected = { outcome: 'refused', code, field };
        if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
      }
      assert.deepEqual(wrong, []);

      // Nothing changed: the board, the chat, the open documents, and nothing reached the peer.
      const after = teamNotes.snapshot();
      assert.deepEqual(after.board, before.board, 'a refused message changed the board');
      assert.deepEqual(after.chat, before.chat, 'a refused message changed the chat');
      assert.deepEqual(vscode.workspace.textDocuments.map((d) => d.uri.toString()).sort(), documentsBefore, 'a refused message opened a document');
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.fsPath === '/etc/passwd'), '/etc/passwd was opened');
      assert.equal(after.session.state, 'joined');

      // The host keeps working: a valid message right after is acted on, and only it reaches the peer.
      assert.deepEqual(await receive({ type: 'addNote', text: 'after the bad ones', x: 12, y: 34 }), { outcome: 'done', type: 'addNote' });
      await until(teamNotes, (s) => s.board.some((i) => i.kind === 'note' && 'text' in i && i.text === 'after the bad ones'), 'the valid note on our board');
      await bob.proc.waitFor((e) => e.event === 'message' && e.type === 'note' && e.text === 'after the bad ones', `${peerName} to print the valid note`);
      assert.deepEqual(boardMessagesFromBob(mark).map((e) => [e.type, e.text]), [['note', 'after the bad ones']], 'only the valid message reached the peer');

      // And a valid Open on the sample snippet opens it at its lines.
      assert.deepEqual(await receive({ type: 'openSnippet', id: snippet.id }), { outcome: 'done', type: 'openSnippet' });
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor !== undefined && editor.document.uri.fsPath.endsWith('team-notes-sample.ts'), `the active editor shows ${editor?.document.uri.fsPath ?? 'nothing'}`);
      assert.deepEqual([editor.selection.start.line, editor.selection.end.line], [1, 2]);
    });

    it('answers time-travel requests from the history, and refuses steps and restores that do not fit with ERR_BAD_INPUT', async function () {
      this.timeout(60_000);
      requireJoined();
      const receive = await boardReceiver();
      const before = teamNotes.snapshot();
      const note = before.board.find((i) => i.kind === 'note');
      assert.ok(note, 'the tests above left a note on the board');
      const failed = async (raw: unknown): Promise<string> => {
        const outcome = await receive(raw);
        assert.equal(outcome.outcome, 'failed', JSON.stringify(outcome));
        return outcome.outcome === 'failed' ? outcome.code : '';
      };
      assert.equal(await failed({ type: 'historyAt', step: 0 }), 'ERR_BAD_INPUT', 'a step before the history is open');
      assert.deepEqual(await receive({ type: 'historyOpen' }), { outcome: 'done', type: 'historyOpen' });
      assert.deepEqual(await receive({ type: 'historyAt', step: 0 }), { outcome: 'done', type: 'historyAt' });
      assert.equal(await failed({ type: 'historyAt', step: 200_000 }), 'ERR_BAD_INPUT', 'a step past the history');
      assert.equal(await failed({ type: 'restoreItem', step: 0, id: note.id }), 'ERR_BAD_INPUT', 'nothing was on the board at step 0');
      assert.deepEqual(await receive({ type: 'historyClose' }), { outcome: 'done', type: 'historyClose' });
      assert.equal(await failed({ type: 'historyAt', step: 0 }), 'ERR_BAD_INPUT', 'a step after the history closed');
      const after = teamNotes.snapshot();
      assert.deepEqual(after.board, before.board, 'time travel changed the board');
      assert.equal(after.session.state, 'joined');
    });

    it('places a shared selection inside the part of the board the panel reported in view', async function () {
      this.timeout(60_000);
      requireJoined();
      const receive = await boardReceiver();
      // The real panel reports where it looks once its view has rested for 250 ms after opening;
      // this report must come after that one to be the last word.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const area = { x: 40_000, y: -20_000, width: 1400, height: 900 };
      assert.deepEqual(await receive({ type: 'viewport', ...area, zoom: 1 }), { outcome: 'done', type: 'viewport' });
      const folder = vscode.workspace.workspaceFolders![0]!;
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder.uri.fsPath, 'team-notes-sample.ts')));
      const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
      editor.selection = new vscode.Selection(1, 0, 3, 1);
      const before = teamNotes.snapshot().board.length;
      await vscode.commands.executeCommand('teamNotes.shareSelection');
      const snapshot = await until(teamNotes, (s) => s.board.length > before, 'the shared snippet on our board');
      const card = snapshot.board.at(-1) as unknown as { kind: string; x: number; y: number };
      assert.equal(card.kind, 'snippet');
      assert.ok(card.x >= area.x && card.x <= area.x + area.width && card.y >= area.y && card.y <= area.y + area.height, `the card at ${card.x}, ${card.y} is outside the area in view`);
      // The Members view's "Show on board" runs this with a member id; an unknown id is refused with a message.
      await vscode.commands.executeCommand('teamNotes.showMemberOnBoard', bob.id);
      await vscode.commands.executeCommand('teamNotes.showMemberOnBoard', 'nobody-00000000000000');
      assert.equal(teamNotes.snapshot().session.state, 'joined');
    });

    it('refuses to open a shared snippet whose file is a symlink out of the workspace', async function () {
      this.timeout(60_000);
      requireJoined();
      const folder = vscode.workspace.workspaceFolders![0]!;
      // A file outside the workspace folder, and a link to it inside: the snippet's path is the link's.
      const outside = join(tmpdir(), `team-notes-outside-${process.pid}.txt`);
      const link = join(folder.uri.fsPath, 'team-notes-link.txt');
      writeFileSync(outside, 'not for teammates\nsecond line\n');
      rmSync(link, { force: true });
      symlinkSync(outside, link);
      try {
        const document = await vscode.workspace.openTextDocument(vscode.Uri.file(link));
        const shared = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
        shared.selection = new vscode.Selection(0, 0, 0, document.lineAt(0).text.length);
        await vscode.commands.executeCommand('teamNotes.shareSelection');
        const withLink = await until(teamNotes, (s) => s.board.some((i) => i.kind === 'snippet' && 'path' in i && i.path === 'team-notes-link.txt'), 'the snippet of the link on our board');
        const snippet = withLink.board.find((i) => i.kind === 'snippet' && 'path' in i && i.path === 'team-notes-link.txt')!;
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        const receive = await boardReceiver();

        const outcome = await receive({ type: 'openSnippet', id: snippet.id });
        assert.equal(outcome.outcome, 'failed', JSON.stringify(outcome));
        assert.equal(outcome.outcome === 'failed' && outcome.code, 'ERR_PATH_OUTSIDE');
        assert.match(outcome.outcome === 'failed' ? outcome.message : '', /"team-notes-link\.txt": it leads outside your workspace folders/);
        const shown = vscode.window.visibleTextEditors.map((e) => e.document.uri.fsPath);
        assert.ok(!shown.includes(outside) && !shown.includes(link), `the linked file was opened: ${shown.join(', ')}`);

        // Still working: the sample snippet opens.
        const sample = teamNotes.snapshot().board.find((i) => i.kind === 'snippet' && 'path' in i && i.path === 'team-notes-sample.ts')!;
        assert.deepEqual(await receive({ type: 'openSnippet', id: sample.id }), { outcome: 'done', type: 'openSnippet' });
      } finally {
        rmSync(link, { force: true });
        rmSync(outside, { force: true });
      }
    });

    it('counts direct messages that arrive while the board is hidden', async () => {
      requireJoined();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const before = teamNotes.unread();
      bob.proc.type(`/to ${ourName} are you there?`);
      await until(teamNotes, (s) => s.chat.some((c) => c.text === 'are you there?'), 'the direct message');
      assert.equal(teamNotes.unread(), before + 1);
      await vscode.commands.executeCommand('teamNotes.openBoard');
      const deadline = Date.now() + 5000;
      while (teamNotes.unread() !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(teamNotes.unread(), 0, 'opening the board did not mark the chat read');
    });

    it('Leave Group tells the CLI peer', async () => {
      requireJoined();
      await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
      const left = await bob.proc.waitFor(cliEvents.left(ourName), `${peerName} to see ${ourName} leave`);
      assert.equal(left.reason, 'bye');
      await until(teamNotes, (s) => s.session.state === 'idle', 'the session to be idle after leaving');
      assert.ok(!fromBob().some((e) => e.event === 'error'), `${peerName} reported errors: ${JSON.stringify(fromBob().filter((e) => e.event === 'error'))}`);
    });
  });

  describe('with no repository at the configured address on this machine', function () {
    const group = `embedded-${process.pid}-${Date.now().toString(36)}`;
    const processes: CliProcess[] = [];
    let teamNotes: TeamNotesApi;

    before(async () => {
      teamNotes = await api();
    });

    after(async function () {
      this.timeout(20_000);
      if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
      await Promise.all(processes.map((p) => p.kill()));
    });

    it('Join Group starts a repository in this window, and a CLI peer joins through it', async () => {
      const address = `127.0.0.1:${await freePort()}`;
      await vscode.workspace.getConfiguration('teamNotes').update('repositoryAddress', address, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'vscode-host' });
      const joined = await until(teamNotes, (s) => s.session.state === 'joined', `joined ${group} with the embedded repository`);
      assert.equal(joined.session.repository, address);

      const carol = await startChatPeer(join(extension().extensionPath, 'dist', 'cli.js'), group, 'cli-carol', address);
      processes.push(carol.proc);
      await carol.proc.waitFor(cliEvents.joined('vscode-host'), 'cli-carol to meet vscode-host through the embedded repository');
      await until(teamNotes, (s) => s.members.some((m) => m.name === 'cli-carol' && m.online), 'cli-carol among the members');
      carol.proc.type('found you');
      await until(teamNotes, (s) => s.chat.some((c) => c.from.name === 'cli-carol' && c.text === 'found you'), 'cli-carol\'s message');
    });
  });

  describe('bad input', function () {
    const group = `bad-${process.pid}-${Date.now().toString(36)}`;
    const processes: CliProcess[] = [];
    let teamNotes: TeamNotesApi;
    let repository: { proc: CliProcess; address: string };
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('teamNotes');

    before(async function () {
      this.timeout(60_000);
      teamNotes = await api();
      repository = await startRepository(join(extension().extensionPath, 'dist', 'cli.js'));
      processes.push(repository.proc);
      await config().update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
      await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
    });

    afterEach(async () => {
      if (teamNotes.snapshot().session.state !== 'idle') await vscode.commands.executeCommand('teamNotes.leaveGroup', { confirmed: true });
      await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
      await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
    });

    after(async function () {
      this.timeout(20_000);
      await Promise.all(processes.map((p) => p.kill()));
    });

    /** Runs Join Group with arguments and returns the error it reported; the session must stay idle. */
    async function joinFails(args: { group: string; name: string }): Promise<{ code: string; message: string }> {
      const before = teamNotes.lastError();
      await vscode.commands.executeCommand('teamNotes.joinGroup', args);
      const error = teamNotes.lastError();
      assert.ok(error !== undefined && error !== before, 'Join Group reported no error');
      assert.equal(teamNotes.snapshot().session.state, 'idle', 'a failed join left the session not idle');
      return error;
    }

    /** Proves the extension still works after a refused input: a real join and a chat with a CLI peer. */
    async function stillWorks(): Promise<void> {
      await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
      const peer = await startChatPeer(join(extension().extensionPath, 'dist', 'cli.js'), group, `cli-${processes.length}`, repository.address);
      processes.push(peer.proc);
      await vscode.commands.executeCommand('teamNotes.joinGroup', { group, name: 'survivor' });
      await until(teamNotes, (s) => s.session.state === 'joined' && s.members.some((m) => m.id === peer.id && m.online), 'joined after the refusal');
      await vscode.commands.executeCommand('teamNotes.sendMessage', { text: 'still working' });
      await peer.proc.waitFor(cliEvents.chat('survivor', 'still working'), 'the chat after the refusal');
    }

    it('refuses a repository address that does not parse with ERR_BAD_ADDRESS, and keeps working', async () => {
      await config().update('repositoryAddress', 'not a host:99999', vscode.ConfigurationTarget.Global);
      const error = await joinFails({ group, name: 'someone' });
      assert.equal(error.code, 'ERR_BAD_ADDRESS');
      assert.match(error.message, /not a host/);
      await stillWorks();
    });

    it('refuses an empty display name and one of 10,000 characters with ERR_BAD_INPUT', async () => {
      for (const name of ['', '   ', 'x'.repeat(10_000)]) {
        const error = await joinFails({ group, name });
        assert.equal(error.code, 'ERR_BAD_INPUT');
        assert.match(error.message, /display name/i);
      }
      await stillWorks();
    });

    it('reports a listen port already in use, and keeps working', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        const port = (blocker.address() as { port: number }).port;
        await config().update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
        await config().update('listenPort', port, vscode.ConfigurationTarget.Global);
        const error = await joinFails({ group, name: 'someone' });
        assert.equal(error.code, 'ERR_SOCKET');
        assert.match(error.message, new RegExp(`port ${port} is already in use`));
      } finally {
        blocker.close();
      }
      await config().update('listenPort', 0, vscode.ConfigurationTarget.Global);
      await stillWorks();
    });

    it('keeps chatting with members when the repository goes away while joined', async () => {
      const own = await startRepository(join(extension().extensionPath, 'dist', 'cli.js'));
      processes.push(own.proc);
      await config().update('repositoryAddress', own.address, vscode.ConfigurationTarget.Global);
      const peer = await startChatPeer(join(extension().extensionPath, 'dist', 'cli.js'), `${group}-lost`, 'cli-dora', own.address);
      processes.push(peer.proc);
      await vscode.commands.executeCommand('teamNotes.joinGroup', { group: `${group}-lost`, name: 'stayer' });
      await until(teamNotes, (s) => s.session.state === 'joined' && s.members.some((m) => m.id === peer.id), 'joined with cli-dora');
      await own.proc.kill();
      await vscode.commands.executeCommand('teamNotes.sendMessage', { text: 'no repository needed' });
      await peer.proc.waitFor(cliEvents.chat('stayer', 'no repository needed'), 'cli-dora gets chat without the repository');
      peer.proc.type('and back');
      await until(teamNotes, (s) => s.chat.some((c) => c.from.id === peer.id && c.text === 'and back'), 'chat from cli-dora without the repository');
      assert.equal(teamNotes.snapshot().session.state, 'joined');
    });
  });
});
