/**
 * CRC-32 as PNG (and zlib, gzip, Ethernet) defines it: reflected polynomial 0xEDB88320, initial value
 * and final XOR 0xFFFFFFFF. Table-driven, one byte per step; pure, no Node and no DOM.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 of `bytes[start, end)`, as an unsigned 32-bit integer.
 * @param start first byte (default 0)
 * @param end one past the last byte (default `bytes.length`)
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  const stop = Math.min(end, bytes.length);
  for (let i = Math.max(0, start); i < stop; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
