/**
 * The handshake every connection starts with, peer to peer and peer to repository, before any
 * message is read. Three small binary flights in handshake frames (type 3, at most
 * {@link MAX_HANDSHAKE_FRAME_BYTES}):
 *
 * ```
 * initiator                                                      responder
 *   offer:  versions, group, initiator key, expected responder key, nonceI, Yi   ->
 *   <-  answer: version, responder key, nonceR, Yr, sigR, confirmR, stream header R->I
 *   finish: sigI, confirmI, stream header I->R                                   ->
 *   sealed frames both ways (one crypto_secretstream per direction)
 * ```
 *
 * - Yi and Yr are CPace shares (ristretto255, SHA-512) whose generator comes from the group
 *   password (empty for an open group) and the group name, with nonceI as session id. The CPace
 *   key therefore matches only when both know the same password, and each handshake lets a
 *   stranger test one guess at most: nothing that travels allows guessing offline.
 * - The transcript hash TH covers the whole offer (versions, group, both keys, nonceI, Yi) and
 *   the answer up to Yr (chosen version, responder key, nonceR). Each side signs TH with its member
 *   key (so it proves its peer id) and sends a confirmation tag keyed by the CPace key (so it
 *   proves the password). The initiator checks the responder's before it says anything more; the
 *   responder checks the initiator's before it reads a sealed frame.
 * - Every failure is the one code `ERR_AUTH_FAILED`: nobody learns whether the password, the key or
 *   a record was wrong.
 * - A refusal (no common version, busy, authentication failed) is a plain handshake frame with a
 *   reason byte and the refuser's versions, never text.
 *
 * Pure: no sockets. {@link Connection} feeds it the handshake frames of one connection.
 */
import { timingSafeEqual } from 'node:crypto';
import { cpaceFinishInitiatorResponder, cpaceStart } from './cpace';
import type { CpaceShare } from './cpace';
import { NetError } from './errors';
import { authFailed, lv, Reader, Writer } from './handshakeBytes';
import { keyToPeerId, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verifySignature } from './memberKey';
import type { MemberKey } from './memberKey';
import { freeState, sodium } from './sodium';
import type { StreamState } from './sodium';

/** Largest handshake frame payload, in bytes: all that is read from a stranger before it proves itself. */
export const MAX_HANDSHAKE_FRAME_BYTES = 4 * 1024;

/**
 * Link protocol versions this code speaks, as handshake numbers. Version 2 carries image bytes in
 * chunks a receiver asks for (version 1 sent each image as one frame of up to 8 MiB). Version 3
 * chains each chat and board message to its author's previous one (`prev`): a version 2 reader
 * would ignore the attribute, and then could not verify such a message handed on by someone else
 * (the canonical bytes it rebuilds lack it), so version 2 is no longer spoken. The documents' own
 * `v` stays "1": `prev` is optional, so messages kept before it still decode and verify.
 */
export const SUPPORTED_VERSIONS: readonly number[] = [3];

const NONCE_BYTES = 32;
const SHARE_BYTES = 32;
const TAG_BYTES = 32;
const KEY_BYTES = 32;
const HEADER_BYTES = 24;
const MAX_VERSIONS = 16;
const MAX_GROUP_BYTES = 255;

/** The first byte of a handshake frame. */
const Flight = { Refuse: 0, Offer: 1, Answer: 2, Finish: 3 } as const;

/** Why a side refuses a handshake; travels as one byte. */
export const RefuseReason = {
  /** Wrong or missing password, a key that did not prove itself, a wrong group or peer: all one reason on purpose. */
  AuthFailed: 1,
  /** No protocol version in common; the refuser's versions follow. */
  NoCommonVersion: 2,
  /** Too many handshakes or connections from this address, or a ban: try later. */
  Busy: 3,
} as const;
export type RefuseReason = (typeof RefuseReason)[keyof typeof RefuseReason];

/** What a finished handshake yields: who the other side proved to be, and the stream keys. */
export interface HandshakeResult {
  /** Peer id the other side proved (its Ed25519 public key). */
  peerId: string;
  /** The protocol version both speak. */
  version: number;
  /** The group named in the offer. */
  group: string;
  /** State of the stream this side sends on (its header already went to the other side). */
  sendState: StreamState;
  /** Key and header of the stream this side reads. */
  receiveKey: Uint8Array;
  receiveHeader: Uint8Array;
  /**
   * True when the initiator's offer named the responder's key (a member dialing a member it knows);
   * false when it named nobody (a client of a repository, which any key may answer).
   */
  named: boolean;
}

/** One step: an optional frame to send, and the result once the handshake is complete. */
export interface HandshakeStep {
  send?: Uint8Array;
  done?: HandshakeResult;
}

/** One side of a handshake, fed each handshake frame of its connection. */
export interface HandshakeDriver {
  /** The first frame to send (the initiator's offer), or undefined for the responder. */
  start(): Uint8Array | undefined;
  /** Handles one received handshake frame. Throws a {@link NetError} on failure. */
  receive(payload: Uint8Array): HandshakeStep;
  /** The refusal frame to send before closing on `error`, if this side should send one. */
  refusal(error: NetError): Uint8Array | undefined;
  /** Frees what an unfinished handshake holds (a stream state in libsodium's memory). Idempotent. */
  dispose(): void;
}

interface Common {
  key: MemberKey;
  /** The group password; empty or undefined for an open group. */
  password?: string;
  /** Versions offered or accepted, newest last. Default {@link SUPPORTED_VERSIONS}. */
  versions?: readonly number[];
}

export interface InitiatorOptions extends Common {
  group: string;
  /** The peer id the initiator means to reach; undefined when any key will do (the repository). */
  expectedPeer?: string;
}

export interface ResponderOptions extends Common {
  /**
   * Decides whether an offer may go on, once its fields are read: returns the error to refuse with
   * (a wrong group, a banned key), or undefined. The group may differ from one offer to the next
   * at a repository.
   */
  admit(offer: { peerId: string; group: string; named: boolean }): NetError | undefined;
  /**
   * A member that also answers as the group's repository (fail-over): an offer that names nobody
   * is a repository client, checked without the group password (the repository never knows it).
   * Such a connection must never become a member link.
   */
  unnamedWithoutPassword?: boolean;
}


const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const LABEL_TRANSCRIPT = text('TeamNotes handshake 1');
const LABEL_SIGN_INITIATOR = text('TeamNotes initiator signature');
const LABEL_SIGN_RESPONDER = text('TeamNotes responder signature');
const LABEL_CONFIRM_INITIATOR = text('TeamNotes initiator confirmation');
const LABEL_CONFIRM_RESPONDER = text('TeamNotes responder confirmation');
const LABEL_STREAM_I2R = text('TeamNotes stream initiator to responder');
const LABEL_STREAM_R2I = text('TeamNotes stream responder to initiator');
const CPACE_CI_LABEL = text('TeamNotes group');

/** The password as CPace's password-related string: Unicode NFC, so one typed password is one string everywhere. */
function passwordBytes(password: string | undefined): Uint8Array {
  return text((password ?? '').normalize('NFC'));
}

function channelId(group: string): Uint8Array {
  return lv(CPACE_CI_LABEL, text(group));
}

function transcriptHash(offer: Uint8Array, answerHead: Uint8Array): Uint8Array {
  return sodium().crypto_hash_sha512(lv(LABEL_TRANSCRIPT, offer, answerHead));
}

/** A 32-byte key for `label`, keyed by the CPace key over the transcript (keyed BLAKE2b as the KDF). */
function derive(isk: Uint8Array, label: Uint8Array, th: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(KEY_BYTES, lv(label, th), isk);
}

function equalTags(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkVersions(versions: readonly number[]): readonly number[] {
  if (versions.length === 0 || versions.length > MAX_VERSIONS) throw new Error('Between 1 and 16 protocol versions');
  return versions;
}

/** A refusal frame: reason, then this side's versions (so a newer or older teammate can be named). */
export function encodeRefusal(reason: RefuseReason, versions: readonly number[] = SUPPORTED_VERSIONS): Uint8Array {
  const w = new Writer().u8(Flight.Refuse).u8(reason).u8(versions.length);
  for (const v of versions) w.u16(v);
  return w.done();
}

/** The refusal reason that fits a local error, or undefined when none should be sent. */
function refusalFor(error: NetError, versions: readonly number[]): Uint8Array | undefined {
  switch (error.code) {
    case 'ERR_VERSION_MISMATCH':
      return encodeRefusal(RefuseReason.NoCommonVersion, versions);
    case 'ERR_RATE_LIMITED':
    case 'ERR_LIMIT':
    case 'ERR_BANNED':
      return encodeRefusal(RefuseReason.Busy, versions);
    case 'ERR_AUTH_FAILED':
      return encodeRefusal(RefuseReason.AuthFailed, versions);
    default:
      return undefined; // timeouts, framing errors: nothing to say in the handshake's words
  }
}

/** Turns a received refusal into the error to report locally. */
function refusalError(r: Reader, ours: readonly number[]): NetError {
  const reason = r.u8();
  const count = r.u8();
  const theirs: number[] = [];
  for (let i = 0; i < Math.min(count, MAX_VERSIONS); i++) theirs.push(r.u16());
  if (reason === RefuseReason.NoCommonVersion) return versionMismatch(ours, theirs);
  if (reason === RefuseReason.Busy) return new NetError('ERR_RATE_LIMITED', 'The other side refused the connection for now (too many attempts or connections); try again later');
  return authFailed();
}

function versionMismatch(ours: readonly number[], theirs: readonly number[]): NetError {
  const newer = Math.max(...theirs, 0) > Math.max(...ours);
  return new NetError(
    'ERR_VERSION_MISMATCH',
    newer
      ? `This teammate runs a newer Team Notes (protocol ${theirs.join(', ')}; this one speaks ${ours.join(', ')}): update Team Notes`
      : `This teammate runs an older Team Notes (protocol ${theirs.join(', ') || 'unknown'}; this one speaks ${ours.join(', ')}): they need to update`,
  );
}

/** The initiator's side: it dialed. */
export class HandshakeInitiator implements HandshakeDriver {
  private readonly versions: readonly number[];
  private readonly nonce: Uint8Array;
  private readonly cpace: CpaceShare;
  private offer: Uint8Array | undefined;
  private answered = false;

  constructor(private readonly options: InitiatorOptions) {
    this.versions = checkVersions(options.versions ?? SUPPORTED_VERSIONS);
    this.nonce = sodium().randombytes_buf(NONCE_BYTES);
    this.cpace = cpaceStart(passwordBytes(options.password), channelId(options.group), this.nonce);
  }

  start(): Uint8Array {
    const group = text(this.options.group);
    if (group.length > MAX_GROUP_BYTES) throw new NetError('ERR_BAD_INPUT', 'The group name is too long');
    const w = new Writer().u8(Flight.Offer).u8(this.versions.length);
    for (const v of this.versions) w.u16(v);
    w.bytes(this.options.key.publicKey);
    w.bytes(this.options.expectedPeer === undefined ? new Uint8Array(PUBLIC_KEY_BYTES) : keyBytes(this.options.expectedPeer));
    w.bytes(this.nonce).bytes(this.cpace.share).u8(group.length).bytes(group);
    this.offer = w.done();
    return this.offer;
  }

  receive(payload: Uint8Array): HandshakeStep {
    if (this.offer === undefined || this.answered) throw authFailed();
    this.answered = true;
    const r = new Reader(payload);
    const flight = r.u8();
    if (flight === Flight.Refuse) throw refusalError(r, this.versions);
    if (flight !== Flight.Answer) throw authFailed();
    const version = r.u16();
    const responderKey = r.take(PUBLIC_KEY_BYTES);
    r.take(NONCE_BYTES);
    const responderShare = r.take(SHARE_BYTES);
    const answerHead = payload.slice(0, r.offset);
    const signature = r.take(SIGNATURE_BYTES);
    const confirmation = r.take(TAG_BYTES);
    const receiveHeader = r.take(HEADER_BYTES);
    r.end();
    if (!this.versions.includes(version)) throw authFailed();
    const peerId = keyToPeerId(responderKey);
    if (this.options.expectedPeer !== undefined && peerId !== this.options.expectedPeer) throw authFailed();
    const isk = cpaceFinishInitiatorResponder(this.cpace, responderShare, this.nonce, this.options.key.publicKey, responderKey, 'initiator');
    if (isk === undefined) throw authFailed();
    const th = transcriptHash(this.offer, answerHead);
    if (!equalTags(confirmation, derive(isk, LABEL_CONFIRM_RESPONDER, th))) throw authFailed();
    if (!verifySignature(peerId, lv(LABEL_SIGN_RESPONDER, th), signature)) throw authFailed();
    const { state: sendState, header: sendHeader } = sodium().crypto_secretstream_xchacha20poly1305_init_push(derive(isk, LABEL_STREAM_I2R, th));
    const finish = new Writer()
      .u8(Flight.Finish)
      .bytes(this.options.key.sign(lv(LABEL_SIGN_INITIATOR, th)))
      .bytes(derive(isk, LABEL_CONFIRM_INITIATOR, th))
      .bytes(sendHeader)
      .done();
    return {
      send: finish,
      done: { peerId, version, group: this.options.group, named: this.options.expectedPeer !== undefined, sendState, receiveKey: derive(isk, LABEL_STREAM_R2I, th), receiveHeader },
    };
  }

  refusal(error: NetError): Uint8Array | undefined {
    return this.answered ? undefined : refusalFor(error, this.versions);
  }

  dispose(): void {
    // Nothing held: the send state is created and handed over in one step.
  }
}

/** The responder's side: it accepted the connection. */
export class HandshakeResponder implements HandshakeDriver {
  private readonly versions: readonly number[];
  private pending: { th: Uint8Array; isk: Uint8Array; peerId: string; version: number; group: string; named: boolean; sendState: StreamState } | undefined;
  private stage: 'offer' | 'finish' | 'done' = 'offer';

  constructor(private readonly options: ResponderOptions) {
    this.versions = checkVersions(options.versions ?? SUPPORTED_VERSIONS);
  }

  start(): undefined {
    return undefined;
  }

  receive(payload: Uint8Array): HandshakeStep {
    if (this.stage === 'offer') return this.onOffer(payload);
    if (this.stage === 'finish') {
      try {
        return this.onFinish(payload);
      } catch (err) {
        this.dispose();
        throw err;
      }
    }
    throw authFailed();
  }

  private onOffer(payload: Uint8Array): HandshakeStep {
    this.stage = 'finish';
    const r = new Reader(payload);
    if (r.u8() !== Flight.Offer) throw authFailed();
    const count = r.u8();
    if (count === 0 || count > MAX_VERSIONS) throw authFailed();
    const theirs: number[] = [];
    for (let i = 0; i < count; i++) theirs.push(r.u16());
    const initiatorKey = r.take(PUBLIC_KEY_BYTES);
    const expected = r.take(PUBLIC_KEY_BYTES);
    const nonce = r.take(NONCE_BYTES);
    const initiatorShare = r.take(SHARE_BYTES);
    const groupBytes = r.take(r.u8());
    r.end();
    const common = theirs.filter((v) => this.versions.includes(v));
    if (common.length === 0) throw versionMismatch(this.versions, theirs);
    const version = Math.max(...common);
    let group: string;
    try {
      group = new TextDecoder('utf-8', { fatal: true }).decode(groupBytes);
    } catch {
      throw authFailed();
    }
    const own = this.options.key.publicKey;
    const named = expected.some((b) => b !== 0);
    if (named && !equalTags(expected, own)) throw authFailed(); // dialed someone else
    const peerId = keyToPeerId(initiatorKey);
    // A reflection of our own offer; except a member standing in as repository registering itself there.
    if (equalTags(initiatorKey, own) && (named || this.options.unnamedWithoutPassword !== true)) throw authFailed();
    const refusal = this.options.admit({ peerId, group, named });
    if (refusal !== undefined) throw refusal;
    const password = !named && this.options.unnamedWithoutPassword === true ? undefined : this.options.password;
    const mine = cpaceStart(passwordBytes(password), channelId(group), nonce);
    const isk = cpaceFinishInitiatorResponder(mine, initiatorShare, nonce, initiatorKey, own, 'responder');
    if (isk === undefined) throw authFailed();
    const head = new Writer().u8(Flight.Answer).u16(version).bytes(own).bytes(sodium().randombytes_buf(NONCE_BYTES)).bytes(mine.share).done();
    const th = transcriptHash(payload, head);
    const { state: sendState, header: sendHeader } = sodium().crypto_secretstream_xchacha20poly1305_init_push(derive(isk, LABEL_STREAM_R2I, th));
    this.pending = { th, isk, peerId, version, group, named, sendState };
    const answer = new Writer()
      .bytes(head)
      .bytes(this.options.key.sign(lv(LABEL_SIGN_RESPONDER, th)))
      .bytes(derive(isk, LABEL_CONFIRM_RESPONDER, th))
      .bytes(sendHeader)
      .done();
    return { send: answer };
  }

  private onFinish(payload: Uint8Array): HandshakeStep {
    this.stage = 'done';
    const pending = this.pending;
    if (pending === undefined) throw authFailed();
    const r = new Reader(payload);
    if (r.u8() !== Flight.Finish) throw authFailed();
    const signature = r.take(SIGNATURE_BYTES);
    const confirmation = r.take(TAG_BYTES);
    const receiveHeader = r.take(HEADER_BYTES);
    r.end();
    if (!equalTags(confirmation, derive(pending.isk, LABEL_CONFIRM_INITIATOR, pending.th))) throw authFailed();
    if (!verifySignature(pending.peerId, lv(LABEL_SIGN_INITIATOR, pending.th), signature)) throw authFailed();
    const { peerId, version, group, named, sendState } = pending;
    this.pending = undefined; // the send state now belongs to the channel
    return { done: { peerId, version, group, named, sendState, receiveKey: derive(pending.isk, LABEL_STREAM_I2R, pending.th), receiveHeader } };
  }

  refusal(error: NetError): Uint8Array | undefined {
    return refusalFor(error, this.versions);
  }

  dispose(): void {
    if (this.pending !== undefined) freeState(this.pending.sendState);
    this.pending = undefined;
  }
}

function keyBytes(peerId: string): Uint8Array {
  const bytes = Buffer.from(peerId, 'base64url');
  if (bytes.length !== PUBLIC_KEY_BYTES) throw new NetError('ERR_BAD_INPUT', 'Not a peer id');
  return new Uint8Array(bytes);
}
