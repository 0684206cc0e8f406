/**
 * Signed messages: every chat and board message carries its author's Ed25519 signature over its
 * canonical bytes (`encodeForSigning`), so that any member may keep and hand on another member's
 * messages (catch-up, relay) and nobody who carries them can forge or alter one.
 *
 * A message that arrives straight from its author over the author's own authenticated link is
 * already proven by that link (the handshake proved the key, the stream proves every byte since),
 * so it is not verified again; everything else must pass {@link checkSignature}.
 */
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

/** The message with its author's signature; `key` must be the key of `message.from`. */
export function signMessage<M extends Message>(message: M, key: MemberKey): M {
  if (message.from !== key.id) throw new Error('A member signs only its own messages');
  const signature = key.sign(encodeForSigning(message));
  return { ...message, sig: Buffer.from(signature).toString('base64url') };
}

/**
 * Checks that a signed message was signed by its `from`, over exactly these fields. Throws
 * `ERR_BAD_SIGNATURE` when it was not (or it carries no signature); total for any input.
 */
export function checkSignature(message: Message): void {
  if (message.sig === undefined) throw new NetError('ERR_BAD_SIGNATURE', `A ${message.type} message without a signature`);
  const signature = Buffer.from(message.sig, 'base64url');
  let canonical: Buffer;
  try {
    canonical = encodeForSigning(message);
  } catch {
    throw new NetError('ERR_BAD_SIGNATURE', `A ${message.type} message that cannot be encoded cannot be verified`);
  }
  if (signature.length !== SIGNATURE_BYTES || !verifySignature(message.from, canonical, signature)) {
    throw new NetError('ERR_BAD_SIGNATURE', `The signature of ${message.type} ${message.id} does not verify against its author's key`);
  }
}
