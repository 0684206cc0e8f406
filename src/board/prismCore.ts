// src/board is reached through imports, not a tsconfig `include`, so the ambient declaration is referenced here.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./prismjs.d.ts" />
/**
 * prism-core, made visible to Prism's language components. Each component is a script that refers
 * to a global `Prism`. prism-core sets `global.Prism` itself only where `global` exists (Node); in a
 * browser bundle its `Prism` is module-scoped, so we publish it on `globalThis` here, and every
 * component module imported after this one finds it (ES module evaluation order, which esbuild keeps
 * in both the IIFE and the CJS bundles). prismLanguages.ts takes the global away again once the
 * components are loaded.
 */
import './prismGlobal';
import Prism from 'prismjs/components/prism-core';

(globalThis as { Prism?: unknown }).Prism = Prism;

export { Prism };
