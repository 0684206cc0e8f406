/**
 * The board's toolbar: tools (Select, Pen, Eraser), the pen's colour and width while the pen is
 * chosen, New Note, Add Image, and zoom. A WAI-ARIA toolbar: one tab stop, arrow keys / Home / End
 * move between its controls (roving tabindex); every control has a label, and a tooltip naming its
 * shortcut (also in `aria-keyshortcuts`).
 */
import { h } from './dom';
import { icon } from './icons';
import type { IconName } from './icons';
import type { PenStyle, Tool } from './viewState';

/** Pen colours: mid tones that read on dark and light themes alike (peers may use either). */
export const PEN_COLOURS: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'Blue', value: '#3794ff' },
  { name: 'Red', value: '#f14c4c' },
  { name: 'Green', value: '#23a55a' },
  { name: 'Orange', value: '#f59e0b' },
  { name: 'Purple', value: '#a371f7' },
  { name: 'Grey', value: '#8b949e' },
];

export const PEN_WIDTHS: ReadonlyArray<{ name: string; value: number }> = [
  { name: 'Thin', value: 2 },
  { name: 'Medium', value: 4 },
  { name: 'Thick', value: 8 },
  { name: 'Marker', value: 16 },
];

export interface ToolbarHandlers {
  tool(tool: Tool): void;
  pen(pen: Partial<PenStyle>): void;
  newNote(): void;
  addImage(): void;
  zoomIn(): void;
  zoomOut(): void;
  zoomReset(): void;
  fit(): void;
}

interface ControlSpec {
  label: string;
  /** Shown in the tooltip, e.g. `P`. */
  shortcut?: string;
  /** For `aria-keyshortcuts`, e.g. `P` or `Shift+1`. */
  keys?: string;
  icon?: IconName;
  text?: string;
  className?: string;
  onClick(): void;
}

export class BoardToolbar {
  readonly element: HTMLElement;
  private readonly tools = new Map<Tool, HTMLButtonElement>();
  private readonly swatches = new Map<string, HTMLButtonElement>();
  private readonly widths = new Map<number, HTMLButtonElement>();
  private readonly penOptions: HTMLElement;
  private readonly zoomLabel: HTMLButtonElement;
  private readonly zoomOutButton: HTMLButtonElement;
  private readonly zoomInButton: HTMLButtonElement;

  constructor(handlers: ToolbarHandlers) {
    const tool = (t: Tool, label: string, key: string, name: IconName): HTMLButtonElement => {
      const b = this.control({ label, shortcut: key, keys: key, icon: name, className: 'tool', onClick: () => handlers.tool(t) });
      b.setAttribute('aria-pressed', 'false');
      this.tools.set(t, b);
      return b;
    };
    const tools = h('div', { className: 'toolbar-group', attrs: { role: 'group', 'aria-label': 'Tools' } }, tool('select', 'Select', 'V', 'select'), tool('pen', 'Pen', 'P', 'pen'), tool('eraser', 'Eraser', 'E', 'eraser'));

    const swatchButtons = PEN_COLOURS.map((c) => {
      const b = this.control({ label: `${c.name} ink`, className: 'swatch', onClick: () => handlers.pen({ colour: c.value }) });
      b.title = `Pen colour: ${c.name}`;
      b.setAttribute('aria-pressed', 'false');
      const dot = h('span', { className: 'swatch-dot', attrs: { 'aria-hidden': 'true' } });
      dot.style.setProperty('--swatch', c.value);
      b.append(dot);
      this.swatches.set(c.value, b);
      return b;
    });
    const widthButtons = PEN_WIDTHS.map((w) => {
      const b = this.control({ label: `${w.name} pen`, className: 'width', onClick: () => handlers.pen({ width: w.value }) });
      b.title = `Pen width: ${w.name} (${w.value})`;
      b.setAttribute('aria-pressed', 'false');
      const dot = h('span', { className: 'width-dot', attrs: { 'aria-hidden': 'true' } });
      dot.style.setProperty('--dot', `${Math.min(14, 2 + w.value * 0.75)}px`);
      b.append(dot);
      this.widths.set(w.value, b);
      return b;
    });
    this.penOptions = h(
      'div',
      { className: 'toolbar-group pen-options', attrs: { role: 'group', 'aria-label': 'Pen options' } },
      h('span', { className: 'toolbar-separator', attrs: { role: 'separator', 'aria-orientation': 'vertical' } }),
      ...swatchButtons,
      h('span', { className: 'toolbar-separator', attrs: { role: 'separator', 'aria-orientation': 'vertical' } }),
      ...widthButtons,
    );

    const insert = h(
      'div',
      { className: 'toolbar-group', attrs: { role: 'group', 'aria-label': 'Add' } },
      this.control({ label: 'New Note', shortcut: 'N', keys: 'N', icon: 'note', onClick: () => handlers.newNote() }),
      this.control({ label: 'Add Image', shortcut: 'I', keys: 'I', icon: 'image', onClick: () => handlers.addImage() }),
    );

    this.zoomOutButton = this.control({ label: 'Zoom Out', shortcut: '−', keys: '-', icon: 'zoomOut', onClick: () => handlers.zoomOut() });
    this.zoomLabel = this.control({ label: 'Reset Zoom to 100%', shortcut: '0', keys: '0', text: '100%', className: 'zoom-level', onClick: () => handlers.zoomReset() });
    this.zoomInButton = this.control({ label: 'Zoom In', shortcut: '+', keys: '+', icon: 'zoomIn', onClick: () => handlers.zoomIn() });
    const zoom = h(
      'div',
      { className: 'toolbar-group', attrs: { role: 'group', 'aria-label': 'Zoom' } },
      this.zoomOutButton,
      this.zoomLabel,
      this.zoomInButton,
      this.control({ label: 'Fit to Content', shortcut: 'Shift+1', keys: 'Shift+1', icon: 'fit', onClick: () => handlers.fit() }),
    );

    this.element = h(
      'div',
      { className: 'board-toolbar-controls', attrs: { role: 'toolbar', 'aria-label': 'Board tools', 'aria-orientation': 'horizontal' } },
      tools,
      this.penOptions,
      h('span', { className: 'toolbar-separator', attrs: { role: 'separator', 'aria-orientation': 'vertical' } }),
      insert,
      h('span', { className: 'toolbar-separator', attrs: { role: 'separator', 'aria-orientation': 'vertical' } }),
      zoom,
    );
    this.element.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.element.addEventListener('focusin', (event) => {
      if (event.target instanceof HTMLButtonElement) this.setCurrent(event.target);
    });
    const first = this.tools.get('select');
    if (first !== undefined) this.setCurrent(first);
  }

  setTool(tool: Tool): void {
    for (const [t, b] of this.tools) b.setAttribute('aria-pressed', String(t === tool));
    this.penOptions.hidden = tool !== 'pen';
    this.ensureCurrent();
  }

  setPen(pen: PenStyle): void {
    for (const [c, b] of this.swatches) b.setAttribute('aria-pressed', String(c.toLowerCase() === pen.colour.toLowerCase()));
    for (const [w, b] of this.widths) b.setAttribute('aria-pressed', String(w === pen.width));
  }

  setZoom(zoom: number, min: number, max: number): void {
    const percent = `${Math.round(zoom * 100)}%`;
    if (this.zoomLabel.textContent !== percent) this.zoomLabel.textContent = percent;
    const outDisabled = zoom <= min + 1e-6;
    const inDisabled = zoom >= max - 1e-6;
    if (outDisabled === this.zoomOutButton.disabled && inDisabled === this.zoomInButton.disabled) return;
    this.zoomOutButton.disabled = outDisabled;
    this.zoomInButton.disabled = inDisabled;
    this.ensureCurrent();
  }

  private control(spec: ControlSpec): HTMLButtonElement {
    const attrs: Record<string, string> = { type: 'button', 'aria-label': spec.label, title: spec.shortcut === undefined ? spec.label : `${spec.label} (${spec.shortcut})`, tabindex: '-1' };
    if (spec.keys !== undefined) attrs['aria-keyshortcuts'] = spec.keys;
    const b = h('button', { className: `toolbar-button${spec.className === undefined ? '' : ` ${spec.className}`}`, attrs });
    if (spec.icon !== undefined) b.append(icon(spec.icon));
    if (spec.text !== undefined) b.append(h('span', { className: 'toolbar-text', text: spec.text }));
    b.addEventListener('click', () => spec.onClick());
    return b;
  }

  /** The toolbar's controls a user can reach now (not hidden, not disabled), in order. */
  private reachable(): HTMLButtonElement[] {
    return [...this.element.querySelectorAll('button')].filter((b) => !b.disabled && b.closest('[hidden]') === null);
  }

  private setCurrent(button: HTMLButtonElement): void {
    for (const b of this.element.querySelectorAll('button')) b.tabIndex = b === button ? 0 : -1;
  }

  /** Keeps exactly one reachable control in the tab order (after one was hidden or disabled). */
  private ensureCurrent(): void {
    const reachable = this.reachable();
    const current = reachable.find((b) => b.tabIndex === 0);
    if (current === undefined && reachable[0] !== undefined) this.setCurrent(reachable[0]);
  }

  private onKeyDown(event: KeyboardEvent): void {
    const controls = this.reachable();
    const index = controls.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    let next: number | undefined;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = (index + 1) % controls.length;
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = (index - 1 + controls.length) % controls.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = controls.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    const target = controls[next]!;
    this.setCurrent(target);
    target.focus();
  }
}
