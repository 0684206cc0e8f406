/**
 * The slice of the webview API VS Code injects (`acquireVsCodeApi`), typed with the protocol.
 * It may be acquired only once per page load, so main.ts acquires it and passes it down.
 */
import type { WebviewToHost } from '../protocol';

export interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  /** The last value given to `setState` in this panel, also after it was hidden and shown again. */
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}
