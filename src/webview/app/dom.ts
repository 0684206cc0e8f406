/**
 * The one way the board builds DOM: `createElement` and text nodes. Peer text never passes through
 * an HTML parser (no `innerHTML`), so `<script>` in a chat message is shown as the characters it is.
 */

/** A child of {@link h}: strings become text nodes; `null`, `undefined` and `false` are skipped. */
export type Child = Node | string | null | undefined | false;

export interface Props {
  /** Space-separated class names. */
  className?: string;
  /** Plain attributes (`aria-*`, `role`, `title`, `type`…); values are set as text, never parsed. */
  attrs?: Record<string, string>;
  /** Sets `textContent`; wins over children. */
  text?: string;
}

/** Creates an element with properties and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className !== undefined) el.className = props.className;
  if (props.attrs !== undefined) {
    for (const [name, value] of Object.entries(props.attrs)) el.setAttribute(name, value);
  }
  if (props.text !== undefined) el.textContent = props.text;
  else append(el, children);
  return el;
}

/** Appends children, turning strings into text nodes. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** A button with a visible label (and an optional longer accessible name). */
export function button(label: string, onClick: (event: MouseEvent) => void, options: { className?: string; ariaLabel?: string; title?: string } = {}): HTMLButtonElement {
  const attrs: Record<string, string> = { type: 'button' };
  if (options.ariaLabel !== undefined) attrs['aria-label'] = options.ariaLabel;
  if (options.title !== undefined) attrs.title = options.title;
  const el = h('button', { className: options.className ?? 'button', attrs, text: label });
  el.addEventListener('click', onClick);
  return el;
}

/** A unique id for label/description links within this document. */
let nextId = 0;
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
