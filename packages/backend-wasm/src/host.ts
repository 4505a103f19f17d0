/**
 * What the wasm backend asks of its host to pick a thread count: cores, load, GPTFT_WASM_THREADS
 * (Node's). The browser build swaps this module for `browser/host.ts` (package.json `browser` map).
 */
export { availableParallelism, loadavg } from 'node:os';

/** `GPTFT_WASM_THREADS`, trimmed (undefined when unset or empty). */
export function envThreads(): string | undefined {
  return process.env.GPTFT_WASM_THREADS?.trim() || undefined;
}
