/**
 * The board panel's HTML: one script with a nonce, CSP `default-src 'none'`, no inline styles, no
 * `connect-src`. Pure, so that the webview tests and the board benchmark serve exactly what the
 * extension host serves.
 */

export interface BoardHtmlSources {
  /** The webview's `cspSource` (its resource origin). */
  cspSource: string;
  /** A fresh random nonce (base64) for the one script. */
  nonce: string;
  /** URI of the `media/` folder as the webview sees it, without a trailing slash. */
  mediaUri: string;
  /** URI of the `dist/` folder as the webview sees it, without a trailing slash. */
  distUri: string;
}

export function boardHtml({ cspSource, nonce, mediaUri, distUri }: BoardHtmlSources): { html: string; csp: string } {
  const csp = [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource} blob: data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none';",
  ].join('; ');
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${mediaUri}/board.css">
<title>Team Notes</title></head>
<body><div id="app" role="application" aria-label="Team Notes board"></div>
<script nonce="${nonce}" src="${distUri}/webview.js"></script></body></html>`;
  return { html, csp };
}
