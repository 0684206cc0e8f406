/**
 * Text stored inside a PNG (tEXt / iTXt chunks), and the convention Team Notes uses to carry the
 * source of a code image with the image itself: whoever receives the picture can copy the code.
 * Pure: no Node, no DOM. Writing throws on bad input (it is our own data); reading never throws
 * (the bytes come from other peers).
 */
import type { CodeImageSource } from '../webview/protocol';
import { encodePngChunk, hasPngSignature, pngChunks } from './pngChunks';

/** Keywords of the code-image convention. `lines` is `"<startLine>-<endLine>"`, 1-based and inclusive. */
export const CODE_IMAGE_KEYS = {
  code: 'TeamNotes:code',
  language: 'TeamNotes:language',
  path: 'TeamNotes:path',
  lines: 'TeamNotes:lines',
} as const;

const TEXT_CHUNK_TYPES = new Set(['tEXt', 'iTXt', 'zTXt']);

/**
 * A PNG keyword: 1 to 79 printable Latin-1 characters (32–126, 161–255), no leading, trailing or
 * consecutive spaces (PNG specification, 11.3.4.2).
 */
export function isValidPngKeyword(keyword: string): boolean {
  if (keyword.length < 1 || keyword.length > 79) return false;
  if (keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) return false;
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword.charCodeAt(i);
    if (!((c >= 32 && c <= 126) || (c >= 161 && c <= 255))) return false;
  }
  return true;
}

/**
 * A copy of `png` with one uncompressed iTXt chunk per entry (keyword → UTF-8 text, no language
 * tag) inserted right before the first IDAT, in the entries' order. Text chunks already in the PNG
 * with one of these keywords are dropped, so that each keyword has one value. Lone UTF-16
 * surrogates in a text become U+FFFD (UTF-8 cannot carry them).
 * @throws Error when `png` is not a PNG with an IDAT chunk, or a keyword is not a valid PNG keyword.
 */
export function addPngText(png: Uint8Array, entries: Record<string, string>): Uint8Array {
  const keys = Object.keys(entries);
  for (const key of keys) {
    if (!isValidPngKeyword(key)) {
      throw new Error(`Invalid PNG text keyword ${JSON.stringify(key)}: it needs 1 to 79 printable Latin-1 characters without leading, trailing or double spaces`);
    }
  }
  if (!hasPngSignature(png)) throw new Error('Cannot add text to a PNG: the bytes do not start with the PNG signature');

  const encoder = new TextEncoder();
  const inserted = keys.map((key) => {
    const keyword = latin1Bytes(key);
    const text = encoder.encode(entries[key]!);
    // keyword NUL, compression flag 0, compression method 0, language tag "" NUL, translated keyword "" NUL, text
    const data = new Uint8Array(keyword.length + 5 + text.length);
    data.set(keyword, 0);
    data.set(text, keyword.length + 5);
    return encodePngChunk('iTXt', data);
  });

  const replaced = new Set(keys);
  const kept: Uint8Array[] = [png.subarray(0, 8)];
  let sawIdat = false;
  let sawIend = false;
  for (const chunk of pngChunks(png)) {
    if (chunk.type === 'IDAT' && !sawIdat) {
      sawIdat = true;
      kept.push(...inserted);
    }
    if (TEXT_CHUNK_TYPES.has(chunk.type)) {
      const keyword = chunkKeyword(png, chunk.dataStart, chunk.dataEnd);
      if (keyword !== undefined && replaced.has(keyword)) continue;
    }
    kept.push(png.subarray(chunk.start, chunk.end));
    if (chunk.type === 'IEND') sawIend = true;
  }
  if (!sawIdat || !sawIend) throw new Error('Cannot add text to a PNG: no image data (IDAT) or no end (IEND) found');

  const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The texts of a PNG's tEXt (Latin-1) and uncompressed iTXt (UTF-8) chunks, keyword → text.
 * Skips compressed iTXt and zTXt, chunks whose CRC does not match, invalid keywords and invalid
 * UTF-8; when a keyword appears twice the first one wins. `{}` for anything that is not a PNG.
 * Never throws.
 */
export function readPngText(png: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  if (!hasPngSignature(png)) return out;
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for (const chunk of pngChunks(png)) {
    if (!chunk.crcOk || (chunk.type !== 'tEXt' && chunk.type !== 'iTXt')) continue;
    const { dataStart, dataEnd } = chunk;
    const nul = indexOfNul(png, dataStart, dataEnd);
    if (nul < 0) continue;
    const keyword = latin1String(png, dataStart, nul);
    if (!isValidPngKeyword(keyword) || Object.prototype.hasOwnProperty.call(out, keyword)) continue;
    let text: string;
    if (chunk.type === 'tEXt') {
      text = latin1String(png, nul + 1, dataEnd);
    } else {
      // compression flag, compression method, language tag NUL, translated keyword NUL, text
      const flagAt = nul + 1;
      if (flagAt + 2 > dataEnd || png[flagAt] !== 0) continue;
      const languageEnd = indexOfNul(png, flagAt + 2, dataEnd);
      if (languageEnd < 0) continue;
      const translatedEnd = indexOfNul(png, languageEnd + 1, dataEnd);
      if (translatedEnd < 0) continue;
      try {
        text = utf8.decode(png.subarray(translatedEnd + 1, dataEnd));
      } catch {
        continue; // not UTF-8
      }
    }
    // defineProperty, not assignment: a chunk named "__proto__" must stay an ordinary entry.
    Object.defineProperty(out, keyword, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The PNG text entries that carry `source` (see `CODE_IMAGE_KEYS`). @throws Error when `source` is not valid. */
export function codeImageText(source: CodeImageSource): Record<string, string> {
  const problem = codeImageProblem(source.code, source.startLine, source.endLine);
  if (problem !== undefined) throw new Error(`Invalid code image source: ${problem}`);
  return {
    [CODE_IMAGE_KEYS.code]: source.code,
    [CODE_IMAGE_KEYS.language]: source.language,
    [CODE_IMAGE_KEYS.path]: source.path,
    [CODE_IMAGE_KEYS.lines]: `${source.startLine}-${source.endLine}`,
  };
}

/**
 * The code-image source carried by PNG text `entries` (from `readPngText`), or `undefined` when
 * they carry none or an invalid one: all four keys present, code not empty, lines `"a-b"` with
 * integers 1 ≤ a ≤ b.
 */
export function codeImageSource(entries: Record<string, string>): CodeImageSource | undefined {
  const own = (key: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(entries, key) && typeof entries[key] === 'string' ? entries[key] : undefined;
  const code = own(CODE_IMAGE_KEYS.code);
  const language = own(CODE_IMAGE_KEYS.language);
  const path = own(CODE_IMAGE_KEYS.path);
  const lines = own(CODE_IMAGE_KEYS.lines);
  if (code === undefined || language === undefined || path === undefined || lines === undefined) return undefined;
  const match = /^([1-9][0-9]{0,14})-([1-9][0-9]{0,14})$/.exec(lines);
  if (match === null) return undefined;
  const startLine = Number(match[1]);
  const endLine = Number(match[2]);
  if (codeImageProblem(code, startLine, endLine) !== undefined) return undefined;
  return { code, language, path, startLine, endLine };
}

function codeImageProblem(code: string, startLine: number, endLine: number): string | undefined {
  if (code.length === 0) return 'the code is empty';
  if (!Number.isSafeInteger(startLine) || startLine < 1) return `startLine must be an integer ≥ 1, not ${startLine}`;
  if (!Number.isSafeInteger(endLine) || endLine < startLine) return `endLine must be an integer ≥ startLine (${startLine}), not ${endLine}`;
  return undefined;
}

/** The keyword of a tEXt, zTXt or iTXt chunk (all start with `keyword NUL`), if there is one. */
function chunkKeyword(png: Uint8Array, dataStart: number, dataEnd: number): string | undefined {
  const nul = indexOfNul(png, dataStart, dataEnd);
  return nul < 0 ? undefined : latin1String(png, dataStart, nul);
}

/** The offset of the first 0 byte in `bytes[start, end)`, or -1. */
function indexOfNul(bytes: Uint8Array, start: number, end: number): number {
  const i = bytes.subarray(start, end).indexOf(0);
  return i < 0 ? -1 : start + i;
}

function latin1String(bytes: Uint8Array, start: number, end: number): string {
  // Not TextDecoder('latin1'): the Encoding Standard maps that label to windows-1252.
  let s = '';
  for (let i = start; i < end; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)));
  }
  return s;
}

function latin1Bytes(s: string): Uint8Array {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}
