/**
 * Accepting a TCP connection behind an {@link AddressGuard}: shared by the repository server and
 * the peer node, so both refuse and slow down the same way.
 */
import type { Socket } from 'node:net';
import type { Connection } from './connection';
import { plainAddress } from './connection';
import { encodeFrame, FrameType } from './framing';
import { encodeRefusal, RefuseReason } from './handshake';
import type { Logger } from './logger';
import type { AddressGuard } from './rateLimit';

/**
 * Admits `socket` through `guard`, then hands it to `start` (at once, or after the delay an address
 * that keeps failing handshakes has earned; the socket is not read meanwhile, so what it sends waits
 * in the kernel, not in this process). A refused socket gets a "busy" refusal and is closed.
 */
export function acceptGuarded(socket: Socket, guard: AddressGuard, logger: Logger, start: (socket: Socket) => Connection): void {
  const address = plainAddress(socket.remoteAddress);
  socket.on('error', () => {}); // a reset before the connection takes the socket over is no fault of ours
  const verdict = guard.admit(address);
  if ('error' in verdict) {
    logger.debug(`Refused a connection from ${address}: ${verdict.error.code} ${verdict.error.message}`);
    socket.end(encodeFrame(FrameType.Handshake, encodeRefusal(RefuseReason.Busy)));
    setTimeout(() => socket.destroy(), 1000).unref();
    return;
  }
  let handshakeOver = false;
  const run = (): void => {
    if (socket.destroyed) {
      guard.handshakeEnded(address, true); // it went away while waiting: not a failed guess
      guard.closed(address);
      return;
    }
    const connection = start(socket);
    socket.resume(); // after the connection's 'data' listener is on: a paused socket resumed without one loses data
    connection.once('secure', () => {
      handshakeOver = true;
      guard.handshakeEnded(address, true);
    });
    connection.once('close', () => {
      if (!handshakeOver) guard.handshakeEnded(address, false);
      guard.closed(address);
    });
  };
  if (verdict.delayMs === 0) return run();
  logger.debug(`Slowing down ${address}: its next handshake waits ${verdict.delayMs} ms after repeated failures`);
  socket.pause();
  setTimeout(run, verdict.delayMs);
}
