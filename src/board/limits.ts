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

/**
 * Most live items (added and not deleted) one board holds, over all members; an add beyond it is
 * refused (`ERR_BOARD_FULL`). Deleted items do not count: they are bounded per member by
 * {@link MAX_TOMBSTONES_PER_AUTHOR}, so one member's deletes cannot fill the board for the others.
 */
export const MAX_BOARD_ITEMS = 20_000;

/**
 * Most image bytes the live items of one board hold together, in bytes (64 MiB: sixteen images at
 * {@link MAX_IMAGE_BYTES}); an image add beyond it is refused (`ERR_BOARD_IMAGES_FULL`). Every
 * member keeps every image in memory, so this is what one board may cost each of them.
 */
export const MAX_BOARD_IMAGE_BYTES = 64 * 1024 * 1024;

/** How far a board message's Lamport clock may lie above the highest clock accepted: one bound for the peer node and the board. */
export { MAX_CLOCK_JUMP } from '../net/limits';

/**
 * Highest Lamport clock the board accepts: one below the codec's largest clock
 * (`Number.MAX_SAFE_INTEGER`, 2^53 − 1), so that the board's next clock always still travels.
 */
export const MAX_BOARD_CLOCK = Number.MAX_SAFE_INTEGER - 1;

/**
 * Most tombstones charged to one member, in items: the items it deleted, and the items withdrawn
 * because it added an id another member had added. Beyond it that member's deletes are refused
 * (`ERR_TOO_MANY_TOMBSTONES`) and the items stay. A tombstone is an id and a few fields (a few
 * hundred bytes), so this costs at most a few MB per member; a member who deletes an item a minute
 * reaches it after two weeks.
 */
export const MAX_TOMBSTONES_PER_AUTHOR = 20_000;

/**
 * Most changes from one member held for items whose add has not arrived yet, in messages; beyond
 * it that member's changes to unknown items are refused (`ERR_TOO_MANY_HELD`). Honest members
 * need few: only a move from a third member can overtake an add (an author's own changes follow
 * its add on the same connection). A held note edit carries up to {@link MAX_NOTE_TEXT} code
 * points (at most 80 KB), so this costs at most about 20 MB per member.
 */
export const MAX_HELD_PER_AUTHOR = 256;

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
