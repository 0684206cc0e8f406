/**
 * Runs before prism-core (see prismCore.ts). prism-core reads `Prism.manual` and
 * `Prism.disableWorkerMessageHandler` from the global object when it loads: without them, in a page
 * it schedules `highlightAll()` over the document (rewriting the innerHTML of any element with a
 * `language-*` class), and in a worker it answers every `message` event. We want neither: only
 * `Prism.tokenize`, called by us.
 *
 * The global is ours only while the components load: whatever was there before (another copy of
 * Prism in the same extension host, say) is put back by `restorePrismGlobal` afterwards.
 */
type PrismGlobal = { Prism?: unknown };

const global = globalThis as PrismGlobal;
const before = { present: Object.prototype.hasOwnProperty.call(globalThis, 'Prism'), value: global.Prism };

global.Prism = { manual: true, disableWorkerMessageHandler: true };

/** Puts back the global `Prism` as it was before prism-core loaded. */
export function restorePrismGlobal(): void {
  if (before.present) global.Prism = before.value;
  else delete global.Prism;
}
