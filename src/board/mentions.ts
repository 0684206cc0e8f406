/** True when `text` mentions `name` as a whole word (optionally as @name), ignoring case. */
export function mentions(text: string, name: string): boolean {
  if (name.trim() === '') return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}($|[^\\p{L}\\p{N}_])`, 'iu').test(text);
}
