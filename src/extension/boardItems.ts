/**
 * Turns the folded board state into the items the board panel shows, and checks what arrives
 * from peers before it is shown.
 */
import type { BoardItemState } from '../board/boardState';
import { codeImageSource, readPngText } from '../board/pngText';
import type { BoardItem, CodeImageSource } from '../webview/protocol';

/** Rounds a board coordinate to what the wire carries, so that the sender's own board matches everyone else's. */
export function boardUnits(value: number): number {
  return Math.round(value * 100) / 100;
}

export class BoardItemViews {
  /** Code sources read from code-image PNGs, by item id (reading text chunks once per image). */
  private readonly sources = new Map<string, CodeImageSource | undefined>();

  constructor(private readonly nameOf: (peerId: string) => string) {}

  toView(state: BoardItemState): BoardItem {
    const base = { id: state.id, author: { id: state.author, name: this.nameOf(state.author) }, x: state.x, y: state.y, order: state.created.clock };
    switch (state.kind) {
      case 'note':
        return { kind: 'note', ...base, text: state.text, font: state.font, size: state.size, colour: state.colour };
      case 'snippet':
        return { kind: 'snippet', ...base, code: state.code, language: state.language, path: state.path, startLine: state.startLine, endLine: state.endLine };
      case 'image': {
        const item: BoardItem = { kind: 'image', ...base, mime: state.mime, width: state.width, height: state.height, bytes: state.bytes };
        const source = this.sourceOf(state);
        if (source !== undefined) item.source = source;
        return item;
      }
      case 'stroke': {
        const points = new Float64Array(state.points.length * 2);
        state.points.forEach((p, i) => {
          points[2 * i] = p.x;
          points[2 * i + 1] = p.y;
        });
        return { kind: 'stroke', ...base, points, width: state.width, colour: state.colour };
      }
    }
  }

  forget(id: string): void {
    this.sources.delete(id);
  }

  clear(): void {
    this.sources.clear();
  }

  private sourceOf(state: Extract<BoardItemState, { kind: 'image' }>): CodeImageSource | undefined {
    if (state.mime !== 'image/png') return undefined;
    if (!this.sources.has(state.id)) this.sources.set(state.id, codeImageSource(readPngText(state.bytes)));
    return this.sources.get(state.id);
  }
}
