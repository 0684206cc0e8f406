/**
 * Throttles for what strangers and members can make this side spend: a token bucket per member
 * for messages, and a guard per IP address for connections and handshakes.
 */
import { NetError } from './errors';
import {
  FREE_HANDSHAKE_FAILURES,
  HANDSHAKE_FAILURE_WINDOW_MS,
  MAX_CONNECTIONS_PER_ADDRESS,
  MAX_HANDSHAKE_DELAY_MS,
  MAX_GUARDED_ADDRESSES,
  MAX_PENDING_HANDSHAKES_PER_ADDRESS,
} from './limits';

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token; false when none is left (the message should be refused). */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface AddressGuardLimits {
  /** Default {@link MAX_CONNECTIONS_PER_ADDRESS}. */
  maxConnections: number;
  /** Default {@link MAX_PENDING_HANDSHAKES_PER_ADDRESS}. */
  maxPendingHandshakes: number;
  /** Default {@link FREE_HANDSHAKE_FAILURES}. */
  freeFailures: number;
  /** Default {@link MAX_HANDSHAKE_DELAY_MS}. */
  maxDelayMs: number;
}

interface AddressState {
  open: number;
  pending: number;
  /** Times of recent failed handshakes, oldest first. */
  failures: number[];
}

/** Most failure times kept per address: enough to reach the longest delay. */
const MAX_FAILURES_KEPT = 64;

/**
 * Per IP address: how many connections are open and in their handshake, and how often its
 * handshakes failed. A wrong password tried again and again is slowed down; an address with too
 * many connections or handshakes at once is refused. Honest members elsewhere are not affected.
 */
export class AddressGuard {
  private readonly addresses = new Map<string, AddressState>();
  private readonly limits: AddressGuardLimits;

  constructor(limits: Partial<AddressGuardLimits> = {}) {
    this.limits = {
      maxConnections: limits.maxConnections ?? MAX_CONNECTIONS_PER_ADDRESS,
      maxPendingHandshakes: limits.maxPendingHandshakes ?? MAX_PENDING_HANDSHAKES_PER_ADDRESS,
      freeFailures: limits.freeFailures ?? FREE_HANDSHAKE_FAILURES,
      maxDelayMs: limits.maxDelayMs ?? MAX_HANDSHAKE_DELAY_MS,
    };
  }

  /**
   * Admits a new connection from `address`: the delay before its handshake may be read, or an
   * `ERR_LIMIT` / `ERR_RATE_LIMITED` error to refuse it with. An admitted connection must be
   * reported by {@link handshakeEnded} and {@link closed}.
   */
  admit(address: string): { delayMs: number } | { error: NetError } {
    const state = this.state(address);
    if (state.open >= this.limits.maxConnections) {
      return { error: new NetError('ERR_LIMIT', `${address} already has ${state.open} connections open`) };
    }
    if (state.pending >= this.limits.maxPendingHandshakes) {
      return { error: new NetError('ERR_RATE_LIMITED', `${address} already has ${state.pending} handshakes under way`) };
    }
    state.open += 1;
    state.pending += 1;
    const now = performance.now();
    while (state.failures.length > 0 && now - state.failures[0]! > HANDSHAKE_FAILURE_WINDOW_MS) state.failures.shift();
    const excess = state.failures.length - this.limits.freeFailures;
    return { delayMs: excess <= 0 ? 0 : Math.min(this.limits.maxDelayMs, 250 * 2 ** (excess - 1)) };
  }

  /** The handshake of an admitted connection ended, successfully or not. Call once. */
  handshakeEnded(address: string, ok: boolean): void {
    const state = this.state(address);
    state.pending = Math.max(0, state.pending - 1);
    if (ok) return;
    state.failures.push(performance.now());
    if (state.failures.length > MAX_FAILURES_KEPT) state.failures.shift();
  }

  /** An admitted connection closed. Call once. */
  closed(address: string): void {
    const state = this.state(address);
    state.open = Math.max(0, state.open - 1);
    if (state.open === 0 && state.pending === 0 && state.failures.length === 0) this.addresses.delete(address);
  }

  private state(address: string): AddressState {
    let state = this.addresses.get(address);
    if (state === undefined) {
      if (this.addresses.size >= MAX_GUARDED_ADDRESSES) this.forgetIdle();
      state = { open: 0, pending: 0, failures: [] };
      this.addresses.set(address, state);
    }
    return state;
  }

  /**
   * Bounds the guard's own memory against a stranger with many addresses (an IPv6 prefix): forgets
   * addresses with nothing open, oldest first. Their failures are forgotten too; that is the price
   * of not growing without bound.
   */
  private forgetIdle(): void {
    for (const [address, state] of this.addresses) {
      if (this.addresses.size < MAX_GUARDED_ADDRESSES * 0.9) return;
      if (state.open === 0 && state.pending === 0) this.addresses.delete(address);
    }
  }
}
