/**
 * The connectivity doctor's report as a Markdown document (what Diagnose Connection opens). Pure,
 * no `vscode`: every text that came from the network (names, error texts) is escaped so that it
 * reads as text, never as markup, a link or HTML.
 */
import { memberLines } from '../net/doctorReport';
import type { DoctorReport } from '../net/doctorReport';

/** C0 and C1 controls, DEL, line/paragraph separators and bidi controls: shown as `\uHHHH`. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFFFE\uFFFF]/g;

/** Text as Markdown that shows exactly that text: every ASCII punctuation character backslash-escaped. */
export function markdownText(text: string): string {
  return text
    .replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** The whole report: a heading, then one section per member. */
export function doctorMarkdown(report: DoctorReport): string {
  const reached = report.members.filter((m) => m.state === 'linked').length;
  const lines = [
    `# Team Notes: connection diagnosis of ${markdownText(`"${report.group}"`)}`,
    '',
    `As ${markdownText(`${report.self.name} [${report.self.fingerprint}]`)}, ${markdownText(new Date(report.at).toISOString())}: ${reached} of ${report.members.length} members reached${report.passwordProtected ? ' (password group)' : ''}.`,
  ];
  if (report.members.length === 0) lines.push('', 'Nobody else is in the group.');
  for (const member of report.members) {
    const { title, fields } = memberLines(member);
    lines.push('', `## ${member.state === 'linked' ? '✓' : '✗'} ${markdownText(title)}`, '');
    for (const [label, value] of fields) lines.push(`- **${markdownText(label)}:** ${markdownText(value)}`);
  }
  lines.push('');
  return lines.join('\n');
}
