/**
 * The messages between the extension host and the board webview, both ways, as discriminated
 * unions on `type`. Host and webview import only from here.
 */

/** Webview -> host. */
export type WebviewToHost = { type: 'ready' };

/** Host -> webview. */
export type HostToWebview = { type: 'snapshot'; group: string | undefined };
