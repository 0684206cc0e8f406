import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { NetError } from '../../src/net/errors';
import type { NetErrorCode } from '../../src/net/errors';
import { MAX_XML_FRAME_BYTES } from '../../src/net/limits';
import { MemberKey, verifySignature } from '../../src/net/memberKey';
import type { ChatMessage, Envelope, MemberInfo, Message, MessageType, NoteMessage, PeersMessage } from '../../src/net/messages';
import { cryptoReady } from '../../src/net/sodium';
import { MAX_CHAT_TEXT, MAX_STROKE_POINTS, decodeMessage, encodeForSigning, encodeMessage } from '../../src/net/xmlCodec';

const ENV: Envelope = {
  v: '1',
  id: '3f6c1a2e-9b7d-4c1e-8f2a-5d6b7c8e9f01',
  from: 'Qw8eRt6yUi4oPa2sDf0gHj',
  group: 'design team',
  seq: 3,
  ts: 1732190000000,
};
/** The format of a signature: 64 bytes of Ed25519 signature as unpadded URL-safe base64. */
const SIG_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/;
/** A well-formed dummy signature (the codec checks only the format; `signing.ts` checks the value). */
const SIG = `${'Ab3_-'.repeat(17)}w`;
/** Another well-formed one. */
const SIG2 = 'A'.repeat(86);
/** The types whose author signs them: `sig` is required on these and not allowed on the others. */
const SIGNED: ReadonlySet<MessageType> = new Set<MessageType>(['chat', 'note', 'image', 'stroke', 'snippet']);
/** The envelope of a signed type. */
const SENV: Envelope = { ...ENV, sig: SIG };
const PEER = 'Zx9cVb8nMl7kJh6gFd5sAq';
/** A real member's peer id: a 43-character Ed25519 public key (the codec's id rule still admits the short ids above). */
const KEY_PEER = MemberKey.fromSeed(Buffer.alloc(32, 7)).id;
const ITEM = '7d9e2b1c-4a5f-4e6d-9c8b-1a2b3c4d5e6f';
const SHA = 'a'.repeat(64);
/** The envelope as attributes, for hand-written documents. */
const E = `v="1" id="${ENV.id}" from="${ENV.from}" group="design team" seq="3" ts="1732190000000"`;
/** The envelope of a signed type as attributes. */
const ES = `${E} sig="${SIG}"`;

const roundTrip = (msg: Message): Message => decodeMessage(encodeMessage(msg));
const decodeText = (xml: string): Message => decodeMessage(Buffer.from(xml, 'utf8'));
const chat = (text: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({ ...SENV, type: 'chat', text, ...extra });
/** The message without its `sig`. */
const unsigned = (msg: Message): Message => {
  const copy: Message = { ...msg };
  delete copy.sig;
  return copy;
};
/** A `peers` document with one member whose attributes are `member`. */
const peersDoc = (member: string, event = 'joined'): string => `<peers ${E} event="${event}"><member ${member}/></peers>`;

function codeOf(fn: () => unknown): NetErrorCode {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NetError, `expected a NetError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected an error');
}

function assertRejects(fn: () => unknown, code: NetErrorCode, mentions?: string): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NetError, `expected a NetError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (mentions !== undefined) assert.ok(err.message.includes(mentions), `"${err.message}" should mention ${mentions}`);
    return;
  }
  assert.fail(`expected ${code}`);
}

const EVERY_MESSAGE: Message[] = [
  { ...ENV, type: 'register', name: 'Ada', port: 47001 },
  { ...ENV, type: 'register', name: 'Ada', port: 47001, host: '192.168.1.20' },
  { ...ENV, type: 'register', name: 'Ada', port: 47001, host: '::ffff:192.0.2.1' },
  { ...ENV, type: 'peers', event: 'snapshot', members: [] },
  { ...ENV, type: 'peers', event: 'snapshot', members: [{ id: PEER, name: 'Bo', host: '10.0.0.7', port: 47002 }] },
  { ...ENV, type: 'peers', event: 'snapshot', more: 'true', members: [{ id: KEY_PEER, name: 'Chloe', host: '2001:db8::8a2e:370:7334', port: 47003 }] },
  {
    ...ENV,
    type: 'peers',
    event: 'joined',
    members: [
      { id: PEER, name: 'Bo', host: '::1', port: 1 },
      { id: `${PEER}2`, name: 'Čeněk Ø', host: 'fe80::1%eth0', port: 65535 },
    ],
  },
  { ...ENV, type: 'peers', event: 'left', members: [{ id: PEER, name: 'Bo', host: '10.0.0.8', port: 47002 }] },
  { ...ENV, type: 'unregister' },
  { ...ENV, type: 'hello', name: 'Bo', port: 47002 },
  { ...ENV, type: 'bye' },
  { ...ENV, type: 'ping' },
  { ...ENV, type: 'pong', re: ENV.id },
  chat('hello'),
  chat('just for you', { to: PEER }),
  chat('signed by a real key', { from: KEY_PEER, to: PEER, sig: SIG2 }),
  { ...SENV, type: 'note', op: 'add', item: ITEM, clock: 0, text: 'todo', font: 'sans-serif', size: 14, colour: '#ffcc00', x: -12.25, y: 40 },
  { ...SENV, type: 'note', op: 'move', item: ITEM, clock: 2, x: 0, y: 999999999.999999 },
  { ...SENV, type: 'note', op: 'edit', item: ITEM, clock: 3, text: 'done' },
  { ...SENV, type: 'note', op: 'edit', item: ITEM, clock: 5, colour: '#112233' },
  { ...SENV, type: 'note', op: 'edit', item: ITEM, clock: 4, text: '', font: `"Fira Code", monospace`, size: 9.5, colour: '#000000' },
  { ...SENV, type: 'note', op: 'delete', item: ITEM, clock: 5 },
  { ...SENV, type: 'image', op: 'add', item: ITEM, clock: 1, x: 10, y: 20, width: 640, height: 480, mime: 'image/png', bytes: 1234, sha256: SHA },
  { ...SENV, type: 'image', op: 'move', item: ITEM, clock: 2, x: -5, y: 0.5 },
  { ...SENV, type: 'image', op: 'move', item: ITEM, clock: 3, x: 1, y: 2, width: 320, height: 240 },
  { ...SENV, type: 'image', op: 'delete', item: ITEM, clock: 4 },
  { ...SENV, type: 'stroke', op: 'add', item: ITEM, clock: 1, points: [{ x: 1, y: 2 }], width: 2, colour: '#112233' },
  { ...SENV, type: 'stroke', op: 'add', item: ITEM, clock: 2, points: [{ x: 1, y: 2 }, { x: -3.5, y: 4.000001 }, { x: 0, y: 0 }], width: 0.5, colour: '#ABCDEF' },
  { ...SENV, type: 'stroke', op: 'delete', item: ITEM, clock: 3 },
  { ...SENV, type: 'snippet', op: 'add', item: ITEM, clock: 1, code: 'let a = 1;', language: 'typescript', path: 'src/a.ts', startLine: 1, endLine: 1, x: 0, y: 0 },
  { ...SENV, type: 'snippet', op: 'move', item: ITEM, clock: 2, x: 100, y: -100 },
  { ...SENV, type: 'snippet', op: 'delete', item: ITEM, clock: 3 },
  { ...ENV, type: 'ack', re: ENV.id },
  { ...ENV, type: 'error', code: 'ERR_BAD_XML', text: 'Malformed XML' },
  { ...ENV, type: 'error', code: 'ERR_PEER_TIMEOUT', text: '' },
];

describe('xmlCodec', () => {
  describe('round trips', () => {
    for (const msg of EVERY_MESSAGE) {
      const label = 'op' in msg ? `${msg.type} op=${msg.op}` : msg.type;
      it(`decodes an encoded ${label} message (${Object.keys(msg).length} fields) to an equal message`, () => {
        assert.deepStrictEqual(roundTrip(msg), msg);
      });
    }

    it('writes the type as the root element and the envelope (sig last) as attributes, text as CDATA', () => {
      assert.equal(
        encodeMessage(chat('hello', { to: PEER })).toString('utf8'),
        `<chat ${ES} to="${PEER}"><text><![CDATA[hello]]></text></chat>`,
      );
    });

    it('keeps chat text "007", "1e3", "0x1F", "true" and " 5" as the exact strings', () => {
      for (const text of ['007', '1e3', '0x1F', 'true', ' 5', '-0']) assert.equal((roundTrip(chat(text)) as ChatMessage).text, text);
    });

    it('keeps the whitespace, tabs, newlines and indentation of snippet code exactly', () => {
      const code = '\n\n  function f() {\n\t\treturn 1;   \n  }\n\n\t \n';
      const msg: Message = { ...SENV, type: 'snippet', op: 'add', item: ITEM, clock: 1, code, language: 'python', path: 'a.py', startLine: 1, endLine: 9, x: 0, y: 0 };
      assert.equal((roundTrip(msg) as { code: string }).code, code);
    });

    it('keeps markup-looking text exactly: <script>, &amp;, ]]>, CDATA sections, DOCTYPE and PI text', () => {
      const texts = [
        '<script>alert(1)</script>',
        '&amp; &lt; &#38; &unknown;',
        ']]>',
        'a]]>b]]]]>c]]>]]>',
        '<![CDATA[inner]]>',
        '<!DOCTYPE html><html></html>',
        '<?xml version="1.0"?><?php echo 1; ?>',
        '<!-- comment -->',
        '</text></chat><chat>',
        '"quotes" and \'apostrophes\'',
      ];
      for (const text of texts) assert.equal((roundTrip(chat(text)) as ChatMessage).text, text);
    });

    it('keeps emoji, combining marks and right-to-left text', () => {
      const text = '👩🏽‍💻 café ñ שלום مرحبا 𝔘𝔫𝔦𝔠𝔬𝔡𝔢';
      assert.equal((roundTrip(chat(text)) as ChatMessage).text, text);
    });

    it('allows an empty note text and an empty error text', () => {
      const note: Message = { ...SENV, type: 'note', op: 'edit', item: ITEM, clock: 1, text: '' };
      assert.deepStrictEqual(roundTrip(note), note);
    });

    it('accepts an empty text element written as <text/> or <text></text>', () => {
      const attrs = `${ES} op="edit" item="${ITEM}" clock="1"`;
      assert.equal((decodeText(`<note ${attrs}><text/></note>`) as NoteMessage).text, '');
      assert.equal((decodeText(`<note ${attrs}><text></text></note>`) as NoteMessage).text, '');
    });

    it('joins several CDATA sections of one text element', () => {
      const msg = decodeText(`<chat ${ES}><text><![CDATA[a]]><![CDATA[b]]]]><![CDATA[>c]]></text></chat>`);
      assert.equal((msg as ChatMessage).text, 'ab]]>c');
    });

    it('escapes and restores & < > " \' and "true" in attribute values (names, fonts, paths)', () => {
      const name = `R&D <Ops> "Q" O'Brien`;
      assert.deepStrictEqual(roundTrip({ ...ENV, type: 'hello', name, port: 1 }), { ...ENV, type: 'hello', name, port: 1 });
      assert.deepStrictEqual(roundTrip({ ...ENV, type: 'hello', name: 'true', port: 1 }), { ...ENV, type: 'hello', name: 'true', port: 1 });
      const snippet: Message = { ...SENV, type: 'snippet', op: 'add', item: ITEM, clock: 1, code: 'x', language: 'c#', path: "R&D/it's <new>.cs", startLine: 2, endLine: 2, x: 0, y: 0 };
      assert.deepStrictEqual(roundTrip(snippet), snippet);
    });

    it('accepts whitespace between elements and single-quoted attributes from other writers', () => {
      const xml = `<peers ${E} event='snapshot'>\n  <member id="${PEER}" name="Bo" host="10.0.0.7" port="1"/>\n</peers>\n`;
      assert.deepStrictEqual(decodeText(xml), { ...ENV, type: 'peers', event: 'snapshot', members: [{ id: PEER, name: 'Bo', host: '10.0.0.7', port: 1 }] });
    });

    it('turns CR LF and lone CR in free text into LF, as XML parsers do', () => {
      assert.equal((roundTrip(chat('a\r\nb\rc\n')) as ChatMessage).text, 'a\nb\nc\n');
    });

    it('rounds board numbers to six decimals and never sends an exponent', () => {
      const msg = roundTrip({ ...SENV, type: 'note', op: 'move', item: ITEM, clock: 1, x: 0.1 + 0.2, y: 1e-7 }) as NoteMessage;
      assert.equal(msg.x, 0.3);
      assert.ok(Object.is(msg.y, 0));
      const xml = encodeMessage({ ...SENV, type: 'note', op: 'move', item: ITEM, clock: 1, x: 0.000001, y: -123456789.5 }).toString();
      assert.match(xml, / x="0\.000001" y="-123456789\.5"/);
    });

    it('counts text limits in code points, so 16,000 emoji are a valid chat text', () => {
      const text = '😀'.repeat(MAX_CHAT_TEXT);
      assert.equal((roundTrip(chat(text)) as ChatMessage).text, text);
      assertRejects(() => encodeMessage(chat(`${text}x`)), 'ERR_BAD_MESSAGE', 'element <text>');
    });
  });

  describe('rejecting unsafe XML', () => {
    it('rejects a DOCTYPE with entity definitions (billion laughs) with ERR_BAD_XML', () => {
      const lol = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
        `<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><chat ${ES}><text>&lol3;</text></chat>`;
      assertRejects(() => decodeText(lol), 'ERR_BAD_XML', 'DOCTYPE');
    });

    it('rejects an ENTITY declaration, a lower-case doctype and an external entity with ERR_BAD_XML', () => {
      assertRejects(() => decodeText(`<!ENTITY x "y"><ping ${E}/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<!doctype ping><ping ${E}/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<!DOCTYPE ping SYSTEM "file:///etc/passwd"><ping ${E}/>`), 'ERR_BAD_XML');
    });

    it('rejects processing instructions and XML declarations with ERR_BAD_XML', () => {
      assertRejects(() => decodeText(`<?xml version="1.0" encoding="UTF-8"?><ping ${E}/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<?xml-stylesheet href="x.xsl"?><ping ${E}/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<chat ${ES}><?evil?><text><![CDATA[x]]></text></chat>`), 'ERR_BAD_XML');
    });

    it('rejects comments with ERR_BAD_XML', () => {
      assertRejects(() => decodeText(`<ping ${E}><!-- hi --></ping>`), 'ERR_BAD_XML', 'Comments');
    });

    it('rejects bytes that are not valid UTF-8 with ERR_BAD_XML', () => {
      const prefix = Buffer.from(`<chat ${ES}><text><![CDATA[`);
      const suffix = Buffer.from(']]></text></chat>');
      for (const bad of [[0xc3, 0x28], [0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
        assertRejects(() => decodeMessage(Buffer.concat([prefix, Buffer.from(bad), suffix])), 'ERR_BAD_XML', 'UTF-8');
      }
    });

    it('rejects every truncation of a valid document with ERR_BAD_XML', () => {
      const bytes = encodeMessage(chat('héllo 😀', { to: PEER }));
      for (let n = 0; n < bytes.length; n++) assert.equal(codeOf(() => decodeMessage(bytes.subarray(0, n))), 'ERR_BAD_XML', `prefix of ${n} bytes`);
    });

    it('rejects two root elements with ERR_BAD_XML', () => {
      for (const xml of [`<ping ${E}/><ping ${E}/>`, `<ping ${E}></ping><ping ${E}/>`, `<ping ${E}/><bye ${E}/>`, `<ping ${E}></ping><bye ${E}></bye>`]) {
        assertRejects(() => decodeText(xml), 'ERR_BAD_XML', 'root');
      }
    });

    it('rejects text or CDATA outside the root element with ERR_BAD_XML', () => {
      assertRejects(() => decodeText(`<ping ${E}/>junk`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`junk<ping ${E}/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<ping ${E}/>junk/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<ping ${E}/><![CDATA[x]]>`), 'ERR_BAD_XML');
    });

    it('rejects deeply nested tags with ERR_BAD_XML before parsing them', () => {
      const depth = 5_000;
      const xml = `<chat ${ES}>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</chat>`;
      assertRejects(() => decodeText(xml), 'ERR_BAD_XML', 'nested');
      assertRejects(() => decodeText(`<chat ${ES}><text><b/></text></chat>`), 'ERR_BAD_XML', 'nested');
    });

    it('rejects mismatched, unclosed and stray closing tags with ERR_BAD_XML', () => {
      assertRejects(() => decodeText(`<chat ${ES}><text><![CDATA[x]]></txt></chat>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<chat ${ES}><text><![CDATA[x]]></text>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`</ping><ping ${E}/>`), 'ERR_BAD_XML');
      assertRejects(() => decodeText(`<ping ${E} id="x"/>`), 'ERR_BAD_XML'); // duplicate attribute
      assertRejects(() => decodeText(`<ping ${E} flag/>`), 'ERR_BAD_XML'); // attribute without value
      assertRejects(() => decodeText(''), 'ERR_BAD_XML');
      assertRejects(() => decodeText('   '), 'ERR_BAD_XML');
    });

    it('rejects __proto__, constructor and prototype as element names and ignores them as attributes, without polluting prototypes', () => {
      for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
        for (const xml of [`<${name} ${E}/>`, `<chat ${ES}><${name}><![CDATA[x]]></${name}><text><![CDATA[y]]></text></chat>`]) {
          const code = codeOf(() => decodeText(xml));
          assert.ok(['ERR_BAD_XML', 'ERR_UNKNOWN_TYPE', 'ERR_BAD_MESSAGE'].includes(code), `${xml}: ${code}`);
        }
        // As an attribute the name is one more unknown attribute: ignored, never a key of the message.
        const msg = decodeText(`<chat ${ES} ${name}="1"><text><![CDATA[y]]></text></chat>`);
        assert.deepStrictEqual(msg, chat('y'));
        assert.ok(!Object.hasOwn(msg, name), name);
        assert.equal(Object.getPrototypeOf(msg), Object.prototype);
      }
      const probe = {} as Record<string, unknown>;
      assert.equal(probe.x, undefined);
      assert.equal(Object.prototype.toString.call(probe), '[object Object]');
      assert.deepEqual(Object.keys(Object.prototype), []);
    });

    it('rejects a payload above the XML frame limit with ERR_FRAME_TOO_LARGE', () => {
      assertRejects(() => decodeMessage(Buffer.alloc(MAX_XML_FRAME_BYTES + 1, 0x20)), 'ERR_FRAME_TOO_LARGE');
    });

    it('rejects input that is not bytes with ERR_BAD_XML', () => {
      assertRejects(() => decodeMessage('<ping/>' as unknown as Buffer), 'ERR_BAD_XML');
    });
  });

  describe('version and type', () => {
    it('rejects an unknown root element with ERR_UNKNOWN_TYPE', () => {
      assertRejects(() => decodeText(`<shout ${E}/>`), 'ERR_UNKNOWN_TYPE', 'shout');
      assertRejects(() => decodeText('<chat:x/>'), 'ERR_UNKNOWN_TYPE');
    });

    it('rejects v="2" with ERR_UNSUPPORTED_VERSION, also for a type this version does not know', () => {
      assertRejects(() => decodeText(`<ping v="2" id="${ENV.id}" from="${ENV.from}" group="g" seq="1" ts="0"/>`), 'ERR_UNSUPPORTED_VERSION');
      assertRejects(() => decodeText('<reaction v="2" emoji="x"/>'), 'ERR_UNSUPPORTED_VERSION');
      assertRejects(() => decodeText('<ping v="1.0"/>'), 'ERR_UNSUPPORTED_VERSION');
    });

    it('checks the version before the type-specific schema', () => {
      assertRejects(() => decodeText('<chat v="2"><anything/></chat>'), 'ERR_UNSUPPORTED_VERSION');
    });

    it('rejects a message without v with ERR_BAD_MESSAGE naming v', () => {
      assertRejects(() => decodeText(`<ping id="${ENV.id}" from="${ENV.from}" group="g" seq="1" ts="0"/>`), 'ERR_BAD_MESSAGE', '"v"');
      assertRejects(() => decodeText('<ping/>'), 'ERR_BAD_MESSAGE', '"v"');
    });
  });

  describe('signatures', () => {
    const signedMessages = EVERY_MESSAGE.filter((m) => SIGNED.has(m.type));
    const otherMessages = EVERY_MESSAGE.filter((m) => !SIGNED.has(m.type));
    const label = (m: Message): string => ('op' in m ? `${m.type} op=${m.op}` : m.type);
    /** The document of a message with its ` sig="…"` taken out; fails the test if there is none. */
    const withoutSigAttribute = (msg: Message): string => {
      const xml = encodeMessage(msg).toString('utf8');
      const attribute = ` sig="${msg.sig}"`;
      assert.equal(xml.split(attribute).length, 2, `${label(msg)}: one ${attribute} expected in ${xml}`);
      return xml.replace(attribute, '');
    };

    it('uses fixtures that cover every type, signed ones with a well-formed signature', () => {
      assert.deepStrictEqual(new Set(signedMessages.map((m) => m.type)), SIGNED);
      assert.equal(new Set(EVERY_MESSAGE.map((m) => m.type)).size, 14);
      for (const sig of [SIG, SIG2]) {
        assert.equal(sig.length, 86);
        assert.match(sig, SIG_PATTERN);
        assert.equal(Buffer.from(sig, 'base64url').length, 64);
        assert.equal(Buffer.from(sig, 'base64url').toString('base64url'), sig);
      }
      for (const msg of signedMessages) assert.match(msg.sig ?? '', SIG_PATTERN, label(msg));
      for (const msg of otherMessages) assert.equal(msg.sig, undefined, label(msg));
    });

    it('requires sig on chat, note, image, stroke and snippet messages, naming it', () => {
      for (const msg of signedMessages) {
        assertRejects(() => encodeMessage(unsigned(msg)), 'ERR_BAD_MESSAGE', '"sig"');
        assertRejects(() => decodeText(withoutSigAttribute(msg)), 'ERR_BAD_MESSAGE', '"sig"');
      }
      assertRejects(() => decodeText(`<chat ${E}><text><![CDATA[hello]]></text></chat>`), 'ERR_BAD_MESSAGE', 'missing attribute "sig"');
      assertRejects(() => decodeText(`<note ${E} op="delete" item="${ITEM}" clock="1"/>`), 'ERR_BAD_MESSAGE', 'missing attribute "sig"');
    });

    it('rejects a sig that is not 86 characters of URL-safe base64 of 64 bytes', () => {
      const bad = [
        '',
        SIG.slice(1), // 85 characters
        `${SIG}A`, // 87 characters
        'A'.repeat(128),
        `${'A'.repeat(85)}B`, // the last character carries bits beyond the 64th byte
        `${'A'.repeat(85)}_`,
        `+${SIG.slice(1)}`, // standard base64, not URL-safe
        `/${SIG.slice(1)}`,
        `${SIG.slice(0, 84)}==`, // padded
        `${SIG.slice(0, 40)} ${SIG.slice(41)}`,
        `${SIG.slice(0, 40)}é${SIG.slice(41)}`,
        `${SIG.slice(0, 85)}\n`,
      ];
      for (const sig of bad) {
        assertRejects(() => encodeMessage(chat('hello', { sig })), 'ERR_BAD_MESSAGE', '"sig"');
        assertRejects(() => decodeText(`<chat ${E} sig="${sig}"><text><![CDATA[hello]]></text></chat>`), 'ERR_BAD_MESSAGE', '"sig"');
        assertRejects(() => decodeText(`<stroke ${E} sig="${sig}" op="delete" item="${ITEM}" clock="1"/>`), 'ERR_BAD_MESSAGE', '"sig"');
      }
      assertRejects(() => encodeMessage(chat('hello', { sig: 42 as unknown as string })), 'ERR_BAD_MESSAGE', '"sig"');
      assertRejects(() => encodeMessage(chat('hello', { sig: Buffer.from(SIG, 'base64url') as unknown as string })), 'ERR_BAD_MESSAGE', '"sig"');
    });

    it('rejects sig on a ping and on every other type that is not signed', () => {
      assertRejects(() => decodeText(`<ping ${ES}/>`), 'ERR_BAD_MESSAGE', 'attribute "sig" is not allowed');
      assertRejects(() => encodeMessage({ ...SENV, type: 'ping' }), 'ERR_BAD_MESSAGE', 'attribute "sig" is not allowed');
      assertRejects(() => encodeForSigning({ ...SENV, type: 'ping' }), 'ERR_BAD_MESSAGE', '"sig"');
      for (const msg of otherMessages) {
        assertRejects(() => encodeMessage({ ...msg, sig: SIG }), 'ERR_BAD_MESSAGE', '"sig"');
        const xml = encodeMessage(msg).toString('utf8');
        const withSig = xml.replace(` ts="${msg.ts}"`, ` ts="${msg.ts}" sig="${SIG}"`);
        assert.notEqual(withSig, xml);
        assertRejects(() => decodeText(withSig), 'ERR_BAD_MESSAGE', '"sig"');
      }
    });

    it('encodeForSigning gives the bytes of encodeMessage without the sig attribute', () => {
      assert.equal(encodeForSigning(chat('hello', { to: PEER })).toString('utf8'), `<chat ${E} to="${PEER}"><text><![CDATA[hello]]></text></chat>`);
      for (const msg of signedMessages) {
        assert.deepStrictEqual(encodeForSigning(msg), Buffer.from(withoutSigAttribute(msg), 'utf8'), label(msg));
        assert.ok(!encodeForSigning(msg).includes('sig='), label(msg));
      }
      for (const msg of otherMessages) assert.deepStrictEqual(encodeForSigning(msg), encodeMessage(msg), label(msg));
    });

    it('encodeForSigning is deterministic: the same bytes for the same fields, whatever the sig, key order or round trip', () => {
      for (const msg of signedMessages) {
        const bytes = encodeForSigning(msg);
        assert.deepStrictEqual(encodeForSigning(msg), bytes);
        assert.deepStrictEqual(encodeForSigning({ ...msg, sig: SIG2 }), bytes);
        assert.deepStrictEqual(encodeForSigning(Object.fromEntries(Object.entries(msg).reverse()) as unknown as Message), bytes);
        assert.deepStrictEqual(encodeForSigning(roundTrip(msg)), bytes);
      }
      // A document written with other attribute order and quotes decodes to fields that give the same bytes.
      const other = `<chat to='${PEER}' sig="${SIG}" ts="1732190000000" seq="3" group="design team" from="${ENV.from}" id="${ENV.id}" v="1">\n <text><![CDATA[hel]]><![CDATA[lo]]></text>\n</chat>`;
      assert.deepStrictEqual(encodeForSigning(decodeText(other)), encodeForSigning(chat('hello', { to: PEER })));
      // Different fields, different bytes.
      assert.notDeepStrictEqual(encodeForSigning(chat('hello')), encodeForSigning(chat('hello!')));
      assert.notDeepStrictEqual(encodeForSigning(chat('hello')), encodeForSigning(chat('hello', { seq: 4 })));
    });

    it('encodeForSigning accepts a signed-type message without sig, and still applies the rest of the schema', () => {
      for (const msg of signedMessages) assert.deepStrictEqual(encodeForSigning(unsigned(msg)), encodeForSigning(msg), label(msg));
      assertRejects(() => encodeForSigning(unsigned(chat(''))), 'ERR_BAD_MESSAGE', '<text>');
      assertRejects(() => encodeForSigning(unsigned(chat('x', { to: 'short' }))), 'ERR_BAD_MESSAGE', '"to"');
      assertRejects(() => encodeForSigning({ ...SENV, type: 'note', op: 'move', item: ITEM, clock: 1, x: 0 } as unknown as Message), 'ERR_BAD_MESSAGE', '"y"');
      assertRejects(() => encodeForSigning({ ...ENV, type: 'register', name: 'Bo', port: 1, host: 'bo.local' }), 'ERR_BAD_MESSAGE', '"host"');
      assertRejects(() => encodeForSigning({ ...ENV, type: 'shout' } as unknown as Message), 'ERR_BAD_MESSAGE');
    });

    it('accepts real MemberKey signatures over encodeForSigning, which verify again after a round trip', async () => {
      await cryptoReady();
      for (let k = 0; k < 8; k++) {
        const key = MemberKey.generate();
        for (const msg of signedMessages) {
          const authored = { ...unsigned(msg), from: key.id };
          const sig = Buffer.from(key.sign(encodeForSigning(authored))).toString('base64url');
          assert.match(sig, SIG_PATTERN);
          const received = roundTrip({ ...authored, sig });
          assert.equal(received.sig, sig);
          assert.ok(verifySignature(key.id, encodeForSigning(received), Buffer.from(sig, 'base64url')), label(msg));
          assert.ok(!verifySignature(key.id, encodeForSigning({ ...received, seq: received.seq + 1 }), Buffer.from(sig, 'base64url')), label(msg));
        }
      }
    });
  });

  describe('schema', () => {
    it('rejects a missing envelope or body attribute with ERR_BAD_MESSAGE naming it', () => {
      assertRejects(() => decodeText(`<ping v="1" id="${ENV.id}" from="${ENV.from}" group="g" ts="0"/>`), 'ERR_BAD_MESSAGE', '"seq"');
      assertRejects(() => decodeText(`<pong ${E}/>`), 'ERR_BAD_MESSAGE', '"re"');
      assertRejects(() => decodeText(`<hello ${E} name="Bo"/>`), 'ERR_BAD_MESSAGE', '"port"');
      assertRejects(() => decodeText(`<chat ${ES}/>`), 'ERR_BAD_MESSAGE', '<text>');
    });

    it('ignores unknown attributes of the root, so that newer versions can add optional ones', () => {
      const cases: [xml: string, expected: Message, unknown: string[]][] = [
        [`<ping ${E} extra="1"/>`, { ...ENV, type: 'ping' }, ['extra']],
        [`<ping future-flag="" ${E} x.y='z'></ping>`, { ...ENV, type: 'ping' }, ['future-flag', 'x.y']],
        [`<chat ${ES} priority="high" to="${PEER}"><text><![CDATA[hi]]></text></chat>`, chat('hi', { to: PEER }), ['priority']],
        [`<note ${ES} op="move" item="${ITEM}" clock="2" x="1" y="2" layer="top"/>`, { ...SENV, type: 'note', op: 'move', item: ITEM, clock: 2, x: 1, y: 2 }, ['layer']],
        [`<peers ${E} event="snapshot" page="2">${`<member id="${PEER}" name="Bo" host="10.0.0.7" port="1"/>`}</peers>`, { ...ENV, type: 'peers', event: 'snapshot', members: [{ id: PEER, name: 'Bo', host: '10.0.0.7', port: 1 }] }, ['page']],
        // An attribute named like an element is just another unknown attribute: the element's value wins.
        [`<chat ${ES} text="ignored"><text><![CDATA[kept]]></text></chat>`, chat('kept'), []],
      ];
      for (const [xml, expected, unknown] of cases) {
        const msg = decodeText(xml);
        assert.deepStrictEqual(msg, expected, xml);
        for (const name of unknown) assert.ok(!Object.hasOwn(msg, name), `${name} should not appear in the decoded ${msg.type}`);
        // Nor are they sent on, or covered by a signature.
        assert.deepStrictEqual(encodeMessage(msg), encodeMessage(expected));
        assert.deepStrictEqual(encodeForSigning(msg), encodeForSigning(expected));
      }
      // An attribute never stands in for an element.
      assertRejects(() => decodeText(`<chat ${ES} text="x"/>`), 'ERR_BAD_MESSAGE', '<text>');
    });

    it('rejects an unknown or repeated element with ERR_BAD_MESSAGE naming it', () => {
      assertRejects(() => decodeText(`<ping ${E}><text><![CDATA[x]]></text></ping>`), 'ERR_BAD_MESSAGE', '<text>');
      assertRejects(() => decodeText(`<ping ${E}><extra/></ping>`), 'ERR_BAD_MESSAGE', '<extra>');
      assertRejects(() => decodeText(`<chat ${ES}><text><![CDATA[x]]></text><priority><![CDATA[high]]></priority></chat>`), 'ERR_BAD_MESSAGE', '<priority>');
      assertRejects(() => decodeText(`<chat ${ES}><text><![CDATA[x]]></text><text><![CDATA[y]]></text></chat>`), 'ERR_BAD_MESSAGE', 'more than once');
      assertRejects(() => decodeText(`<chat ${ES}><v>1</v><text><![CDATA[x]]></text></chat>`), 'ERR_BAD_MESSAGE', '<v>');
      // An element never stands in for an attribute.
      assertRejects(() => decodeText(`<chat ${E}><sig><![CDATA[${SIG}]]></sig><text><![CDATA[x]]></text></chat>`), 'ERR_BAD_MESSAGE', '<sig>');
      assertRejects(() => decodeText(`<peers ${E} event="snapshot"><peer id="${PEER}" name="Bo" host="10.0.0.7" port="1"/></peers>`), 'ERR_BAD_MESSAGE', '<peer>');
    });

    it('rejects text directly in the root and free text outside CDATA with ERR_BAD_MESSAGE', () => {
      assertRejects(() => decodeText(`<ping ${E}>hi</ping>`), 'ERR_BAD_MESSAGE', 'text');
      assertRejects(() => decodeText(`<chat ${ES}><text>plain</text></chat>`), 'ERR_BAD_MESSAGE', 'CDATA');
      assertRejects(() => decodeText(`<chat ${ES}><text> <![CDATA[x]]></text></chat>`), 'ERR_BAD_MESSAGE', 'CDATA');
      assertRejects(() => decodeText(`<chat ${ES}><text a="1"><![CDATA[x]]></text></chat>`), 'ERR_BAD_MESSAGE', 'CDATA');
      assertRejects(() => decodeText(`<chat ${ES}><![CDATA[x]]></chat>`), 'ERR_BAD_MESSAGE', 'CDATA');
    });

    it('rejects ids that break the id pattern', () => {
      for (const id of ['short', 'x'.repeat(65), 'has space1', 'slash/abcdef', 'dot.abcdefg', 'ümlautabcd', '']) {
        assertRejects(() => encodeMessage({ ...ENV, id, type: 'ping' }), 'ERR_BAD_MESSAGE', '"id"');
        assertRejects(() => decodeText(`<pong ${E} re="${id}"/>`), 'ERR_BAD_MESSAGE', '"re"');
      }
    });

    it('rejects NUL, control characters, lone surrogates and bidi overrides in text when encoding', () => {
      for (const bad of ['\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\ud800', 'a\udc00b', '\u202e', '\u2066', '\uffff']) {
        assertRejects(() => encodeMessage(chat(`x${bad}y`)), 'ERR_BAD_MESSAGE', '<text>');
      }
    });

    it('rejects NUL, control characters and bidi overrides arriving in CDATA', () => {
      for (const bad of ['\u0000', '\u0008', '\u000b', '\u202a', '\u2069']) {
        assertRejects(() => decodeText(`<chat ${ES}><text><![CDATA[x${bad}y]]></text></chat>`), 'ERR_BAD_MESSAGE', '<text>');
      }
    });

    it('rejects tabs, newlines and other control characters in names, groups and paths', () => {
      assertRejects(() => encodeMessage({ ...ENV, type: 'hello', name: 'Bo\tBo', port: 1 }), 'ERR_BAD_MESSAGE', '"name"');
      assertRejects(() => encodeMessage({ ...ENV, type: 'hello', name: 'Bo\u202eoB', port: 1 }), 'ERR_BAD_MESSAGE', '"name"');
      assertRejects(() => encodeMessage({ ...ENV, group: 'a\nb', type: 'ping' }), 'ERR_BAD_MESSAGE', '"group"');
      assertRejects(() => decodeText(`<hello ${E} name="Bo&#9;" port="1"/>`), 'ERR_BAD_MESSAGE', '"name"');
    });

    it('rejects display names that are empty, padded or longer than 64 characters', () => {
      for (const name of ['', ' ', ' Bo', 'Bo ', 'x'.repeat(65)]) {
        assertRejects(() => encodeMessage({ ...ENV, type: 'hello', name, port: 1 }), 'ERR_BAD_MESSAGE', '"name"');
      }
      assert.equal((roundTrip({ ...ENV, type: 'hello', name: '😀'.repeat(64), port: 1 }) as { name: string }).name, '😀'.repeat(64));
    });

    it('rejects group names with leading spaces, symbols or more than 64 characters', () => {
      for (const group of ['', ' team', 'team ', 'a/b', 'a:b', 'x'.repeat(65)]) {
        assertRejects(() => encodeMessage({ ...ENV, group, type: 'ping' }), 'ERR_BAD_MESSAGE', '"group"');
      }
      assert.deepStrictEqual(roundTrip({ ...ENV, group: 'Équipe 2.0_b-c', type: 'ping' }), { ...ENV, group: 'Équipe 2.0_b-c', type: 'ping' });
    });

    it('allows an empty group only in an error message, sent before the group is known', () => {
      const error: Message = { ...ENV, group: '', type: 'error', code: 'ERR_HANDSHAKE_TIMEOUT', text: 'No register within 10000 ms' };
      assert.deepStrictEqual(roundTrip(error), error);
      assertRejects(() => encodeMessage({ ...ENV, group: '', type: 'ping' }), 'ERR_BAD_MESSAGE', '"group"');
      assertRejects(() => decodeText(`<ping v="1" id="${ENV.id}" from="${ENV.from}" group="" seq="1" ts="0"/>`), 'ERR_BAD_MESSAGE', '"group"');
      assertRejects(() => encodeMessage({ ...error, group: ' ' }), 'ERR_BAD_MESSAGE', '"group"');
    });

    it('rejects entity and character references other than the five XML ones in attributes', () => {
      for (const name of ['R&#38;D', 'R&#x26;D', 'R&nbsp;D', 'R&D', 'a&amp', 'a<b']) {
        assertRejects(() => decodeText(`<hello ${E} name="${name}" port="1"/>`), 'ERR_BAD_MESSAGE', '"name"');
      }
      assert.equal((decodeText(`<hello ${E} name="R&amp;D &lt;&gt;&quot;&apos;" port="1"/>`) as { name: string }).name, `R&D <>"'`);
    });

    it('rejects numbers like 0x1F, 1e3, " 5", "+5" and "05" where an integer is expected', () => {
      for (const seq of ['0x1F', '1e3', ' 5', '5 ', '+5', '05', '1.0', '-1', '0', 'NaN', 'Infinity', '', '9007199254740992']) {
        assertRejects(() => decodeText(`<ping v="1" id="${ENV.id}" from="${ENV.from}" group="g" seq="${seq}" ts="0"/>`), 'ERR_BAD_MESSAGE', '"seq"');
      }
    });

    it('rejects ports outside 1..65535', () => {
      for (const port of ['0', '65536', '-1', '080']) assertRejects(() => decodeText(`<hello ${E} name="Bo" port="${port}"/>`), 'ERR_BAD_MESSAGE', '"port"');
      assertRejects(() => encodeMessage({ ...ENV, type: 'hello', name: 'Bo', port: 0 }), 'ERR_BAD_MESSAGE', '"port"');
      assertRejects(() => encodeMessage({ ...ENV, type: 'hello', name: 'Bo', port: 1.5 }), 'ERR_BAD_MESSAGE', '"port"');
    });

    it('rejects coordinates like 1e3, 0x1F, " 5", ".5", "5." or seven decimals', () => {
      for (const x of ['1e3', '0x1F', ' 5', '.5', '5.', '1.1234567', '1234567890', '--1', '01', 'NaN']) {
        assertRejects(() => decodeText(`<note ${ES} op="move" item="${ITEM}" clock="1" x="${x}" y="0"/>`), 'ERR_BAD_MESSAGE', '"x"');
      }
      for (const x of [Number.NaN, Infinity, 1e9, -1e9]) {
        assertRejects(() => encodeMessage({ ...SENV, type: 'note', op: 'move', item: ITEM, clock: 1, x, y: 0 }), 'ERR_BAD_MESSAGE', '"x"');
      }
    });

    it('rejects sizes that are zero or negative', () => {
      for (const width of [0, -1, 1e-7]) {
        const msg: Message = { ...SENV, type: 'stroke', op: 'add', item: ITEM, clock: 1, points: [{ x: 0, y: 0 }], colour: '#000000', width };
        assertRejects(() => encodeMessage(msg), 'ERR_BAD_MESSAGE', '"width"');
      }
    });

    it('rejects malformed stroke points and more than 10,000 points', () => {
      const attrs = `${ES} op="add" item="${ITEM}" clock="1" width="1" colour="#000000"`;
      for (const points of ['', '1,2 ', ' 1,2', '1,2  3,4', '1;2', '1,2,3', '1e3,2', '1,2\t3,4']) {
        assertRejects(() => decodeText(`<stroke ${attrs} points="${points}"/>`), 'ERR_BAD_MESSAGE', '"points"');
      }
      const many = Array.from({ length: MAX_STROKE_POINTS + 1 }, () => ({ x: 1, y: 1 }));
      assertRejects(() => encodeMessage({ ...SENV, type: 'stroke', op: 'add', item: ITEM, clock: 1, points: many, width: 1, colour: '#000000' }), 'ERR_BAD_MESSAGE', '"points"');
      assertRejects(() => encodeMessage({ ...SENV, type: 'stroke', op: 'add', item: ITEM, clock: 1, points: [], width: 1, colour: '#000000' }), 'ERR_BAD_MESSAGE', '"points"');
    });

    it('rejects host names in register and in peers members: a host must be an IPv4 or IPv6 literal', () => {
      for (const host of ['chloe-pc.local', 'localhost', 'bo', 'example.com', 'xn--caf-dma.example', 'a_b', 'host1.2.3.4', '1.2.3.4.example']) {
        assertRejects(() => encodeMessage({ ...ENV, type: 'register', name: 'Bo', port: 1, host }), 'ERR_BAD_MESSAGE', '"host"');
        assertRejects(() => decodeText(`<register ${E} name="Bo" port="1" host="${host}"/>`), 'ERR_BAD_MESSAGE', '"host"');
        const member: MemberInfo = { id: PEER, name: 'Bo', host, port: 1 };
        assertRejects(() => encodeMessage({ ...ENV, type: 'peers', event: 'joined', members: [member] }), 'ERR_BAD_MESSAGE', '"host"');
        assertRejects(() => decodeText(peersDoc(`id="${PEER}" name="Bo" host="${host}" port="1"`)), 'ERR_BAD_MESSAGE', '"host"');
      }
    });

    it('rejects hosts that are not IP literals, and accepts IPv4, IPv6 and zoned IPv6 literals up to 64 characters', () => {
      const bad = ['a b', '-x', 'x-', '1.2.3', '1.2.3.4.5', '1.2.3.4.', '1.2.3.256', '01.2.3.4', '0x7f.0.0.1', '[::1]', 'a..b', 'x'.repeat(254), 'h/x', ':::', '1::2::3', '', `fe80::1%${'e'.repeat(57)}`];
      for (const host of bad) {
        assertRejects(() => encodeMessage({ ...ENV, type: 'register', name: 'Bo', port: 1, host }), 'ERR_BAD_MESSAGE', '"host"');
        assertRejects(() => decodeText(`<register ${E} name="Bo" port="1" host="${host}"/>`), 'ERR_BAD_MESSAGE', '"host"');
        assertRejects(() => decodeText(peersDoc(`id="${PEER}" name="Bo" host="${host}" port="1"`)), 'ERR_BAD_MESSAGE', '"host"');
      }
      const good = ['10.0.0.7', '0.0.0.0', '255.255.255.255', '::', '::1', 'fe80::1%eth0', '::ffff:192.0.2.1', '2001:DB8::8A2E:370:7334', `fe80::1%${'e'.repeat(56)}`];
      for (const host of good) {
        const register: Message = { ...ENV, type: 'register', name: 'Bo', port: 1, host };
        assert.deepStrictEqual(roundTrip(register), register);
        const peers: Message = { ...ENV, type: 'peers', event: 'joined', members: [{ id: PEER, name: 'Bo', host, port: 1 }] };
        assert.deepStrictEqual(roundTrip(peers), peers);
      }
    });

    it('rejects absolute paths, .. segments, backslashes and drive letters', () => {
      const base = { ...SENV, type: 'snippet', op: 'add', item: ITEM, clock: 1, code: 'x', language: 'c', startLine: 1, endLine: 1, x: 0, y: 0 } as const;
      for (const path of ['/etc/passwd', '../x', 'a/../b', 'a/./b', 'a\\b', 'C:/x', 'a//b', 'a/', '', 'a\u0000b', 'x'.repeat(1025)]) {
        assertRejects(() => encodeMessage({ ...base, path }), 'ERR_BAD_MESSAGE', '"path"');
      }
    });

    it('rejects a snippet whose startLine is after its endLine', () => {
      const msg = { ...SENV, type: 'snippet', op: 'add', item: ITEM, clock: 1, code: 'x', language: 'c', path: 'a.c', startLine: 5, endLine: 4, x: 0, y: 0 } as const;
      assertRejects(() => encodeMessage(msg), 'ERR_BAD_MESSAGE', 'startLine');
    });

    it('requires the fields of each op and rejects the fields of other ops', () => {
      const board = { ...SENV, item: ITEM, clock: 1 };
      assertRejects(() => encodeMessage({ ...board, type: 'note', op: 'add', text: 'x', size: 1, colour: '#000000', x: 0, y: 0 }), 'ERR_BAD_MESSAGE', '"font"');
      assertRejects(() => encodeMessage({ ...board, type: 'note', op: 'move', x: 0, y: 0, text: 'x' }), 'ERR_BAD_MESSAGE', 'not allowed');
      assertRejects(() => encodeMessage({ ...board, type: 'note', op: 'delete', x: 0 }), 'ERR_BAD_MESSAGE', 'not allowed');
      assertRejects(() => encodeMessage({ ...board, type: 'note', op: 'edit' }), 'ERR_BAD_MESSAGE', 'at least one');
      assertRejects(() => encodeMessage({ ...board, type: 'image', op: 'move', x: 0, y: 0, width: 5 }), 'ERR_BAD_MESSAGE', 'width and height');
      assertRejects(() => encodeMessage({ ...board, type: 'image', op: 'add', x: 0, y: 0, width: 5, height: 5, mime: 'image/png', bytes: 0, sha256: SHA }), 'ERR_BAD_MESSAGE', '"bytes"');
      assertRejects(() => encodeMessage({ ...board, type: 'image', op: 'add', x: 0, y: 0, width: 5, height: 5, mime: 'image/svg+xml' as 'image/png', bytes: 1, sha256: SHA }), 'ERR_BAD_MESSAGE', '"mime"');
      assertRejects(() => encodeMessage({ ...board, type: 'image', op: 'add', x: 0, y: 0, width: 5, height: 5, mime: 'image/png', bytes: 1, sha256: SHA.toUpperCase() }), 'ERR_BAD_MESSAGE', '"sha256"');
      assertRejects(() => encodeMessage({ ...board, type: 'stroke', op: 'add', points: [{ x: 0, y: 0 }], width: 1, colour: 'red' }), 'ERR_BAD_MESSAGE', '"colour"');
      assertRejects(() => decodeText(`<note ${ES} op="rotate" item="${ITEM}" clock="1"/>`), 'ERR_BAD_MESSAGE', '"op"');
      assertRejects(() => decodeText(`<note ${ES} item="${ITEM}" clock="1"/>`), 'ERR_BAD_MESSAGE', '"op"');
      assertRejects(() => decodeText(`<snippet ${ES} op="move" item="${ITEM}" clock="1" x="1"/>`), 'ERR_BAD_MESSAGE', '"y"');
    });

    it('rejects empty chat text and too long error text, and allows empty note text', () => {
      assertRejects(() => encodeMessage(chat('')), 'ERR_BAD_MESSAGE', '<text>');
      assertRejects(() => decodeText(`<chat ${ES}><text/></chat>`), 'ERR_BAD_MESSAGE', '<text>');
      assertRejects(() => encodeMessage({ ...ENV, type: 'error', code: 'ERR_X', text: 'x'.repeat(1001) }), 'ERR_BAD_MESSAGE', '<text>');
      assertRejects(() => encodeMessage({ ...ENV, type: 'error', code: 'Err', text: '' }), 'ERR_BAD_MESSAGE', '"code"');
    });

    it('rejects peers members with missing attributes and more than 1000 members, and ignores their unknown attributes', () => {
      assertRejects(() => decodeText(`<peers ${E} event="joined"><member id="${PEER}" name="Bo" host="10.0.0.7"/></peers>`), 'ERR_BAD_MESSAGE', '"port"');
      const withAdmin = decodeText(`<peers ${E} event="joined"><member id="${PEER}" name="Bo" host="10.0.0.7" port="1" admin="yes"/></peers>`);
      assert.deepStrictEqual(withAdmin, { ...ENV, type: 'peers', event: 'joined', members: [{ id: PEER, name: 'Bo', host: '10.0.0.7', port: 1 }] });
      assertRejects(() => decodeText(`<peers ${E} event="joined"><member/></peers>`), 'ERR_BAD_MESSAGE', '<member>');
      assertRejects(() => decodeText(`<peers ${E} event="joined"><member id="${PEER}" name="Bo" host="10.0.0.7" port="1"><x/></member></peers>`), 'ERR_BAD_XML', 'nested');
      assertRejects(() => decodeText(`<peers ${E} event="rejoined"/>`), 'ERR_BAD_MESSAGE', '"event"');
      const members = `<member id="abcdefgh" name="B" host="::1" port="1"/>`.repeat(1001); // short, to fit the frame
      assertRejects(() => decodeText(`<peers ${E} event="snapshot">${members}</peers>`), 'ERR_BAD_MESSAGE', '1000');
    });

    it('writes more="true" only on a peers page that has one, and rejects any other value of more', () => {
      const page: PeersMessage = { ...ENV, type: 'peers', event: 'snapshot', more: 'true', members: [{ id: PEER, name: 'Bo', host: '10.0.0.7', port: 1 }] };
      assert.match(encodeMessage(page).toString('utf8'), /^<peers [^>]* event="snapshot" more="true">/);
      assert.deepStrictEqual(roundTrip(page), page);
      const last: PeersMessage = { ...page };
      delete last.more;
      assert.doesNotMatch(encodeMessage(last).toString('utf8'), /more=/);
      assert.ok(!Object.hasOwn(roundTrip(last), 'more'));
      for (const more of ['false', 'TRUE', 'True', '1', 'yes', '', ' true']) {
        assertRejects(() => decodeText(`<peers ${E} event="snapshot" more="${more}"/>`), 'ERR_BAD_MESSAGE', '"more"');
        assertRejects(() => encodeMessage({ ...page, more: more as 'true' }), 'ERR_BAD_MESSAGE', '"more"');
      }
      assertRejects(() => encodeMessage({ ...page, more: true as unknown as 'true' }), 'ERR_BAD_MESSAGE', '"more"');
    });

    it('rejects more="true" on joined and left: only a snapshot comes in pages', () => {
      for (const event of ['joined', 'left'] as const) {
        const change: PeersMessage = { ...ENV, type: 'peers', event, more: 'true', members: [{ id: PEER, name: 'Bo', host: '10.0.0.7', port: 1 }] };
        assertRejects(() => encodeMessage(change), 'ERR_BAD_MESSAGE', '"more"');
        assertRejects(() => decodeText(`<peers ${E} event="${event}" more="true"><member id="${PEER}" name="Bo" host="10.0.0.7" port="1"/></peers>`), 'ERR_BAD_MESSAGE', '"more"');
      }
    });

    it('rejects encoding a message of an unknown type, a wrong version or a bad envelope', () => {
      assertRejects(() => encodeMessage({ ...ENV, type: 'shout' } as unknown as Message), 'ERR_BAD_MESSAGE');
      assertRejects(() => encodeMessage({ ...ENV, v: '2', type: 'ping' }), 'ERR_BAD_MESSAGE', '"v"');
      assertRejects(() => encodeMessage({ ...ENV, seq: 0, type: 'ping' }), 'ERR_BAD_MESSAGE', '"seq"');
      assertRejects(() => encodeMessage({ ...ENV, ts: -1, type: 'ping' }), 'ERR_BAD_MESSAGE', '"ts"');
      assertRejects(() => encodeMessage({ ...ENV, seq: '3' as unknown as number, type: 'ping' }), 'ERR_BAD_MESSAGE', '"seq"');
    });

    it('rejects encoding a message whose document exceeds the 64 KiB frame with ERR_BAD_MESSAGE', () => {
      const code = 'é'.repeat(40_000); // 40,000 code points, under the 50,000 limit, but 80,000 bytes
      const msg: Message = { ...SENV, type: 'snippet', op: 'add', item: ITEM, clock: 1, code, language: 'c', path: 'a.c', startLine: 1, endLine: 1, x: 0, y: 0 };
      assertRejects(() => encodeMessage(msg), 'ERR_BAD_MESSAGE', 'exceeds');
    });
  });

  describe('properties', function () {
    this.timeout(60_000);
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
    const group = fc.stringMatching(/^[A-Za-z0-9._-]([A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$/);
    // eslint-disable-next-line no-control-regex
    const forbidden = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/g;
    const tricky = fc.constantFrom(']]>', ']]', '<![CDATA[', '<', '>', '&', '&amp;', '"', "'", '\n', '\t', ' ', '😀', '<?', '<!--');
    const text = (min: number) =>
      fc
        .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), tricky), { maxLength: 30 })
        .map((parts) => parts.join('').replace(forbidden, ''))
        .filter((s) => s.length >= min);
    const envelope = fc.record({
      v: fc.constant('1'),
      id,
      from: id,
      group,
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    });
    /** Any well-formed signature: the codec checks the format only. */
    const sig = fc.stringMatching(SIG_PATTERN);
    /** The envelope of the signed types (chat, note, image, stroke, snippet): `sig` is required. */
    const signedEnvelope = fc.tuple(envelope, sig).map(([env, s]): Envelope => ({ ...env, sig: s }));
    const ip = fc.oneof(fc.ipV4(), fc.ipV6());
    const displayName = fc.stringMatching(/^[A-Za-z0-9À-ÿ]([A-Za-z0-9À-ÿ '._-]{0,62}[A-Za-z0-9À-ÿ._-])?$/);
    const port = fc.integer({ min: 1, max: 65535 });
    const decimal = fc.integer({ min: -(1e15 - 1), max: 1e15 - 1 }).map((k) => k / 1e6);
    const size = fc.integer({ min: 1, max: 1e12 }).map((k) => k / 1e6);
    const colour = fc.stringMatching(/^#[0-9a-fA-F]{6}$/);
    const font = fc.stringMatching(/^[A-Za-z0-9 ,'"_-]{1,64}$/);

    const chatArb = fc
      .record({ env: signedEnvelope, text: text(1), to: id }, { requiredKeys: ['env', 'text'] })
      .map(({ env, text, to }): ChatMessage => ({ ...env, type: 'chat', text, ...(to === undefined ? {} : { to }) }));
    const board = fc.record({ env: signedEnvelope, item: id, clock: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) });
    const noteArb = fc.oneof(
        fc.record({ b: board, text: text(0), font, size, colour, x: decimal, y: decimal }).map(({ b, ...f }): NoteMessage => ({ ...b.env, type: 'note', op: 'add', item: b.item, clock: b.clock, ...f })),
        fc.record({ b: board, x: decimal, y: decimal }).map(({ b, ...f }): NoteMessage => ({ ...b.env, type: 'note', op: 'move', item: b.item, clock: b.clock, ...f })),
        fc.record({ b: board, text: text(0), font, size, colour }, { requiredKeys: ['b', 'text'] }).map(({ b, ...f }): NoteMessage => {
          const msg: NoteMessage = { ...b.env, type: 'note', op: 'edit', item: b.item, clock: b.clock, text: f.text };
          if (f.font !== undefined) msg.font = f.font;
          if (f.size !== undefined) msg.size = f.size;
          if (f.colour !== undefined) msg.colour = f.colour;
          return msg;
        }),
        board.map((b): NoteMessage => ({ ...b.env, type: 'note', op: 'delete', item: b.item, clock: b.clock })),
      );
    const member = fc.record({ id, name: displayName, host: ip, port }).map((m): MemberInfo => ({ ...m })); // a plain object, as decoded
    const peersArb = fc
      .record({ env: envelope, event: fc.constantFrom('snapshot', 'joined', 'left'), more: fc.constant('true'), members: fc.array(member, { maxLength: 20 }) }, { requiredKeys: ['env', 'event', 'members'] })
      .map(({ env, event, more, members }): PeersMessage => ({ ...env, type: 'peers', event, ...(more === undefined || event !== 'snapshot' ? {} : { more }), members }));
    const registerArb = fc
      .record({ env: envelope, name: displayName, port, host: ip }, { requiredKeys: ['env', 'name', 'port'] })
      .map(({ env, host, ...f }): Message => ({ ...env, type: 'register', ...f, ...(host === undefined ? {} : { host }) }));

    it('round-trips random valid chat messages exactly', () => {
      fc.assert(fc.property(chatArb, (msg) => assert.deepStrictEqual(roundTrip(msg), msg)), { numRuns: 500 });
    });

    it('round-trips random valid note messages of every op exactly', () => {
      fc.assert(fc.property(noteArb, (msg) => assert.deepStrictEqual(roundTrip(msg), msg)), { numRuns: 500 });
    });

    it('round-trips random valid peers and register messages with IPv4 and IPv6 hosts exactly', () => {
      fc.assert(fc.property(fc.oneof(peersArb, registerArb), (msg) => assert.deepStrictEqual(roundTrip(msg), msg)), { numRuns: 500 });
    });

    it('signs random chat and note messages over encodeMessage without sig, the same after a round trip', () => {
      fc.assert(
        fc.property(fc.oneof(chatArb, noteArb), sig, (msg, other) => {
          const bytes = encodeForSigning(msg);
          const full = encodeMessage(msg).toString('utf8');
          assert.equal(bytes.toString('utf8'), full.replace(` sig="${msg.sig}"`, ''));
          assert.equal(bytes.length, Buffer.byteLength(full) - ` sig="${msg.sig}"`.length);
          assert.deepStrictEqual(encodeForSigning(roundTrip(msg)), bytes);
          assert.deepStrictEqual(encodeForSigning({ ...msg, sig: other }), bytes);
          assert.deepStrictEqual(encodeForSigning(unsigned(msg)), bytes);
          assertRejects(() => encodeMessage(unsigned(msg)), 'ERR_BAD_MESSAGE', '"sig"');
        }),
        { numRuns: 300 },
      );
    });

    it('rejects every random host name as a register or member host', () => {
      fc.assert(
        fc.property(fc.domain(), (host) => {
          assertRejects(() => encodeMessage({ ...ENV, type: 'register', name: 'Bo', port: 1, host }), 'ERR_BAD_MESSAGE', '"host"');
          assertRejects(() => decodeText(`<register ${E} name="Bo" port="1" host="${host}"/>`), 'ERR_BAD_MESSAGE', '"host"');
          assertRejects(() => decodeText(peersDoc(`id="${PEER}" name="Bo" host="${host}" port="1"`)), 'ERR_BAD_MESSAGE', '"host"');
        }),
        { numRuns: 300 },
      );
    });

    it('ignores random unknown attributes on the root of random valid messages', () => {
      const extra = fc.uniqueArray(
        fc.record({ name: fc.stringMatching(/^x-[a-z][a-z0-9._-]{0,15}$/), value: fc.stringMatching(/^[A-Za-z0-9 ._:-]{0,20}$/) }),
        { minLength: 1, maxLength: 5, selector: (a) => a.name },
      );
      fc.assert(
        fc.property(fc.oneof(chatArb, noteArb, peersArb, registerArb), extra, (msg, attributes) => {
          const xml = encodeMessage(msg).toString('utf8');
          const added = attributes.map(({ name, value }) => ` ${name}="${value}"`).join('');
          const decoded = decodeText(xml.replace(`<${msg.type} `, `<${msg.type}${added} `));
          assert.deepStrictEqual(decoded, msg);
          for (const { name } of attributes) assert.ok(!Object.hasOwn(decoded, name));
        }),
        { numRuns: 300 },
      );
    });

    /** Whatever decodeMessage accepts, it can re-encode to the same message; whatever it rejects, it rejects with a NetError. */
    function onlyNetErrors(payload: Uint8Array): void {
      let msg: Message;
      try {
        msg = decodeMessage(payload);
      } catch (err) {
        assert.ok(err instanceof NetError, `threw ${String(err)}`);
        return;
      }
      assert.deepStrictEqual(decodeMessage(encodeMessage(msg)), msg);
    }

    it('throws only NetError for random bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), onlyNetErrors), { numRuns: 2000 });
    });

    it('throws only NetError for random XML-like strings', () => {
      const token = fc.oneof(
        fc.constantFrom('<', '>', '/', '/>', '</', '=', '"', "'", ' ', '\n', '&', ';', '&amp;', '&#0;', '<![CDATA[', ']]>', '<!DOCTYPE', '<!ENTITY', '<?', '?>', '<!--', '-->'),
        fc.constantFrom('chat', 'note', 'peers', 'member', 'text', 'code', 'v', '"1"', 'id', '__proto__', 'constructor', 'toString', '#text', '#cdata', '@_v', ':'),
        fc.constant(`<chat ${ES}>`),
        fc.constant(`<chat ${E}>`),
        fc.constantFrom(` sig="${SIG}"`, ' sig="x"', ' x-new="1"', ' more="true"', ' host="10.0.0.1"', ' host="bo.local"'),
        fc.constant(`<peers ${E} event="joined">`),
        fc.string({ unit: 'binary', maxLength: 4 }),
      );
      const doc = fc.array(token, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'utf8'));
      fc.assert(fc.property(doc, onlyNetErrors), { numRuns: 3000 });
    });

    it('accepts random text in CDATA and attribute values only when the encoder would send it back', () => {
      const raw = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 })), maxLength: 40 });
      const placed = fc.tuple(raw, fc.constantFrom('chat', 'note', 'error', 'name', 'font', 'path', 'host', 'member', 'group', 'sig', 'more', 'unknown')).map(([s, where]) => {
        const cdata = s.replaceAll(']]>', '');
        const attribute = s.replaceAll('"', '&quot;').replaceAll('<', '&lt;');
        const board = `op="edit" item="${ITEM}" clock="1"`;
        const snippet = `op="add" item="${ITEM}" clock="1" x="0" y="0" language="c" startLine="1" endLine="1"`;
        const documents: Record<typeof where, string> = {
          chat: `<chat ${ES}><text><![CDATA[${cdata}]]></text></chat>`,
          note: `<note ${ES} ${board}><text><![CDATA[${cdata}]]></text></note>`,
          error: `<error ${E} code="X"><text><![CDATA[${cdata}]]></text></error>`,
          name: `<hello ${E} name="${attribute}" port="1"/>`,
          font: `<note ${ES} ${board} font="${attribute}"><text/></note>`,
          path: `<snippet ${ES} ${snippet} path="${attribute}"><code><![CDATA[x]]></code></snippet>`,
          host: `<register ${E} name="Bo" port="1" host="${attribute}"/>`,
          member: peersDoc(`id="${PEER}" name="Bo" host="${attribute}" port="1"`),
          sig: `<chat ${E} sig="${attribute}"><text><![CDATA[x]]></text></chat>`,
          more: `<peers ${E} event="snapshot" more="${attribute}"/>`,
          unknown: `<ping ${E} x-new="${attribute}"/>`,
          group: `<ping v="1" id="${ENV.id}" from="${ENV.from}" seq="1" ts="0" group="${attribute}"/>`,
        };
        return Buffer.from(documents[where], 'utf8');
      });
      fc.assert(fc.property(placed, onlyNetErrors), { numRuns: 3000 });
    });

    it('throws only NetError for mutations of valid documents', () => {
      const seeds = EVERY_MESSAGE.map((m) => encodeMessage(m));
      const mutation = fc.record({
        seed: fc.integer({ min: 0, max: seeds.length - 1 }),
        edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      });
      fc.assert(
        fc.property(mutation, ({ seed, edits }) => {
          const bytes = [...seeds[seed]!];
          for (const { at, kind, byte } of edits) {
            const i = at % (bytes.length + 1);
            if (kind === 'insert') bytes.splice(i, 0, byte);
            else if (kind === 'delete') bytes.splice(i, 1);
            else bytes[Math.min(i, bytes.length - 1)] = byte;
          }
          onlyNetErrors(Uint8Array.from(bytes));
        }),
        { numRuns: 3000 },
      );
    });
  });
});
