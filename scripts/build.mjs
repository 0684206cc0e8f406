// Bundles the three programs of Team Notes with esbuild:
//   dist/extension.js  the VS Code extension (Node, CommonJS, `vscode` left external)
//   dist/network.js    the extension's network layer (src/net), loaded on first use (see lazyNetwork below)
//   dist/libsodium.js  libsodium for the extension, loaded on first use (see lazyLibsodium below)
//   dist/webview.js    the board that runs inside the webview (browser, IIFE)
//   dist/cli.js        the terminal tools: repository server and chat peer (Node, CommonJS)
// Type checking is separate (`npm run typecheck`); esbuild only strips types.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

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

const netDir = resolve('src/net');
/** The modules of src/net, by name: what dist/network.js exposes. */
const netModules = readdirSync(netDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

/** The names a module exports at run time (types are erased, so listing one does no harm). */
function runtimeExports(file) {
  const source = readFileSync(file, 'utf8');
  const names = new Set();
  for (const m of source.matchAll(/^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|enum)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^export\s+\{([^}]*)\}/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
      if (name && !part.trim().startsWith('type ')) names.add(name);
    }
  }
  if (/^export\s+\*/m.test(source)) throw new Error(`${file}: "export *" cannot be made lazy; name the exports`);
  return [...names];
}

/**
 * The network layer is most of the extension's code, yet activation needs none of it: nothing
 * connects before the user joins a group. Loaded with the rest, compiling and running its modules
 * would be most of the time VS Code waits for the extension to activate. So dist/network.js holds
 * src/net, and in dist/extension.js each import of a src/net module from outside src/net becomes an
 * object whose getters load dist/network.js on first touch. Every src/net module then exists once
 * (in dist/network.js), so `instanceof NetError` holds across the two files. An import used at a
 * module's top level would load the network at activation: the package check (scripts/vsix.ts)
 * and the activation benchmark catch that.
 */
const lazyNetwork = {
  name: 'lazy-network',
  setup(build) {
    build.onResolve({ filter: /\/net\/[A-Za-z]+$/ }, (args) => {
      const file = resolve(args.resolveDir, `${args.path}.ts`);
      if (dirname(file) !== netDir || dirname(args.importer) === netDir) return undefined;
      return { path: basename(file, '.ts'), namespace: 'lazy-network' };
    });
    build.onResolve({ filter: /^\.\/network\.js$/ }, () => ({ path: './network.js', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-network' }, (args) => ({
      loader: 'js',
      contents: `const load = () => require('./network.js').${args.path};
Object.defineProperty(exports, '__esModule', { value: true });
for (const name of ${JSON.stringify(runtimeExports(join(netDir, `${args.path}.ts`)))}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
    }));
  },
};

/**
 * Each module that imports `vscode` would get its own copy of the API's namespace from esbuild's
 * CommonJS interop (a getter per name, about 160 of them, in each of some 30 modules: milliseconds
 * of the activation VS Code waits for). So every import of `vscode` resolves to one module of the
 * bundle that re-exports the real one: the copy is made once.
 */
const oneVscodeNamespace = {
  name: 'one-vscode-namespace',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-api' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-api' }));
    build.onLoad({ filter: /.*/, namespace: 'vscode-api' }, () => ({ loader: 'js', contents: "export * from 'vscode';" }));
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
    plugins: [oneVscodeNamespace, lazyNetwork, lazyLibsodium],
  },
  {
    ...common,
    stdin: { contents: netModules.map((name) => `export * as ${name} from './src/net/${name}';`).join('\n'), resolveDir: '.', sourcefile: 'network.js' },
    outfile: 'dist/network.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
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
