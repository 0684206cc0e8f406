/**
 * The pins of the joined group as this window sees them: the fold (`src/board/pins.ts`) and the
 * changes this member makes. As on the board (`sessionBoard.ts`), a change is checked against the
 * rules every member applies before it is sent, so the user hears why it was refused.
 */
import * as vscode from 'vscode';
import type { CodeAnchor } from '../board/codeAnchor';
import { pinAnchorFields } from '../board/pinAnchor';
import { PinBoard } from '../board/pins';
import type { PinState } from '../board/pins';
import { NetError } from '../net/errors';
import { newItemId } from '../net/ids';
import type { Logger } from '../net/logger';
import type { MessageBody, PinMessage } from '../net/messages';
import type { PeerNode } from '../net/peerNode';
import { MAX_PIN_CODE, MAX_PIN_TEXT } from '../net/messageKinds';
import { Disposable } from './disposable';

export class SessionPins extends Disposable {
  private readonly state = new PinBoard();
  private readonly changes = this.register(new vscode.EventEmitter<string | undefined>());
  /** Fires with the id of a pin that changed (added, replied to, resolved, deleted), or undefined for all of them. */
  readonly onDidChange = this.changes.event;

  constructor(
    private readonly node: () => PeerNode,
    private readonly nameOf: (peerId: string) => string | undefined,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Every live pin, oldest first. */
  pins(): PinState[] {
    return this.state.pins();
  }

  pin(id: string): PinState | undefined {
    return this.state.pin(id);
  }

  /** The display name of a pin's or reply's author. */
  authorName(peerId: string): string {
    return this.nameOf(peerId) ?? 'a former member';
  }

  /** The joined member's peer id, or undefined when not joined. */
  get self(): string | undefined {
    try {
      return this.node().id;
    } catch {
      return undefined;
    }
  }

  clear(): void {
    this.state.clear();
    this.changes.fire(undefined);
  }

  /** Folds a pin message kept in the history in (the comment threads are rebuilt after). */
  restore(message: PinMessage): void {
    this.state.apply(message);
  }

  /** Rebuild everything: after history was shown. */
  refresh(): void {
    this.changes.fire(undefined);
  }

  /** Folds a pin message from the network (or this member) in; a refused one is logged. */
  apply(message: PinMessage): void {
    const { changed, refused } = this.state.apply(message);
    if (refused !== undefined) {
      const line = `${refused.code}: refused pin ${message.op} of ${message.item} from ${this.nameOf(message.from) ?? message.from}: ${refused.reason}`;
      if (refused.code === 'ERR_DELETED') this.logger.debug(line);
      else this.logger.warn(line);
    }
    if (changed !== undefined) this.changes.fire(changed);
  }

  /** Pins `text` to the anchored lines; returns the new pin's id. */
  addPin(anchor: CodeAnchor, text: string): string {
    checkText(text);
    const fields = pinAnchorFields(anchor);
    if (Array.from(fields.code).length > MAX_PIN_CODE) throw new NetError('ERR_BAD_INPUT', `The selected lines and their context hold more than ${MAX_PIN_CODE.toLocaleString('en')} characters; pin fewer lines.`);
    return this.send({ type: 'pin', op: 'add', item: newItemId(), clock: 0, ...fields, text }).item;
  }

  reply(id: string, text: string): void {
    checkText(text);
    this.requirePin(id);
    this.send({ type: 'pin', op: 'reply', item: id, clock: 0, text });
  }

  setResolved(id: string, resolved: boolean): void {
    this.requirePin(id);
    this.send({ type: 'pin', op: resolved ? 'resolve' : 'reopen', item: id, clock: 0 });
  }

  deletePin(id: string): void {
    this.requirePin(id);
    this.send({ type: 'pin', op: 'delete', item: id, clock: 0 });
  }

  private requirePin(id: string): PinState {
    const pin = this.state.pin(id);
    if (pin === undefined) throw new NetError('ERR_BAD_INPUT', 'That pin is no longer there.');
    return pin;
  }

  private send(body: MessageBody<'pin'>): PinMessage {
    const node = this.node();
    const change = { ...body, clock: Math.max(node.nextClock(), this.state.nextClock()) };
    const refusal = this.state.check({ ...change, from: node.id, id: 'unsent', ts: Date.now() });
    if (refusal !== undefined) {
      if (refusal.code === 'ERR_NOT_AUTHOR') throw new NetError('ERR_NOT_AUTHOR', 'Only the member who pinned this note can delete it; anyone can reply, resolve or reopen.');
      throw new NetError(refusal.code === 'ERR_DELETED' ? 'ERR_BAD_INPUT' : 'ERR_LIMIT', refusal.reason);
    }
    const message = node.broadcast(change) as PinMessage;
    this.apply(message);
    return message;
  }
}

function checkText(text: string): void {
  if (text.trim() === '') throw new NetError('ERR_BAD_INPUT', 'The note is empty.');
  if (Array.from(text).length > MAX_PIN_TEXT) throw new NetError('ERR_BAD_INPUT', `The note is longer than ${MAX_PIN_TEXT.toLocaleString('en')} characters.`);
}
