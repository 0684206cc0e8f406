/** The `.vsix` that `npm run package` builds holds only what runs and meets its size targets. */
import { strict as assert } from 'node:assert';
import { describeVsix, listVsix, notMinified, readVsixEntry, vsixProblems, vsixTargets } from '../../scripts/vsix';
import { currentVsix, version } from './vsixFile';

describe('the packaged .vsix', () => {
  it(`is team-notes-${version}.vsix: only what runs, under 2 MB and 50 files, dist/extension.js minified under 250 KB`, () => {
    const vsix = currentVsix();
    assert.deepEqual(vsixProblems(vsix), [], `the package misses its targets:\n${describeVsix(vsix)}`);
    const extensionJs = listVsix(vsix).find((e) => e.name === 'extension/dist/extension.js')!;
    assert.ok(extensionJs.size < vsixTargets.maxExtensionJsBytes);
  });

  it('ships dist/ minified and without source maps, and its manifest points at it', () => {
    const vsix = currentVsix();
    const entries = listVsix(vsix);
    assert.deepEqual(entries.filter((e) => e.name.endsWith('.map')).map((e) => e.name), []);
    for (const bundle of ['extension', 'network', 'webview', 'cli']) {
      assert.equal(notMinified(readVsixEntry(vsix, `extension/dist/${bundle}.js`).toString('utf8')), undefined, `dist/${bundle}.js`);
    }
    const manifest = JSON.parse(readVsixEntry(vsix, 'extension/package.json').toString('utf8')) as { main: string; name: string; publisher: string; version: string };
    assert.deepEqual({ id: `${manifest.publisher}.${manifest.name}`, main: manifest.main, version: manifest.version }, { id: 'team-notes.team-notes', main: './dist/extension.js', version });
  });
});
