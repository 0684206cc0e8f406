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
}

/**
 * A text block plus, when the text is longer than the preview, a Show all / Show less button.
 * `body` is the element holding the text (for fonts); `element` is what to insert.
 */
export function expandableText(text: string, options: ExpandableOptions): { element: HTMLElement; body: HTMLElement } {
  const body = h('div', { className: options.className, attrs: { dir: 'auto' } });
  const preview = capText(text, options.previewChars);
  if (!preview.cut) {
    body.textContent = text;
    return { element: body, body };
  }
  const wrapper = h('div', { className: 'expandable' });
  const toggle = h('button', { className: 'link-button expandable-toggle', attrs: { type: 'button' } });
  let expanded = options.expanded === true;
  const show = (): void => {
    body.textContent = expanded ? text : `${preview.text}…`;
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
