/**
 * Peer text that may be very long (a 100,000-character note, a 16,000-character chat message):
 * only a preview goes into the DOM until the user asks for the rest, so a huge text costs one short
 * text node, not a layout of the whole thing.
 */
import { capText, formatCount } from './format';
import { h } from './dom';

export interface ExpandableOptions {
  /** Characters shown while collapsed. */
  previewChars: number;
  /** Class of the element holding the text. */
  className: string;
  expanded?: boolean;
  /** Called when the user expands or collapses, so the owner can keep the choice across re-renders. */
  onToggle?: (expanded: boolean) => void;
  /** Builds the nodes for the text shown (plain text when absent); `cut` when it is the preview of a longer text. */
  render?: (shown: string, cut: boolean) => Node[];
}

/**
 * A text block plus, when the text is longer than the preview, a Show all / Show less button.
 * `body` is the element holding the text (for fonts); `element` is what to insert.
 */
export function expandableText(text: string, options: ExpandableOptions): { element: HTMLElement; body: HTMLElement } {
  const body = h('div', { className: options.className, attrs: { dir: 'auto' } });
  const preview = capText(text, options.previewChars);
  const fill = (shown: string, cut: boolean): void => {
    if (options.render === undefined) body.textContent = cut ? `${shown}…` : shown;
    else body.replaceChildren(...options.render(shown, cut), ...(cut ? ['…'] : []));
  };
  if (!preview.cut) {
    fill(text, false);
    return { element: body, body };
  }
  const wrapper = h('div', { className: 'expandable' });
  const toggle = h('button', { className: 'link-button expandable-toggle', attrs: { type: 'button' } });
  let expanded = options.expanded === true;
  const show = (): void => {
    fill(expanded ? text : preview.text, !expanded);
    body.classList.toggle('expanded', expanded);
    toggle.textContent = expanded ? 'Show less' : `Show all ${formatCount(text.length)} characters`;
    toggle.setAttribute('aria-expanded', String(expanded));
  };
  toggle.addEventListener('click', (event) => {
    event.stopPropagation();
    expanded = !expanded;
    show();
    options.onToggle?.(expanded);
  });
  show();
  wrapper.append(body, toggle);
  return { element: wrapper, body };
}
