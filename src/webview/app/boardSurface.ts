/**
 * What the board's input modules (pointer gestures, keys, the note editor) may see and do on the
 * board. The board view implements it; the modules hold it instead of the whole view, so each of
 * them shows in its imports what it touches.
 */
import type { BoardItem, WebviewToHost } from '../protocol';
import type { BoardModel } from './boardModel';
import type { BoardScene } from './boardScene';
import type { Camera } from './camera';
import type { InkLayer } from './inkLayer';
import type { SelectionOverlay } from './selectionOverlay';
import type { Toasts } from './toast';
import type { PenStyle, Tool, ViewStateStore } from './viewState';

export interface Point {
  x: number;
  y: number;
}

export interface BoardSurface {
  readonly element: HTMLElement;
  readonly viewport: HTMLElement;
  readonly model: BoardModel;
  readonly scene: BoardScene;
  readonly ink: InkLayer;
  readonly selection: SelectionOverlay;
  readonly store: ViewStateStore;
  readonly toasts: Toasts;
  readonly camera: Camera;
  readonly tool: Tool;
  readonly pen: PenStyle;
  /** The selected item's id. */
  readonly selected: string | undefined;
  post(message: WebviewToHost): void;
  /** The viewport's size in pixels. */
  size(): { width: number; height: number };
  /** Viewport pixels of a pointer or mouse event. */
  local(event: { clientX: number; clientY: number }): Point;
  /** Board coordinates of a pointer or mouse event. */
  boardPoint(event: { clientX: number; clientY: number }): Point;
  setCamera(camera: Camera): void;
  zoomStep(direction: 1 | -1): void;
  zoomTo(zoom: number, at?: Point): void;
  fitContent(): void;
  setTool(tool: Tool): void;
  select(id: string | undefined): void;
  deleteItem(id: string): void;
  moveItem(id: string, x: number, y: number, size?: { width: number; height: number }): void;
  editNote(id: string): void;
  newNoteInView(): void;
  /** Opens the note editor for a new note at a board point. */
  newNoteAt(x: number, y: number): void;
  /** The node is inside the open note editor. */
  inEditor(node: Node | null): boolean;
  chooseImage(): void;
  /** Shows or hides the "Nothing on the board yet" hint. */
  updateEmptyHint(): void;
  /** Nudges an item by a board distance (posted once the keys rest). */
  nudge(item: BoardItem, dx: number, dy: number): void;
}
