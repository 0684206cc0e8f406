import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Replaces (or appends) the section of docs/benchmarks.md between `<!-- name:begin -->` and `<!-- name:end -->`. */
export function saveBenchmarkSection(name: string, body: string): void {
  const path = join(__dirname, '..', 'docs', 'benchmarks.md');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${begin}\n${body}\n${end}`;
  const doc = readFileSync(path, 'utf8');
  const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), () => section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
