/**
 * The one-pass XML reader (`parseDocument` in src/net/xmlScanner.ts) against the general route it
 * replaced (test/helpers/xmlOracle.ts: a markup scan, fast-xml-parser's validator, its parser),
 * over generated and mutated documents:
 * - what the general route refuses, the reader refuses (`ERR_BAD_XML`);
 * - what the reader accepts, the general route accepts with the same tree;
 * - where the reader alone refuses, the document is not well-formed XML: saxes, a conformant
 *   XML parser, refuses it too. (fast-xml-parser's validator lets some malformed markup through,
 *   e.g. `id="x"= from="y"`; the reader is the stricter of the two.)
 * fast-xml-parser writes a text-only element as a string where the reader writes
 * `{ '#text': … }`; the codec refuses both alike, and the comparison maps the one to the other.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { NetError } from '../../src/net/errors';
import type { Message } from '../../src/net/messages';
import { encodeBeacon } from '../../src/net/beacon';
import { encodeMessage } from '../../src/net/xmlCodec';
import { buildDocument, decodeAttribute, parseDocument } from '../../src/net/xmlScanner';
import type { XmlObject } from '../../src/net/xmlScanner';
import { buildDocumentReference, parseDocumentReference } from '../helpers/xmlOracle';

const ENV = { v: '1', id: '3f6c1a2e-9b7d-4c1e-8f2a-5d6b7c8e9f01', from: 'Qw8eRt6yUi4oPa2sDf0gHj', group: 'design team', seq: 3, ts: 1732190000000 } as const;
const SIG = `${'Ab3_-'.repeat(17)}w`;
const ITEM = '7d9e2b1c-4a5f-4e6d-9c8b-1a2b3c4d5e6f';

/** Documents as the product writes them, one of each shape: the seeds of the mutations. */
const SEEDS: Buffer[] = [
  encodeMessage({ ...ENV, sig: SIG, type: 'chat', text: 'hello <b>&amp; ]]> "quoted" \u00e9\u{1f600}' } as Message),
  encodeMessage({ ...ENV, type: 'ping' } as Message),
  encodeMessage({ ...ENV, sig: SIG, type: 'note', op: 'add', item: ITEM, clock: 1, x: 1.5, y: -2, text: 'a note', colour: '#ffd54f', font: 'serif', size: 14 } as Message),
  encodeMessage({ ...ENV, type: 'peers', event: 'snapshot', members: [{ id: 'Zx9cVb8nMl7kJh6gFd5sAq', name: 'Bo & "Al"', host: '10.0.0.1', port: 4000 }, { id: 'Zx9cVb8nMl7kJh6gFd5sAr', name: "O'Neil", host: '10.0.0.2', port: 4001 }] } as Message),
  encodeBeacon({ from: 'Qw8eRt6yUi4oPa2sDf0gHj', role: 'repository', port: 46800, since: 1764669600000, ask: false, offers: [{ group: 'design', passwordRequired: undefined }, { group: 'ops', passwordRequired: true }] }),
];

type Outcome = { tree: unknown } | { code: string };

function outcome(parse: (payload: Uint8Array) => unknown, payload: Uint8Array): Outcome {
  try {
    return { tree: parse(payload) };
  } catch (err) {
    assert.ok(err instanceof NetError, `threw ${String(err)}`);
    return { code: err.code };
  }
}

/** fast-xml-parser's string for a text-only element, as the reader's object. */
function normalised(node: unknown, key = ''): unknown {
  if (key.startsWith('@_') || key === '#text' || key === '#cdata') return node;
  if (typeof node === 'string') return node === '' ? '' : { '#text': node };
  if (Array.isArray(node)) return node.map((n) => normalised(n));
  if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, normalised(v, k)]));
  return node;
}

/** True when saxes, a conformant XML parser, finds the text well-formed. */
function wellFormed(text: string): boolean {
  const parser = new SaxesParser();
  let ok = true;
  parser.on('error', () => {
    ok = false;
  });
  try {
    parser.write(text).close();
  } catch {
    ok = false;
  }
  return ok;
}

function agree(payload: Uint8Array): void {
  const reference = outcome(parseDocumentReference, payload);
  const reader = outcome(parseDocument, payload);
  const text = Buffer.from(payload).toString('utf8');
  if ('tree' in reader) {
    assert.ok('tree' in reference, `the reader accepted what the reference refuses: ${JSON.stringify(text)}`);
    assert.deepStrictEqual(reader.tree, normalised(reference.tree), JSON.stringify(text));
  } else {
    assert.equal(reader.code, 'ERR_BAD_XML', JSON.stringify(text));
    if ('tree' in reference) assert.ok(!wellFormed(text), `the reader refused well-formed XML that the reference accepts: ${JSON.stringify(text)}`);
  }
}

const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: process.env.FC_RUNS === undefined ? n : Number(process.env.FC_RUNS) });

describe('XML reader, held to fast-xml-parser', () => {
  it('builds the same tree for every document the product writes', () => {
    for (const seed of SEEDS) {
      agree(seed);
      assert.ok('tree' in outcome(parseDocument, seed));
    }
  });

  it('agrees on hand-picked edges of well-formedness', () => {
    const docs = [
      '<a/>', ' <a/> ', '\ufeff<a/>', '<a></a >', '<a x = "1"/>', "<a x='1'/>", '<a\tx="1"\n/>', '<a x="1"y="2"/>', '<a x="1" x="2"/>', '<a x/>', '<a x=1/>',
      '<a x="1"/ >', '< a/>', '<a></ a>', '<a></b>', '<a><b></a></b>', '<a>', '<a><b/>', '</a>', '<a/><b/>', '<a/>x', 'x<a/>', '<a><![CDATA[x]]></a>', '<![CDATA[x]]><a/>',
      '<a><b><c/></b></a>', '<a><b/><b/></a>', '<a><member/><member/></a>', '<a><member x="1"/></a>', '<a>  <b/>  </a>', '<a><t> <![CDATA[x]]> </t></a>', '<a><t>x &amp; y</t></a>',
      '<a><t>x & y</t></a>', '<a><t>&#38;</t></a>', '<a><t>&#x26;</t></a>', '<a x="&foo"/>', '<a x="a<b"/>', '<a x="\u0001"/>', '<a>\u0000</a>', '<a><!DOCTYPE x></a>', '<!DOCTYPE a><a/>',
      '<a><!-- c --></a>', '<?xml version="1.0"?><a/>', '<a><?pi?></a>', '<1a/>', '<a:b/>', '<\u00e9/>', '<a\u00b7/>', '<a-b.c_d/>', '<-a/>', '<__proto__/>', '<a><constructor/></a>', '<a><toString/></a>',
      '<a __proto__="1"/>', '<a><t><![CDATA[a]]><![CDATA[b]]></t></a>', '<a><t><![CDATA[]]></t></a>', '<a><t><![CDATA[x]></t></a>', '<a\r\nx="1\r2"><t><![CDATA[a\r\nb\rc]]></t></a>',
      '<a><b x="1">text</b></a>', '<a><b>t</b>t2<b>u</b></a>', '<a x="1">', '<a x="1', '<a x=', '<a x', '<a', '<', '', '   ', '<a>]]></a>', '<a><b/ ></a>', '<a b="1"c="2"></a>',
    ];
    for (const doc of docs) agree(Buffer.from(doc, 'utf8'));
  });

  it('agrees on random XML-like strings', () => {
    const token = fc.oneof(
      fc.constantFrom('<', '>', '/', '/>', '</', '=', '"', "'", ' ', '\n', '\r', '\t', '&', ';', '&amp;', '&#0;', '&#x41;', '&lt', '<![CDATA[', ']]>', '<!DOCTYPE', '<!--', '-->', '<?', '?>'),
      fc.constantFrom('chat', 'member', 'text', 'a', 'b', 'v', '"1"', "'1'", 'x="1"', ' y="2"', '__proto__', 'toString', '#text', '@_v', ':', '1', '-', '\u00e9', '\u00b7'),
      fc.constantFrom('<chat v="1" id="x">', '</chat>', '<text>', '</text>', '<member id="m"/>', '<peers v="1">', '</peers>'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), (parts) => agree(Buffer.from(parts.join(''), 'utf8'))), runs(6000));
  });

  it('agrees on documents built from the grammar, well-formed or nearly', () => {
    const name = fc.constantFrom('a', 'chat', 'text', 'member', 'x:y', 'b-1', '\u00e9t\u00e9', '_', 'toString', '1x', 'a b');
    const space = fc.constantFrom('', ' ', '  ', '\n', '\t', '\r\n');
    const value = fc.string({ unit: fc.constantFrom('a', ' ', '&', '&amp;', '&lt;', '<', '>', '"', "'", '\u00e9', '\r', ']]>'), maxLength: 6 });
    const attribute = fc.tuple(space, name, space, fc.constantFrom('=', ''), space, fc.constantFrom('"', "'", ''), value).map(([s1, n, s2, eq, s3, q, v]) => `${s1 === '' ? ' ' : s1}${n}${s2}${eq}${s3}${q}${v.replaceAll(q === '' ? '\0' : q, '')}${q}`);
    const content = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ' ', '\n', '&', '&amp;', '>', ']]>'), maxLength: 5 }),
      fc.string({ unit: fc.constantFrom('a', '<', '&', ']', '\r', '\u00e9'), maxLength: 8 }).map((s) => `<![CDATA[${s.replaceAll(']]>', '')}]]>`),
    );
    const leaf = fc.tuple(name, fc.array(attribute, { maxLength: 3 }), space, fc.array(content, { maxLength: 3 }), fc.boolean(), fc.constantFrom('same', 'same', 'same', 'other'))
      .map(([n, attrs, s, body, empty, close]) => (empty && body.length === 0 ? `<${n}${attrs.join('')}${s}/>` : `<${n}${attrs.join('')}${s}>${body.join('')}</${close === 'same' ? n : 'zz'}${s}>`));
    const root = fc.tuple(name, fc.array(attribute, { maxLength: 4 }), fc.array(fc.oneof(leaf, content), { maxLength: 5 }), space, space)
      .map(([n, attrs, children, before, after]) => `${before}<${n}${attrs.join('')}>${children.join('')}</${n}>${after}`);
    fc.assert(fc.property(root, (doc) => agree(Buffer.from(doc, 'utf8'))), runs(6000));
  });

  it('agrees on mutations of the documents the product writes', () => {
    const markup = [0x3c, 0x3e, 0x2f, 0x3d, 0x22, 0x27, 0x20, 0x0a, 0x0d, 0x26, 0x3b, 0x21, 0x3f, 0x5b, 0x5d, 0x61, 0x31, 0xc3, 0xa9, 0x00];
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
      edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), byte: fc.oneof(fc.constantFrom(...markup), fc.integer({ min: 0, max: 255 })) }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        const bytes = [...SEEDS[seed]!];
        for (const { at, kind, byte } of edits) {
          const i = at % (bytes.length + 1);
          if (kind === 'set') bytes[Math.min(i, bytes.length - 1)] = byte;
          else if (kind === 'insert') bytes.splice(i, 0, byte);
          else bytes.splice(i, 1);
        }
        agree(Uint8Array.from(bytes));
      }),
      runs(8000),
    );
  });

  it('refuses invalid UTF-8 as the reference does', () => {
    for (const bytes of [[0x3c, 0x61, 0xff, 0x2f, 0x3e], [0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e], [0xc3]]) agree(Uint8Array.from(bytes));
  });
});

describe('XML writer, held to fast-xml-parser', () => {
  // Any text, the markup characters and `]]>` more often than chance would bring them.
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('&', '<', '>', '"', "'", ']]>', ']', '\r', '\n', '\u0000', '&amp;'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 });
  const attributeName = fc.constantFrom('v', 'id', 'from', 'seq', 'name', 'host', 'x-new', 'a:b');
  const attributes = fc.uniqueArray(fc.tuple(attributeName, text), { maxLength: 5, selector: ([n]) => n }).map((pairs) => Object.fromEntries(pairs.map(([n, v]) => [`@_${n}`, v])));
  const tree: fc.Arbitrary<XmlObject> = fc
    .tuple(attributes, fc.option(text, { nil: undefined }), fc.array(attributes, { maxLength: 3 }), fc.option(fc.tuple(attributes, text), { nil: undefined }))
    .map(([attrs, body, members, note]) => {
      const root: XmlObject = { ...attrs };
      if (body !== undefined) root.text = { '#cdata': body };
      if (members.length > 0) root.member = members;
      if (note !== undefined) root.offer = [note[0]];
      return root;
    });

  it('writes byte for byte what fast-xml-parser\'s builder writes, and the reader reads it back', () => {
    fc.assert(
      fc.property(fc.constantFrom('chat', 'peers', 'ping', 'beacon'), tree, (type, root) => {
        const written = buildDocument(type, root);
        assert.equal(written, buildDocumentReference(type, root));
        agree(Buffer.from(written, 'utf8'));
      }),
      runs(4000),
    );
  });

  it('writes every document the product sends as the builder does', () => {
    for (const seed of SEEDS) {
      const tree = parseDocument(seed) as XmlObject;
      const [type] = Object.keys(tree);
      const root = tree[type!] as XmlObject;
      // Attribute values unescaped and CDATA sections joined, as the codec hands them to the writer.
      const asWritten = JSON.parse(JSON.stringify(root), (key, value: unknown) =>
        key === '#cdata' && Array.isArray(value) ? value.join('') : key.startsWith('@_') && typeof value === 'string' ? decodeAttribute(value) : value,
      ) as XmlObject;
      assert.equal(buildDocument(type!, asWritten), buildDocumentReference(type!, asWritten));
      assert.equal(buildDocument(type!, asWritten), seed.toString('utf8'));
    }
  });
});

