/**
 * The badge on a snippet card that says how its code stands in this member's own checkout ("changed
 * since shared", "moved", "not in your checkout", "gone"), from the host's `snippetStatus`. The card
 * is drawn with an empty badge and the badge filled in place when a status arrives, so a status never
 * re-renders (or re-highlights) a card.
 */
import type { SnippetStatus } from '../protocol';
import { h } from './dom';

const WORDS: Record<SnippetStatus['status'], { text: string; title: string } | undefined> = {
  same: undefined,
  changed: { text: 'changed since shared', title: 'Your version of these lines differs from the shared code; Open goes to where it is now.' },
  ambiguous: { text: 'in several places', title: 'The shared code appears in several places of your version of the file; Open lets you choose.' },
  gone: { text: 'gone', title: 'The shared code is not in your version of the file: it was changed or removed.' },
  missing: { text: 'not in your checkout', title: 'Your workspace has no file at this path.' },
  unreadable: { text: 'not checked', title: 'Team Notes did not read this file: it is too big, binary or outside your workspace.' },
};

/** The (empty) badge a snippet card holds, filled with `status` when there is one. */
export function snippetBadge(status: SnippetStatus | undefined, shared: { startLine: number; endLine: number }): HTMLElement {
  const badge = h('span', { className: 'badge snippet-status' });
  fillSnippetBadge(badge, status, shared);
  return badge;
}

/** Shows `status` in a card's badge: words, a tooltip, and `data-status` for the styles and tests. */
export function fillSnippetBadge(badge: HTMLElement, status: SnippetStatus | undefined, shared: { startLine: number; endLine: number }): void {
  const moved = status?.status === 'same' && status.startLine !== undefined && status.startLine !== shared.startLine;
  const words = moved ? { text: `moved to line ${status.startLine ?? ''}`, title: 'The code is unchanged at other lines of your version of the file; Open goes there.' } : status === undefined ? undefined : WORDS[status.status];
  badge.hidden = words === undefined;
  badge.textContent = words?.text ?? '';
  badge.title = words?.title ?? '';
  if (status === undefined) delete badge.dataset.status;
  else badge.dataset.status = moved ? 'moved' : status.status;
}
