/** Which chat links may be opened: the webview links only these, and the host opens only these. */

/** Longest link the panel may ask the host to open, in characters. */
export const MAX_LINK_LENGTH = 2048;

/**
 * True for an absolute http or https URL with a host, at most {@link MAX_LINK_LENGTH} characters,
 * with no white space or control characters (which `URL` would quietly drop or encode). The only
 * links chat text turns into and the only ones the host opens.
 */
export function isOpenableLink(url: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (url.length > MAX_LINK_LENGTH || !/^https?:\/\//i.test(url) || /[\s\u0000-\u001f\u007f]/.test(url)) return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
