/**
 * Entry point of the Team Notes extension. Activation opens no socket: the network starts only
 * when the user joins a group.
 */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Team Notes', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('teamNotes.showLog', () => log.show(true)),
  );
  log.info(`Team Notes ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
