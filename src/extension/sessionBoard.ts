/**
 * The board of the joined group as this window sees it: the folded state (src/board/boardState.ts),
 * the items as the panel shows them, and the changes this member makes. A change is checked against
 * the same rules every member applies before it is sent, so the user hears why it was refused; an
 * item added without a position lands where the user last looked (itemPlacement.ts).
 */
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { BoardState } from '../board/boardState';
import type { BoardChange, BoardMessage } from '../board/boardState';
import { checkImage } from '../board/imageInfo';
import { DEFAULT_NOTE_STYLE, MAX_STROKE_POINTS } from '../board/limits';
import type { Area, Size } from '../board/placement';
import { addPngText, codeImageText } from '../board/pngText';
import { NetError } from '../net/errors';
import { newItemId } from '../net/ids';
import type { Logger } from '../net/logger';
import type { MessageBody, Point } from '../net/messages';
import type { PeerNode } from '../net/peerNode';
import { MAX_SNIPPET_CODE } from '../net/xmlCodec';
import { IMAGE_CAPTION_HEIGHT } from '../webview/app/itemGeometry';
import type { BoardItem, CodeImageSource } from '../webview/protocol';
import { BoardItemViews, boardUnits } from './boardItems';
import { Disposable } from './disposable';
import { noteSize, placeNewItem, snippetSize } from './itemPlacement';

/** A board change for the panel: an item to show, or one to take away. */
export type BoardChangeView = { kind: 'board'; item: BoardItem } | { kind: 'boardRemove'; id: string };

export class SessionBoard extends Disposable {
  private readonly state = new BoardState();
  private readonly views: BoardItemViews;
  private readonly placements = this.register(new vscode.EventEmitter<string>());
  /** Fires with the id of an item this member added without placing it (the board shows it). */
  readonly onDidPlaceItem = this.placements.event;
  /** The part of the board the user last saw, where items added without a position go. */
  placementArea: () => Area | undefined = () => undefined;

  /**
   * `node` is the joined peer node (it throws when there is none), `nameOf` an author's display
   * name, `changed` hears every item shown or taken away.
   */
  constructor(
    private readonly node: () => PeerNode,
    private readonly nameOf: (peerId: string) => string | undefined,
    private readonly changed: (change: BoardChangeView) => void,
    private readonly logger: Logger,
  ) {
    super();
    this.views = new BoardItemViews((id) => nameOf(id) ?? 'a former member');
  }

  /** Every item, as the panel shows them. */
  items(): BoardItem[] {
    return this.state.items().map((item) => this.views.toView(item));
  }

  /** Empties the board (a new membership, cleared history). */
  clear(): void {
    this.state.clear();
    this.views.clear();
  }

  /** Folds a message kept in the history in, without a change event (the panel takes a snapshot). */
  restore(message: BoardMessage, bytes?: Uint8Array): void {
    this.state.apply(message, bytes);
  }

  /**
   * A board message a member sent. The connection checked an image's byte count and SHA-256; what
   * the bytes are is checked here, and an image that is not what it claims is dropped with a line
   * in the log.
   */
  received(message: BoardMessage, fromName: string, binary: Buffer | undefined): void {
    if (message.type === 'image' && message.op === 'add') {
      const checked = binary === undefined ? undefined : checkImage(binary);
      if (checked === undefined || !checked.ok || checked.info.mime !== message.mime) {
        this.logger.warn(`ERR_IMAGE: ignored image ${message.item} from ${fromName}: ${checked !== undefined && !checked.ok ? checked.message : `not the ${message.mime ?? 'image'} it claims to be`}`);
        return;
      }
    }
    // A plain copy, not the Buffer: it is posted to the board webview, whose message passing
    // carries typed arrays but would turn a Node Buffer (and the chunk it is a view of) into JSON.
    this.apply(message, binary === undefined ? undefined : new Uint8Array(binary));
  }

  /** The item as the board shows it, or undefined when there is none with this id. */
  item(id: string): BoardItem | undefined {
    const state = this.state.item(id);
    return state === undefined ? undefined : this.views.toView(state);
  }

  shareSnippet(snippet: CodeImageSource): BoardItem | undefined {
    if (Array.from(snippet.code).length > MAX_SNIPPET_CODE) {
      throw new NetError('ERR_BAD_INPUT', `The selection is longer than ${MAX_SNIPPET_CODE.toLocaleString('en')} characters; share a smaller part.`);
    }
    return this.placed(this.broadcastBoard({ type: 'snippet', op: 'add', item: newItemId(), clock: 0, ...snippet, ...this.nextFreePosition(snippetSize(snippet)) }));
  }

  addNote(text: string, x?: number, y?: number, style: { font?: string; size?: number; colour?: string } = {}): BoardItem | undefined {
    const userPlaced = x !== undefined && y !== undefined;
    const position = userPlaced ? { x: boardUnits(x), y: boardUnits(y) } : this.nextFreePosition(noteSize(text, { ...DEFAULT_NOTE_STYLE, ...style }));
    const item = this.broadcastBoard({ type: 'note', op: 'add', item: newItemId(), clock: 0, text, ...DEFAULT_NOTE_STYLE, ...style, ...position });
    return userPlaced ? item : this.placed(item);
  }

  editNote(id: string, change: { text?: string; font?: string; size?: number; colour?: string }): BoardItem | undefined {
    this.requireItem(id, 'note');
    if (Object.keys(change).length === 0) throw new NetError('ERR_BAD_INPUT', 'Nothing to change.');
    return this.broadcastBoard({ type: 'note', op: 'edit', item: id, clock: 0, ...change });
  }

  moveItem(id: string, x: number, y: number, size?: { width: number; height: number }): BoardItem | undefined {
    const item = this.requireItem(id);
    const position = { x: boardUnits(x), y: boardUnits(y) };
    switch (item.kind) {
      case 'note':
      case 'snippet':
        return this.broadcastBoard({ type: item.kind, op: 'move', item: id, clock: 0, ...position });
      case 'image':
        return this.broadcastBoard({ type: 'image', op: 'move', item: id, clock: 0, ...position, ...(size && { width: boardUnits(size.width), height: boardUnits(size.height) }) });
      case 'stroke':
        throw new NetError('ERR_BAD_INPUT', 'Strokes cannot be moved; erase and redraw them.');
    }
  }

  deleteItem(id: string): void {
    const item = this.requireItem(id);
    this.broadcastBoard({ type: item.kind, op: 'delete', item: id, clock: 0 });
  }

  /**
   * Shares image bytes after checking them: the type from the magic bytes, the size and the pixel
   * dimensions read from the header. Throws `ERR_IMAGE` with a message for the user otherwise.
   */
  addImage(bytes: Uint8Array, x: number, y: number, width: number, height: number): BoardItem | undefined {
    const checked = checkImage(bytes);
    if (!checked.ok) throw new NetError('ERR_IMAGE', checked.message);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const body: MessageBody<'image'> = {
      type: 'image', op: 'add', item: newItemId(), clock: 0, x: boardUnits(x), y: boardUnits(y),
      width: boardUnits(width), height: boardUnits(height), mime: checked.info.mime, bytes: bytes.length, sha256,
    };
    return this.broadcastBoard(body, bytes);
  }

  /** Shares a PNG of code ("Share Selection as Image"), making sure its text chunks carry the source. */
  shareCodeImage(png: Uint8Array, source: CodeImageSource): BoardItem | undefined {
    const checked = checkImage(png);
    if (!checked.ok || checked.info.mime !== 'image/png') throw new NetError('ERR_IMAGE', checked.ok ? 'The rendered code image is not a PNG.' : checked.message);
    // The host writes the source chunks itself (replacing any of the same keyword): what the image
    // claims to show is what the user selected, whatever the renderer put there.
    const withText = addPngText(png, codeImageText(source));
    // Rendered at twice the resolution: shown at half its pixel size, sharp on high-density screens.
    const size = { width: Math.max(1, Math.round(checked.info.width / 2)), height: Math.max(1, Math.round(checked.info.height / 2)) };
    // The caption under a code image ("path:lines · Copy Code") takes room too.
    const { x, y } = this.nextFreePosition({ width: size.width, height: size.height + IMAGE_CAPTION_HEIGHT });
    return this.placed(this.addImage(withText, x, y, size.width, size.height));
  }

  /** Shares a freehand stroke given as flat absolute points (the board simplifies strokes to the wire's limit). */
  addStroke(flat: readonly number[], width: number, colour: string): BoardItem | undefined {
    const count = Math.floor(flat.length / 2);
    if (count === 0 || count > MAX_STROKE_POINTS) throw new NetError('ERR_BAD_INPUT', `A stroke needs 1 to ${MAX_STROKE_POINTS.toLocaleString('en')} points.`);
    const points: Point[] = [];
    for (let i = 0; i < count; i += 1) points.push({ x: boardUnits(flat[2 * i]!), y: boardUnits(flat[2 * i + 1]!) });
    return this.broadcastBoard({ type: 'stroke', op: 'add', item: newItemId(), clock: 0, points, width, colour });
  }

  /** The text a user can copy out of an item: a note's text, a snippet's code, a code image's source. */
  itemText(id: string): string {
    const item = this.requireItem(id);
    if (item.kind === 'note') return item.text;
    if (item.kind === 'snippet') return item.code;
    if (item.kind === 'image' && item.source !== undefined) return item.source.code;
    throw new NetError('ERR_BAD_INPUT', 'This item has no text to copy.');
  }

  /** Stamps a board change with the next Lamport clock, sends it to everyone and folds it into this board. */
  private broadcastBoard(body: MessageBody<BoardMessage['type']>, bytes?: Uint8Array): BoardItem | undefined {
    const node = this.node();
    const change = { ...body, clock: Math.max(node.nextClock(), this.state.nextClock()) };
    // Refused here, the user hears why; sent anyway, every member would refuse it without a word.
    const refusal = this.state.check({ ...change, from: node.id } as BoardChange, bytes);
    if (refusal !== undefined) {
      if (refusal.code === 'ERR_NOT_AUTHOR') throw new NetError('ERR_NOT_AUTHOR', 'Only the member who added this item can edit or delete it; anyone can move it.');
      throw new NetError(refusal.code === 'ERR_DELETED' ? 'ERR_BAD_INPUT' : 'ERR_LIMIT', refusal.reason);
    }
    const message = node.broadcast(change, bytes) as BoardMessage;
    this.apply(message, bytes);
    return this.item(message.item);
  }

  /** Folds a board message from the network (or this member) in; a refused one is logged. */
  apply(message: BoardMessage, bytes?: Uint8Array): void {
    const { changed: id, refused } = this.state.apply(message, bytes);
    if (refused !== undefined) {
      const line = `${refused.code}: refused ${message.type} ${message.op} of ${message.item} from ${this.nameOf(message.from) ?? message.from}: ${refused.reason}`;
      // A change racing a delete is ordinary; anything else is a member outside the rules.
      if (refused.code === 'ERR_DELETED') this.logger.debug(line);
      else this.logger.warn(line);
    }
    if (id === undefined) return;
    const state = this.state.item(id);
    if (state !== undefined) {
      this.changed({ kind: 'board', item: this.views.toView(state) });
    } else if (this.state.isDeleted(id)) {
      this.views.forget(id);
      this.changed({ kind: 'boardRemove', id });
    }
  }

  private requireItem<K extends BoardItem['kind']>(id: string, kind?: K): Extract<BoardItem, { kind: K }> {
    const item = this.item(id);
    if (item === undefined || (kind !== undefined && item.kind !== kind)) throw new NetError('ERR_BAD_INPUT', 'That item is no longer on the board.');
    return item as Extract<BoardItem, { kind: K }>;
  }

  /** Where a new item lands when the user does not place it: a free spot where the user is looking. */
  private nextFreePosition(size: Size): { x: number; y: number } {
    return placeNewItem(this.placementArea(), size, this.items());
  }

  private placed(item: BoardItem | undefined): BoardItem | undefined {
    if (item !== undefined) this.placements.fire(item.id);
    return item;
  }
}
