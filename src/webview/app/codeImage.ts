/**
 * Renders a code snippet as a PNG "screenshot": a rounded card with a header (`path:start-end` and
 * the language), line numbers and syntax-highlighted code in the colours of VS Code's default theme
 * of the editor's theme kind (src/board/codeTheme.ts, the snippet cards' colours too). The
 * PNG carries the source in text chunks (see src/board/pngText.ts), so whoever receives the image
 * can get the code back. Browser code: an OffscreenCanvas when there is one, else a detached
 * <canvas>; text goes through `fillText`, never HTML.
 */
import { codeColours } from '../../board/codeTheme';
import type { CodeColours, CodeTheme } from '../../board/codeTheme';
import { highlight } from '../../board/highlight';
import type { HighlightedLine, Token } from '../../board/highlight';
import { MAX_IMAGE_EDGE } from '../../board/limits';
import { addPngText, codeImageText } from '../../board/pngText';
import type { CodeImageSource } from '../protocol';

export interface CodeImageOptions {
  /** Device pixels per CSS pixel (default 2, at most 4); lowered as needed to keep within `MAX_IMAGE_EDGE`. */
  scale?: number;
  /** CSS font family list of the code (default: VS Code's editor fonts, then `monospace`). */
  fontFamily?: string;
}

/** Default code font: VS Code's default editor font list, then fonts found on Linux. */
export const DEFAULT_CODE_FONT = 'Menlo, Monaco, Consolas, "Droid Sans Mono", "DejaVu Sans Mono", "Liberation Mono", "Courier New", monospace';
const UI_FONT = 'system-ui, -apple-system, "Segoe UI", Ubuntu, "DejaVu Sans", sans-serif';

/** Layout in CSS pixels. */
const FONT_SIZE = 14;
const LINE_HEIGHT = 20;
const UI_FONT_SIZE = 12;
const PADDING = 16;
const HEADER_HEIGHT = 34;
const GUTTER_GAP = 20;
const RADIUS = 10;
const MIN_WIDTH = 360;
/** Widest image in CSS pixels: longer lines end in an ellipsis. */
export const MAX_CODE_IMAGE_WIDTH = 2400;
const TAB_SIZE = 4;
const ELLIPSIS = '…';

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

interface Surface {
  ctx: Context2D;
  toPng(): Promise<Uint8Array>;
}

/**
 * A PNG of `source` highlighted in the `theme` colours, with `codeImageText(source)` in its text
 * chunks. Its height grows with the number of lines and its width with the longest line (up to
 * `MAX_CODE_IMAGE_WIDTH` CSS pixels, then lines are cut with "…"); neither edge exceeds
 * `MAX_IMAGE_EDGE` device pixels: the scale comes down first (not below 1, or the requested scale if
 * smaller), then lines that still do not fit are left out behind a "… N more lines" footer.
 * @throws Error when `source` is invalid (see `codeImageText`) or the canvas cannot produce a PNG.
 */
export async function renderCodeImage(source: CodeImageSource, theme: CodeTheme, options: CodeImageOptions = {}): Promise<Uint8Array> {
  const text = codeImageText(source); // validates before any drawing
  const colours = codeColours(theme);
  const requestedScale = Number.isFinite(options.scale) && options.scale! > 0 ? Math.min(options.scale!, 4) : 2;
  const codeFont = `${FONT_SIZE}px ${options.fontFamily ?? DEFAULT_CODE_FONT}`;
  const uiFont = `${UI_FONT_SIZE}px ${UI_FONT}`;

  const normalised = source.code.replace(/\r\n?/g, '\n');
  const shown = normalised.endsWith('\n') ? normalised.slice(0, -1) : normalised;
  const lines = highlight(shown, source.language).map(expandTabs);

  const footerHeight = LINE_HEIGHT;
  const heightFor = (n: number, clipped: boolean): number => HEADER_HEIGHT + PADDING + n * LINE_HEIGHT + (clipped ? footerHeight : 0) + PADDING;
  const minScale = Math.min(1, requestedScale);
  // No more lines than could ever fit at the smallest scale are measured (or drawn).
  const fitAtMost = Math.max(1, Math.floor((MAX_IMAGE_EDGE / minScale - heightFor(0, true)) / LINE_HEIGHT));

  // Measure on a scratch surface, then lay out.
  const measure = createSurface(1, 1).ctx;
  measure.font = codeFont;
  const lastNumber = source.startLine + Math.min(lines.length, fitAtMost) - 1;
  const gutterWidth = measure.measureText(String(lastNumber)).width;
  const longest = lines.slice(0, fitAtMost).reduce((w, line) => Math.max(w, measure.measureText(lineText(line)).width), 0);
  const codeLeft = PADDING + gutterWidth + GUTTER_GAP;
  const width = Math.ceil(Math.min(MAX_CODE_IMAGE_WIDTH, Math.max(MIN_WIDTH, codeLeft + longest + PADDING)));

  let scale = Math.min(requestedScale, MAX_IMAGE_EDGE / width, MAX_IMAGE_EDGE / heightFor(lines.length, false));
  let shownLines = lines.length;
  if (scale < minScale) {
    scale = Math.min(minScale, MAX_IMAGE_EDGE / width);
    if (heightFor(lines.length, false) * scale > MAX_IMAGE_EDGE) {
      const room = MAX_IMAGE_EDGE / scale - heightFor(0, true);
      shownLines = Math.max(1, Math.floor(room / LINE_HEIGHT));
    }
  }
  const clipped = shownLines < lines.length;
  const height = heightFor(shownLines, clipped);
  const pixelWidth = Math.min(MAX_IMAGE_EDGE, Math.max(1, Math.floor(width * scale)));
  const pixelHeight = Math.min(MAX_IMAGE_EDGE, Math.max(1, Math.floor(height * scale)));

  const surface = createSurface(pixelWidth, pixelHeight);
  const { ctx } = surface;
  ctx.scale(pixelWidth / width, pixelHeight / height);
  ctx.textBaseline = 'middle';

  drawCard(ctx, width, height, colours);
  drawHeader(ctx, source, width, colours, uiFont);

  ctx.font = codeFont;
  const codeRight = width - PADDING;
  const top = HEADER_HEIGHT + PADDING;
  for (let i = 0; i < shownLines; i++) {
    const y = top + i * LINE_HEIGHT + LINE_HEIGHT / 2;
    ctx.fillStyle = colours.lineNumber;
    ctx.textAlign = 'right';
    ctx.fillText(String(source.startLine + i), PADDING + gutterWidth, y);
    ctx.textAlign = 'left';
    drawLine(ctx, lines[i]!, codeLeft, codeRight, y, colours);
  }
  if (clipped) {
    const more = lines.length - shownLines;
    ctx.font = `italic ${uiFont}`;
    ctx.fillStyle = colours.label;
    ctx.fillText(`${ELLIPSIS} ${more.toLocaleString('en-US')} more line${more === 1 ? '' : 's'}`, codeLeft, top + shownLines * LINE_HEIGHT + footerHeight / 2);
  }

  return addPngText(await surface.toPng(), text);
}

function createSurface(width: number, height: number): Surface {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('Cannot render the code image: no 2D canvas context');
    return { ctx, toPng: async () => new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer()) };
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('Cannot render the code image: no 2D canvas context');
  return {
    ctx,
    toPng: () =>
      new Promise<Uint8Array>((resolve, reject) => {
        canvas.toBlob((blob) => {
          if (blob === null) reject(new Error('Cannot render the code image: the canvas produced no PNG'));
          else blob.arrayBuffer().then((buffer) => resolve(new Uint8Array(buffer)), reject);
        }, 'image/png');
      }),
  };
}

function drawCard(ctx: Context2D, width: number, height: number, colours: CodeColours): void {
  const inset = 0.5; // a crisp 1-pixel border at scale 1
  ctx.beginPath();
  roundedRect(ctx, inset, inset, width - 2 * inset, height - 2 * inset, RADIUS);
  ctx.fillStyle = colours.background;
  ctx.fill();
  // The header bar: VS Code's tab strip shade.
  ctx.save();
  ctx.clip();
  ctx.fillStyle = colours.headerBackground;
  ctx.fillRect(0, 0, width, HEADER_HEIGHT);
  ctx.fillStyle = colours.border;
  ctx.fillRect(0, HEADER_HEIGHT - 1, width, 1);
  ctx.restore();
  ctx.strokeStyle = colours.border;
  ctx.lineWidth = 1;
  ctx.stroke();
}

function roundedRect(ctx: Context2D, x: number, y: number, w: number, h: number, r: number): void {
  if (typeof ctx.roundRect === 'function') {
    ctx.roundRect(x, y, w, h, r);
    return;
  }
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

function drawHeader(ctx: Context2D, source: CodeImageSource, width: number, colours: CodeColours, uiFont: string): void {
  const y = HEADER_HEIGHT / 2;
  ctx.font = uiFont;
  const language = fitFromStart(ctx, source.language, width / 3);
  const languageWidth = ctx.measureText(language).width;
  ctx.fillStyle = colours.label;
  ctx.textAlign = 'right';
  ctx.fillText(language, width - PADDING, y);
  ctx.textAlign = 'left';
  const where = `${source.path === '' ? 'untitled' : source.path}:${source.startLine}-${source.endLine}`;
  const room = width - 2 * PADDING - languageWidth - 16;
  ctx.fillStyle = colours.foreground;
  // A long path loses its beginning: the file name and the lines are what matter.
  ctx.fillText(fitFromEnd(ctx, where, room), PADDING, y);
}

/** Draws one line's tokens from `left`; a line wider than `right` is cut and ends in "…". */
function drawLine(ctx: Context2D, line: HighlightedLine, left: number, right: number, y: number, colours: CodeColours): void {
  let x = left;
  const ellipsisWidth = ctx.measureText(ELLIPSIS).width;
  for (const token of line) {
    const w = ctx.measureText(token.text).width;
    ctx.fillStyle = colours[token.kind];
    if (x + w <= right) {
      ctx.fillText(token.text, x, y);
      x += w;
      continue;
    }
    const head = fitFromStart(ctx, token.text, right - ellipsisWidth - x);
    ctx.fillText(head, x, y);
    x += ctx.measureText(head).width;
    ctx.fillStyle = colours.label;
    ctx.fillText(ELLIPSIS, x, y);
    return;
  }
}

/** The longest start of `text` (whole code points) no wider than `room`. */
function fitFromStart(ctx: Context2D, text: string, room: number): string {
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(chars.slice(0, mid).join('')).width <= room) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('');
}

/** `text`, or "…" and its longest end that fits in `room`. */
function fitFromEnd(ctx: Context2D, text: string, room: number): string {
  if (ctx.measureText(text).width <= room) return text;
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(ELLIPSIS + chars.slice(chars.length - mid).join('')).width <= room) lo = mid;
    else hi = mid - 1;
  }
  return ELLIPSIS + chars.slice(chars.length - lo).join('');
}

/** Tabs to spaces up to the next multiple of `TAB_SIZE` columns (a column per code point). */
function expandTabs(line: HighlightedLine): HighlightedLine {
  let column = 0;
  return line.map((token): Token => {
    let out = '';
    for (const ch of token.text) {
      if (ch === '\t') {
        const n = TAB_SIZE - (column % TAB_SIZE);
        out += ' '.repeat(n);
        column += n;
      } else {
        out += ch;
        column++;
      }
    }
    return { text: out, kind: token.kind };
  });
}

function lineText(line: HighlightedLine): string {
  return line.map((t) => t.text).join('');
}
