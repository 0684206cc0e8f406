import { strict as assert } from 'node:assert';
import { crc32 as zlibCrc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { CODE_IMAGE_KEYS, addPngText, codeImageSource, codeImageText, isValidPngKeyword, readPngText } from '../../src/board/pngText';
import type { CodeImageSource } from '../../src/webview/protocol';

function realPng(width = 16, height = 8): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37 + (i >> 6)) & 0xff;
  return PNG.sync.write(png);
}

/** A chunk built by hand, its CRC from zlib (independent of the code under test). */
function chunk(type: string, data: Uint8Array | string): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data)]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(body.length - 4, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlibCrc32(body), body.length + 4);
  return out;
}

interface ParsedChunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

/** A separate, simple chunk walker for checking what addPngText wrote. */
function chunksOf(png: Uint8Array): ParsedChunk[] {
  const buf = Buffer.from(png);
  const out: ParsedChunk[] = [];
  let i = 8;
  while (i + 12 <= buf.length) {
    const length = buf.readUInt32BE(i);
    const type = buf.toString('latin1', i + 4, i + 8);
    const data = buf.subarray(i + 8, i + 8 + length);
    out.push({ type, data, crcOk: zlibCrc32(buf.subarray(i + 4, i + 8 + length)) === buf.readUInt32BE(i + 8 + length) });
    i += 12 + length;
  }
  return out;
}

/** The PNG with `extra` chunks inserted right after IHDR. */
function withChunks(png: Buffer, ...extra: Buffer[]): Buffer {
  const afterIhdr = 8 + 25;
  return Buffer.concat([png.subarray(0, afterIhdr), ...extra, png.subarray(afterIhdr)]);
}

const LONG_CODE = Array.from({ length: 1200 }, (_, i) => `const line${String(i).padStart(4, '0')} = "${'x'.repeat(22)}";`).join('\n').slice(0, 50_000);

const SOURCE: CodeImageSource = {
  code: 'function greet(name: string) {\n  return `Hello, ${name} 👋`;\n}\n',
  language: 'typescript',
  path: 'src/greet.ts',
  startLine: 12,
  endLine: 14,
};

describe('pngText', () => {
  describe('addPngText and readPngText', () => {
    it('adds text that reads back exactly and leaves the pixels as a real decoder (pngjs) sees them', () => {
      const png = realPng();
      const entries = {
        Title: 'plain ASCII',
        'TeamNotes:emoji': '👋 héllo wörld — 日本語 🧑‍💻',
        'TeamNotes:newlines': 'line 1\nline 2\r\nline 3\n\n',
        'TeamNotes:html': '<script>alert("x")</script><img src=x onerror=alert(1)>',
        'TeamNotes:code': LONG_CODE,
        'TeamNotes:empty': '',
      };
      assert.equal(LONG_CODE.length, 50_000);
      const out = addPngText(png, entries);
      assert.deepEqual(readPngText(out), entries);
      const before = PNG.sync.read(png);
      const after = PNG.sync.read(Buffer.from(out));
      assert.equal(after.width, before.width);
      assert.equal(after.height, before.height);
      assert.ok(after.data.equals(before.data));
    });

    it('writes one uncompressed iTXt chunk per entry, in order, right before the first IDAT, with correct CRCs', () => {
      const out = addPngText(realPng(), { a: '1', 'b c': 'ü' });
      const chunks = chunksOf(out);
      assert.ok(chunks.every((c) => c.crcOk));
      const types = chunks.map((c) => c.type);
      const firstIdat = types.indexOf('IDAT');
      assert.deepEqual(types.slice(firstIdat - 2, firstIdat + 1), ['iTXt', 'iTXt', 'IDAT']);
      assert.equal(types.at(-1), 'IEND');
      // keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text
      assert.deepEqual([...chunks[firstIdat - 2]!.data], [0x61, 0, 0, 0, 0, 0, 0x31]);
      assert.deepEqual([...chunks[firstIdat - 1]!.data], [0x62, 0x20, 0x63, 0, 0, 0, 0, 0, 0xc3, 0xbc]);
    });

    it('replaces text chunks that already use one of the keywords, and keeps the others', () => {
      const png = withChunks(realPng(), chunk('tEXt', 'TeamNotes:code\0old'), chunk('tEXt', 'Author\0Ada'));
      const out = addPngText(png, { 'TeamNotes:code': 'new' });
      assert.deepEqual(readPngText(out), { 'TeamNotes:code': 'new', Author: 'Ada' });
      assert.equal(chunksOf(out).filter((c) => c.type === 'tEXt' || c.type === 'iTXt').length, 2);
    });

    it('throws a clear Error for invalid keywords', () => {
      const png = realPng();
      const invalid = ['', 'k'.repeat(80), ' lead', 'trail ', 'two  spaces', 'new\nline', 'tab\t', 'nul\0', 'ŀatin-extended', 'emoji👋', '\x7f', '\xa0nbsp'];
      for (const keyword of invalid) {
        assert.throws(() => addPngText(png, { [keyword]: 'x' }), /Invalid PNG text keyword/, JSON.stringify(keyword));
      }
      for (const keyword of ['k', 'k'.repeat(79), 'Café à la crème', 'a b', '~!@#$%^&*()', '¡¿ÿ']) {
        assert.ok(isValidPngKeyword(keyword), keyword);
        assert.equal(readPngText(addPngText(png, { [keyword]: keyword }))[keyword], keyword);
      }
    });

    it('throws when the bytes are not a PNG with image data', () => {
      assert.throws(() => addPngText(Buffer.from('GIF89a'), { a: 'b' }), /not start with the PNG signature/);
      const noIdat = Buffer.concat([realPng().subarray(0, 33), chunk('IEND', '')]);
      assert.throws(() => addPngText(noIdat, { a: 'b' }), /no image data/);
      const truncated = realPng().subarray(0, 60);
      assert.throws(() => addPngText(truncated, { a: 'b' }), /no image data/);
    });

    it('reads tEXt as Latin-1 (not windows-1252) and uncompressed iTXt as UTF-8', () => {
      const png = withChunks(
        realPng(),
        chunk('tEXt', 'Comment\0caf\xe9 \x80\xff'),
        chunk('iTXt', Buffer.concat([Buffer.from('Title\0\0\0en\0Titel\0', 'latin1'), Buffer.from('Grüße 👋')])),
      );
      assert.deepEqual(readPngText(png), { Comment: 'café \x80ÿ', Title: 'Grüße 👋' });
    });

    it('skips compressed iTXt and zTXt chunks, invalid UTF-8 and malformed chunks', () => {
      const png = withChunks(
        realPng(),
        chunk('iTXt', Buffer.concat([Buffer.from('Zipped\0\x01\0\0\0', 'latin1'), deflateSync('hidden')])),
        chunk('zTXt', Buffer.concat([Buffer.from('Z\0\0', 'latin1'), deflateSync('hidden')])),
        chunk('iTXt', Buffer.concat([Buffer.from('BadUtf8\0\0\0\0\0', 'latin1'), Buffer.from([0xc3, 0x28])])),
        chunk('iTXt', 'NoSeparators\0\0\0'),
        chunk('tEXt', 'no separator at all'),
        chunk('tEXt', ' bad keyword\0x'),
        chunk('tEXt', 'Good\0yes'),
      );
      assert.deepEqual(readPngText(png), { Good: 'yes' });
    });

    it('ignores a chunk whose CRC does not match and reads the rest', () => {
      const out = Buffer.from(addPngText(realPng(), { First: 'one', Second: 'two', Third: 'three' }));
      const at = out.indexOf(Buffer.from('Second\0'));
      out.writeUInt8(out.readUInt8(at + 12) ^ 0x20, at + 12); // 'two' → 'Two' without fixing the CRC
      assert.deepEqual(readPngText(out), { First: 'one', Third: 'three' });
    });

    it('lets the first chunk win when a keyword appears twice', () => {
      const png = withChunks(realPng(), chunk('tEXt', 'Dup\0first'), chunk('tEXt', 'Dup\0second'));
      assert.deepEqual(readPngText(png), { Dup: 'first' });
    });

    it('keeps a keyword named __proto__ as an ordinary entry', () => {
      const text = readPngText(addPngText(realPng(), { ['__proto__']: 'x', constructor: 'y' }));
      assert.equal(Object.getPrototypeOf(text), Object.prototype);
      assert.deepEqual(Object.keys(text), ['__proto__', 'constructor']);
      assert.equal(Object.getOwnPropertyDescriptor(text, '__proto__')?.value, 'x');
    });

    it('returns {} for anything that is not a PNG', () => {
      for (const bytes of [new Uint8Array(), Buffer.from('hello'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('GIF89a......')]) {
        assert.deepEqual(readPngText(bytes), {});
      }
    });

    it('never throws on a PNG with text cut at every length, and reads only whole chunks', () => {
      const full = addPngText(realPng(4, 4), { A: 'alpha', B: 'beta' });
      const bEnd = Buffer.from(full).indexOf(Buffer.from('beta')) + 4 + 4;
      for (let n = 0; n <= full.length; n++) {
        const text = readPngText(full.subarray(0, n));
        if (n >= bEnd) assert.deepEqual(text, { A: 'alpha', B: 'beta' });
        else assert.ok(Object.keys(text).length <= 1);
      }
    });

    it('never throws on random bytes after the PNG signature', () => {
      const signature = realPng().subarray(0, 8);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
          const text = readPngText(Buffer.concat([signature, tail]));
          assert.equal(typeof text, 'object');
        }),
        { numRuns: 2000 },
      );
    });

    it('round-trips any valid keyword and any text without lone surrogates', () => {
      const png = realPng(2, 2);
      const keyword = fc
        .string({ unit: fc.constantFrom(...'abcXYZ019:_-.é ÿ¡'.split('')), minLength: 1, maxLength: 79 })
        .filter(isValidPngKeyword);
      fc.assert(
        fc.property(fc.dictionary(keyword, fc.string({ unit: 'binary', maxLength: 200 }), { maxKeys: 5 }), (entries) => {
          assert.deepEqual(readPngText(addPngText(png, entries)), { ...entries });
        }),
        { numRuns: 300 },
      );
    });

    it('writes lone surrogates as U+FFFD, which UTF-8 requires', () => {
      assert.deepEqual(readPngText(addPngText(realPng(2, 2), { k: 'a\ud800b' })), { k: 'a\ufffdb' });
    });
  });

  describe('code image text', () => {
    it('stores a code image source under TeamNotes: keywords and reads it back', () => {
      const text = codeImageText(SOURCE);
      assert.deepEqual(text, {
        'TeamNotes:code': SOURCE.code,
        'TeamNotes:language': 'typescript',
        'TeamNotes:path': 'src/greet.ts',
        'TeamNotes:lines': '12-14',
      });
      assert.deepEqual(codeImageSource(readPngText(addPngText(realPng(), text))), SOURCE);
    });

    it('accepts an empty path and a one-line range', () => {
      const source = { ...SOURCE, path: '', startLine: 1, endLine: 1, code: 'x' };
      assert.deepEqual(codeImageSource(codeImageText(source)), source);
    });

    it('returns undefined for missing keys, empty code or invalid lines', () => {
      const good = codeImageText(SOURCE);
      for (const key of Object.values(CODE_IMAGE_KEYS)) {
        const missing: Record<string, string> = { ...good };
        delete missing[key];
        assert.equal(codeImageSource(missing), undefined, key);
      }
      assert.equal(codeImageSource({ ...good, [CODE_IMAGE_KEYS.code]: '' }), undefined);
      for (const lines of ['0-3', '3-2', '1.5-2', ' 1-2', '01-2', '1-', '-1', '1', '1-2-3', '1 - 2', '١-٢', '99999999999999999-99999999999999999']) {
        assert.equal(codeImageSource({ ...good, [CODE_IMAGE_KEYS.lines]: lines }), undefined, lines);
      }
      assert.equal(codeImageSource({}), undefined);
    });

    it('throws on write for an invalid source', () => {
      assert.throws(() => codeImageText({ ...SOURCE, code: '' }), /Invalid code image source: the code is empty/);
      assert.throws(() => codeImageText({ ...SOURCE, startLine: 0 }), /startLine/);
      assert.throws(() => codeImageText({ ...SOURCE, startLine: 5, endLine: 4 }), /endLine/);
      assert.throws(() => codeImageText({ ...SOURCE, endLine: 1.5 }), /endLine/);
    });
  });
});
