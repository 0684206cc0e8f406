import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { FrameDecoder, FrameType, encodeFrame } from '../../src/net/framing';
import type { Frame } from '../../src/net/framing';
import { MAX_XML_FRAME_BYTES } from '../../src/net/limits';
import { isNetError } from '../../src/net/errors';

const xml = (text: string): Buffer => encodeFrame(FrameType.Xml, Buffer.from(text));
const asText = (frames: Frame[]): string[] => frames.map((f) => `${f.type}:${f.payload.toString()}`);

describe('framing', () => {
  it('encodes a 4-byte big-endian length, the type byte, then the payload', () => {
    const frame = encodeFrame(FrameType.Binary, Buffer.from([7, 8, 9]));
    assert.deepEqual([...frame], [0, 0, 0, 3, 2, 7, 8, 9]);
  });

  it('decodes a stream fed one byte at a time', () => {
    const stream = Buffer.concat([xml('<a/>'), encodeFrame(FrameType.Binary, Buffer.from([1, 2, 3])), xml('<b/>')]);
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    for (const byte of stream) frames.push(...decoder.push(Buffer.from([byte])));
    assert.deepEqual(asText(frames), ['1:<a/>', `2:${Buffer.from([1, 2, 3]).toString()}`, '1:<b/>']);
    assert.equal(decoder.inFrame, false);
    decoder.end();
  });

  it('decodes a length prefix split across chunks', () => {
    const frame = xml('<hello/>');
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(frame.subarray(0, 2)), []);
    assert.deepEqual(decoder.push(frame.subarray(2, 4)), []);
    assert.equal(decoder.inFrame, true);
    assert.deepEqual(asText(decoder.push(frame.subarray(4))), ['1:<hello/>']);
  });

  it('decodes two frames that arrive in one chunk', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(asText(decoder.push(Buffer.concat([xml('<a/>'), xml('<b/>')]))), ['1:<a/>', '1:<b/>']);
  });

  it('decodes an empty payload', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(asText(decoder.push(xml(''))), ['1:']);
  });

  it('throws ERR_FRAME_TOO_LARGE from the header alone when the declared length exceeds the limit', () => {
    const decoder = new FrameDecoder();
    const header = Buffer.alloc(5);
    header.writeUInt32BE(MAX_XML_FRAME_BYTES + 1, 0);
    header.writeUInt8(FrameType.Xml, 4);
    assert.throws(() => decoder.push(header), (err) => isNetError(err, 'ERR_FRAME_TOO_LARGE'));
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('accepts a frame of exactly the limit and applies the binary limit to binary frames', () => {
    const decoder = new FrameDecoder({ [FrameType.Xml]: 10, [FrameType.Binary]: 20 });
    assert.equal(decoder.push(encodeFrame(FrameType.Xml, Buffer.alloc(10))).length, 1);
    assert.equal(decoder.push(encodeFrame(FrameType.Binary, Buffer.alloc(20))).length, 1);
    assert.throws(() => decoder.push(encodeFrame(FrameType.Binary, Buffer.alloc(21))), (err) => isNetError(err, 'ERR_FRAME_TOO_LARGE'));
  });

  it('throws ERR_FRAME_TYPE on an unknown type byte', () => {
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.push(Buffer.from([0, 0, 0, 1, 9, 0])), (err) => isNetError(err, 'ERR_FRAME_TYPE'));
  });

  it('throws ERR_TRUNCATED_FRAME when the stream ends mid-frame', () => {
    const decoder = new FrameDecoder();
    decoder.push(xml('<unfinished/>').subarray(0, 8));
    assert.throws(() => decoder.end(), (err) => isNetError(err, 'ERR_TRUNCATED_FRAME'));
  });

  it('throws ERR_TRUNCATED_FRAME when the stream ends inside the length prefix', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from([0, 0]));
    assert.throws(() => decoder.end(), (err) => isNetError(err, 'ERR_TRUNCATED_FRAME'));
  });

  it('refuses further input after an error', () => {
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.push(Buffer.from([0, 0, 0, 1, 9])));
    assert.throws(() => decoder.push(xml('<a/>')), (err) => isNetError(err));
  });

  it('returns the same frames however the stream is split (property)', () => {
    const payloads = fc.array(fc.tuple(fc.constantFrom(FrameType.Xml, FrameType.Binary), fc.uint8Array({ maxLength: 300 })), { maxLength: 12 });
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map(([type, payload]) => encodeFrame(type, payload)));
        const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const out: Frame[] = [];
        let start = 0;
        for (const point of [...points, stream.length]) {
          out.push(...decoder.push(stream.subarray(start, point)));
          start = point;
        }
        decoder.end();
        assert.deepEqual(
          out.map((f) => [f.type, [...f.payload]]),
          frames.map(([type, payload]) => [type, [...payload]]),
        );
      }),
    );
  });

  it('only ever throws coded errors on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const decoder = new FrameDecoder({ [FrameType.Xml]: 64, [FrameType.Binary]: 64 });
        try {
          decoder.push(bytes);
          decoder.end();
        } catch (err) {
          assert.ok(isNetError(err), String(err));
        }
      }),
    );
  });
});
