/**
 * CPace (balanced PAKE) over ristretto255 with SHA-512, initiator-responder mode, as specified by
 * draft-irtf-cfrg-cpace-21 (cipher suite CPACE-RISTR255-SHA512, section "CPace group objects
 * G_Ristretto255 and G_Decaf448"). Every group operation is a libsodium primitive: this file only
 * encodes strings and hashes; it does no curve arithmetic of its own.
 *
 * Flow: both sides call {@link cpaceStart} with the same PRS, CI and sid, exchange `share` plus
 * their associated data, then call {@link cpaceFinishInitiatorResponder}. Equal ISKs mean equal
 * inputs; `undefined` means the peer sent an invalid share and the caller must abort.
 *
 * Call `await cpaceReady()` once before any other function: libsodium is WebAssembly and attaches
 * its functions only when it has been instantiated.
 */
import sodium from 'libsodium-wrappers-sumo';

/** G_Ristretto255.DSI, the domain separator of the generator string. */
export const CPACE_DSI: Uint8Array = new TextEncoder().encode('CPaceRistretto255');
/** G.DSI || b"_ISK", the domain separator of the ISK hash. */
export const CPACE_DSI_ISK: Uint8Array = new TextEncoder().encode('CPaceRistretto255_ISK');

/** Bytes of an encoded ristretto255 element and of a scalar. */
export const CPACE_POINT_BYTES = 32;
export const CPACE_SCALAR_BYTES = 32;
/** Bytes of the ISK: SHA-512 output (H.b_in_bytes). */
export const CPACE_ISK_BYTES = 64;
/** H.s_in_bytes of SHA-512: the generator string's zero padding fills this first input block. */
const SHA512_BLOCK_BYTES = 128;

/** Why a local call was refused. Peer faults never throw: they give `undefined` / `ok: false`. */
export type CpaceErrorReason =
  /** {@link cpaceReady} has not completed, so libsodium has no functions yet. */
  | 'not-ready'
  /** A scalar is not 32 bytes, is zero, or is not reduced modulo the group order. */
  | 'bad-scalar'
  /** An own share or generator has the wrong length or is not a valid, non-identity element. */
  | 'bad-element'
  /** `role` is neither 'initiator' nor 'responder'. */
  | 'bad-role';

/** A misuse of this module by its caller (never caused by bytes from the network). */
export class CpaceError extends Error {
  override readonly name = 'CpaceError';

  constructor(
    readonly reason: CpaceErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Resolves when libsodium is usable; await it once before calling anything else here. */
export async function cpaceReady(): Promise<void> {
  await sodium.ready;
}

/** The functions are undefined until `sodium.ready` resolves; say so instead of a TypeError. */
function assertReady(): void {
  if (typeof sodium.crypto_core_ristretto255_from_hash !== 'function') {
    throw new CpaceError('not-ready', 'CPace used before `await cpaceReady()`');
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * prepend_len(data): LEB128 of `data.length` (7 bits per byte, least significant first, bit 7 set
 * while more follow), then `data`. Division rather than `>>` so lengths above 2^31 stay correct.
 */
export function prependLen(data: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let length = data.length;
  do {
    const low = length % 128;
    length = Math.floor(length / 128);
    prefix.push(length === 0 ? low : low | 0x80);
  } while (length !== 0);
  return concat([Uint8Array.from(prefix), data]);
}

/** lv_cat(a0, a1, ...): the concatenation of prepend_len of each argument, so fields cannot run into each other. */
export function lvCat(...parts: readonly Uint8Array[]): Uint8Array {
  return concat(parts.map(prependLen));
}

/**
 * generator_string(DSI, PRS, CI, sid, s_in_bytes) = lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid)
 * with len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) - len(prepend_len(DSI))). The
 * padding makes DSI and a short PRS fill the whole first hash block, so the number of blocks hashed
 * does not depend on the password's length, and that block holds no session-specific input.
 */
export function generatorString(
  dsi: Uint8Array,
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
  sInBytes: number,
): Uint8Array {
  const lenZpad = Math.max(0, sInBytes - 1 - prependLen(prs).length - prependLen(dsi).length);
  return lvCat(dsi, prs, new Uint8Array(lenZpad), ci, sid);
}

/**
 * G.calculate_generator for ristretto255 / SHA-512: the 64-byte SHA-512 of the generator string,
 * mapped with ristretto255's element derivation (RFC 9496 one-way map, libsodium's `from_hash`).
 * Returns the 32-byte encoding of the generator g.
 */
export function cpaceGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  assertReady();
  const genStr = generatorString(CPACE_DSI, prs, ci, sid, SHA512_BLOCK_BYTES);
  const hash = sodium.crypto_hash_sha512(genStr);
  const g = sodium.crypto_core_ristretto255_from_hash(hash);
  // The generator string contains the password: do not leave copies of it and its hash around.
  sodium.memzero(genStr);
  sodium.memzero(hash);
  return g;
}

/** The secret scalar y and the public share Y = y*g (32-byte encoding) of one party. */
export interface CpaceShare {
  scalar: Uint8Array;
  share: Uint8Array;
}

/**
 * True when `scalar` is the canonical (reduced) encoding of a non-zero scalar. The draft samples
 * scalars below the group order (1..order-1, or 252 random bits); libsodium itself would accept
 * any 255-bit value, so a caller-supplied scalar is held to the draft's range here.
 */
function isCanonicalNonZeroScalar(scalar: Uint8Array): boolean {
  if (scalar.length !== CPACE_SCALAR_BYTES || sodium.is_zero(scalar)) return false;
  const wide = new Uint8Array(64);
  wide.set(scalar);
  const reduced = sodium.crypto_core_ristretto255_scalar_reduce(wide);
  return sodium.memcmp(reduced, scalar);
}

/**
 * Starts a CPace run: computes g from PRS, CI and sid, samples y (uniform in 1..order-1 by
 * libsodium's `scalar_random`, which the draft allows) and returns y with Y = y*g. Send `share` and
 * your associated data to the peer; keep `scalar` secret and use it once.
 *
 * @param scalar Only for test vectors: a fixed y instead of a random one.
 * @throws CpaceError ('bad-scalar') when a given scalar is not canonical and non-zero.
 */
export function cpaceStart(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array, scalar?: Uint8Array): CpaceShare {
  assertReady();
  const y = scalar === undefined ? sodium.crypto_core_ristretto255_scalar_random() : Uint8Array.from(scalar);
  if (!isCanonicalNonZeroScalar(y)) {
    throw new CpaceError('bad-scalar', 'CPace scalar must be 32 bytes, non-zero and reduced modulo the group order');
  }
  const g = cpaceGenerator(prs, ci, sid);
  const result = cpaceScalarMultVfy(y, g);
  // g is never the identity for a hash output in practice (probability about 2^-252); still, a
  // share equal to G.I would make the peer abort, so fail here where the cause is known.
  if (!result.ok) throw new CpaceError('bad-element', 'CPace generator is not a usable group element');
  return { scalar: y, share: result.point };
}

/** Why {@link cpaceScalarMultVfy} returned G.I instead of a point. */
export type CpaceVfyFailure =
  /** The bytes are not 32 long or not a canonical ristretto255 encoding (decode fails). */
  | 'invalid-encoding'
  /** The product is the identity element (the input was the identity, or the scalar is zero). */
  | 'identity';

/** Outcome of G.scalar_mult_vfy: the encoded product, or the reason the draft's G.I would be returned. */
export type CpaceVfyResult = { ok: true; point: Uint8Array } | { ok: false; reason: CpaceVfyFailure };

/**
 * G.scalar_mult_vfy(y, X): decodes X, returns encode(y * decode(X)), and reports the two cases in
 * which the draft returns G.I (the caller MUST abort on either). libsodium's
 * `crypto_scalarmult_ristretto255` throws the same "identity" error for both, so the encoding is
 * checked first to tell them apart.
 */
export function cpaceScalarMultVfy(scalar: Uint8Array, encodedPoint: Uint8Array): CpaceVfyResult {
  assertReady();
  if (scalar.length !== CPACE_SCALAR_BYTES) {
    throw new CpaceError('bad-scalar', 'CPace scalar must be 32 bytes');
  }
  if (encodedPoint.length !== CPACE_POINT_BYTES || !sodium.crypto_core_ristretto255_is_valid_point(encodedPoint)) {
    return { ok: false, reason: 'invalid-encoding' };
  }
  let point: Uint8Array;
  try {
    point = sodium.crypto_scalarmult_ristretto255(scalar, encodedPoint);
  } catch {
    // The encoding decoded above, so libsodium's only remaining refusal is an identity result.
    return { ok: false, reason: 'identity' };
  }
  // Belt and braces: G.I for ristretto255 is 32 zero bytes; never hand it on as a key.
  if (sodium.is_zero(point)) return { ok: false, reason: 'identity' };
  return { ok: true, point };
}

/** transcript_ir(Ya, ADa, Yb, ADb) = lv_cat(Ya, ADa) || lv_cat(Yb, ADb): initiator's message first. */
export function transcriptIr(ya: Uint8Array, adA: Uint8Array, yb: Uint8Array, adB: Uint8Array): Uint8Array {
  return concat([lvCat(ya, adA), lvCat(yb, adB)]);
}

/**
 * lexiographically_larger(a, b) of the draft: byte-wise comparison, and on a common prefix the
 * longer string is larger. Only used on public transcript data, so it need not be constant time.
 */
export function lexicographicallyLarger(a: Uint8Array, b: Uint8Array): boolean {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x > y;
  }
  return a.length > b.length;
}

/** o_cat(a, b) = b"oc" || larger || smaller: an order-independent concatenation. */
export function oCat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const oc = Uint8Array.of(0x6f, 0x63);
  return lexicographicallyLarger(a, b) ? concat([oc, a, b]) : concat([oc, b, a]);
}

/**
 * transcript_oc(Ya, ADa, Yb, ADb) = o_cat(lv_cat(Ya, ADa), lv_cat(Yb, ADb)), the transcript of the
 * symmetric setting. Team Notes uses initiator-responder; this is here so that the draft's parallel
 * ISK vector can be checked against {@link cpaceIsk}.
 */
export function transcriptOc(ya: Uint8Array, adA: Uint8Array, yb: Uint8Array, adB: Uint8Array): Uint8Array {
  return oCat(lvCat(ya, adA), lvCat(yb, adB));
}

/** ISK = SHA-512(lv_cat(DSI_ISK, sid, K) || transcript): sid is bound into the key here as well as in g. */
export function cpaceIsk(sid: Uint8Array, k: Uint8Array, transcript: Uint8Array): Uint8Array {
  assertReady();
  const input = concat([lvCat(CPACE_DSI_ISK, sid, k), transcript]);
  const isk = sodium.crypto_hash_sha512(input);
  // The input holds K, from which ISK follows: wipe it.
  sodium.memzero(input);
  return isk;
}

/**
 * Finishes an initiator-responder run: K = scalar_mult_vfy(own.scalar, peerShare), then
 * ISK = SHA-512(lv_cat(DSI_ISK, sid, K) || transcript_ir(Ya, ADa, Yb, ADb)), where Ya/ADa are
 * always the initiator's and Yb/ADb the responder's, whichever side computes it.
 *
 * @returns The 64-byte ISK, or `undefined` when the peer's share does not decode or K is the
 *   identity (the draft's "MUST abort"): the caller aborts and must not tell the peer which.
 * @throws CpaceError when `own` or `role` is malformed (a local bug, not a peer fault).
 */
export function cpaceFinishInitiatorResponder(
  own: CpaceShare,
  peerShare: Uint8Array,
  sid: Uint8Array,
  adInitiator: Uint8Array,
  adResponder: Uint8Array,
  role: 'initiator' | 'responder',
): Uint8Array | undefined {
  assertReady();
  if (role !== 'initiator' && role !== 'responder') {
    throw new CpaceError('bad-role', "CPace role must be 'initiator' or 'responder'");
  }
  if (!isCanonicalNonZeroScalar(own.scalar)) {
    throw new CpaceError('bad-scalar', 'CPace own scalar must be 32 bytes, non-zero and reduced');
  }
  if (own.share.length !== CPACE_POINT_BYTES) {
    throw new CpaceError('bad-element', 'CPace own share must be 32 bytes');
  }
  const result = cpaceScalarMultVfy(own.scalar, peerShare);
  if (!result.ok) return undefined;
  const k = result.point;
  const transcript =
    role === 'initiator'
      ? transcriptIr(own.share, adInitiator, peerShare, adResponder)
      : transcriptIr(peerShare, adInitiator, own.share, adResponder);
  const isk = cpaceIsk(sid, k, transcript);
  sodium.memzero(k);
  return isk;
}
