/**
 * Signed messages: every chat and board message carries its author's Ed25519 signature over its
 * canonical bytes (`encodeForSigning`), so that any member may keep and hand on another member's
 * messages (catch-up, relay) and nobody who carries them can forge or alter one.
 *
 * A message that arrives straight from its author over the author's own authenticated link is
 * already proven by that link (the handshake proved the key, the stream proves every byte since),
 * so it is not verified again; everything else must pass {@link checkSignature}.
 *
 * Each message to the group also names the digest of its author's previous one (`prev`, under the
 * signature), so an author's log is a hash chain, as in Secure Scuttlebutt's feeds. Messages handed
 * on together (a catch-up page) are checked with {@link checkHandedOn}: one signature per run of an
 * author's consecutive messages, and a SHA-256 for each of the others, instead of an Ed25519
 * verification each (about 250 µs in libsodium's WebAssembly build, against 2 µs). The digest covers
 * the signature as well, so a message proven by the chain is stored with its author's signature.
 */
import { createHash } from 'node:crypto';
import { NetError } from './errors';
import { SIGNATURE_BYTES, verifySignature } from './memberKey';
import type { MemberKey } from './memberKey';
import type { Message, MessageType } from './messages';
import { encodeForSigning } from './xmlCodec';

/** The message types their author signs. */
export const SIGNED_TYPES: ReadonlySet<MessageType> = new Set<MessageType>(['chat', 'note', 'image', 'stroke', 'snippet', 'pin']);

/** True for a message of a type its author signs. */
export function isSignedType(message: Pick<Message, 'type'>): boolean {
  return SIGNED_TYPES.has(message.type);
}

/**
 * Digests of messages this member signed, known from signing them: the next message names the
 * previous one's digest, and working it out again would encode the previous message once more.
 */
const signedDigests = new WeakMap<Message, string>();

/** The message with its author's signature; `key` must be the key of `message.from`. */
export function signMessage<M extends Message>(message: M, key: MemberKey): M {
  if (message.from !== key.id) throw new Error('A member signs only its own messages');
  const canonical = encodeForSigning(message);
  const sig = Buffer.from(key.sign(canonical)).toString('base64url');
  const signed = { ...message, sig };
  signedDigests.set(signed, digestOf(canonical, sig));
  return signed;
}

/**
 * The digest a later message of the same author names as its `prev`: SHA-256 of the canonical
 * bytes and then the signature's, so a message proven by the chain carries its author's own
 * signature too (and whoever holds it can hand it on to be checked alone).
 */
export function messageDigest(message: Message): string {
  if (message.sig === undefined) throw new Error('Only a signed message has a digest');
  return signedDigests.get(message) ?? digestOf(encodeForSigning(message), message.sig);
}

function digestOf(canonical: Uint8Array, sig: string): string {
  return createHash('sha256').update(canonical).update(Buffer.from(sig, 'base64url')).digest('base64url');
}

/**
 * Checks that a signed message was signed by its `from`, over exactly these fields. Throws
 * `ERR_BAD_SIGNATURE` when it was not (or it carries no signature); total for any input.
 */
export function checkSignature(message: Message): void {
  checkSigned(message, canonicalOrThrow(message));
}

function canonicalOrThrow(message: Message): Buffer {
  try {
    return encodeForSigning(message);
  } catch {
    throw new NetError('ERR_BAD_SIGNATURE', `A ${message.type} message that cannot be encoded cannot be verified`);
  }
}

function checkSigned(message: Message, canonical: Buffer): void {
  if (message.sig === undefined) throw new NetError('ERR_BAD_SIGNATURE', `A ${message.type} message without a signature`);
  const signature = Buffer.from(message.sig, 'base64url');
  if (signature.length !== SIGNATURE_BYTES || !verifySignature(message.from, canonical, signature)) {
    throw new NetError('ERR_BAD_SIGNATURE', `The signature of ${message.type} ${message.id} does not verify against its author's key`);
  }
}

/** What {@link checkHandedOn} found: per message (same order), undefined when authentic, else why not. */
export interface HandedOnCheck {
  errors: Array<NetError | undefined>;
  /** Ed25519 verifications made (the rest were proven by the chain). */
  signaturesChecked: number;
}

/**
 * Checks messages handed on together, as {@link checkSignature} would check each, with less work:
 * per author, from the highest number down, a message whose canonical bytes hash to the `prev`
 * of the author's next message, itself proven, is proven by that; any other has its own signature
 * checked. A forged message breaks the chain below it, so the message under it is checked by its
 * own signature again: nothing unproven is ever accepted, and an honest page costs one
 * verification per author.
 */
export function checkHandedOn(messages: readonly Message[]): HandedOnCheck {
  const errors: Array<NetError | undefined> = new Array(messages.length).fill(undefined);
  const byAuthor = new Map<string, number[]>();
  messages.forEach((m, i) => {
    const indexes = byAuthor.get(m.from);
    if (indexes === undefined) byAuthor.set(m.from, [i]);
    else indexes.push(i);
  });
  let signaturesChecked = 0;
  for (const indexes of byAuthor.values()) {
    indexes.sort((a, b) => messages[b]!.seq - messages[a]!.seq);
    /** What the message just above, proven, says the one numbered `seq` hashes to. */
    let proven: { seq: number; digest: string } | undefined;
    for (const i of indexes) {
      const message = messages[i]!;
      try {
        const canonical = canonicalOrThrow(message);
        if (message.sig === undefined || proven === undefined || proven.seq !== message.seq || digestOf(canonical, message.sig) !== proven.digest) {
          signaturesChecked += 1;
          checkSigned(message, canonical);
        }
        proven = message.prev === undefined ? undefined : { seq: message.seq - 1, digest: message.prev };
      } catch (err) {
        errors[i] = err instanceof NetError ? err : new NetError('ERR_BAD_SIGNATURE', `The signature of ${message.type} ${message.id} cannot be checked`);
        proven = undefined;
      }
    }
  }
  return { errors, signaturesChecked };
}
