/**
 * The snippet path check against hostile paths, on a real file system: two workspace folders and
 * a secret outside them in a temporary directory, with symlinks that lead in and out.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRelativePath, printablePath, resolveWorkspacePath } from '../../src/extension/workspacePath';
import type { WorkspacePathCode } from '../../src/extension/workspacePath';

describe('snippet paths in the workspace', () => {
  let base: string;
  let workspace: string;
  let second: string;
  let secret: string;

  before(() => {
    // realpath: the temporary directory itself may be reached through a symlink (macOS /tmp).
    base = realpathSync(mkdtempSync(join(tmpdir(), 'team-notes-paths-')));
    workspace = join(base, 'workspace');
    second = join(base, 'second');
    const outside = join(base, 'outside');
    for (const dir of [workspace, join(workspace, 'src', 'net'), second, join(second, 'docs'), outside]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(workspace, 'src', 'net', 'framing.ts'), 'export const frame = 1;\n');
    writeFileSync(join(workspace, '%2e%2e'), 'a file literally named %2e%2e\n');
    writeFileSync(join(workspace, '100%.md'), 'a percent sign\n');
    writeFileSync(join(second, 'docs', 'guide.md'), '# guide\n');
    secret = join(outside, 'secret.txt');
    writeFileSync(secret, 'not for peers\n');
    // Links inside the workspace that lead out of it: to a file, to a directory, and through a chain.
    symlinkSync(secret, join(workspace, 'innocent.txt'));
    symlinkSync(outside, join(workspace, 'src', 'vendor'));
    symlinkSync('../../outside/secret.txt', join(workspace, 'src', 'relative-link.txt'));
    symlinkSync(join(workspace, 'src', 'relative-link.txt'), join(workspace, 'chain.txt'));
    symlinkSync('/etc/passwd', join(workspace, 'passwd'));
    // Links that stay inside: within the folder, and into the other workspace folder.
    symlinkSync(join(workspace, 'src', 'net', 'framing.ts'), join(workspace, 'alias.ts'));
    symlinkSync(join(second, 'docs', 'guide.md'), join(workspace, 'guide-link.md'));
    symlinkSync(join(workspace, 'missing.txt'), join(workspace, 'dangling.txt'));
    symlinkSync('loop-b', join(workspace, 'loop-a'));
    symlinkSync('loop-a', join(workspace, 'loop-b'));
    execFileSync('mkfifo', [join(workspace, 'pipe')]);
  });

  after(() => {
    rmSync(base, { recursive: true, force: true });
  });

  const resolveIn = (path: unknown, folders = [workspace, second]) => resolveWorkspacePath(path, folders, false);

  async function refused(path: unknown, code: WorkspacePathCode, folders?: string[]): Promise<string> {
    const result = await resolveIn(path, folders);
    assert.equal(result.ok, false, `opened ${JSON.stringify(path)}: ${result.ok ? result.file : ''}`);
    assert.equal(result.ok ? undefined : result.code, code, `${JSON.stringify(path)}: ${result.ok ? '' : result.message}`);
    return result.ok ? '' : result.message;
  }

  it('opens a plain relative path in the folder that has it, by its real path', async () => {
    assert.deepEqual(await resolveIn('src/net/framing.ts'), { ok: true, file: join(workspace, 'src', 'net', 'framing.ts'), folder: workspace });
    assert.deepEqual(await resolveIn('docs/guide.md'), { ok: true, file: join(second, 'docs', 'guide.md'), folder: second });
    // A literal % is only a character: these are files of those names.
    assert.equal((await resolveIn('%2e%2e')).ok, false, 'an encoded ".." is refused even when a file has that name');
    assert.deepEqual(await resolveIn('100%.md'), { ok: true, file: join(workspace, '100%.md'), folder: workspace });
  });

  it('follows a symlink that stays inside a workspace folder, and opens its target', async () => {
    assert.deepEqual(await resolveIn('alias.ts'), { ok: true, file: join(workspace, 'src', 'net', 'framing.ts'), folder: workspace });
    assert.deepEqual(await resolveIn('guide-link.md'), { ok: true, file: join(second, 'docs', 'guide.md'), folder: workspace });
  });

  it('refuses traversal, absolute paths, drives and backslashes without touching the disk', async () => {
    const cases: [string, WorkspacePathCode][] = [
      ['../../etc/passwd', 'ERR_PATH_TRAVERSAL'],
      ['..', 'ERR_PATH_TRAVERSAL'],
      ['a/../../x', 'ERR_PATH_TRAVERSAL'],
      ['src/../../outside/secret.txt', 'ERR_PATH_TRAVERSAL'],
      ['src/net/..', 'ERR_PATH_TRAVERSAL'],
      ['...', 'ERR_PATH_TRAVERSAL'],
      ['.. /x', 'ERR_PATH_TRAVERSAL'],
      ['%2e%2e/x', 'ERR_PATH_TRAVERSAL'],
      ['%2E%2E/%2e%2e/etc/passwd', 'ERR_PATH_TRAVERSAL'],
      ['.%2e/x', 'ERR_PATH_TRAVERSAL'],
      ['%252e%252e/x', 'ERR_PATH_TRAVERSAL'],
      ['src%2f..%2f..%2fx', 'ERR_PATH_TRAVERSAL'],
      ['a%5c..%5cx', 'ERR_PATH_TRAVERSAL'],
      ['a%00b', 'ERR_PATH_TRAVERSAL'],
      ['/etc/passwd', 'ERR_PATH_ABSOLUTE'],
      ['//server/share/x', 'ERR_PATH_ABSOLUTE'],
      [`${secret}`, 'ERR_PATH_ABSOLUTE'],
      ['C:\\x', 'ERR_PATH_DRIVE'],
      ['C:/Windows/win.ini', 'ERR_PATH_DRIVE'],
      ['c:x', 'ERR_PATH_DRIVE'],
      ['src/D:/x', 'ERR_PATH_DRIVE'],
      ['..\\..\\etc\\passwd', 'ERR_PATH_BACKSLASH'],
      ['src\\net\\framing.ts', 'ERR_PATH_BACKSLASH'],
      ['\\\\server\\share', 'ERR_PATH_BACKSLASH'],
      ['src/net/framing.ts\u0000.png', 'ERR_PATH_CONTROL'],
      ['\u0000', 'ERR_PATH_CONTROL'],
      ['src/\u001b[31mred.ts', 'ERR_PATH_CONTROL'],
      ['src/\u202egnp.ts', 'ERR_PATH_CONTROL'],
      ['a\nb', 'ERR_PATH_CONTROL'],
      ['', 'ERR_PATH_INVALID'],
      ['./src/net/framing.ts', 'ERR_PATH_INVALID'],
      ['src//net/framing.ts', 'ERR_PATH_INVALID'],
      ['src/net/', 'ERR_PATH_INVALID'],
      ['x'.repeat(5000), 'ERR_PATH_INVALID'],
    ];
    const wrong: string[] = [];
    for (const [path, code] of cases) {
      // No folder needed: the form alone is refused.
      const form = checkRelativePath(path, false);
      const result = await resolveIn(path);
      if (form.ok || form.code !== code || result.ok || result.code !== code) wrong.push(`${JSON.stringify(path)}: ${form.ok ? 'ok' : form.code} / ${result.ok ? result.file : result.code}, expected ${code}`);
    }
    assert.deepEqual(wrong, []);
    for (const value of [undefined, null, 42, ['src'], { toString: () => 'src/net/framing.ts' }]) await refused(value, 'ERR_PATH_INVALID');
  });

  it('refuses a symlink inside the workspace that leads outside, however it gets there', async () => {
    await refused('innocent.txt', 'ERR_PATH_OUTSIDE');
    await refused('passwd', 'ERR_PATH_OUTSIDE');
    await refused('src/vendor/secret.txt', 'ERR_PATH_OUTSIDE');
    await refused('src/relative-link.txt', 'ERR_PATH_OUTSIDE');
    await refused('chain.txt', 'ERR_PATH_OUTSIDE');
  });

  it('follows the workspace folder itself through a symlink', async () => {
    const linkedFolder = join(base, 'linked-workspace');
    symlinkSync(workspace, linkedFolder);
    assert.deepEqual(await resolveIn('src/net/framing.ts', [linkedFolder]), { ok: true, file: join(workspace, 'src', 'net', 'framing.ts'), folder: linkedFolder });
    await refused('innocent.txt', 'ERR_PATH_OUTSIDE', [linkedFolder]);
  });

  it('refuses what is not a regular file, and says when nothing is there', async () => {
    await refused('src', 'ERR_PATH_NOT_FILE');
    await refused('pipe', 'ERR_PATH_NOT_FILE');
    await refused('dangling.txt', 'ERR_PATH_NOT_FOUND');
    await refused('loop-a', 'ERR_PATH_NOT_FOUND');
    await refused('src/net/framing.ts/x', 'ERR_PATH_NOT_FOUND');
    await refused('nowhere.ts', 'ERR_PATH_NOT_FOUND');
    await refused('src/net/framing.ts', 'ERR_PATH_NO_WORKSPACE', []);
    // A folder that is gone is skipped, not an error.
    assert.equal((await resolveIn('docs/guide.md', [join(base, 'gone'), second])).ok, true);
  });

  it('adds the rules of Windows paths on Windows', () => {
    const windows: [string, WorkspacePathCode][] = [
      ['CON', 'ERR_PATH_DEVICE'],
      ['src/nul.txt', 'ERR_PATH_DEVICE'],
      ['COM1', 'ERR_PATH_DEVICE'],
      ['src/file.ts.', 'ERR_PATH_DEVICE'],
      ['src/file.ts ', 'ERR_PATH_DEVICE'],
      ['src/file.ts:secret', 'ERR_PATH_DRIVE'],
    ];
    for (const [path, code] of windows) {
      const form = checkRelativePath(path, true);
      assert.equal(form.ok ? 'ok' : form.code, code, path);
      assert.equal(checkRelativePath(path, false).ok, true, `${path} is an ordinary name elsewhere`);
    }
  });

  it('shows the path in messages without its control characters, and not at any length', async () => {
    const message = await refused('../\u001b]8;;http://evil\u0007click\u202e\u0000', 'ERR_PATH_CONTROL');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.match(message, /click/);
    assert.ok(printablePath('y'.repeat(10_000)).length <= 160);
    assert.match(await refused('../../etc/passwd', 'ERR_PATH_TRAVERSAL'), /^Team Notes will not open "..\/..\/etc\/passwd": it climbs out of the folder with ".."\.$/);
  });
});
