/**
 * Limits and defaults of the board, shared by the extension host, the webview and the CLI. Pure:
 * no Node, no DOM, no vscode.
 */

/** Largest image shared to the board, in bytes (4 MiB); the wire's binary frame allows 8 MiB. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/** Largest image width or height in pixels, read from the header before decoding; larger pastes are downscaled. */
export const MAX_IMAGE_EDGE = 4096;

/** Most points in one stroke (the wire's limit); longer strokes are simplified before sending. */
export const MAX_STROKE_POINTS = 10_000;

/** Board coordinates stay within ±this many board units. */
export const BOARD_EXTENT = 1_000_000;

/** Largest displayed width or height of an item, in board units. */
export const MAX_ITEM_SIZE = 20_000;

/** Longest note text, in characters (code points on the wire). */
export const MAX_NOTE_TEXT = 20_000;

/** Note style used when the user picks none. */
export const DEFAULT_NOTE_STYLE = { font: 'sans-serif', size: 16, colour: '#f5e17a' } as const;

/** Smallest and largest note font size, in board units. */
export const MIN_NOTE_SIZE = 8;
export const MAX_NOTE_SIZE = 96;

/** Pen widths, in board units. */
export const MIN_PEN_WIDTH = 1;
export const MAX_PEN_WIDTH = 64;

/** `#rrggbb`. */
export const COLOUR_PATTERN = /^#[0-9a-fA-F]{6}$/;

/** A CSS font family list of plain names: letters, digits, spaces, commas, quotes, `-`, `_`. */
export const FONT_PATTERN = /^[A-Za-z0-9 ,'"_-]{1,64}$/;
