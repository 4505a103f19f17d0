/**
 * The kernels' wasm binaries, read from the package's `wasm/` folder (Node). The browser build
 * swaps this module for `browser/kernel-bytes.ts` (package.json `browser` map), which holds the
 * same bytes embedded (`wasm/embed.mjs` writes them; a test checks they are the files' bytes).
 */
import { readFileSync } from 'node:fs';

/** `wasm/kernels.wasm`, or `wasm/kernels-shared.wasm` (for a shared memory). */
export function kernelWasmBytes(shared: boolean): Uint8Array {
  return readFileSync(new URL(`../wasm/${shared ? 'kernels-shared' : 'kernels'}.wasm`, import.meta.url));
}
