/**
 * Images coming onto the board: pasted (a clipboard `paste` with image files), dropped (files
 * dragged over the board, with a drop target shown meanwhile) or chosen with Add Image. Each file is
 * checked and, when needed, downscaled (`importImage`), then posted as `addImage` centred where it
 * landed; refusals and downscales are told in a toast. Nothing is added locally: the host echoes it.
 */
import { BOARD_EXTENT } from '../../board/limits';
import type { WebviewToHost } from '../protocol';
import { h } from './dom';
import { clamp, formatCount } from './format';
import { displaySize, importImage } from './imageImport';
import type { Toasts } from './toast';

/** Most files taken from one paste or drop. */
const MAX_FILES = 10;
/** Offset between several images added at once, in board units. */
const CASCADE = 32;
/** Show "Adding …" when checking takes longer than this, in ms. */
const SLOW_IMPORT_MS = 300;

export interface ImageInputHost {
  post(message: WebviewToHost): void;
  readonly toasts: Toasts;
  /** The board is on screen (a paste while the join screen shows is not the board's). */
  visible(): boolean;
  /** Board point of a drop. */
  boardPoint(event: { clientX: number; clientY: number }): { x: number; y: number };
  /** Board point where a paste or a chosen file lands (the pointer over the board, or the view's centre). */
  pastePoint(): { x: number; y: number };
}

const isTextField = (el: Element | null): boolean => el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || (el instanceof HTMLElement && el.isContentEditable);

export class ImageInput {
  /** The hidden file input behind Add Image. */
  readonly fileInput: HTMLInputElement;
  private dragDepth = 0;

  constructor(
    target: HTMLElement,
    private readonly dropHint: HTMLElement,
    private readonly host: ImageInputHost,
  ) {
    this.fileInput = h('input', { className: 'visually-hidden', attrs: { type: 'file', accept: 'image/png,image/jpeg,image/gif', multiple: '', tabindex: '-1', 'aria-hidden': 'true' } });
    this.fileInput.addEventListener('change', () => {
      const files = [...(this.fileInput.files ?? [])];
      this.fileInput.value = '';
      if (files.length > 0) void this.importFiles(files, this.host.pastePoint());
    });
    target.addEventListener('dragenter', (e) => this.onDragEnter(e));
    target.addEventListener('dragover', (e) => this.onDragOver(e));
    target.addEventListener('dragleave', () => this.onDragLeave());
    target.addEventListener('drop', (e) => this.onDrop(e));
    document.addEventListener('paste', (e) => this.onPaste(e));
  }

  /** Opens the file chooser (Add Image). */
  choose(): void {
    this.fileInput.click();
  }

  private onPaste(event: ClipboardEvent): void {
    if (!this.host.visible()) return;
    const data = event.clipboardData;
    if (data === null) return;
    const files = [...data.files];
    if (files.length === 0) return;
    // Pasting into a text field keeps its text; an image alone still goes to the board.
    if (isTextField(event.target as Element | null) && data.types.includes('text/plain')) return;
    event.preventDefault();
    void this.importFiles(files, this.host.pastePoint());
  }

  private static hasFiles(event: DragEvent): boolean {
    return event.dataTransfer !== null && [...event.dataTransfer.types].includes('Files');
  }

  private onDragEnter(event: DragEvent): void {
    if (!ImageInput.hasFiles(event)) return;
    event.preventDefault();
    this.dragDepth += 1;
    this.dropHint.hidden = false;
  }

  private onDragOver(event: DragEvent): void {
    if (!ImageInput.hasFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy';
    this.dropHint.hidden = false;
  }

  private onDragLeave(): void {
    this.dragDepth = Math.max(0, this.dragDepth - 1);
    if (this.dragDepth === 0) this.dropHint.hidden = true;
  }

  private onDrop(event: DragEvent): void {
    this.dragDepth = 0;
    this.dropHint.hidden = true;
    if (!ImageInput.hasFiles(event) || event.dataTransfer === null) return;
    event.preventDefault();
    const files = [...event.dataTransfer.files];
    if (files.length > 0) void this.importFiles(files, this.host.boardPoint(event));
  }

  /** Checks each file, downscales it when needed and posts `addImage` centred at `at` (refusals go to a toast). */
  async importFiles(files: readonly File[], at: { x: number; y: number }): Promise<void> {
    const { toasts } = this.host;
    if (files.length > MAX_FILES) toasts.show(`Only the first ${MAX_FILES} of ${formatCount(files.length)} files were added.`, 'error');
    let offset = 0;
    for (const file of files.slice(0, MAX_FILES)) {
      // Clipboard images are all called image.png.
      const named = file.name !== '' && file.name !== 'image.png';
      const name = named ? `“${file.name}”` : 'The pasted image';
      let dismiss: (() => void) | undefined;
      const slow = setTimeout(() => (dismiss = toasts.show(`Adding ${named ? name : 'the pasted image'}…`)), SLOW_IMPORT_MS);
      const result = await importImage(file);
      clearTimeout(slow);
      dismiss?.();
      if (!result.ok) {
        toasts.show(`${name} was not added. ${result.message}`, 'error');
        continue;
      }
      const { width, height } = displaySize(result.image.info);
      const x = clamp(Math.round(at.x - width / 2 + offset), -BOARD_EXTENT, BOARD_EXTENT);
      const y = clamp(Math.round(at.y - height / 2 + offset), -BOARD_EXTENT, BOARD_EXTENT);
      this.host.post({ type: 'addImage', bytes: result.image.bytes, x, y, width, height });
      if (result.image.resized) toasts.show(`${name} was shrunk to ${formatCount(result.image.info.width)} × ${formatCount(result.image.info.height)} pixels to fit the board's limits.`);
      offset += CASCADE;
    }
  }
}
