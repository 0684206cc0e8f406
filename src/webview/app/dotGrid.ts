/**
 * The board's dot grid: every 24 board units, coarser when zoomed out so that it never gets dense.
 * It moves with the camera by a transform only; its pattern is set again only when the zoom changes.
 */
import type { Camera } from './camera';
import { h } from './dom';

/** Dot grid spacing in board units, and the closest the dots may come on screen, in pixels. */
const GRID_UNITS = 24;
const MIN_GRID_PX = 12;
const mod = (a: number, n: number): number => ((a % n) + n) % n;

export class DotGrid {
  readonly element = h('div', { className: 'board-grid', attrs: { 'aria-hidden': 'true' } });
  private cell = 0;

  position(camera: Camera, width: number, height: number): void {
    let cell = GRID_UNITS * camera.zoom;
    while (cell < MIN_GRID_PX) cell *= 4;
    const style = this.element.style;
    if (Math.abs(cell - this.cell) > 1e-3) {
      this.cell = cell;
      style.backgroundSize = `${cell}px ${cell}px`;
    }
    const w = `${Math.ceil(width + 2 * cell)}px`;
    const hgt = `${Math.ceil(height + 2 * cell)}px`;
    if (style.width !== w) style.width = w;
    if (style.height !== hgt) style.height = hgt;
    const ox = mod(-camera.x * camera.zoom, cell) - cell;
    const oy = mod(-camera.y * camera.zoom, cell) - cell;
    style.transform = `translate(${ox.toFixed(2)}px, ${oy.toFixed(2)}px)`;
  }
}
