/**
 * Relay through a member: the `relay` messages on member links. A member that cannot reach
 * another asks a member linked to both to carry a tunnel (`connect`); the relay tells the far
 * member (`open`) and from then on hands opaque `data` chunks and `ack`s between its two links,
 * unread. The two ends run the ordinary handshake and secretstream over the tunnel (`tunnel.ts`),
 * so the relay learns nothing of the password, reads nothing and alters nothing unnoticed.
 *
 * Every table is bounded (tunnels per member, tunnels carried), every tunnel holds at most its
 * window in flight per direction, and anything out of the rules closes that one tunnel with
 * `ERR_RELAY`, never the link it travels on. A relayed link carries no tunnel (no loops).
 */
import { randomBytes } from 'node:crypto';
import { isNetErrorCode, NetError, toNetError } from './errors';
import type { NetErrorCode } from './errors';
import { MAX_RELAYED_TUNNELS, MAX_TUNNELS_PER_MEMBER, RELAY_WINDOW_BYTES } from './limits';
import type { Logger } from './logger';
import type { Message, MessageBody, RelayMessage } from './messages';
import type { MemberLink } from './peerNodeTypes';
import { TunnelSocket } from './tunnel';

export interface RelayHost {
  readonly id: string;
  readonly logger: Logger;
  stamp(body: MessageBody<'relay'>): Message;
  /** The current link to a member, if any. */
  link(memberId: string): MemberLink | undefined;
  /** A member opens a tunnel to this one through `via`: answer its handshake on `socket`. */
  incoming(socket: TunnelSocket, peer: string, via: MemberLink): void;
  /** The address the repository lists for a member (shown as a tunnel's remote address). */
  listedHost(memberId: string): string | undefined;
}

export interface RelayLimits {
  /** Bytes in flight per tunnel and direction. Default {@link RELAY_WINDOW_BYTES}. */
  windowBytes: number;
  /** Tunnels per member, as a relay and as an end. Default {@link MAX_TUNNELS_PER_MEMBER}. */
  tunnelsPerMember: number;
  /** Tunnels this member carries for others. Default {@link MAX_RELAYED_TUNNELS}. */
  relayedTunnels: number;
}

/** A tunnel this member carries between two of its links. */
interface Carried {
  id: string;
  opener: MemberLink;
  target: MemberLink;
  /** Bytes forwarded to each side and not yet acknowledged by it. */
  toOpener: number;
  toTarget: number;
}

/** A tunnel that ends here, over the link to its relay. */
interface End {
  id: string;
  via: MemberLink;
  socket: TunnelSocket;
}

export class RelayService {
  private readonly carried = new Map<string, Carried>();
  private readonly ends = new Map<string, End>();
  private readonly limits: RelayLimits;

  constructor(
    private readonly host: RelayHost,
    limits: Partial<RelayLimits> = {},
  ) {
    this.limits = {
      windowBytes: limits.windowBytes ?? RELAY_WINDOW_BYTES,
      tunnelsPerMember: limits.tunnelsPerMember ?? MAX_TUNNELS_PER_MEMBER,
      relayedTunnels: limits.relayedTunnels ?? MAX_RELAYED_TUNNELS,
    };
  }

  /** Tunnels this member carries for others now. */
  get carriedCount(): number {
    return this.carried.size;
  }

  /**
   * Opens a tunnel to `target` through the member of `via`: the socket of the end-to-end
   * connection. Throws `ERR_RELAY` when `via` cannot carry it (a relayed link, the target itself,
   * too many tunnels).
   */
  open(via: MemberLink, target: string): TunnelSocket {
    if (via.via !== undefined) throw new NetError('ERR_RELAY', 'A relayed link carries no tunnel');
    if (target === this.host.id || target === via.member.id) throw new NetError('ERR_RELAY', 'A tunnel to this member or to the relay itself');
    if (this.endsOver(via) >= this.limits.tunnelsPerMember) throw new NetError('ERR_RELAY', `${this.limits.tunnelsPerMember} tunnels through ${via.member.id} already`);
    const id = randomBytes(16).toString('base64url');
    const socket = this.end(id, via, target);
    this.send(via, { op: 'connect', tunnel: id, peer: target });
    return socket;
  }

  /** A `relay` message from a member. Never throws: what breaks the rules closes its tunnel. */
  onMessage(link: MemberLink, message: RelayMessage): void {
    try {
      this.handle(link, message);
    } catch (err) {
      const error = toNetError(err, 'ERR_RELAY');
      this.host.logger.warn(`Relay message from ${link.member.id} refused: ${error.code} ${error.message}`);
      this.closeTunnel(message.tunnel, error.code, link);
    }
  }

  /** A link closed: the tunnels it carried or ended in go with it. */
  linkClosed(link: MemberLink): void {
    for (const tunnel of [...this.carried.values()]) {
      if (tunnel.opener !== link && tunnel.target !== link) continue;
      this.carried.delete(tunnel.id);
      const other = tunnel.opener === link ? tunnel.target : tunnel.opener;
      this.send(other, { op: 'close', tunnel: tunnel.id, code: 'ERR_CLOSED' });
    }
    for (const end of [...this.ends.values()]) {
      if (end.via !== link) continue;
      this.ends.delete(end.id);
      end.socket.remoteClosed('ERR_CLOSED');
    }
  }

  /** Closes every tunnel (the node is leaving). */
  close(): void {
    this.carried.clear();
    for (const end of [...this.ends.values()]) end.socket.destroy();
    this.ends.clear();
  }

  private handle(link: MemberLink, message: RelayMessage): void {
    const { op, tunnel: id } = message;
    if (link.via !== undefined) {
      // Over a relayed link only the ends of that link speak; relaying through it would build loops.
      if (op === 'connect' || op === 'open') this.refuse(link, id, 'A relayed link carries no tunnel');
      return;
    }
    switch (op) {
      case 'connect':
        return this.onConnect(link, id, message.peer!);
      case 'open':
        return this.onOpen(link, id, message.peer!);
      case 'data':
        // The codec decodes `data` into a Buffer; the type says Uint8Array so that the message
        // types also compile for the board webview, which has no Node types.
        return this.onData(link, id, Buffer.from(message.data!.buffer, message.data!.byteOffset, message.data!.byteLength));
      case 'ack':
        return this.onAck(link, id, message.bytes!);
      case 'close':
        return this.onClose(link, id, message.code);
    }
  }

  /** `link`'s member asks this one to carry a tunnel to `peer`. */
  private onConnect(link: MemberLink, id: string, peer: string): void {
    if (this.known(id)) return this.refuse(link, id, 'A tunnel id already in use');
    if (peer === this.host.id) return this.refuse(link, id, 'A tunnel through this member to itself');
    if (peer === link.member.id) return this.refuse(link, id, 'A tunnel back to the asking member');
    const target = this.host.link(peer);
    if (target === undefined || target.via !== undefined) return this.refuse(link, id, 'The member asked for is not linked directly here');
    if (this.carried.size >= this.limits.relayedTunnels) return this.refuse(link, id, `${this.limits.relayedTunnels} tunnels carried already`);
    if (this.carriedFor(link) >= this.limits.tunnelsPerMember || this.carriedFor(target) >= this.limits.tunnelsPerMember) {
      return this.refuse(link, id, `${this.limits.tunnelsPerMember} tunnels for one member already`);
    }
    this.carried.set(id, { id, opener: link, target, toOpener: 0, toTarget: 0 });
    this.host.logger.debug(`Relaying a tunnel from ${link.member.id} to ${peer}`);
    if (!this.send(target, { op: 'open', tunnel: id, peer: link.member.id })) this.closeTunnel(id, 'ERR_CLOSED', target);
  }

  /** The relay of `link` says member `peer` opens a tunnel to this one. */
  private onOpen(link: MemberLink, id: string, peer: string): void {
    if (this.known(id)) return this.refuse(link, id, 'A tunnel id already in use');
    if (peer === this.host.id || peer === link.member.id) return this.refuse(link, id, 'A tunnel from this member or from the relay itself');
    if (this.endsOver(link) >= this.limits.tunnelsPerMember) return this.refuse(link, id, `${this.limits.tunnelsPerMember} tunnels over one link already`);
    const socket = this.end(id, link, peer);
    this.host.incoming(socket, peer, link);
  }

  private onData(link: MemberLink, id: string, data: Buffer): void {
    const end = this.ends.get(id);
    if (end !== undefined && end.via === link) return end.socket.receive(data);
    const tunnel = this.carried.get(id);
    if (tunnel === undefined) return; // closed a moment ago: late bytes are dropped
    const toTarget = tunnel.opener === link;
    if (!toTarget && tunnel.target !== link) throw new NetError('ERR_RELAY', 'Bytes for a tunnel this link is not an end of');
    if (toTarget) tunnel.toTarget += data.length;
    else tunnel.toOpener += data.length;
    if ((toTarget ? tunnel.toTarget : tunnel.toOpener) > this.limits.windowBytes) {
      throw new NetError('ERR_RELAY', `More than the ${this.limits.windowBytes}-byte window sent into a tunnel`);
    }
    this.send(toTarget ? tunnel.target : tunnel.opener, { op: 'data', tunnel: id, data });
  }

  private onAck(link: MemberLink, id: string, bytes: number): void {
    const end = this.ends.get(id);
    if (end !== undefined && end.via === link) return end.socket.acknowledged(bytes);
    const tunnel = this.carried.get(id);
    if (tunnel === undefined) return;
    const fromTarget = tunnel.target === link;
    if (!fromTarget && tunnel.opener !== link) throw new NetError('ERR_RELAY', 'An ack for a tunnel this link is not an end of');
    const inFlight = fromTarget ? tunnel.toTarget : tunnel.toOpener;
    if (bytes > inFlight) throw new NetError('ERR_RELAY', 'An ack for more bytes than the tunnel carried');
    if (fromTarget) tunnel.toTarget -= bytes;
    else tunnel.toOpener -= bytes;
    this.send(fromTarget ? tunnel.opener : tunnel.target, { op: 'ack', tunnel: id, bytes });
  }

  private onClose(link: MemberLink, id: string, code: string | undefined): void {
    const known: NetErrorCode | undefined = code === undefined ? undefined : isNetErrorCode(code) ? code : 'ERR_RELAY';
    const end = this.ends.get(id);
    if (end !== undefined && end.via === link) {
      this.ends.delete(id);
      end.socket.remoteClosed(known);
      return;
    }
    const tunnel = this.carried.get(id);
    if (tunnel === undefined || (tunnel.opener !== link && tunnel.target !== link)) return;
    this.carried.delete(id);
    this.send(tunnel.opener === link ? tunnel.target : tunnel.opener, known === undefined ? { op: 'close', tunnel: id } : { op: 'close', tunnel: id, code: known });
  }

  /**
   * Closes tunnel `id` with `code` after a rule was broken on `link`: both its links are told (a
   * carried tunnel), or its end fails (an end here). A tunnel unknown here is refused to `link` only.
   */
  private closeTunnel(id: string, code: NetErrorCode, link: MemberLink): void {
    const tunnel = this.carried.get(id);
    if (tunnel !== undefined && (tunnel.opener === link || tunnel.target === link)) {
      this.carried.delete(id);
      this.send(tunnel.opener, { op: 'close', tunnel: id, code });
      this.send(tunnel.target, { op: 'close', tunnel: id, code });
      return;
    }
    const end = this.ends.get(id);
    if (end !== undefined && end.via === link) {
      end.socket.fail(new NetError(code, `Tunnel ${id} broke the relay rules`));
      return;
    }
    this.send(link, { op: 'close', tunnel: id, code });
  }

  private refuse(link: MemberLink, id: string, why: string): void {
    this.host.logger.info(`ERR_RELAY: refused tunnel ${id} from ${link.member.id}: ${why}`);
    this.send(link, { op: 'close', tunnel: id, code: 'ERR_RELAY' });
  }

  private end(id: string, via: MemberLink, peer: string): TunnelSocket {
    const socket = new TunnelSocket({
      id,
      remoteAddress: this.host.listedHost(peer) ?? via.connection.remoteAddress,
      localAddress: via.connection.localAddress,
      windowBytes: this.limits.windowBytes,
      link: {
        data: (data) => this.send(via, { op: 'data', tunnel: id, data }),
        ack: (bytes) => this.send(via, { op: 'ack', tunnel: id, bytes }),
        close: (code) => {
          if (this.ends.get(id)?.socket === socket) this.ends.delete(id);
          this.send(via, code === undefined ? { op: 'close', tunnel: id } : { op: 'close', tunnel: id, code });
        },
      },
    });
    socket.once('close', () => {
      if (this.ends.get(id)?.socket === socket) this.ends.delete(id);
    });
    // The Connection on it reports and logs its errors; this keeps an unobserved one from throwing.
    socket.on('error', () => undefined);
    this.ends.set(id, { id, via, socket });
    return socket;
  }

  private send(link: MemberLink, body: Omit<MessageBody<'relay'>, 'type'>): boolean {
    return link.connection.send(this.host.stamp({ type: 'relay', ...body } as MessageBody<'relay'>));
  }

  private known(id: string): boolean {
    return this.carried.has(id) || this.ends.has(id);
  }

  private carriedFor(link: MemberLink): number {
    let n = 0;
    for (const tunnel of this.carried.values()) if (tunnel.opener === link || tunnel.target === link) n += 1;
    return n;
  }

  private endsOver(link: MemberLink): number {
    let n = 0;
    for (const end of this.ends.values()) if (end.via === link) n += 1;
    return n;
  }
}
