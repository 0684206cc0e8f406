/**
 * The XML layer under the codec (`xmlCodec.ts`): bytes <-> the plain object tree of one document.
 *
 * Reading and writing are our own, for speed, held to fast-xml-parser by the tests. A receiver
 * decodes every message of every member and acknowledges what it got, and fast-xml-parser's general
 * route (a markup scan, its `XMLValidator`, then its parser: three scans of each document; its
 * builder to write) was most of the CPU a member spent per received message, through code that
 * mostly runs cold at chat rates. The documents of this protocol are a small, fixed subset of XML
 * (a root element with attributes; children with attributes or CDATA; nothing deeper, no
 * declarations, no entities to expand). {@link parseDocument} reads it in one strict pass: it
 * refuses whatever that route refused (and malformed markup its validator let through) and builds
 * the same tree for the rest. {@link buildDocument} writes byte for byte what its builder wrote.
 * `test/unit/xmlReader.test.ts` checks both against fast-xml-parser (`test/helpers/xmlOracle.ts`)
 * over generated and mutated documents; `bench/network/codec.ts` measures them against it.
 */

import { NetError } from './errors';

/** A parsed or to-be-built element: attributes under `@_name`, children under their names. */
export type XmlObject = Record<string, unknown>;

/**
 * The child elements the schemas repeat (`messageSchema.ts` checks that its lists are all here;
 * `offer` is the LAN discovery beacon's, `beacon.ts`).
 */
export const LIST_ELEMENTS: ReadonlySet<string> = new Set(['member', 'have', 'author', 'offer']);

/** Element depth of the schema: the root and its children (`<text>`, `<member>`). */
export const SCHEMA_DEPTH = 2;

/** Key prefix of attributes in the object tree. */
export const ATTR = '@_';
/** Key of an element's CDATA sections (always an array). */
export const CDATA = '#cdata';
/** Key of an element's plain text. */
export const TEXT = '#text';

/** Whitespace as XML defines it; the only text allowed between elements. */
export const XML_SPACE = /^[ \t\r\n]*$/;

export function badXml(message: string, cause?: unknown): NetError {
  return new NetError('ERR_BAD_XML', message, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPED = /[&<>"']/g;

/** An attribute value with the five XML entities escaped (undone by {@link decodeAttribute}). */
function escapeAttribute(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c]!) : value;
}

/** CDATA content, with `]]>` split across two sections (the reader joins the sections again). */
function cdataSection(text: string): string {
  return `<![CDATA[${text.includes(']]>') ? text.replaceAll(']]>', ']]]]><![CDATA[>') : text}]]>`;
}

function writeElement(where: string, name: string, node: unknown): string {
  if (node === '') return `<${name}/>`;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new NetError('ERR_BAD_MESSAGE', `${where}: <${name}> is not an element`);
  let attributes = '';
  let content = '';
  for (const key in node) {
    const value = (node as XmlObject)[key];
    if (value === undefined) continue;
    if (key.startsWith(ATTR)) {
      if (typeof value !== 'string') throw new NetError('ERR_BAD_MESSAGE', `${where}: attribute ${key.slice(ATTR.length)} is not text`);
      attributes += ` ${key.slice(ATTR.length)}="${escapeAttribute(value)}"`;
    } else if (key === CDATA) {
      if (typeof value !== 'string') throw new NetError('ERR_BAD_MESSAGE', `${where}: the text of <${name}> is not text`);
      content += cdataSection(value);
    } else if (Array.isArray(value)) {
      for (const item of value) content += writeElement(where, key, item);
    } else {
      content += writeElement(where, key, value);
    }
  }
  return content === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

/**
 * The XML text of a document whose root element is `type` (no XML declaration), from a tree of the
 * shape the reader builds: attributes as strings under `@_name`, free text under `#cdata`, child
 * elements (one, or a list) under their names; an element with nothing in it is written `<x/>`.
 *
 * The output is exactly fast-xml-parser's builder's with this project's options (attributes in
 * the tree's order, the five entities escaped in attribute values, CDATA never escaped):
 * `test/unit/xmlReader.test.ts` holds it to that, byte for byte, because signatures cover these
 * bytes and a document must come out the same from every version that writes it.
 *
 * @throws NetError `ERR_BAD_MESSAGE` for a tree of another shape (a programming error).
 */
export function buildDocument(type: string, root: XmlObject): string {
  return writeElement(type, type, root);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/**
 * Decodes, checks and parses one document in a single pass; the result is the object tree, not yet
 * checked against any schema. Attributes are under `@_name` with their raw values (entity
 * references undone only by {@link decodeAttribute}), CDATA sections under `#cdata` (always an
 * array), other text under `#text`, repeated children and the {@link LIST_ELEMENTS} as arrays, and
 * an element with nothing in it is `''`.
 *
 * Refused as `ERR_BAD_XML`: invalid UTF-8; markup declarations (DOCTYPE, ENTITY), comments,
 * processing instructions and XML declarations; text or CDATA outside the root; more than one
 * root; nesting deeper than {@link SCHEMA_DEPTH}; names that are not XML names or that would
 * name a property of every object (`__proto__`, `toString`, …); attributes without a value, not
 * separated by whitespace, or given twice; a closing tag that does not match; a bare `&` in text;
 * anything left open. CDATA content is not looked into, so chat text such as `<!DOCTYPE html>` or
 * `<?php` is fine.
 *
 * @throws NetError `ERR_BAD_XML`.
 */
export function parseDocument(payload: Uint8Array): unknown {
  let xml: string;
  try {
    xml = UTF8.decode(payload);
  } catch (err) {
    throw badXml('The payload is not valid UTF-8', err);
  }
  // Line ends are normalised to LF throughout, as every XML parser does (CDATA included).
  return readDocument(xml.indexOf('\r') === -1 ? xml : xml.replace(/\r\n?/g, '\n'));
}

/** What a character code is to the reader: XML whitespace (space, tab, CR, LF). */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

// The XML Name production as fast-xml-parser's validator applies it (the Basic Multilingual Plane).
const NAME_START = ':A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
/** A name at `lastIndex` (sticky). */
// The combining marks (U+0300–U+036F) are name characters by the XML specification.
// eslint-disable-next-line no-misleading-character-class
const NAME = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'y');

/**
 * Names that would reach an object's prototype or shadow its methods if they became keys: never
 * element names here (attribute names always carry the `@_` prefix).
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

/** An entity or character reference where text has `&` (text is refused by the schema anyway). */
const BARE_AMPERSAND = /&(?![:A-Za-z_][\w.:-]*;|#[0-9]+;|#x[0-9a-fA-F]+;)/;

/** One open element while reading. */
interface Open {
  name: string;
  node: XmlObject | undefined;
}

/** The element's node, made when it first gets content. */
function nodeOf(open: Open): XmlObject {
  open.node ??= {};
  return open.node;
}

function addChild(parent: Open, name: string, node: XmlObject | ''): void {
  const p = nodeOf(parent);
  const existing = p[name];
  if (LIST_ELEMENTS.has(name)) {
    if (existing === undefined) p[name] = [node];
    else (existing as unknown[]).push(node);
  } else if (existing === undefined) {
    p[name] = node;
  } else if (Array.isArray(existing)) {
    existing.push(node);
  } else {
    p[name] = [existing, node];
  }
}

function readName(xml: string, at: number, what: string): string {
  NAME.lastIndex = at;
  const match = NAME.exec(xml);
  if (match === null) throw badXml(what === 'a tag name' ? `Tag '${tagToken(xml, at)}' is an invalid name` : `Expected ${what} at offset ${at}`);
  return match[0];
}

/** What stands where a tag name should, up to whitespace, '>' or '/>', for an error (the log escapes it). */
function tagToken(xml: string, at: number): string {
  let end = at;
  while (end < xml.length && end - at < 64) {
    const c = xml.charCodeAt(end);
    if (isSpace(c) || c === 0x3e || (c === 0x2f && xml.charCodeAt(end + 1) === 0x3e)) break;
    end++;
  }
  return xml.slice(at, end);
}

function readDocument(xml: string): unknown {
  const n = xml.length;
  const stack: Open[] = [];
  let doc: XmlObject | undefined;
  let i = 0;
  for (;;) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) readText(xml, i, textEnd, stack[stack.length - 1]);
    if (lt === -1) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      i = readCdata(xml, lt, stack[stack.length - 1]);
    } else if (c === 0x3f /* ? */) {
      throw badXml('Processing instructions and XML declarations are not allowed');
    } else if (c === 0x2f /* / */) {
      const open = stack.pop();
      if (open === undefined) throw badXml('Closing tag without an opening tag');
      const name = readName(xml, lt + 2, 'a tag name');
      if (name !== open.name) throw badXml(`Expected the closing tag of <${open.name.slice(0, 64)}>, got </${name.slice(0, 64)}>`);
      let j = lt + 2 + name.length;
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      if (xml.charCodeAt(j) !== 0x3e /* > */) throw badXml(j >= n ? 'Unterminated tag' : `Unexpected character in the closing tag of <${name.slice(0, 64)}>`);
      closeElement(stack, open, doc);
      i = j + 1;
    } else {
      if (doc !== undefined && stack.length === 0) throw badXml('More than one root element');
      if (stack.length >= SCHEMA_DEPTH) throw badXml(`Elements nested deeper than ${SCHEMA_DEPTH} levels`);
      const name = readName(xml, lt + 1, 'a tag name');
      const after = xml.charCodeAt(lt + 1 + name.length);
      if (!isSpace(after) && after !== 0x2f /* / */ && after !== 0x3e /* > */ && lt + 1 + name.length < n) throw badXml(`Tag '${tagToken(xml, lt + 1)}' is an invalid name`);
      if (RESERVED_NAMES.has(name)) throw badXml(`Reserved name "${name}"`);
      const open: Open = { name, node: undefined };
      const end = readAttributes(xml, lt + 1 + name.length, open);
      if (stack.length === 0) doc = { [name]: '' };
      if (xml.charCodeAt(end - 1) === 0x2f /* / */) closeElement(stack, open, doc);
      else stack.push(open);
      i = end + 1;
    }
  }
  if (stack.length > 0) throw badXml('Unclosed element');
  if (doc === undefined) throw badXml('No root element');
  return doc;
}

/** Puts a complete element into its parent, or the root into the document. */
function closeElement(stack: Open[], open: Open, doc: XmlObject | undefined): void {
  const parent = stack[stack.length - 1];
  const node = open.node ?? '';
  // A list element is an array even as the root (the codec then refuses it as more than one root).
  if (parent === undefined) doc![open.name] = LIST_ELEMENTS.has(open.name) ? [node] : node;
  else addChild(parent, open.name, node);
}

/** Text between markup: whitespace outside the root, anything but a bare `&` inside. */
function readText(xml: string, from: number, to: number, open: Open | undefined): void {
  const text = xml.slice(from, to);
  const blank = XML_SPACE.test(text);
  if (open === undefined) {
    if (!blank) throw badXml('Text outside the root element');
    return;
  }
  if (!blank && BARE_AMPERSAND.test(text)) throw badXml("A bare '&' in text");
  const node = nodeOf(open);
  const before = node[TEXT];
  node[TEXT] = before === undefined ? text : `${before as string}${text}`;
}

/** A `<![CDATA[…]]>` section at `lt`; anything else that starts `<!` is refused. Returns the offset after it. */
function readCdata(xml: string, lt: number, open: Open | undefined): number {
  if (!xml.startsWith('<![CDATA[', lt)) {
    if (xml.startsWith('<!DOCTYPE', lt) || xml.startsWith('<!ENTITY', lt)) throw badXml('DOCTYPE and ENTITY declarations are not allowed');
    if (xml.startsWith('<!--', lt)) throw badXml('Comments are not allowed');
    throw badXml('Markup declarations are not allowed');
  }
  if (open === undefined) throw badXml('CDATA outside the root element');
  const end = xml.indexOf(']]>', lt + 9);
  if (end === -1) throw badXml('Unterminated CDATA section');
  const node = nodeOf(open);
  const sections = node[CDATA] as string[] | undefined;
  const content = xml.slice(lt + 9, end);
  if (sections === undefined) node[CDATA] = [content];
  else sections.push(content);
  return end + 3;
}

/**
 * The attributes of a start tag whose name ends at `at`, into `open`. Returns the offset of the
 * tag's closing `>` (preceded by `/` for an empty element).
 */
function readAttributes(xml: string, at: number, open: Open): number {
  const n = xml.length;
  let j = at;
  for (;;) {
    const before = j;
    while (j < n && isSpace(xml.charCodeAt(j))) j++;
    if (j >= n) throw badXml('Unterminated tag');
    const c = xml.charCodeAt(j);
    if (c === 0x3e /* > */) return j;
    if (c === 0x2f /* / */) {
      if (xml.charCodeAt(j + 1) !== 0x3e) throw badXml(j + 1 >= n ? 'Unterminated tag' : "'/' inside a tag");
      return j + 1;
    }
    if (c === 0x3c /* < */) throw badXml("'<' inside a tag");
    if (j === before) throw badXml(`Attributes must be separated by whitespace in <${open.name.slice(0, 64)}>`);
    const name = readName(xml, j, 'an attribute name');
    j += name.length;
    while (j < n && isSpace(xml.charCodeAt(j))) j++;
    if (xml.charCodeAt(j) !== 0x3d /* = */) throw badXml(`Attribute "${name.slice(0, 64)}" has no value`);
    j++;
    while (j < n && isSpace(xml.charCodeAt(j))) j++;
    const quote = xml.charCodeAt(j);
    if (quote !== 0x22 && quote !== 0x27) throw badXml(j >= n ? 'Unterminated tag' : `The value of attribute "${name.slice(0, 64)}" must be quoted`);
    const close = xml.indexOf(quote === 0x22 ? '"' : "'", j + 1);
    if (close === -1) throw badXml('Unterminated attribute value');
    const node = nodeOf(open);
    const key = `${ATTR}${name}`;
    if (Object.hasOwn(node, key)) throw badXml(`Attribute "${name.slice(0, 64)}" is repeated`);
    node[key] = xml.slice(j + 1, close);
    j = close + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Attribute entities
// ---------------------------------------------------------------------------------------------

const ENTITY = /&(?:(amp)|(lt)|(gt)|(quot)|(apos));|[&<]/g;
const ENTITY_TEXT = ['', '&', '<', '>', '"', "'"];

/**
 * Undoes the builder's attribute escaping: exactly the five predefined XML entities. A bare `&`, a
 * character reference (`&#38;`), any other entity and a raw `<` give undefined.
 */
export function decodeAttribute(raw: string): string | undefined {
  if (raw.indexOf('&') === -1 && raw.indexOf('<') === -1) return raw;
  let bad = false;
  const out = raw.replace(ENTITY, (match: string, ...groups: unknown[]) => {
    for (let i = 0; i < 5; i++) if (groups[i] !== undefined) return ENTITY_TEXT[i + 1]!;
    bad = true;
    return match;
  });
  return bad ? undefined : out;
}
