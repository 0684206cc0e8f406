import { strict as assert } from 'node:assert';
import { withSharedBuffers, withSharedImageBytes } from '../../src/board/sharedImageBytes';
import type { BoardImage, BoardItem, BoardStroke } from '../../src/webview/protocol';

const author = { id: 'alice-0000000000000001', name: 'Alice' };
const image = (id: string, bytes: number[]): BoardImage => ({ kind: 'image', id, author, x: 0, y: 0, order: 1, mime: 'image/png', bytes: new Uint8Array(bytes), width: 10, height: 10 });

describe('withSharedImageBytes', () => {
  it('puts every image\'s bytes into one buffer, each image a view with its own bytes, and leaves the items given unchanged', () => {
    const note: BoardItem = { kind: 'note', id: 'n', author, x: 0, y: 0, order: 2, text: 'hi', font: 'sans-serif', size: 16, colour: '#f5e17a' };
    const a = image('a', [1, 2, 3]);
    const b = image('b', [4, 5]);
    const [sharedA, sharedNote, sharedB] = withSharedImageBytes([a, note, b]) as [BoardImage, BoardItem, BoardImage];
    assert.equal(sharedNote, note, 'items without bytes are passed on as they are');
    assert.equal(sharedA.bytes.buffer, sharedB.bytes.buffer, 'both images are views on one buffer');
    assert.equal(sharedA.bytes.buffer.byteLength, 5);
    assert.deepEqual([...sharedA.bytes], [1, 2, 3]);
    assert.deepEqual([...sharedB.bytes], [4, 5]);
    assert.notEqual(sharedA, a);
    assert.deepEqual([...a.bytes], [1, 2, 3]);
    assert.notEqual(a.bytes.buffer, sharedA.bytes.buffer, 'the items given keep their own bytes');
  });

  it('returns a board without images as it is', () => {
    const items: BoardItem[] = [{ kind: 'stroke', id: 's', author, x: 0, y: 0, order: 1, points: Float64Array.of(0, 0, 1, 1), width: 2, colour: '#3794ff' }];
    assert.deepEqual(withSharedImageBytes(items), items);
  });
});

describe('withSharedBuffers', () => {
  it('puts every stroke\'s points into one Float64Array buffer and the image bytes into another, leaving the items given unchanged', () => {
    const stroke = (id: string, points: number[]): BoardStroke => ({ kind: 'stroke', id, author, x: 0, y: 0, order: 3, points: Float64Array.from(points), width: 2, colour: '#3794ff' });
    const s1 = stroke('s1', [0, 0, 1.5, 2]);
    const s2 = stroke('s2', [-3, 4]);
    const img = image('a', [9]);
    const [shared1, sharedImage, shared2] = withSharedBuffers([s1, img, s2]) as [BoardStroke, BoardImage, BoardStroke];
    assert.equal(shared1.points.buffer, shared2.points.buffer, 'both strokes are views on one buffer');
    assert.equal(shared1.points.buffer.byteLength, 6 * Float64Array.BYTES_PER_ELEMENT);
    assert.deepEqual([...shared1.points], [0, 0, 1.5, 2]);
    assert.deepEqual([...shared2.points], [-3, 4]);
    assert.deepEqual([...sharedImage.bytes], [9]);
    assert.notEqual(s1.points.buffer, shared1.points.buffer, 'the items given keep their own points');
  });
});
