import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitLocationOf } from '../../src/extension/gitInfo';
import { fileForPin, pinPathOf, readPinFile } from '../../src/extension/pinFiles';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('git locations and pin paths', () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'team-notes-git-')));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function repo(at: string, head: string): string {
    mkdirSync(join(at, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(at, '.git', 'HEAD'), head);
    return join(at, '.git');
  }

  it('finds the root and the commit of a branch, loose or packed, and of a detached HEAD', async () => {
    const git = repo(join(root, 'project'), 'ref: refs/heads/main\n');
    mkdirSync(join(root, 'project', 'src', 'deep'), { recursive: true });
    const file = join(root, 'project', 'src', 'deep', 'x.ts');
    assert.deepEqual(await gitLocationOf(file), { root: join(root, 'project') }, 'no commit yet');
    writeFileSync(join(git, 'packed-refs'), `# pack-refs with: peeled\n${B} refs/heads/main\n`);
    assert.equal((await gitLocationOf(file))?.commit, B);
    writeFileSync(join(git, 'refs', 'heads', 'main'), `${A}\n`);
    assert.equal((await gitLocationOf(file))?.commit, A);
    writeFileSync(join(git, 'HEAD'), `${B}\n`);
    assert.equal((await gitLocationOf(file))?.commit, B);
  });

  it('follows a worktree\'s gitdir file and its commondir to the shared refs', async () => {
    const main = repo(join(root, 'main'), 'ref: refs/heads/main\n');
    writeFileSync(join(main, 'refs', 'heads', 'topic'), `${A}\n`);
    const own = join(main, 'worktrees', 'wt');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'HEAD'), 'ref: refs/heads/topic\n');
    writeFileSync(join(own, 'commondir'), '../..\n');
    mkdirSync(join(root, 'wt'));
    writeFileSync(join(root, 'wt', '.git'), `gitdir: ${own}\n`);
    assert.deepEqual(await gitLocationOf(join(root, 'wt', 'f.ts')), { root: join(root, 'wt'), commit: A });
  });

  it('makes a pin path relative to the git root, and finds it again from a workspace folder inside the repository', async () => {
    repo(join(root, 'project'), `${A}\n`);
    mkdirSync(join(root, 'project', 'packages', 'app', 'src'), { recursive: true });
    const file = join(root, 'project', 'packages', 'app', 'src', 'main.ts');
    writeFileSync(file, 'x\n');
    assert.deepEqual(await pinPathOf(file, []), { path: 'packages/app/src/main.ts', commit: A });
    assert.equal(await fileForPin('packages/app/src/main.ts', [join(root, 'project', 'packages', 'app')]), file);
    assert.equal(await fileForPin('packages/other/main.ts', [join(root, 'project', 'packages', 'app')]), undefined);
  });

  it('outside git, makes the path relative to the workspace folder, and refuses a file in neither', async () => {
    mkdirSync(join(root, 'ws', 'a'), { recursive: true });
    writeFileSync(join(root, 'ws', 'a', 'b.ts'), 'x\n');
    assert.deepEqual(await pinPathOf(join(root, 'ws', 'a', 'b.ts'), [join(root, 'ws')]), { path: 'a/b.ts' });
    await assert.rejects(pinPathOf(join(root, 'elsewhere.ts'), [join(root, 'ws')]), /neither/);
  });

  it('never resolves a pin path outside the workspace folder', async () => {
    mkdirSync(join(root, 'ws'));
    writeFileSync(join(root, 'secret.txt'), 'x\n');
    for (const path of ['../secret.txt', '/etc/passwd', 'a/../../secret.txt', '..']) assert.equal(await fileForPin(path, [join(root, 'ws')]), undefined, path);
  });

  it('names the file as the workspace does when the workspace folder is reached through a symlink', async () => {
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real', 'a.ts'), 'x\n');
    symlinkSync(join(root, 'real'), join(root, 'link'));
    assert.equal(await fileForPin('a.ts', [join(root, 'link')]), join(root, 'link', 'a.ts'));
  });

  it('refuses to read a binary file or one over the size limit', async () => {
    writeFileSync(join(root, 'bin'), Buffer.from([1, 0, 2]));
    assert.match(JSON.stringify(await readPinFile(join(root, 'bin'))), /binary/);
    writeFileSync(join(root, 'big'), Buffer.alloc(5 * 1024 * 1024 + 1, 0x61));
    assert.match(JSON.stringify(await readPinFile(join(root, 'big'))), /larger than 5 MB/);
  });
});
