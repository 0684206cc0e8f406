/**
 * The tool in hand (select, pen, eraser) and the pen's colour and width: kept in the view state, so
 * a reopened board has them back, and shown on the toolbar and as the viewport's cursor class.
 */
import type { BoardToolbar } from './toolbar';
import type { PenStyle, Tool, ViewStateStore } from './viewState';

export class BoardTools {
  private current: Tool;
  private currentPen: PenStyle;

  constructor(
    private readonly store: ViewStateStore,
    private readonly toolbar: BoardToolbar,
    private readonly viewport: HTMLElement,
  ) {
    this.current = store.current.tool;
    this.currentPen = { ...store.current.pen };
    toolbar.setTool(this.current);
    toolbar.setPen(this.currentPen);
    this.applyToolClass();
  }

  get tool(): Tool {
    return this.current;
  }

  get pen(): PenStyle {
    return this.currentPen;
  }

  setTool(tool: Tool): void {
    this.current = tool;
    this.store.update({ tool });
    this.toolbar.setTool(tool);
    this.applyToolClass();
  }

  setPen(pen: Partial<PenStyle>): void {
    this.currentPen = { ...this.currentPen, ...pen };
    this.store.update({ pen: this.currentPen });
    this.toolbar.setPen(this.currentPen);
  }

  private applyToolClass(): void {
    this.viewport.classList.toggle('tool-pen', this.current === 'pen');
    this.viewport.classList.toggle('tool-eraser', this.current === 'eraser');
    this.viewport.classList.toggle('tool-select', this.current === 'select');
  }
}
