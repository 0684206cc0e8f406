/**
 * Team Notes: Diagnose Connection. Pings every member once more, waits for the answers (with a
 * progress notification), and opens the per-member report as a Markdown preview: direct or relayed,
 * round trip, address and interface, or why a member cannot be reached and what to do.
 *
 * The report is a read-only document of its own scheme (nothing to save, no "unsaved changes"
 * prompt when the window closes); running the command again refreshes the open preview.
 */
import * as vscode from 'vscode';
import { DOCTOR_PING_WAIT_MS } from '../net/doctorReport';
import type { CommandContext } from './commands';
import { doctorMarkdown } from './doctorMarkdown';
import { showError } from './errorNotice';

type DiagnoseArgs = { waitMs?: unknown; show?: unknown } | undefined;

/** The scheme of the read-only report document. */
const SCHEME = 'team-notes-diagnosis';
const REPORT_URI = vscode.Uri.from({ scheme: SCHEME, path: '/Connection Diagnosis.md' });

/** Serves the latest report to the editor and the Markdown preview. */
class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly changes = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changes.event;
  private content = '';

  provideTextDocumentContent(): string {
    return this.content;
  }

  set(content: string): void {
    this.content = content;
    this.changes.fire(REPORT_URI);
  }

  dispose(): void {
    this.changes.dispose();
  }
}

export function registerDiagnoseCommand(ctx: CommandContext): vscode.Disposable {
  const documents = new ReportDocuments();
  return vscode.Disposable.from(
    documents,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    vscode.commands.registerCommand('teamNotes.diagnoseConnection', (args?: DiagnoseArgs) => diagnoseConnection(ctx, documents, args)),
  );
}

/**
 * Gathers and shows the report; resolves to its Markdown (for tests and other extensions), or
 * undefined when not joined. `{ waitMs }` changes the wait for pongs, `{ show: false }` only returns it.
 */
async function diagnoseConnection(ctx: CommandContext, documents: ReportDocuments, args: DiagnoseArgs): Promise<string | undefined> {
  if (!ctx.session.joined) {
    // Not awaited: the command finishes whether or not anyone answers the notification.
    void vscode.window.showInformationMessage('Team Notes: not in a group, so there is no connection to diagnose.', 'Join Group…').then((choice) => {
      if (choice === 'Join Group…') void vscode.commands.executeCommand('teamNotes.joinGroup');
    });
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
    documents.set(content);
    if (args?.show !== false) {
      try {
        await vscode.commands.executeCommand('markdown.showPreview', REPORT_URI);
      } catch (err) {
        // The built-in Markdown extension is disabled: the report as text, still read-only.
        ctx.logger.debug(`No Markdown preview (${err instanceof Error ? err.message : String(err)}); opening the report as text`);
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(REPORT_URI), { preview: true });
      }
    }
    return content;
  } catch (err) {
    showError(ctx, err, 'Team Notes could not diagnose the connection');
    return undefined;
  }
}
