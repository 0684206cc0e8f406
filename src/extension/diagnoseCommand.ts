/**
 * Team Notes: Diagnose Connection. Pings every member once more, waits for the answers (with a
 * progress notification), and opens the per-member report as a Markdown preview: direct or relayed,
 * round trip, address and interface, or why a member cannot be reached and what to do.
 */
import * as vscode from 'vscode';
import { DOCTOR_PING_WAIT_MS } from '../net/doctorReport';
import type { CommandContext } from './commands';
import { doctorMarkdown } from './doctorMarkdown';
import { showError } from './errorNotice';

type DiagnoseArgs = { waitMs?: unknown; show?: unknown } | undefined;

export function registerDiagnoseCommand(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand('teamNotes.diagnoseConnection', (args?: DiagnoseArgs) => diagnoseConnection(ctx, args));
}

/**
 * Gathers and shows the report; resolves to its Markdown (for tests and other extensions), or
 * undefined when not joined. `{ waitMs }` changes the wait for pongs, `{ show: false }` only returns it.
 */
async function diagnoseConnection(ctx: CommandContext, args: DiagnoseArgs): Promise<string | undefined> {
  if (!ctx.session.joined) {
    const choice = await vscode.window.showInformationMessage('Team Notes: not in a group, so there is no connection to diagnose.', 'Join Group…');
    if (choice === 'Join Group…') await vscode.commands.executeCommand('teamNotes.joinGroup');
    return undefined;
  }
  const waitMs = typeof args?.waitMs === 'number' && Number.isFinite(args.waitMs) && args.waitMs >= 0 ? Math.min(args.waitMs, 60_000) : DOCTOR_PING_WAIT_MS;
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Team Notes: diagnosing the connection to each member…' },
      () => ctx.session.diagnose(waitMs),
    );
    if (report === undefined) return undefined;
    ctx.logger.info(`Connection diagnosis: ${report.members.map((m) => `${m.fingerprint} ${m.state === 'linked' ? m.kind : m.verdict.cause}`).join(', ') || 'no other members'}`);
    const content = doctorMarkdown(report);
    if (args?.show !== false) {
      const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
      await vscode.commands.executeCommand('markdown.showPreview', document.uri);
    }
    return content;
  } catch (err) {
    showError(ctx, err, 'Team Notes could not diagnose the connection');
    return undefined;
  }
}
