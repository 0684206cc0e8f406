/**
 * The board webview's script. It speaks to the host only through src/webview/protocol.ts.
 */
import type { HostToWebview, WebviewToHost } from '../protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const status = document.getElementById('status');
  if (status !== null && event.data.type === 'snapshot') status.textContent = event.data.group ?? 'Not joined';
});
vscode.postMessage({ type: 'ready' });
