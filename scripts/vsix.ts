/**
 * What is inside a `.vsix` (a zip), read from its central directory with no dependency, and the
 * targets it must meet: only what runs, under 2 MB, under 50 files, every bundle minified, and
 * dist/extension.js (what activation loads) under 250 KB: the network layer is apart in
 * dist/network.js and libsodium's WebAssembly build (about 535 KB) in dist/libsodium.js, both loaded
 * on first join (scripts/build.mjs). Used by scripts/package.ts (refuses a package that misses them)
 * and by the tests.
 */
import { readFileSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface VsixEntry {
  name: string;
  size: number;
  compressedSize: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** Where the entry's local header starts. */
  offset: number;
}

export function listVsix(path: string): VsixEntry[] {
  const zip = readFileSync(path);
  // End of central directory: signature 0x06054b50, at least 22 bytes from the end (plus a comment).
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: VsixEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${i}`);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      size,
      compressedSize,
      method: zip.readUInt16LE(offset + 10),
      offset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The bytes of one file in the package. */
export function readVsixEntry(path: string, name: string): Buffer {
  const entry = listVsix(path).find((e) => e.name === name);
  if (!entry) throw new Error(`${path} holds no ${name}`);
  const zip = readFileSync(path);
  if (zip.readUInt32LE(entry.offset) !== 0x04034b50) throw new Error(`${path}: bad local header for ${name}`);
  const start = entry.offset + 30 + zip.readUInt16LE(entry.offset + 26) + zip.readUInt16LE(entry.offset + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${path}: ${name} uses compression method ${entry.method}`);
}

/** Why a bundle does not look like a production build (undefined: minified, no source map). */
export function notMinified(code: string): string | undefined {
  if (/sourceMappingURL/.test(code)) return 'it links a source map';
  const lines = code.split('\n').length;
  // esbuild's minified output is a handful of very long lines; a development build is one statement per line.
  if (code.length / lines < 200) return `${lines} lines averaging ${Math.round(code.length / lines)} characters: not minified`;
  return undefined;
}

export const vsixTargets = { maxBytes: 2 * 1024 * 1024, maxFiles: 50, maxExtensionJsBytes: 250 * 1024 };

/** Files a `.vsix` may hold: the manifest, package.json, readme, licence, changelog, dist/*.js, media/. */
const allowed = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/(readme|changelog)\.md$/i,
  /^extension\/LICENSE(\.txt)?$/i,
  /^extension\/dist\/(extension|network|libsodium|webview|cli)\.js$/,
  /^extension\/media\/[^/]+(\/[^/]+)*$/,
];

/** Every way the package misses its targets (empty: it meets them). */
export function vsixProblems(path: string): string[] {
  const entries = listVsix(path);
  const problems: string[] = [];
  const bytes = statSync(path).size;
  if (bytes >= vsixTargets.maxBytes) problems.push(`${bytes} bytes, the target is under ${vsixTargets.maxBytes}`);
  if (entries.length >= vsixTargets.maxFiles) problems.push(`${entries.length} files, the target is under ${vsixTargets.maxFiles}`);
  for (const required of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/network.js', 'extension/dist/libsodium.js', 'extension/dist/webview.js', 'extension/dist/cli.js']) {
    if (!entries.some((e) => e.name === required)) problems.push(`${required} is missing`);
  }
  const extensionJs = entries.find((e) => e.name === 'extension/dist/extension.js');
  if (extensionJs && extensionJs.size >= vsixTargets.maxExtensionJsBytes) {
    problems.push(`dist/extension.js is ${extensionJs.size} bytes, the target is under ${vsixTargets.maxExtensionJsBytes}`);
  }
  for (const bundle of ['extension', 'network', 'libsodium', 'webview', 'cli']) {
    const name = `extension/dist/${bundle}.js`;
    if (!entries.some((e) => e.name === name)) continue;
    const problem = notMinified(readVsixEntry(path, name).toString('utf8'));
    if (problem) problems.push(`dist/${bundle}.js: ${problem}`);
  }
  const stray = entries.filter((e) => !allowed.some((pattern) => pattern.test(e.name)));
  if (stray.length > 0) problems.push(`files that do not run: ${stray.map((e) => e.name).join(', ')}`);
  return problems;
}

/** `unzip -l`-like lines for a report. */
export function describeVsix(path: string): string {
  const entries = listVsix(path);
  const lines = entries.map((e) => `${String(e.size).padStart(9)}  ${e.name}`);
  lines.push(`${String(entries.reduce((n, e) => n + e.size, 0)).padStart(9)}  ${entries.length} files, ${statSync(path).size} bytes packed`);
  return lines.join('\n');
}
