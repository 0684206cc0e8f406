/**
 * The pen's live ink: the stroke being drawn, shown on a screen-sized canvas as the pointer moves
 * (only the new segments are drawn each frame), and strokes already posted, kept on screen until the
 * host echoes them as board items so they never blink out. Points are board coordinates; a very
 * long stroke is simplified as it grows, so memory and redraws stay bounded.
 */
import { BOARD_EXTENT, MAX_STROKE_POINTS } from '../../board/limits';
import type { BoardStroke } from '../protocol';
import type { Camera } from './camera';
import { h } from './dom';
import { PENDING_MS } from './boardModel';
import { clamp } from './format';
import { pointCount, simplifyStroke } from './simplify';

/** A stroke in progress holds at most this many points before it is simplified in place. */
const MAX_LIVE_POINTS = 4 * MAX_STROKE_POINTS;
/** Tolerance of the final simplification, in screen pixels (so in board units it depends on zoom). */
export const STROKE_TOLERANCE_PX = 0.6;

interface Ink {
  points: number[];
  colour: string;
  width: number;
  expires: number;
}

export class InkLayer {
  readonly canvas: HTMLCanvasElement;
  private live: Ink | undefined;
  private posted: Ink[] = [];
  /** Points of the live stroke already on the canvas. */
  private drawn = 0;
  private drawnFor = '';
  private width = 0;
  private height = 0;

  constructor() {
    this.canvas = h('canvas', { className: 'board-ink', attrs: { 'aria-hidden': 'true' } });
    // Hidden while empty: a transparent full-size canvas still costs the compositor every frame.
    this.canvas.hidden = true;
  }

  get drawing(): boolean {
    return this.live !== undefined;
  }

  begin(x: number, y: number, colour: string, width: number): void {
    this.live = { points: [clamp(x, -BOARD_EXTENT, BOARD_EXTENT), clamp(y, -BOARD_EXTENT, BOARD_EXTENT)], colour, width, expires: Infinity };
    this.drawn = 0;
  }

  /** Adds a board point to the live stroke (points closer than `minDistance` to the last are skipped). */
  add(x: number, y: number, minDistance: number): void {
    const live = this.live;
    if (live === undefined) return;
    const p = live.points;
    const dx = x - p[p.length - 2]!;
    const dy = y - p[p.length - 1]!;
    if (dx * dx + dy * dy < minDistance * minDistance) return;
    p.push(clamp(x, -BOARD_EXTENT, BOARD_EXTENT), clamp(y, -BOARD_EXTENT, BOARD_EXTENT));
    if (pointCount(p) > MAX_LIVE_POINTS) {
      live.points = simplifyStroke(p, minDistance, MAX_LIVE_POINTS / 2);
      this.drawnFor = '';
    }
  }

  /** Ends the live stroke: its points simplified for `zoom`, within the wire's limit (kept on screen until echoed). */
  finish(zoom: number, now: number): { points: number[]; colour: string; width: number } | undefined {
    const live = this.live;
    this.live = undefined;
    if (live === undefined) return undefined;
    const points = simplifyStroke(live.points, STROKE_TOLERANCE_PX / zoom, MAX_STROKE_POINTS);
    this.posted.push({ points, colour: live.colour, width: live.width, expires: now + PENDING_MS });
    this.drawnFor = '';
    return { points, colour: live.colour, width: live.width };
  }

  cancel(): void {
    this.live = undefined;
    this.drawnFor = '';
  }

  /** A stroke arrived from the host: the posted ink it echoes can go. */
  echoed(stroke: BoardStroke): void {
    const before = this.posted.length;
    const x = stroke.points[0] ?? Number.NaN;
    const y = stroke.points[1] ?? Number.NaN;
    const colour = stroke.colour.toLowerCase();
    this.posted = this.posted.filter(
      (ink) => !(ink.colour.toLowerCase() === colour && Math.abs(ink.points[0]! - x) < 1 && Math.abs(ink.points[1]! - y) < 1 && Math.abs(ink.width - stroke.width) < 0.01),
    );
    if (this.posted.length !== before) this.drawnFor = '';
  }

  render(camera: Camera, width: number, height: number, now: number): void {
    const before = this.posted.length;
    this.posted = this.posted.filter((ink) => ink.expires > now);
    // Nothing to show, and the canvas was cleared already: panning costs nothing here.
    if (this.live === undefined && this.posted.length === 0 && this.drawnFor === 'empty') return;
    this.canvas.hidden = false;
    const dpr = window.devicePixelRatio || 1;
    const key = `${camera.x},${camera.y},${camera.zoom},${width},${height},${dpr},${this.posted.length}`;
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    if (key !== this.drawnFor || before !== this.posted.length) {
      if (this.width !== width || this.height !== height || this.canvas.width !== Math.round(width * dpr)) {
        this.width = width;
        this.height = height;
        this.canvas.width = Math.round(width * dpr);
        this.canvas.height = Math.round(height * dpr);
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      const s = camera.zoom * dpr;
      ctx.setTransform(s, 0, 0, s, -camera.x * s, -camera.y * s);
      for (const ink of this.posted) this.drawInk(ctx, ink, 0);
      this.drawn = 0;
      this.drawnFor = this.live === undefined && this.posted.length === 0 ? 'empty' : key;
      if (this.drawnFor === 'empty') this.canvas.hidden = true;
    }
    if (this.live !== undefined) {
      this.drawInk(ctx, this.live, this.drawn);
      this.drawn = Math.max(0, pointCount(this.live.points) - 1);
    }
  }

  private drawInk(ctx: CanvasRenderingContext2D, ink: Ink, from: number): void {
    const p = ink.points;
    const n = pointCount(p);
    ctx.strokeStyle = ink.colour;
    ctx.lineWidth = ink.width;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(p[2 * from]!, p[2 * from + 1]!);
    if (n === 1) ctx.lineTo(p[0]! + 0.01, p[1]!);
    for (let i = from + 1; i < n; i += 1) ctx.lineTo(p[2 * i]!, p[2 * i + 1]!);
    ctx.stroke();
  }
}
