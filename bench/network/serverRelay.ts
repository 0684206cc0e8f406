/**
 * Reference (b): a WebSocket relay server on the `ws` package. Every message a client sends is
 * sent on to every other connected client, as the usual server-relayed chat does.
 */
import WebSocket, { WebSocketServer } from 'ws';
import { runServer } from './agentHost';

runServer(
  () =>
    new Promise((resolve, reject) => {
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 511, perMessageDeflate: false });
      server.once('error', reject);
      server.on('connection', (client) => {
        client.on('error', () => client.terminate());
        client.on('message', (data, isBinary) => {
          for (const other of server.clients) {
            if (other !== client && other.readyState === WebSocket.OPEN) other.send(data, { binary: isBinary });
          }
        });
      });
      server.once('listening', () => {
        const address = server.address();
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        resolve({
          port,
          close: () =>
            new Promise<void>((done) => {
              for (const client of server.clients) client.terminate();
              server.close(() => done());
            }),
        });
      });
    }),
);
