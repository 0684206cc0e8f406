/**
 * `--cpu-prof` for the board benchmarks: the page's V8 CPU profile over one measured step, written
 * to .cache/bench-board/prof/<name>.cpuprofile (open it in Chrome DevTools).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const PROFILE = process.argv.includes('--cpu-prof');

const ROOT = join(__dirname, '..', '..');

export async function startProfile(page: Page): Promise<{ stop(name: string): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await cdp.send('Profiler.stop');
      const dir = join(ROOT, '.cache', 'bench-board', 'prof');
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      console.log(`  CPU profile: ${file}`);
    },
  };
}
