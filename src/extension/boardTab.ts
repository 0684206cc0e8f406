/**
 * Keeps the board's tab from being a preview. VS Code opens a webview that is revealed into
 * another editor group (the board brought up beside the editor after Share Selection) as a preview
 * tab, which the next file opened from the Explorer replaces. There is no API to pin a tab, so
 * the board is made the active editor for a moment, kept with `workbench.action.keepEditor`, and
 * the editor the user worked in gets the focus back.
 */
import * as vscode from 'vscode';

/**
 * The board's tab when it is a preview. While the board moves to another group VS Code may list it
 * twice for a moment (pinned in the old group, a preview in the new one): any preview counts.
 */
function previewBoardTab(viewType: string): vscode.Tab | undefined {
  return boardTabs(viewType).find((tab) => tab.isPreview);
}

function boardTabs(viewType: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(viewType));
}

/** True while the board is the tab the user is on (the active tab of the active group). */
function boardIsActive(viewType: string): boolean {
  return boardTabs(viewType).some((tab) => tab.isActive && tab.group.isActive);
}

/**
 * Pins the board's tab whenever it shows as a preview. `focusBoard` reveals the board with focus
 * in `column` and resolves once it is the active editor (false when it did not become active).
 */
export function keepBoardTab(viewType: string, focusBoard: (column: vscode.ViewColumn) => Promise<boolean>): vscode.Disposable {
  let pinning = false;
  const pin = async (): Promise<void> => {
    const tab = previewBoardTab(viewType);
    if (tab === undefined || pinning) return;
    pinning = true;
    try {
      const wasActive = tab.isActive && tab.group.isActive;
      const working = wasActive ? undefined : vscode.window.activeTextEditor;
      if (!wasActive && !(await focusBoard(tab.group.viewColumn))) return;
      await vscode.commands.executeCommand('workbench.action.keepEditor');
      // Back to the editor the user worked in, unless meanwhile the user went elsewhere (opened a
      // file, clicked another tab): what they chose stays in front.
      if (working !== undefined && boardIsActive(viewType)) {
        await vscode.window.showTextDocument(working.document, { viewColumn: working.viewColumn, selection: working.selection, preserveFocus: false });
      }
    } finally {
      pinning = false;
    }
  };
  return vscode.window.tabGroups.onDidChangeTabs(() => {
    if (previewBoardTab(viewType) !== undefined) void pin();
  });
}

/** How long the board has to become the active editor once revealed with focus, in ms. */
const FOCUS_TIMEOUT_MS = 2_000;

/** Reveals `panel` with focus in `column`; resolves true once it is the active editor, false after {@link FOCUS_TIMEOUT_MS} without. */
export function focusPanel(panel: vscode.WebviewPanel, column: vscode.ViewColumn): Promise<boolean> {
  if (panel.active) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (active: boolean): void => {
      clearTimeout(timer);
      listener.dispose();
      resolve(active);
    };
    const timer = setTimeout(() => done(panel.active), FOCUS_TIMEOUT_MS);
    const listener = panel.onDidChangeViewState(() => (panel.active ? done(true) : undefined));
    panel.reveal(column, false);
  });
}
