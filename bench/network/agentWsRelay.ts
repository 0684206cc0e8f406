/**
 * Reference (b): a client of the WebSocket relay server (serverRelay.ts), the server-relayed
 * design users would otherwise pick. One WebSocket to the relay; the relay forwards each message
 * to every other client.
 */
import WebSocket from 'ws';
import { runAgent } from './agentHost';
import type { AgentHooks, AgentSystem } from './agentHost';
import type { JoinArgs } from './ipc';

class WsRelayAgent implements AgentSystem {
  private socket: WebSocket | undefined;
  private closing = false;

  constructor(private readonly hooks: AgentHooks) {}

  async start(): Promise<undefined> {
    return undefined;
  }

  join(args: JoinArgs): Promise<void> {
    if (args.system !== 'wsRelay') return Promise.reject(new Error(`WebSocket agent cannot join ${args.system}`));
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(args.url, { perMessageDeflate: false });
      this.socket = socket;
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.on('message', (data, isBinary) => {
        if (!isBinary) this.hooks.deliver(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
      });
      socket.on('close', () => {
        if (!this.closing) this.hooks.linkLost('relay connection closed');
      });
    });
  }

  broadcast(text: string): void {
    this.socket?.send(text);
  }

  links(): number {
    return this.socket?.readyState === WebSocket.OPEN ? 1 : 0;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.socket?.terminate();
  }
}

runAgent((hooks) => new WsRelayAgent(hooks));
