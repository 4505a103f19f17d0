/**
 * The browser build's stand-in for `threads.ts` (package.json `browser` map): a page needs none of
 * Node's patches. tfjs starts its own pthread workers when the page is cross-origin isolated
 * (COOP `same-origin` + COEP `require-corp`), which `threadsUnsupportedReason` checks.
 */
export { threadsUnsupportedReason } from '../thread-support.js';

export async function withNodeThreadPatches<T>(_threads: number, init: () => Promise<T>): Promise<T> {
  return init();
}
