/**
 * A member's outgoing message made ready: its envelope stamped, chat and board messages signed with
 * the member's key, and encoded once for every connection.
 */
import { encodeOutgoing } from './connection';
import type { EncodedMessage } from './connection';
import type { GroupHistory } from './groupHistory';
import type { EnvelopeStamper } from './ids';
import type { MemberKey } from './memberKey';
import type { Message, MessageBody } from './messages';
import { isSignedType, signMessage } from './signing';

/**
 * Stamps a message's envelope, signs chat and board messages with this member's key, and encodes
 * it. Those to the group take the next number of this member's log (direct messages are not in
 * it); a message the codec refuses gives its number back, so the log never has a gap.
 */
export function prepareOutgoing<B extends MessageBody>(
  from: { stamper: EnvelopeStamper; key: MemberKey; history: GroupHistory },
  body: B,
  binary: Uint8Array | undefined,
): { message: B & Message; frames: EncodedMessage } {
  if (!isSignedType(body) || (body.type === 'chat' && (body as MessageBody<'chat'>).to !== undefined)) {
    const message = from.stamper.stamp(body);
    const signed = isSignedType(message) ? signMessage(message, from.key) : message;
    return { message: signed, frames: encodeOutgoing(signed, binary) };
  }
  const seq = from.history.nextSeq();
  try {
    // Chained to this member's previous message (none when it is the first, or the history was cleared).
    const prev = from.history.digest(from.key.id, seq - 1);
    const stamped = from.stamper.stampNumbered(body, seq);
    const message = signMessage(prev === undefined ? stamped : { ...stamped, prev }, from.key);
    return { message, frames: encodeOutgoing(message, binary) };
  } catch (err) {
    from.history.releaseSeq(seq);
    throw err;
  }
}
