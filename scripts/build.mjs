// Bundles the three programs of Team Notes with esbuild:
//   dist/extension.js  the VS Code extension (Node, CommonJS, `vscode` left external)
//   dist/libsodium.js  libsodium for the extension, loaded on first use (see lazyLibsodium below)
//   dist/webview.js    the board that runs inside the webview (browser, IIFE)
//   dist/cli.js        the terminal tools: repository server and chat peer (Node, CommonJS)
// Type checking is separate (`npm run typecheck`); esbuild only strips types.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  legalComments: 'none',
};

/**
 * libsodium is half of the extension's code and compiles its WebAssembly as soon as it is loaded,
 * yet nothing needs it before the first join: loaded with the rest, it would be most of the time
 * VS Code waits for the extension to activate. So the extension's bundle gets, in its place, an
 * object that loads dist/libsodium.js on first touch (`cryptoReady()` in src/net/sodium.ts awaits
 * its `ready` before any primitive is called). `__esModule` is answered without loading: esbuild's
 * interop asks for it when the module is imported.
 */
const lazyLibsodium = {
  name: 'lazy-libsodium',
  setup(build) {
    build.onResolve({ filter: /^libsodium-wrappers-sumo$/ }, () => ({ path: 'libsodium', namespace: 'lazy-libsodium' }));
    build.onResolve({ filter: /^\.\/libsodium\.js$/ }, () => ({ path: './libsodium.js', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-libsodium' }, () => ({
      loader: 'js',
      contents: `let loaded;
const load = () => (loaded ??= require('./libsodium.js').default);
module.exports = new Proxy({}, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_, key) => key in load(),
});`,
    }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [lazyLibsodium],
  },
  {
    ...common,
    stdin: { contents: "export { default } from 'libsodium-wrappers-sumo';", resolveDir: '.', sourcefile: 'libsodium.js' },
    outfile: 'dist/libsodium.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: ['src/webview/app/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];

if (watch) {
  for (const options of builds) {
    const context = await esbuild.context(options);
    await context.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
