/**
 * Draws board items as shapes on the overview canvas, far out where text is unreadable anyway:
 * notes in their colour with a hint of their lines, snippet cards, image thumbnails (or their
 * place while a thumbnail is decoded), strokes thinned to what their size on screen shows.
 */
import type { BoardStroke } from '../protocol';
import type { BoardModel, Entry } from './boardModel';
import { clamp, safeColour, textColourOn } from './format';
import { MAX_DRAWN_STROKE_WIDTH } from './itemGeometry';
import type { OverviewThumbnails } from './overviewThumbnails';
import { thinEvenly } from './simplify';

/** Points of a stroke drawn in the overview: more for strokes that are large on screen. */
const OVERVIEW_STROKE_POINTS = [16, 64, 256] as const;

/** The theme's colours the shapes are drawn in. */
export interface OverviewColours {
  card: string;
  border: string;
  ink: string;
}

export class OverviewPainter {
  private readonly strokePaths = new WeakMap<ArrayLike<number>, Array<Path2D | undefined>>();

  constructor(
    private readonly model: BoardModel,
    private readonly thumbnails: OverviewThumbnails,
  ) {}

  /** Draws `entries` in order onto `ctx`, whose transform maps board coordinates at `zoom`. */
  paint(ctx: CanvasRenderingContext2D, entries: readonly Entry[], zoom: number, { card, border, ink }: OverviewColours): void {
    const pixel = 1 / zoom;
    for (const entry of entries) {
      const item = entry.item;
      const move = this.model.pendingMove(item.id);
      const b = entry.bounds;
      switch (item.kind) {
        case 'note': {
          const colour = safeColour(item.colour) ?? card;
          ctx.fillStyle = colour;
          ctx.fillRect(b.x, b.y, b.width, b.height);
          const size = clamp(item.size, 8, 96);
          if (size * zoom >= 2) {
            ctx.globalAlpha = 0.35;
            ctx.fillStyle = safeColour(item.colour) !== undefined ? textColourOn(colour) : ink;
            const rows = Math.min(6, Math.max(1, Math.floor((b.height - 40) / (size * 1.4))));
            for (let i = 0; i < rows; i += 1) {
              const width = (b.width - 24) * (i === rows - 1 ? 0.55 : 0.9);
              ctx.fillRect(b.x + 12, b.y + 12 + i * size * 1.4, width, size * 0.55);
            }
            ctx.globalAlpha = 1;
          }
          break;
        }
        case 'snippet': {
          ctx.fillStyle = card;
          ctx.fillRect(b.x, b.y, b.width, b.height);
          if (zoom < 0.05) break;
          ctx.lineWidth = pixel;
          ctx.strokeStyle = border;
          ctx.strokeRect(b.x, b.y, b.width, b.height);
          ctx.fillStyle = border;
          ctx.fillRect(b.x, b.y + 50, b.width, pixel);
          if (zoom >= 0.1) {
            ctx.globalAlpha = 0.3;
            ctx.fillStyle = ink;
            const rows = Math.min(12, Math.floor((b.height - 66) / 19.5));
            for (let i = 0; i < rows; i += 1) ctx.fillRect(b.x + 10 + (i % 3) * 16, b.y + 62 + i * 19.5, (b.width - 60) * (0.35 + ((i * 37) % 50) / 100), 8);
            ctx.globalAlpha = 1;
          }
          break;
        }
        case 'image': {
          const width = move?.width ?? item.width;
          const height = move?.height ?? item.height;
          const bitmap = this.thumbnails.get(item);
          if (bitmap !== undefined) ctx.drawImage(bitmap, b.x, b.y, width, height);
          else {
            ctx.fillStyle = border;
            ctx.fillRect(b.x, b.y, width, height);
          }
          break;
        }
        case 'stroke': {
          const colour = safeColour(item.colour) ?? ink;
          ctx.strokeStyle = colour;
          ctx.lineWidth = Math.max(clamp(item.width, 0.5, MAX_DRAWN_STROKE_WIDTH), pixel);
          ctx.lineCap = 'round';
          ctx.lineJoin = 'round';
          const dx = move === undefined ? 0 : move.x - item.x;
          const dy = move === undefined ? 0 : move.y - item.y;
          const onScreen = Math.max(b.width, b.height) * zoom;
          if (dx !== 0 || dy !== 0) ctx.translate(dx, dy);
          ctx.stroke(this.strokePath(item, onScreen < 24 ? 0 : onScreen < 160 ? 1 : 2));
          if (dx !== 0 || dy !== 0) ctx.translate(-dx, -dy);
          break;
        }
      }
    }
  }

  /** The stroke as a path of at most `OVERVIEW_STROKE_POINTS[level]` points (cached per level). */
  private strokePath(stroke: BoardStroke, level: 0 | 1 | 2): Path2D {
    let cached = this.strokePaths.get(stroke.points);
    if (cached === undefined) {
      cached = [];
      this.strokePaths.set(stroke.points, cached);
    }
    const hit = cached[level];
    if (hit !== undefined) return hit;
    const points = thinEvenly(stroke.points, OVERVIEW_STROKE_POINTS[level]);
    const path = new Path2D();
    path.moveTo(points[0] ?? 0, points[1] ?? 0);
    if (points.length === 2) path.lineTo((points[0] ?? 0) + 0.01, points[1] ?? 0);
    for (let i = 2; i + 1 < points.length; i += 2) path.lineTo(points[i]!, points[i + 1]!);
    cached[level] = path;
    return path;
  }
}
