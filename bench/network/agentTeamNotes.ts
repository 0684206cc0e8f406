/**
 * Benchmark agent for Team Notes: one PeerNode, exactly as the extension and the CLI use it.
 * Built into a bundle by run.ts and forked once per member.
 */
import { PeerNode } from '../../src/net/peerNode';
import { runAgent } from './agentHost';
import type { AgentHooks, AgentSystem } from './agentHost';
import type { JoinArgs } from './ipc';

/** 127.0.0.2, 127.0.0.3, …: a loopback address of its own for member `index` (Linux routes all of 127/8 to lo). */
function memberAddress(index: number): string {
  const n = index + 2;
  return `127.0.${Math.floor(n / 256)}.${n % 256}`;
}

class TeamNotesAgent implements AgentSystem {
  private node: PeerNode | undefined;

  constructor(private readonly hooks: AgentHooks) {}

  async start(): Promise<undefined> {
    return undefined;
  }

  async join(args: JoinArgs): Promise<void> {
    if (args.system !== 'teamNotes') throw new Error(`Team Notes agent cannot join ${args.system}`);
    // The transport is what is measured: the per-member token buckets (a member may send 10 chats a
    // second) would cap one sender far below it. Everything else is as shipped: keys, the handshake,
    // encrypted links, signatures.
    // Each member its own loopback address, as each machine of a classroom has its own: the limits
    // per address (connections, registrations, pending handshakes) then count per member, as there.
    const host = process.platform === 'linux' ? memberAddress(this.hooks.index) : '127.0.0.1';
    const node = new PeerNode({ name: args.name, group: args.group, repository: args.repository, listen: { host, port: 0 }, localAddress: host, rateLimits: false });
    this.node = node;
    node.on('message', (message) => {
      if (message.type === 'chat') this.hooks.deliver(message.text);
    });
    node.on('memberLeft', (member, reason) => this.hooks.linkLost(`${member.name} left: ${reason}`));
    node.on('connectionError', (error) => this.hooks.error(`${error.code} ${error.message}`));
    node.on('repositoryLost', (error) => this.hooks.error(`repository lost: ${error.message}`));
    await node.join();
  }

  broadcast(text: string): void {
    this.node?.chat(text);
  }

  links(): number {
    return this.node?.members().length ?? 0;
  }

  async close(): Promise<void> {
    await this.node?.close();
  }
}

runAgent((hooks) => new TeamNotesAgent(hooks));
