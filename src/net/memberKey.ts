/**
 * A member's key: an Ed25519 key pair whose public half, in URL-safe base64, is the member's peer
 * id. This module is the only one that touches the secret bytes: they are never logged, never
 * sent, and leave it only through {@link MemberKey.exportSeed} for the key's own store (the
 * extension's SecretStorage, the CLI's data folder).
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { sodium } from './sodium';

/** Bytes of an Ed25519 public key, seed and signature. */
export const PUBLIC_KEY_BYTES = 32;
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** A peer id: the 32-byte public key as unpadded URL-safe base64, 43 characters. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** DER prefix of a PKCS#8 Ed25519 private key: the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class MemberKey {
  /** The peer id: the public key as URL-safe base64 (43 characters). */
  readonly id: string;

  /** libsodium's 64-byte secret key, made on first use (libsodium loads asynchronously; keys are made before). */
  private secretKey: Uint8Array | undefined;

  private constructor(
    readonly publicKey: Uint8Array,
    private readonly seed: Uint8Array,
  ) {
    this.id = Buffer.from(publicKey).toString('base64url');
  }

  /** A fresh key pair from the system's random source. */
  static generate(): MemberKey {
    return MemberKey.fromSeed(randomBytes(SEED_BYTES));
  }

  /**
   * The key pair a 32-byte seed determines (what the key stores keep). Synchronous, so that a peer
   * node has its id as soon as it is constructed: the public key comes from Node's own Ed25519
   * (the same RFC 8032 derivation libsodium signs with; a test checks they agree).
   */
  static fromSeed(seed: Uint8Array): MemberKey {
    if (seed.length !== SEED_BYTES) throw new Error(`A member key seed is ${SEED_BYTES} bytes, not ${seed.length}`);
    const pkcs8 = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
    const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    return new MemberKey(new Uint8Array(spki.subarray(spki.length - PUBLIC_KEY_BYTES)), Uint8Array.from(seed));
  }

  /** A detached Ed25519 signature of `bytes`. */
  sign(bytes: Uint8Array): Uint8Array {
    this.secretKey ??= sodium().crypto_sign_seed_keypair(this.seed).privateKey;
    return sodium().crypto_sign_detached(bytes, this.secretKey);
  }

  /** The seed, for the key's store only. */
  exportSeed(): Uint8Array {
    return Uint8Array.from(this.seed);
  }
}

/** The public key a peer id names, or undefined when the id is not a well-formed key. */
export function peerIdToKey(id: string): Uint8Array | undefined {
  if (!PEER_ID_PATTERN.test(id)) return undefined;
  const bytes = Buffer.from(id, 'base64url');
  // The pattern pins the length and the last character's padding bits, so the round trip is exact.
  return bytes.length === PUBLIC_KEY_BYTES && bytes.toString('base64url') === id ? new Uint8Array(bytes) : undefined;
}

/** The peer id of a public key. */
export function keyToPeerId(publicKey: Uint8Array): string {
  return Buffer.from(publicKey).toString('base64url');
}

/** True when `signature` is `id`'s Ed25519 signature of `bytes`. Total: false for any malformed input. */
export function verifySignature(id: string, bytes: Uint8Array, signature: Uint8Array): boolean {
  const key = peerIdToKey(id);
  if (key === undefined || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return sodium().crypto_sign_verify_detached(signature, bytes, key);
  } catch {
    return false;
  }
}

/**
 * A short fingerprint of a peer id, `xxxx-xxxx` (32 bits of its SHA-256), so that two members
 * with the same display name are told apart in every list. It tells people apart; it is not a
 * proof: to be sure who someone is, compare the full id.
 */
export function fingerprint(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}`;
}
