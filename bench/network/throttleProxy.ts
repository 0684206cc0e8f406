/**
 * A TCP proxy on 127.0.0.1 that limits each direction of every connection through it to a rate,
 * with a token bucket: a slow link (a VPN, a busy Wi-Fi) in one process. It reads only as fast as
 * it forwards, so the sender's own buffers fill up and back-pressure reaches it, as on a real link.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** Bytes a direction may hold before it stops reading from its source. */
const HELD_BYTES = 16 * 1024;
/** How often tokens are added, in ms. */
const TICK_MS = 2;

export interface ThrottleProxy {
  port: number;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` limiting each direction to `bitsPerSecond`. */
export async function throttleProxy(targetPort: number, bitsPerSecond: number): Promise<ThrottleProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    limitDirection(inbound, outbound, bitsPerSecond);
    limitDirection(outbound, inbound, bitsPerSecond);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function limitDirection(from: Socket, to: Socket, bitsPerSecond: number): void {
  const bytesPerMs = bitsPerSecond / 8 / 1000;
  // A bucket of one tick and a little: bursts stay below a millisecond or two of the rate.
  const capacity = Math.max(1500, bytesPerMs * TICK_MS * 2);
  const held: Buffer[] = [];
  let heldBytes = 0;
  let tokens = 0;
  let last = performance.now();
  from.on('data', (chunk: Buffer) => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes > HELD_BYTES) from.pause();
  });
  const timer = setInterval(() => {
    const now = performance.now();
    tokens = Math.min(capacity, tokens + (now - last) * bytesPerMs);
    last = now;
    while (held.length > 0 && tokens >= 1) {
      const first = held[0]!;
      const n = Math.min(first.length, Math.floor(tokens));
      to.write(first.subarray(0, n));
      tokens -= n;
      heldBytes -= n;
      if (n === first.length) held.shift();
      else held[0] = first.subarray(n);
    }
    if (heldBytes <= HELD_BYTES && from.isPaused()) from.resume();
  }, TICK_MS);
  from.on('close', () => clearInterval(timer));
  to.on('close', () => clearInterval(timer));
}
