/**
 * Keeps the snippet cards' code colours in step with the editor's theme kind. Webviews get no token
 * colour variables from VS Code, so the colours come from src/board/codeTheme.ts, the table the code
 * images draw with too, as `--tn-*` custom properties on <html> that media/board.css reads.
 *
 * Why at run time rather than CSS generated at build time: the table stays the one source without a
 * generated stylesheet to keep in step with board.css, the page and the package. Setting properties
 * through the CSSOM (`style.setProperty`) is allowed by the board's Content-Security-Policy, which
 * refuses inline style attributes and <style> elements. VS Code removes only its own `--vscode-*`
 * properties from <html> when the theme changes, so these stay until replaced here.
 */
import { codeColourProperties, codeThemeOfBody } from '../../board/codeTheme';
import type { CodeTheme } from '../../board/codeTheme';

/**
 * Sets the code colours for the body's theme now and again whenever VS Code changes the body's
 * theme classes. Returns a function that stops watching (the page lives as long as the webview).
 */
export function installCodeColours(doc: Document): () => void {
  let shown: CodeTheme | undefined;
  const apply = (): void => {
    const theme = codeThemeOfBody(doc.body.classList);
    if (theme === shown) return;
    shown = theme;
    for (const [name, value] of Object.entries(codeColourProperties(theme))) doc.documentElement.style.setProperty(name, value);
  };
  apply();
  const observer = new MutationObserver(apply);
  observer.observe(doc.body, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
