import { strict as assert } from 'node:assert';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { checkImage, fitWithin, sniffImage } from '../../src/board/imageInfo';
import { MAX_IMAGE_BYTES, MAX_IMAGE_EDGE } from '../../src/board/limits';

/** A real PNG, encoded by pngjs, with a pattern so that it compresses like an image. */
function realPng(width: number, height: number, colorType: 0 | 2 | 4 | 6 = 6): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 31) & 0xff;
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true }));
}

/** A PNG chunk built by hand, its CRC from zlib (an implementation independent of ours). */
function chunk(type: string, data: Uint8Array | number[]): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(body.length - 4, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlibCrc32(body), body.length + 4);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth = 8, colourType = 6, interlace = 0): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colourType;
  data[12] = interlace;
  return chunk('IHDR', data);
}

/** Signature, IHDR, an empty IDAT and IEND: a header that claims any size, with no pixels behind it. */
function pngHeader(width: number, height: number): Uint8Array {
  return new Uint8Array(Buffer.concat([SIGNATURE, ihdr(width, height), chunk('IDAT', []), chunk('IEND', [])]));
}

/** The smallest well-known GIF: 1 × 1, one transparent pixel (43 bytes). */
const GIF89A_1X1 = Uint8Array.from(
  Buffer.from('47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b', 'hex'),
);

/** A GIF87a, 300 × 200 logical screen (little-endian), global colour table of 2, one 1 × 1 image. */
const GIF87A_300X200 = Uint8Array.from(
  Buffer.from('4749463837612c01c80080000000000000ffffff2c00000000010001000002024401003b', 'hex'),
);

/**
 * A real baseline JPEG, 3 × 2 pixels: encoded by Chromium (canvas.toDataURL('image/jpeg')) with its
 * ICC profile segment removed, and checked to decode to 3 × 2 there. Segments: SOI, APP0 (JFIF),
 * DQT, DQT, SOF0, DHT × 4, SOS, entropy-coded data, EOI.
 */
const JPEG_3X2 = Uint8Array.from(
  Buffer.from(
    'ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a333d3c3933383740485c4e40445745373850' +
      '6d51575f626768673e4d71797064785c656763ffdb0043011112121815182f1a1a2f634238426363636363636363636363636363636363636363636363636363636363636363' +
      '636363636363636363636363636363636363ffc00011080002000303012200021101031101ffc4001500010100000000000000000000000000000005ffc4001a1001000105' +
      '000000000000000000000000000102033372b2ffc4001501010100000000000000000000000000000306ffc4001a110002020300000000000000000000000000010203323371' +
      'ffda000c03010002110311003f008b7f24694f3000618a2a69d71e23ffd9',
    'hex',
  ),
);

interface Segment {
  marker: number;
  bytes: Uint8Array;
}

/** The JPEG's segments up to SOS, and the rest (SOS onwards) as one piece. */
function jpegSegments(jpeg: Uint8Array): { segments: Segment[]; rest: Uint8Array } {
  const segments: Segment[] = [];
  let i = 2;
  while (jpeg[i + 1] !== 0xda) {
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    segments.push({ marker: jpeg[i + 1]!, bytes: jpeg.subarray(i, i + 2 + length) });
    i += 2 + length;
  }
  return { segments, rest: jpeg.subarray(i) };
}

function jpegOf(segments: Array<Segment | Uint8Array>, rest: Uint8Array): Uint8Array {
  const parts = segments.map((s) => (s instanceof Uint8Array ? s : s.bytes));
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8]), ...parts, rest]));
}

/** Offset one past the SOF segment of `jpeg`: the shortest prefix with the frame size in it. */
function endOfSof(jpeg: Uint8Array): number {
  let i = 2;
  for (;;) {
    const marker = jpeg[i + 1]!;
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return i + 2 + length;
    i += 2 + length;
  }
}

describe('imageInfo', () => {
  describe('sniffImage', () => {
    it('reads the size of real PNGs made by pngjs, in every colour type', () => {
      const sizes: Array<[number, number]> = [[1, 1], [3, 2], [2, 3], [640, 480], [MAX_IMAGE_EDGE, 2], [2, MAX_IMAGE_EDGE]];
      for (const [width, height] of sizes) {
        for (const colorType of [0, 2, 4, 6] as const) {
          assert.deepEqual(sniffImage(realPng(width, height, colorType)), { mime: 'image/png', width, height }, `${width}x${height} type ${colorType}`);
        }
      }
    });

    it('reads the size of an interlaced and a 16-bit PNG header', () => {
      const interlaced = Buffer.concat([SIGNATURE, ihdr(10, 20, 8, 2, 1), chunk('IEND', [])]);
      const deep = Buffer.concat([SIGNATURE, ihdr(7, 9, 16, 0), chunk('IEND', [])]);
      assert.deepEqual(sniffImage(interlaced), { mime: 'image/png', width: 10, height: 20 });
      assert.deepEqual(sniffImage(deep), { mime: 'image/png', width: 7, height: 9 });
    });

    it('reads a hand-made PNG header claiming 40,000 × 40,000 pixels without any pixel data behind it', () => {
      const header = pngHeader(40_000, 40_000);
      assert.ok(header.length < 100);
      assert.deepEqual(sniffImage(header), { mime: 'image/png', width: 40_000, height: 40_000 });
    });

    it('returns undefined for the PNG signature followed by garbage', () => {
      const garbage = Buffer.concat([SIGNATURE, Buffer.from('this is not a chunk at all, just some text that goes on')]);
      assert.equal(sniffImage(garbage), undefined);
      assert.equal(sniffImage(Buffer.concat([SIGNATURE, Buffer.alloc(64, 0xff)])), undefined);
    });

    it('returns undefined for a PNG whose IHDR has a wrong CRC, a wrong length, or is not the first chunk', () => {
      const badCrc = Buffer.from(pngHeader(10, 10));
      badCrc.writeUInt8(badCrc.readUInt8(8 + 8 + 12) ^ 0x01, 8 + 8 + 12); // last byte of the IHDR data
      assert.equal(sniffImage(badCrc), undefined);

      const long = Buffer.concat([SIGNATURE, chunk('IHDR', [...ihdr(10, 10).subarray(8, 21), 0]), chunk('IEND', [])]);
      assert.equal(sniffImage(long), undefined);

      const late = Buffer.concat([SIGNATURE, chunk('tEXt', [...Buffer.from('a\0b')]), ihdr(10, 10), chunk('IEND', [])]);
      assert.equal(sniffImage(late), undefined);
    });

    it('returns undefined for a PNG header with a zero size, an invalid bit depth or an unknown method', () => {
      assert.equal(sniffImage(pngHeader(0, 10)), undefined);
      assert.equal(sniffImage(pngHeader(10, 0)), undefined);
      assert.equal(sniffImage(Buffer.concat([SIGNATURE, ihdr(10, 10, 3, 6)])), undefined);
      assert.equal(sniffImage(Buffer.concat([SIGNATURE, ihdr(10, 10, 8, 5)])), undefined);
      assert.equal(sniffImage(Buffer.concat([SIGNATURE, ihdr(10, 10, 8, 6, 2)])), undefined);
      assert.equal(sniffImage(Buffer.concat([SIGNATURE, ihdr(0x80000000, 10)])), undefined);
    });

    it('reads the logical screen of minimal GIF89a and GIF87a files', () => {
      assert.deepEqual(sniffImage(GIF89A_1X1), { mime: 'image/gif', width: 1, height: 1 });
      assert.deepEqual(sniffImage(GIF87A_300X200), { mime: 'image/gif', width: 300, height: 200 });
    });

    it('returns undefined for GIF-like headers of other versions', () => {
      for (const version of ['GIF88a', 'GIF89b', 'GIF8', 'GIFFFF']) {
        const bytes = Buffer.from(GIF89A_1X1);
        bytes.write(version.padEnd(6, '\0'), 0, 'latin1');
        assert.equal(sniffImage(bytes), undefined, version);
      }
    });

    it('reads the frame size of a real baseline JPEG', () => {
      assert.deepEqual(sniffImage(JPEG_3X2), { mime: 'image/jpeg', width: 3, height: 2 });
    });

    it('walks past DHT, JPG and DAC segments (C4, C8, CC), which are not frames', () => {
      const { segments, rest } = jpegSegments(JPEG_3X2);
      const sof = segments.filter((s) => s.marker === 0xc0);
      const others = segments.filter((s) => s.marker !== 0xc0);
      // Tables before the frame, as many encoders write them, and a DAC and a JPG segment whose
      // bytes would read as a 65,535 × 65,535 frame if they were taken for one.
      const fake = (marker: number): Uint8Array => Uint8Array.from([0xff, marker, 0x00, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01, 0x11, 0x00]);
      const reordered = jpegOf([...others, fake(0xcc), fake(0xc8), ...sof], rest);
      assert.deepEqual(sniffImage(reordered), { mime: 'image/jpeg', width: 3, height: 2 });
    });

    it('skips fill bytes before markers and an Exif APP1 segment', () => {
      const { segments, rest } = jpegSegments(JPEG_3X2);
      const exif = Uint8Array.from([0xff, 0xe1, 0x00, 0x10, ...Buffer.from('Exif\0\0MM\0*\0\0\0\x08', 'latin1')]);
      const filled = segments.map((s) => ({ marker: s.marker, bytes: new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), s.bytes])) }));
      assert.deepEqual(sniffImage(jpegOf([exif, ...filled], rest)), { mime: 'image/jpeg', width: 3, height: 2 });
    });

    it('reads progressive and other SOF markers (C1, C2, C3, C9, CF)', () => {
      const { segments, rest } = jpegSegments(JPEG_3X2);
      for (const marker of [0xc1, 0xc2, 0xc3, 0xc5, 0xc9, 0xcf]) {
        const patched = segments.map((s) => (s.marker === 0xc0 ? { marker, bytes: Uint8Array.from([0xff, marker, ...s.bytes.subarray(2)]) } : s));
        assert.deepEqual(sniffImage(jpegOf(patched, rest)), { mime: 'image/jpeg', width: 3, height: 2 }, marker.toString(16));
      }
    });

    it('returns undefined for JPEGs that reach SOS or EOI before a frame, or have a bad segment length', () => {
      const { segments, rest } = jpegSegments(JPEG_3X2);
      const app0 = segments[0]!;
      assert.equal(sniffImage(jpegOf([app0], rest)), undefined, 'SOS first');
      assert.equal(sniffImage(jpegOf([app0, Uint8Array.from([0xff, 0xd9])], rest)), undefined, 'EOI first');
      assert.equal(sniffImage(jpegOf([Uint8Array.from([0xff, 0xe0, 0x00, 0x01])], rest)), undefined, 'length 1');
      assert.equal(sniffImage(jpegOf([Uint8Array.from([0xff, 0xe0, 0xff, 0xff, 0x00])], new Uint8Array())), undefined, 'length past the end');
      assert.equal(sniffImage(jpegOf([Uint8Array.from([0x12, 0x34])], rest)), undefined, 'not a marker');
      assert.equal(sniffImage(jpegOf([Uint8Array.from([0xff, 0xc0, 0x00, 0x05, 0x08, 0x00, 0x02])], rest)), undefined, 'short SOF');
    });

    it('returns undefined for every truncation of a PNG, GIF or JPEG header and never throws', () => {
      const cases: Array<[string, Uint8Array, number]> = [
        ['png', realPng(5, 7), 8 + 25],
        ['gif89a', GIF89A_1X1, 13],
        ['gif87a', GIF87A_300X200, 13],
        ['jpeg', JPEG_3X2, endOfSof(JPEG_3X2)],
      ];
      for (const [name, bytes, needed] of cases) {
        const full = sniffImage(bytes);
        assert.notEqual(full, undefined);
        for (let n = 0; n <= bytes.length; n++) {
          const cut = bytes.slice(0, n);
          const info = sniffImage(cut);
          if (n < needed) {
            assert.equal(info, undefined, `${name} cut to ${n} bytes`);
            const check = checkImage(cut);
            assert.equal(check.ok ? 'ok' : check.code, 'ERR_IMAGE_TYPE');
          } else {
            assert.deepEqual(info, full, `${name} cut to ${n} bytes`);
          }
        }
      }
    });

    it('never throws on random bytes, alone or after each magic number', () => {
      const magics = [[], [...SIGNATURE], [...Buffer.from('GIF89a')], [...Buffer.from('GIF87a')], [0xff, 0xd8, 0xff]];
      fc.assert(
        fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 200 }), (magic, tail) => {
          const bytes = Uint8Array.from([...magic, ...tail]);
          const info = sniffImage(bytes);
          if (info !== undefined) {
            assert.ok(Number.isInteger(info.width) && info.width >= 0 && info.width <= 0x7fffffff);
            assert.ok(Number.isInteger(info.height) && info.height >= 0 && info.height <= 0x7fffffff);
          }
          const check = checkImage(bytes);
          assert.equal(check.ok, info !== undefined && info.width >= 1 && info.height >= 1 && info.width <= MAX_IMAGE_EDGE && info.height <= MAX_IMAGE_EDGE);
        }),
        { numRuns: 3000 },
      );
    });

    it('takes the type from the magic bytes only: a MIME type as text, SVG, a PNG one byte in are none of them', () => {
      assert.equal(sniffImage(Buffer.from('image/png')), undefined);
      assert.equal(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined);
      assert.equal(sniffImage(Buffer.concat([Buffer.from([0]), Buffer.from(realPng(2, 2))])), undefined);
      assert.equal(sniffImage(new Uint8Array()), undefined);
    });
  });

  describe('checkImage', () => {
    it('accepts real images within the limits', () => {
      for (const bytes of [realPng(MAX_IMAGE_EDGE, 1), GIF89A_1X1, JPEG_3X2]) {
        const check = checkImage(bytes);
        assert.ok(check.ok, JSON.stringify(check));
      }
    });

    it('rejects a PNG header claiming 40,000 × 40,000 pixels with ERR_IMAGE_DIMENSIONS and a readable message', () => {
      assert.deepEqual(checkImage(pngHeader(40_000, 40_000)), {
        ok: false,
        code: 'ERR_IMAGE_DIMENSIONS',
        message: 'The image is 40,000 × 40,000 pixels; the limit is 4,096 × 4,096',
      });
    });

    it('rejects one pixel over the edge limit in either direction, in every format', () => {
      const wide = realPng(MAX_IMAGE_EDGE + 1, 1);
      const tall = pngHeader(1, MAX_IMAGE_EDGE + 1);
      const gif = Buffer.from(GIF87A_300X200);
      gif.writeUInt16LE(MAX_IMAGE_EDGE + 1, 6);
      const jpeg = Buffer.from(JPEG_3X2);
      const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0])); // FF C0, length (2), precision, height (2), width (2)
      jpeg.writeUInt16BE(MAX_IMAGE_EDGE + 1, sof + 7);
      for (const bytes of [wide, tall, gif, jpeg]) {
        const check = checkImage(bytes);
        assert.equal(check.ok ? 'ok' : check.code, 'ERR_IMAGE_DIMENSIONS');
      }
      const message = checkImage(wide);
      assert.equal(message.ok ? '' : message.message, 'The image is 4,097 × 1 pixels; the limit is 4,096 × 4,096');
    });

    it('rejects a GIF or JPEG with a zero edge with ERR_IMAGE_DIMENSIONS', () => {
      const gif = Buffer.from(GIF89A_1X1);
      gif.writeUInt16LE(0, 6);
      assert.deepEqual(checkImage(gif), { ok: false, code: 'ERR_IMAGE_DIMENSIONS', message: 'The image is 0 × 1 pixels; it needs at least 1 × 1' });
    });

    it('rejects more than MAX_IMAGE_BYTES with ERR_IMAGE_TOO_LARGE and accepts exactly the limit', () => {
      const header = pngHeader(100, 100);
      const atLimit = new Uint8Array(MAX_IMAGE_BYTES);
      atLimit.set(header);
      assert.ok(checkImage(atLimit).ok);
      const over = new Uint8Array(MAX_IMAGE_BYTES + 1);
      over.set(header);
      assert.deepEqual(checkImage(over), { ok: false, code: 'ERR_IMAGE_TOO_LARGE', message: 'The image is 4.1 MB; the limit is 4 MB' });
    });

    it('rejects what is not a PNG, JPEG or GIF with ERR_IMAGE_TYPE', () => {
      assert.deepEqual(checkImage(Buffer.from('BM6\0\0\0')), { ok: false, code: 'ERR_IMAGE_TYPE', message: 'This is not a PNG, JPEG or GIF image' });
    });
  });

  describe('fitWithin', () => {
    it('keeps sizes that already fit and scales larger ones down to the edge, keeping the aspect ratio', () => {
      assert.deepEqual(fitWithin(100, 50, 4096), { width: 100, height: 50 });
      assert.deepEqual(fitWithin(4096, 4096, 4096), { width: 4096, height: 4096 });
      assert.deepEqual(fitWithin(8192, 4096, 4096), { width: 4096, height: 2048 });
      assert.deepEqual(fitWithin(40_000, 40_000, 4096), { width: 4096, height: 4096 });
      assert.deepEqual(fitWithin(3000, 6000, 1000), { width: 500, height: 1000 });
      assert.deepEqual(fitWithin(100_000, 1, 4096), { width: 4096, height: 1 });
    });

    it('returns integers from 1 to maxEdge with nearly the same aspect ratio', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000 }), (w, h, edge) => {
          const fit = fitWithin(w, h, edge);
          for (const v of [fit.width, fit.height]) assert.ok(Number.isInteger(v) && v >= 1 && v <= Math.max(edge, 1));
          assert.equal(Math.max(fit.width, fit.height), Math.min(edge, Math.max(w, h)));
          // Rounding moves each edge by at most half a pixel, clamping to 1 by less than one.
          const scale = Math.min(1, edge / Math.max(w, h));
          assert.ok(Math.abs(fit.width - w * scale) <= 1 && Math.abs(fit.height - h * scale) <= 1);
        }),
      );
    });

    it('throws a RangeError for sizes that are not finite numbers > 0', () => {
      const bad: Array<[number, number, number]> = [[0, 1, 1], [1, -1, 1], [1, 1, 0], [Number.NaN, 1, 1], [1, Infinity, 1]];
      for (const [w, h, edge] of bad) {
        assert.throws(() => fitWithin(w, h, edge), RangeError);
      }
    });
  });
});
