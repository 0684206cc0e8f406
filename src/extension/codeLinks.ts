/**
 * Opening code that a chat code location or a snippet card points at, in this member's own
 * checkout, where the code is now: the file is read (`readCodeFile` refuses what is outside the
 * workspace, too big or binary), the shared code found by `locateCode`, and the editor opened at
 * the place found. When the code moved, changed, is in several places or is gone, the member is
 * told so plainly, with the shared code a click away: a note never lands on a wrong line silently.
 */
import * as vscode from 'vscode';
import { lineRangeText, locateCode, placeRange } from '../board/codeLocation';
import type { CodePlace, CodeTarget } from '../board/codeLocation';
import type { LineRange } from '../board/codeAnchor';
import { readCodeFile } from './codeFiles';
import { printablePath } from './workspacePath';

const SHOW_SHARED = 'Show Shared Code';
const CHOOSE = 'Choose Place…';

/**
 * Opens `target` in the member's workspace and says how its code stands; resolves with the place
 * found (for the tests). Throws what `readCodeFile` throws, with nothing opened.
 */
export async function openCode(target: CodeTarget, language = 'plaintext'): Promise<CodePlace> {
  const { uri, text } = await readCodeFile(target.path);
  const place = locateCode(target, text);
  const shown = printablePath(target.path);
  const range = placeRange(place);
  const document = await vscode.workspace.openTextDocument(uri);
  await show(document, range);
  const offerShared = (message: string, ...more: string[]): void => {
    const actions = target.code === undefined ? more : [...more, SHOW_SHARED];
    void vscode.window.showInformationMessage(message, ...actions).then(async (choice) => {
      if (choice === SHOW_SHARED && target.code !== undefined) await showSharedCode(target.code, language);
      if (choice === CHOOSE && place.status === 'ambiguous') await choosePlace(document, place.candidates);
    });
  };
  const was = lineRangeText(target);
  switch (place.status) {
    case 'exact':
      vscode.window.setStatusBarMessage(`Team Notes: ${shown}, lines ${lineRangeText(place)}`, 4000);
      break;
    case 'moved':
      vscode.window.setStatusBarMessage(`Team Notes: the code moved from lines ${was} to ${lineRangeText(place)} of ${shown}`, 6000);
      break;
    case 'changed':
      if (place.whitespaceOnly) vscode.window.setStatusBarMessage(`Team Notes: ${shown}, lines ${lineRangeText(place)} (only white space changed)`, 6000);
      else offerShared(`The code changed since it was shared: ${place.confidence < 0.7 ? 'probably ' : ''}lines ${lineRangeText(place)} of ${shown} (shared as lines ${was}).`);
      break;
    case 'ambiguous':
      offerShared(`The shared code appears in ${place.candidates.length === 20 ? '20 or more' : place.candidates.length} places in ${shown}; Team Notes did not pick one.`, CHOOSE);
      break;
    case 'gone':
      offerShared(`The shared code is not in your version of ${shown} (shared as lines ${was}): it was changed or removed.`);
      break;
    case 'unanchored':
      if (place.pastEnd) void vscode.window.showInformationMessage(`${shown} has only ${document.lineCount} lines here, fewer than line ${target.startLine}.`);
      break;
  }
  return place;
}

/** Shows the document with `range` selected and in view (or the top of the file when there is none). */
async function show(document: vscode.TextDocument, range: LineRange | undefined): Promise<void> {
  const last = document.lineCount - 1;
  const first = range === undefined ? 0 : Math.min(range.startLine - 1, last);
  const end = range === undefined ? 0 : Math.min(range.endLine - 1, last);
  const selection = range === undefined ? new vscode.Range(0, 0, 0, 0) : new vscode.Range(first, 0, end, document.lineAt(Math.max(end, 0)).text.length);
  const editor = await vscode.window.showTextDocument(document, { selection, viewColumn: vscode.ViewColumn.One });
  editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The shared code in an untitled editor beside, to compare with what is in the file now. */
async function showSharedCode(code: string, language: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ content: code, language });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

async function choosePlace(document: vscode.TextDocument, candidates: readonly LineRange[]): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    candidates.map((range) => ({ label: `Lines ${lineRangeText(range)}`, description: document.lineAt(Math.min(range.startLine - 1, document.lineCount - 1)).text.trim().slice(0, 80), range })),
    { title: 'Team Notes: where the shared code appears' },
  );
  if (picked !== undefined) await show(document, picked.range);
}
