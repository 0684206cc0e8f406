/**
 * The references the XML reader and writer (`src/net/xmlScanner.ts`) are held to: fast-xml-parser,
 * which the product used before it had a reader and writer of its own. For the writer, its builder
 * with the options the product used. For the reader, the general route: a markup scan refuses what
 * fast-xml-parser would tolerate, its `XMLValidator` checks well-formedness, and its parser,
 * configured so that it can neither expand entities nor build prototype keys, builds the tree.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { X2jOptions, XmlBuilderOptions } from 'fast-xml-parser';
import { ATTR, CDATA, LIST_ELEMENTS, SCHEMA_DEPTH, TEXT, XML_SPACE, badXml } from '../../src/net/xmlScanner';
import type { XmlObject } from '../../src/net/xmlScanner';

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

/** The document fast-xml-parser's builder writes for a tree (what `buildDocument` must equal). */
export function buildDocumentReference(type: string, root: XmlObject): string {
  return BUILDER.build({ [type]: root }) as string;
}
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The tree of one document as the general route builds it, or its `ERR_BAD_XML`. */
export function parseDocumentReference(payload: Uint8Array): unknown {
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

