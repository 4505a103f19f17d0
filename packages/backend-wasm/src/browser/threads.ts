/**
 * The browser build's stand-in for `threads.ts` (package.json `browser` map). tfjs starts its own
 * pthread workers when the page is cross-origin isolated (COOP `same-origin` + COEP
 * `require-corp`), which `threadsUnsupportedReason` checks. None of Node's patches are needed but
 * one: tfjs' C++ sizes its thread pool as min(requested, logical cores / 2) — one thread on a
 * 2-core machine — and Emscripten reads the logical cores from `navigator.hardwareConcurrency`;
 * while the backend initialises, it reports 2 × threads, so the pool gets the threads asked for.
 */
export { threadsUnsupportedReason } from '../thread-support.js';

export async function withNodeThreadPatches<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav) return init();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await init();
  } finally {
    // The own property shadowed the prototype's getter; removing it restores the real value.
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}
