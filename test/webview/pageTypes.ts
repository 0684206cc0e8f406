/**
 * Types for the few browser globals that the functions given to `page.evaluate` use. Those
 * functions run in Chromium, but this file is type-checked with the Node tsconfig, which has no DOM
 * library (adding it would let src/net use browser globals unnoticed). Each test module declares
 * the globals it needs, module-locally, with these types:
 *
 *   declare const document: PageDocument;
 */

export interface PageElement {
  readonly tagName: string;
  textContent: string | null;
  readonly classList: { contains(name: string): boolean; add(name: string): void };
  readonly children: ArrayLike<PageElement> & Iterable<PageElement>;
  readonly style: { left: string; top: string; width: string; height: string; zIndex: string; transform: string; translate: string; fontFamily: string; fontSize: string; getPropertyValue(name: string): string; setProperty(name: string, value: string): void };
  readonly dataset: Record<string, string | undefined>;
  scrollLeft: number;
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  closest(selector: string): PageElement | null;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  append(...nodes: PageElement[]): void;
  remove(): void;
}

export interface PageDocument {
  readonly body: PageElement;
  readonly activeElement: PageElement | null;
  readonly scripts: { readonly length: number };
  createElement(tag: string): PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}

export interface PageStyle {
  backgroundColor: string;
  color: string;
  alignSelf: string;
  whiteSpace: string;
  fontSize: string;
  overflow: string;
  maxHeight: string;
}

/** The page's window with the test stub's records (see harness.ts). */
export interface PageWindow {
  __posted: unknown[];
  __viewReports: unknown[];
  __cspViolations: unknown[];
  __pwned?: number;
  __inline?: number;
  addEventListener(type: 'message', listener: () => void, options: { once: boolean }): void;
  requestAnimationFrame(callback: (time: number) => void): number;
  postMessage(message: unknown, targetOrigin: string): void;
}
