/** Where `text` mentions `name` as a whole word (optionally as @name, the @ included), ignoring case; in text order. */
export function mentionRanges(text: string, name: string): { start: number; end: number }[] {
  if (name.trim() === '') return [];
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(^|[^\\p{L}\\p{N}_])(@?${escaped})(?=$|[^\\p{L}\\p{N}_])`, 'giu');
  const ranges: { start: number; end: number }[] = [];
  for (const match of text.matchAll(pattern)) {
    const start = match.index + match[1]!.length;
    ranges.push({ start, end: start + match[2]!.length });
  }
  return ranges;
}

/** True when `text` mentions `name` as a whole word (optionally as @name), ignoring case. */
export function mentions(text: string, name: string): boolean {
  return mentionRanges(text, name).length > 0;
}
