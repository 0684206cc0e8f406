/**
 * The XML layer under the codec (`xmlCodec.ts`): bytes <-> the plain object tree of one document.
 * It owns the only fast-xml-parser parser and builder instances, configured so that they cannot
 * expand entities or build prototype keys. Every document goes through UTF-8 decoding, a markup
 * scan and `XMLValidator` before the parser sees it; what the tree means is `messageSchema.ts`'s.
 */

import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { X2jOptions, XmlBuilderOptions } from 'fast-xml-parser';
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
// The one parser, builder and UTF-8 decoder
// ---------------------------------------------------------------------------------------------

const identity = <V>(_name: string, value: V): V => value;

const PARSER_OPTIONS: Required<Omit<X2jOptions, 'entityDecoder'>> & Pick<X2jOptions, 'entityDecoder'> = {
  preserveOrder: false,
  // Attributes and child elements live in one object; the prefix keeps `<chat v="1">` and a child
  // `<v>` apart, so an element can never stand in for an attribute.
  attributeNamePrefix: ATTR,
  attributesGroupName: false,
  textNodeName: TEXT,
  ignoreAttributes: false,
  removeNSPrefix: false,
  allowBooleanAttributes: false,
  // Values stay strings: the guards parse numbers with strict patterns ("007", "1e3", "0x1F").
  parseTagValue: false,
  parseAttributeValue: false,
  // Keeps the whitespace of code snippets.
  trimValues: false,
  // CDATA sections arrive as an array under `#cdata`, separate from plain text, so the guards can
  // insist that free text is CDATA only (plain text would carry entity references we do not expand).
  cdataPropName: CDATA,
  commentPropName: false,
  tagValueProcessor: identity,
  attributeValueProcessor: identity,
  numberParseOptions: { hex: false, leadingZeros: false, eNotation: false },
  stopNodes: [],
  unpairedTags: [],
  alwaysCreateTextNode: false,
  // Repeated paths are always arrays, so one item and many have the same shape.
  isArray: (name, _matcher, _isLeaf, isAttribute) => !isAttribute && (LIST_ELEMENTS.has(name) || name === CDATA),
  // The documented defence against entity expansion; the builder escapes the five XML entities in
  // attribute values and `decodeAttribute` below undoes exactly those five.
  processEntities: false,
  htmlEntities: false,
  // The built-in decoder; inert while processEntities is false.
  entityDecoder: undefined,
  // Declarations, processing instructions and DOCTYPE are rejected before parsing anyway.
  ignoreDeclaration: true,
  ignorePiTags: true,
  transformTagName: false,
  transformAttributeName: false,
  updateTag: (tagName) => tagName,
  captureMetaData: false,
  // The library counts the ancestors of an opening tag, so this admits the schema's two levels and
  // one more; `scanMarkup` enforces the exact depth before the parser runs.
  maxNestedTags: SCHEMA_DEPTH,
  // `__proto__`, `constructor`, `prototype` and the parser's own key names as tag names throw.
  strictReservedNames: true,
  // Callbacks get the matcher instead of a path string built for every node.
  jPath: false,
  // Names such as `toString` or `hasOwnProperty` are rejected outright instead of renamed.
  onDangerousProperty: (name) => {
    throw new Error(`Reserved name "${name}"`);
  },
};

// `jPath` and `sanitizeName` are fast-xml-builder options missing from fast-xml-parser's typings.
const BUILDER_OPTIONS: Required<Omit<XmlBuilderOptions, 'arrayNodeName'>> & { jPath: boolean; sanitizeName: false } = {
  attributeNamePrefix: ATTR,
  attributesGroupName: false,
  textNodeName: TEXT,
  ignoreAttributes: false,
  // A value under `#cdata` becomes `<![CDATA[…]]>`; the builder splits `]]>` across two sections
  // (`]]]]><![CDATA[>`) and the decoder joins the sections again.
  cdataPropName: CDATA,
  commentPropName: false,
  format: false,
  indentBy: '',
  suppressEmptyNode: true,
  suppressUnpairedNode: true,
  // The default writes an attribute whose value is the string "true" as a bare name: a display name
  // "true" would become `<hello name>`, which the parser (allowBooleanAttributes false) rejects.
  suppressBooleanAttributes: false,
  preserveOrder: false,
  unpairedTags: [],
  stopNodes: [],
  tagValueProcessor: identity,
  attributeValueProcessor: identity,
  // Escapes & < > " ' in attribute values. CDATA content is never escaped.
  processEntities: true,
  oneListGroup: false,
  // The builder counts the CDATA node as a level.
  maxNestedTags: SCHEMA_DEPTH + 1,
  jPath: true,
  // Tag and attribute names are the schema's constants.
  sanitizeName: false,
};

const PARSER = new XMLParser(PARSER_OPTIONS);
const BUILDER = new XMLBuilder(BUILDER_OPTIONS);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The XML text of a document whose root element is `type` (no XML declaration).
 *
 * @throws NetError `ERR_BAD_MESSAGE` when the builder fails.
 */
export function buildDocument(type: string, root: XmlObject): string {
  try {
    return BUILDER.build({ [type]: root });
  } catch (err) {
    throw new NetError('ERR_BAD_MESSAGE', `${type}: the XML builder failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Decodes, checks and parses one document; the result is the parser's object tree, not yet checked
 * against any schema.
 *
 * @throws NetError `ERR_BAD_XML` for invalid UTF-8 and for anything {@link scanMarkup}, the
 * validator or the parser refuses.
 */
export function parseDocument(payload: Uint8Array): unknown {
  let xml: string;
  try {
    xml = UTF8.decode(payload);
  } catch (err) {
    throw badXml('The payload is not valid UTF-8', err);
  }
  scanMarkup(xml);
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false, unpairedTags: [] });
  if (valid !== true) throw badXml(`Malformed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  try {
    return PARSER.parse(xml);
  } catch (err) {
    throw badXml(`Malformed XML: ${(err as Error).message}`, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Markup scan
// ---------------------------------------------------------------------------------------------

/**
 * Rejects what the parser would otherwise tolerate, before it runs: markup declarations (DOCTYPE,
 * ENTITY), comments, processing instructions and XML declarations; text or CDATA outside the root;
 * more than one root; nesting deeper than the schema. CDATA content is skipped, so chat text such
 * as `<!DOCTYPE html>` or `<?php` is fine.
 */
function scanMarkup(xml: string): void {
  const n = xml.length;
  let depth = 0;
  let rootClosed = false;
  let i = 0;
  for (;;) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (depth === 0 && textEnd > i && !XML_SPACE.test(xml.slice(i, textEnd))) throw badXml('Text outside the root element');
    if (lt === -1) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      if (!xml.startsWith('<![CDATA[', lt)) {
        if (xml.startsWith('<!DOCTYPE', lt) || xml.startsWith('<!ENTITY', lt)) throw badXml('DOCTYPE and ENTITY declarations are not allowed');
        if (xml.startsWith('<!--', lt)) throw badXml('Comments are not allowed');
        throw badXml('Markup declarations are not allowed');
      }
      if (depth === 0) throw badXml('CDATA outside the root element');
      const end = xml.indexOf(']]>', lt + 9);
      if (end === -1) throw badXml('Unterminated CDATA section');
      i = end + 3;
      continue;
    }
    if (c === 0x3f /* ? */) throw badXml('Processing instructions and XML declarations are not allowed');
    // Find the tag's closing '>' outside quoted attribute values.
    let j = lt + 1;
    for (;;) {
      if (j >= n) throw badXml('Unterminated tag');
      const ch = xml.charCodeAt(j);
      if (ch === 0x22 || ch === 0x27) {
        j = xml.indexOf(ch === 0x22 ? '"' : "'", j + 1);
        if (j === -1) throw badXml('Unterminated attribute value');
        j++;
      } else if (ch === 0x3e /* > */) {
        break;
      } else if (ch === 0x3c /* < */) {
        throw badXml("'<' inside a tag");
      } else {
        j++;
      }
    }
    if (c === 0x2f /* / */) {
      depth--;
      if (depth < 0) throw badXml('Closing tag without an opening tag');
      if (depth === 0) rootClosed = true;
    } else {
      if (rootClosed) throw badXml('More than one root element');
      if (depth >= SCHEMA_DEPTH) throw badXml(`Elements nested deeper than ${SCHEMA_DEPTH} levels`);
      if (xml.charCodeAt(j - 1) === 0x2f /* / */) {
        if (depth === 0) rootClosed = true;
      } else {
        depth++;
      }
    }
    i = j + 1;
  }
  if (!rootClosed) throw badXml(depth > 0 ? 'Unclosed element' : 'No root element');
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
