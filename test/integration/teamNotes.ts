/**
 * What the in-editor test files share: the extension under test, its API and a wait on its
 * snapshot. Not a `*.test.ts` file, so test/editor/suite.ts bundles it into the files that import
 * it rather than running it.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { startRepository } from '../helpers/cliProcess';
import type { CliProcess } from '../helpers/cliProcess';
import { extensionId } from './api';
import type { Snapshot, TeamNotesApi } from './api';

export function extension(): vscode.Extension<TeamNotesApi> {
  const ext = vscode.extensions.getExtension<TeamNotesApi>(extensionId);
  assert.ok(ext, `extension ${extensionId} is not loaded in this VS Code`);
  return ext;
}

export async function api(): Promise<TeamNotesApi> {
  const exported = await extension().activate();
  assert.ok(exported && typeof exported.snapshot === 'function' && typeof exported.onDidChange === 'function', `activate() must return { snapshot(), onDidChange }, returned ${JSON.stringify(exported)}`);
  return exported;
}

/**
 * Starts a CLI repository on 127.0.0.1 and points the settings at it, with this window listening
 * on 127.0.0.1 at a port of the system's choosing.
 */
export async function useCliRepository(cliPath: string): Promise<{ proc: CliProcess; address: string }> {
  const repository = await startRepository(cliPath);
  const config = vscode.workspace.getConfiguration('teamNotes');
  await config.update('repositoryAddress', repository.address, vscode.ConfigurationTarget.Global);
  await config.update('listenHost', '127.0.0.1', vscode.ConfigurationTarget.Global);
  await config.update('listenPort', 0, vscode.ConfigurationTarget.Global);
  return repository;
}

/** Waits until the extension's snapshot satisfies `predicate` (checked on every change and every 100 ms). */
export async function until(teamNotes: TeamNotesApi, predicate: (s: Snapshot) => boolean, what: string, timeoutMs = 15_000): Promise<Snapshot> {
  const first = teamNotes.snapshot();
  if (predicate(first)) return first;
  return new Promise<Snapshot>((resolve, reject) => {
    const check = (): void => {
      const s = teamNotes.snapshot();
      if (predicate(s)) {
        done();
        resolve(s);
      }
    };
    const subscription = teamNotes.onDidChange(check);
    const interval = setInterval(check, 100);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`waited ${timeoutMs} ms for ${what}; snapshot: ${JSON.stringify(teamNotes.snapshot())}`));
    }, timeoutMs);
    const done = (): void => {
      subscription.dispose();
      clearInterval(interval);
      clearTimeout(timer);
    };
  });
}

/** Waits until `predicate` holds (polled every 50 ms); fails with `what` and `state()` otherwise. */
export async function eventually(predicate: () => boolean, what: string, state: () => unknown, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; state: ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True while the board's tab is a preview (Team Notes is about to keep it: src/extension/boardTab.ts). */
function boardTabIsPreview(): boolean {
  return vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.isPreview && tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('teamNotes.board')));
}

/**
 * Shows `document` in `column`, as a person clicking it would. Keeping the board's tab from being a
 * preview focuses the board for a moment and then the editor the person worked in; an editor opened
 * in that moment is superseded ("Could NOT open editor"), and a person would click again: so does this.
 */
export async function showDocument(document: vscode.TextDocument, column = vscode.ViewColumn.One): Promise<vscode.TextEditor> {
  for (let attempt = 1; ; attempt += 1) {
    await eventually(() => !boardTabIsPreview(), 'the board tab kept (not a preview)', () => vscode.window.tabGroups.all.map((g) => g.tabs.map((t) => t.label)), 5_000);
    try {
      return await vscode.window.showTextDocument(document, column);
    } catch (error) {
      if (attempt >= 3 || !/could not open editor/i.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
