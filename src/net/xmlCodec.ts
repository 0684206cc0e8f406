/**
 * The XML codec of the wire protocol: {@link Message} <-> the UTF-8 XML document carried in one XML
 * frame. `xmlScanner.ts` turns bytes into an object tree (and back) and refuses hostile markup;
 * `messageSchema.ts` says what each type's fields are. This module walks the tree against that
 * schema, so encode and decode apply the same guards and we never send what a peer would reject.
 * `docs/protocol.md` describes the documents for implementers of compatible peers.
 *
 * Document shape: the root element is the message type, the envelope and short scalar fields are
 * attributes, free text (chat and note text, snippet code, error text) is a child element holding
 * CDATA sections only, and `peers` lists its members as `<member>` child elements:
 *
 * `<chat v="1" id="…" from="…" group="…" seq="3" ts="1732190000000"><text><![CDATA[hello]]></text></chat>`
 *
 * Reading is one strict pass over the document and writing one walk of the tree (`xmlScanner.ts`);
 * `bench/network/codec.ts` measures both against fast-xml-parser, cold and warm.
 */

import { NetError } from './errors';
import { MAX_XML_FRAME_BYTES } from './limits';
import { PROTOCOL_VERSION } from './messages';
import type { Message } from './messages';
import { DISPLAY_NAME, GROUP } from './messageKinds';
import { CODECS, badMessage, checkPresence, checkRules, context } from './messageSchema';
import type { AttrSpec, CompiledField, TextSpec, TypeCodec } from './messageSchema';
import { ATTR, CDATA, TEXT, XML_SPACE, badXml, buildDocument, decodeAttribute, parseDocument } from './xmlScanner';
import type { XmlObject } from './xmlScanner';

// Defined beside the schema that applies them; the rest of the code imports them from the codec.
export { MAX_CHAT_TEXT, MAX_ERROR_TEXT, MAX_NOTE_TEXT, MAX_PEERS_MEMBERS, MAX_SNIPPET_CODE, MAX_STROKE_POINTS, MAX_SYNC_AUTHORS, MAX_SYNC_PAGE } from './messageKinds';

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function writeAttribute(where: string, f: CompiledField, value: unknown): string {
  const s = (f.spec as AttrSpec<unknown>).kind.write(value);
  if (s === undefined) throw badMessage(`${where}: ${f.label} must be ${(f.spec as AttrSpec<unknown>).kind.rule}`);
  return s;
}

function encodeFields(codec: TypeCodec, msg: Message, unsigned: boolean): XmlObject {
  const m = msg as unknown as Record<string, unknown>;
  checkPresence(codec, m, unsigned);
  const where = context(codec, m);
  const out: XmlObject = {};
  for (const f of codec.fields) {
    const value = m[f.name];
    if (value === undefined || (unsigned && f.name === 'sig')) continue;
    const spec = f.spec;
    if (spec.at === 'attribute') {
      out[f.key] = writeAttribute(where, f, value);
    } else if (spec.at === 'element') {
      const s = spec.kind.write(value);
      if (s === undefined) throw badMessage(`${where}: ${f.label} must be ${spec.kind.rule}`);
      out[f.key] = { [CDATA]: s };
    } else {
      if (!Array.isArray(value) || value.length > spec.max) throw badMessage(`${where}: ${f.name} must be a list of at most ${spec.max} items`);
      if (value.length === 0) continue;
      out[f.key] = value.map((item: unknown) => {
        if (typeof item !== 'object' || item === null) throw badMessage(`${where}: every ${f.label} must be an object`);
        const el: XmlObject = {};
        for (const sub of f.items!.values()) {
          const v = (item as Record<string, unknown>)[sub.name];
          if (v === undefined) throw badMessage(`${where}: ${f.label} is missing ${sub.label}`);
          el[sub.key] = writeAttribute(`${where} ${f.label}`, sub, v);
        }
        return el;
      });
    }
  }
  checkRules(codec, m);
  return out;
}

/**
 * Encodes a message as the UTF-8 bytes of its XML document (no XML declaration).
 *
 * Free text has CR LF and lone CR turned into LF (XML parsers do this anyway) and board decimals
 * are rounded to 6 decimals; everything else is sent exactly as given or rejected.
 *
 * @throws NetError `ERR_BAD_MESSAGE` when the message breaks the schema a receiver applies, or its
 * document exceeds {@link MAX_XML_FRAME_BYTES}.
 */
export function encodeMessage(msg: Message): Buffer {
  return encode(msg, false);
}

/**
 * The canonical bytes a signature covers: the message encoded as {@link encodeMessage} would, without
 * its `sig`. The encoder is deterministic (attributes in schema order, fixed escaping), so the
 * author and every receiver get the same bytes from the same fields.
 */
export function encodeForSigning(msg: Message): Buffer {
  return encode(msg, true);
}

function encode(msg: Message, unsigned: boolean): Buffer {
  const codec = typeof msg === 'object' && msg !== null && typeof msg.type === 'string' ? CODECS.get(msg.type) : undefined;
  if (codec === undefined) throw badMessage(`Cannot encode a message of unknown type`);
  const bytes = Buffer.from(buildDocument(codec.type, encodeFields(codec, msg, unsigned)), 'utf8');
  if (bytes.length > MAX_XML_FRAME_BYTES) {
    throw badMessage(`${codec.type}: encoded size ${bytes.length} bytes exceeds the ${MAX_XML_FRAME_BYTES}-byte XML frame limit`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

function readAttribute(where: string, f: CompiledField, raw: unknown): unknown {
  const kind = (f.spec as AttrSpec<unknown>).kind;
  const s = typeof raw === 'string' ? decodeAttribute(raw) : undefined;
  const value = s === undefined ? undefined : kind.read(s);
  if (value === undefined) throw badMessage(`${where}: ${f.label} must be ${kind.rule}`);
  return value;
}

/** A free-text element, checked by its kind. */
function readText(where: string, f: CompiledField, node: unknown): string {
  const kind = (f.spec as TextSpec<string>).kind;
  const value = kind.read(textContent(where, f, node));
  if (value === undefined) throw badMessage(`${where}: ${f.label} must be ${kind.rule}`);
  return value;
}

/** The content of a free-text element: CDATA sections only, joined; `<x/>` and `<x></x>` are empty. */
function textContent(where: string, f: CompiledField, node: unknown): string {
  if (node === '') return '';
  if (Array.isArray(node)) throw badMessage(`${where}: ${f.label} appears more than once`);
  if (typeof node === 'object' && node !== null) {
    let sections: unknown;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (key !== CDATA) throw badMessage(`${where}: ${f.label} must contain only CDATA sections`);
      sections = (node as XmlObject)[key];
    }
    if (Array.isArray(sections)) {
      if (sections.length === 1 && typeof sections[0] === 'string') return sections[0];
      if (sections.every((s) => typeof s === 'string')) return sections.join('');
    }
  }
  throw badMessage(`${where}: ${f.label} must contain only CDATA sections`);
}

function readList(where: string, f: CompiledField, node: unknown): unknown[] {
  const spec = f.spec as { readonly max: number };
  if (!Array.isArray(node)) throw badMessage(`${where}: ${f.label} is malformed`);
  if (node.length > spec.max) throw badMessage(`${where}: more than ${spec.max} of ${f.label}`);
  return node.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw badMessage(`${where}: ${f.label} must have attributes ${[...f.items!.values()].map((s) => s.name).join(', ')}`);
    const out: Record<string, unknown> = {};
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      const raw = (item as XmlObject)[key];
      const sub = f.items!.get(key);
      if (sub === undefined) {
        if (ignored(key, raw)) continue;
        throw badMessage(`${where}: ${f.label} has ${describeKey(key)}`);
      }
      out[sub.name] = readAttribute(`${where} ${f.label}`, sub, raw);
    }
    for (const sub of f.items!.values()) {
      if (out[sub.name] === undefined) throw badMessage(`${where}: ${f.label} is missing ${sub.label}`);
    }
    return out;
  });
}

/**
 * True for a key of no known field that is not an error: whitespace between elements, or an
 * attribute a newer version added (on the root or a `<member>`), so that versions can grow
 * optional fields. An unknown element is still an error: it carries content this version would lose.
 */
function ignored(key: string, raw: unknown): boolean {
  return key.startsWith(ATTR) || (key === TEXT && typeof raw === 'string' && XML_SPACE.test(raw));
}

function describeKey(key: string): string {
  if (key.startsWith(ATTR)) return `unknown attribute "${key.slice(ATTR.length)}"`;
  if (key === TEXT) return 'text content outside an element';
  if (key === CDATA) return 'a CDATA section outside a text element';
  return `unknown element <${key}>`;
}

function decodeFields(codec: TypeCodec, node: XmlObject): Message {
  const msg: Record<string, unknown> = { type: codec.type };
  const where = codec.type;
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    const raw = node[key];
    const f = codec.byKey.get(key);
    if (f === undefined) {
      if (ignored(key, raw)) continue;
      throw badMessage(`${where}: ${describeKey(key)}`);
    }
    const at = f.spec.at;
    if (at === 'attribute') msg[f.name] = readAttribute(where, f, raw);
    else if (at === 'element') msg[f.name] = readText(where, f, raw);
    else msg[f.name] = readList(where, f, raw);
  }
  for (const f of codec.fields) if (f.spec.at === 'list' && msg[f.name] === undefined) msg[f.name] = [];
  checkPresence(codec, msg);
  checkRules(codec, msg);
  return msg as unknown as Message;
}

/**
 * Decodes the payload of one XML frame into a message, strictly.
 *
 * @throws NetError, and only NetError:
 * - `ERR_FRAME_TOO_LARGE` when the payload exceeds {@link MAX_XML_FRAME_BYTES};
 * - `ERR_BAD_XML` for invalid UTF-8, DOCTYPE / ENTITY / comments / processing instructions, markup
 *   that is not well-formed, more than one root, nesting deeper than the schema;
 * - `ERR_UNSUPPORTED_VERSION` when the root's `v` attribute is not {@link PROTOCOL_VERSION}
 *   (checked before the type, so a newer peer's new type reads as a version problem);
 * - `ERR_UNKNOWN_TYPE` when the root element is not a message type;
 * - `ERR_BAD_MESSAGE` when the document breaks the type's schema; the message names the field.
 */
export function decodeMessage(payload: Buffer | Uint8Array): Message {
  if (!(payload instanceof Uint8Array)) throw badXml('The payload is not bytes');
  if (payload.length > MAX_XML_FRAME_BYTES) {
    throw new NetError('ERR_FRAME_TOO_LARGE', `XML payload of ${payload.length} bytes exceeds ${MAX_XML_FRAME_BYTES}`);
  }
  const doc = parseDocument(payload);
  if (typeof doc !== 'object' || doc === null) throw badXml('No root element');
  const keys = Object.keys(doc);
  if (keys.length !== 1) throw badXml(keys.length === 0 ? 'No root element' : 'More than one root element');
  const type = keys[0]!;
  let root = (doc as XmlObject)[type];
  if (Array.isArray(root)) throw badXml('More than one root element');
  if (root === '') root = {};
  const version = typeof root === 'object' && root !== null ? (root as XmlObject)[`${ATTR}v`] : undefined;
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    throw new NetError('ERR_UNSUPPORTED_VERSION', `Protocol version ${JSON.stringify(String(version).slice(0, 16))} is not supported (this peer speaks ${PROTOCOL_VERSION})`);
  }
  const codec = CODECS.get(type);
  if (codec === undefined) throw new NetError('ERR_UNKNOWN_TYPE', `Unknown message type <${type.slice(0, 64)}>`);
  if (typeof root !== 'object' || root === null) throw badMessage(`${type}: text content outside an element`);
  return decodeFields(codec, root as XmlObject);
}

/** Why `name` cannot be a group name, or undefined when it can (for validating user input early). */
export function groupNameProblem(name: string): string | undefined {
  return GROUP.read(name) === undefined ? `A group name must be ${GROUP.rule}.` : undefined;
}

/** Why `name` cannot be a display name, or undefined when it can (for validating user input early). */
export function displayNameProblem(name: string): string | undefined {
  return DISPLAY_NAME.read(name) === undefined ? `A display name must be ${DISPLAY_NAME.rule}.` : undefined;
}
