import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { NetError } from './errors';
import { CONNECT_TIMEOUT_MS, LISTEN_BACKLOG } from './limits';

/** A TCP endpoint. */
export interface HostPort {
  host: string;
  port: number;
}

/** Formats an endpoint as `host:port`, bracketing IPv6 literals. */
export function formatAddress({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parses `host:port`, `[v6]:port`, `host` or `:port` (missing parts come from `defaults`).
 * Throws `ERR_BAD_ADDRESS` with a message fit to show a user.
 */
export function parseAddress(text: string, defaults: HostPort): HostPort {
  const value = text.trim();
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if ((value.match(/:/g) ?? []).length > 1) {
    host = value; // a bare IPv6 literal
  } else {
    const colon = value.indexOf(':');
    host = colon < 0 ? value : value.slice(0, colon);
    portText = colon < 0 ? undefined : value.slice(colon + 1);
  }
  if (host === '') host = defaults.host;
  if (!/^[A-Za-z0-9.\-:_%]{1,253}$/.test(host)) throw new NetError('ERR_BAD_ADDRESS', `"${text}" is not a host name or IP address with an optional :port`);
  let port = defaults.port;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new NetError('ERR_BAD_ADDRESS', `"${text}" has no valid port (0-65535)`);
    port = Number(portText);
  }
  return { host, port };
}

/** Opens a TCP connection (from `localAddress`, if given), failing with `code` after `timeoutMs` (default {@link CONNECT_TIMEOUT_MS}). */
export function dial(target: HostPort, options: { timeoutMs?: number; code?: 'ERR_SOCKET' | 'ERR_REPOSITORY_UNREACHABLE'; localAddress?: string } = {}): Promise<Socket> {
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const code = options.code ?? 'ERR_SOCKET';
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    const timer = setTimeout(() => {
      socket.destroy();
      // No packet came back: the OS code a timed-out connect has, so the doctor reads it as one.
      const cause = Object.assign(new Error(`connect ETIMEDOUT ${formatAddress(target)}`), { code: 'ETIMEDOUT' });
      reject(new NetError(code, `No answer from ${formatAddress(target)} within ${timeoutMs} ms`, { cause }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new NetError(code, `Cannot connect to ${formatAddress(target)}: ${err.code ?? err.message}`, { cause: err }));
    });
  });
}

/** Starts a TCP server listening with a backlog of {@link LISTEN_BACKLOG}; resolves to its bound address. */
export function listen(onConnection: (socket: Socket) => void, target: HostPort): Promise<{ server: Server; address: HostPort }> {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true, keepAlive: true }, onConnection);
    server.once('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'EADDRINUSE' ? `port ${target.port} is already in use` : (err.code ?? err.message);
      reject(new NetError('ERR_SOCKET', `Cannot listen on ${formatAddress(target)}: ${reason}`, { cause: err }));
    });
    server.listen({ host: target.host, port: target.port, backlog: LISTEN_BACKLOG }, () => {
      const info = server.address() as AddressInfo;
      resolve({ server, address: { host: info.address, port: info.port } });
    });
  });
}

/** Closes a server; resolves once it is closed (connections must be closed by their owners). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
