/**
 * The board's dot grid: every 24 board units, coarser when zoomed out so that it never gets dense.
 * It moves with the camera by a transform only. Its pattern is drawn again when the zoom changes,
 * except while the view moves: then the pattern drawn last is scaled (up to twice either way), since
 * drawing the dots again over the whole view in every frame of a zoom costs more than a frame.
 */
import type { Camera } from './camera';
import { h } from './dom';

/** Dot grid spacing in board units, and the closest the dots may come on screen, in pixels. */
const GRID_UNITS = 24;
const MIN_GRID_PX = 12;
/** While the view moves, the drawn pattern is scaled by at most this factor either way before it is drawn again. */
const MAX_MOVING_SCALE = 2;
const mod = (a: number, n: number): number => ((a % n) + n) % n;

export class DotGrid {
  readonly element = h('div', { className: 'board-grid', attrs: { 'aria-hidden': 'true' } });
  /** The cell the pattern is drawn at, in pixels. */
  private cell = 0;

  position(camera: Camera, width: number, height: number, moving: boolean): void {
    let cell = GRID_UNITS * camera.zoom;
    while (cell < MIN_GRID_PX) cell *= 4;
    const style = this.element.style;
    const ratio = this.cell === 0 ? Infinity : cell / this.cell;
    const redraw = moving ? ratio > MAX_MOVING_SCALE || ratio < 1 / MAX_MOVING_SCALE : Math.abs(cell - this.cell) > 1e-3;
    if (redraw) {
      this.cell = cell;
      style.backgroundSize = `${cell}px ${cell}px`;
    }
    const scale = cell / this.cell;
    // Large enough to cover the view at the smallest scale allowed while moving, so that a zoom
    // changes no size (a size change would draw the dots again).
    const cover = moving || scale !== 1 ? MAX_MOVING_SCALE : 1;
    const w = `${Math.ceil(width * cover + 2 * this.cell * cover)}px`;
    const hgt = `${Math.ceil(height * cover + 2 * this.cell * cover)}px`;
    if (style.width !== w) style.width = w;
    if (style.height !== hgt) style.height = hgt;
    const ox = mod(-camera.x * camera.zoom, cell) - cell;
    const oy = mod(-camera.y * camera.zoom, cell) - cell;
    style.transform = scale === 1 ? `translate(${ox.toFixed(2)}px, ${oy.toFixed(2)}px)` : `translate(${ox.toFixed(2)}px, ${oy.toFixed(2)}px) scale(${scale.toFixed(5)})`;
  }
}
