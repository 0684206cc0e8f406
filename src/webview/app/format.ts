/**
 * Turning peer-supplied values into things safe to display: times, CSS font families, colours,
 * sizes and capped text. Each function returns a checked value or a default, never throws.
 */

/**
 * Made on first use: the first `Intl` formatter loads the locale data, which costs the extension
 * host milliseconds at activation (this module is bundled into the extension too) for formats
 * that are needed only when a time is shown.
 */
let formats: { time: Intl.DateTimeFormat; dateTime: Intl.DateTimeFormat; full: Intl.DateTimeFormat; number: Intl.NumberFormat } | undefined;
const formatters = (): NonNullable<typeof formats> =>
  (formats ??= {
    time: new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }),
    dateTime: new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
    full: new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' }),
    number: new Intl.NumberFormat(),
  });

/** Largest magnitude `Date` accepts, in milliseconds since the epoch. */
const MAX_DATE_MS = 8.64e15;

/** A chat time: `14:05` today, `Nov 20, 14:05` before; `label` is the full date for a tooltip. */
export function formatTime(ts: number, now: Date = new Date()): { short: string; label: string; iso: string } {
  if (!Number.isFinite(ts) || Math.abs(ts) > MAX_DATE_MS) return { short: '', label: '', iso: '' };
  const date = new Date(ts);
  const sameDay = date.toDateString() === now.toDateString();
  return {
    short: (sameDay ? formatters().time : formatters().dateTime).format(date),
    label: formatters().full.format(date),
    iso: date.toISOString(),
  };
}

export function formatCount(n: number): string {
  return formatters().number.format(n);
}

/** Generic families, used unquoted. */
const GENERIC_FAMILIES = new Set(['serif', 'sans-serif', 'monospace', 'cursive', 'fantasy', 'system-ui', 'ui-serif', 'ui-sans-serif', 'ui-monospace', 'ui-rounded']);
/** One family name: letters, digits, spaces, `_` and `-` (optionally quoted), nothing CSS could read as syntax. */
const FAMILY = /^\s*(?:"([A-Za-z0-9 _-]{1,64})"|'([A-Za-z0-9 _-]{1,64})'|([A-Za-z0-9 _-]{1,64}))\s*$/;

/**
 * Checks a note's font (a family name or a short comma-separated list, as the wire allows) and
 * rebuilds it with every name quoted, so it can be assigned to `style.fontFamily` as data.
 * Returns undefined when anything in it is not a plain family name.
 */
export function safeFontFamily(font: string): string | undefined {
  if (font.length === 0 || font.length > 64) return undefined;
  const parts = font.split(',');
  if (parts.length > 8) return undefined;
  const names: string[] = [];
  for (const part of parts) {
    const m = FAMILY.exec(part);
    if (m === null) return undefined;
    const name = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    if (name === '') return undefined;
    names.push(GENERIC_FAMILIES.has(name.toLowerCase()) && m[3] !== undefined ? name.toLowerCase() : `"${name}"`);
  }
  return names.join(', ');
}

const COLOUR = /^#[0-9a-fA-F]{6}$/;

/** `#rrggbb` (lower case) or undefined. */
export function safeColour(colour: string): string | undefined {
  return COLOUR.test(colour) ? colour.toLowerCase() : undefined;
}

/** Dark or light text, whichever reads better on the `#rrggbb` background (WCAG relative luminance). */
export function textColourOn(background: string): string {
  const channel = (i: number): number => {
    const c = parseInt(background.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast against black is (L + 0.05) / 0.05, against white 1.05 / (L + 0.05); they meet near 0.179.
  return luminance > 0.179 ? '#1f1f1f' : '#ffffff';
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** The first `max` characters of `text`, not splitting a surrogate pair, and whether it was cut. */
export function capText(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), cut: true };
}
