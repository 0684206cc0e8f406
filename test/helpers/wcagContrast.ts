/**
 * WCAG 2.x contrast (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio): the relative luminance of
 * sRGB colours and the ratio of two, for the checks that code stays readable in every theme.
 */

/** Normal-size text at level AA needs at least this ratio. */
export const WCAG_AA_TEXT = 4.5;

export type Rgb = readonly [number, number, number];

/** `#rrggbb`, or a computed CSS colour `rgb(r, g, b)` / `rgba(r, g, b, 1)`, as 0-255 channels. */
export function parseColour(colour: string): Rgb {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (hex !== null) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16), parseInt(hex[3]!, 16)];
  const rgb = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(colour);
  if (rgb === null || (rgb[4] !== undefined && Number(rgb[4]) !== 1)) throw new Error(`Not an opaque colour: ${colour}`);
  return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
}

export function relativeLuminance(colour: string | Rgb): number {
  const [r, g, b] = (typeof colour === 'string' ? parseColour(colour) : colour).map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as unknown as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** From 1 (the same luminance) to 21 (black on white), whichever colour is lighter. */
export function contrastRatio(a: string | Rgb, b: string | Rgb): number {
  const [lighter, darker] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}
