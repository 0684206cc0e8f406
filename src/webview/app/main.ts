/**
 * The board webview's script. It speaks to the host only through src/webview/protocol.ts: it says
 * `ready`, renders the `snapshot` the host answers with, then applies deltas.
 */
import { parseHostMessage } from './hostMessages';
import { BoardApp } from './app';
import { installCodeColours } from './tokenColours';
import { ViewStateStore } from './viewState';

installCodeColours(document);
const vscode = acquireVsCodeApi();
const store = new ViewStateStore(vscode);
const root = document.getElementById('app') ?? document.body;
const app = new BoardApp(root, store, (message) => vscode.postMessage(message));

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Anything that does not match the protocol is ignored: it is peer data relayed by the host.
  const message = parseHostMessage(event.data);
  if (message !== undefined) app.handle(message);
});

vscode.postMessage({ type: 'ready' });
