/**
 * The browser build's stand-in for `gemm-helper.ts` (package.json `browser` map): a page would need
 * a worker script URL of its own; `gemm` runs on the calling thread there, and threaded pages use
 * XNNPACK's thread pool instead.
 */
import type { WasmMemory } from '@gptft/backend';
import type { GemmHelper } from '../gemm-helper.js';

export function gemmHelper(_memory: WasmMemory): GemmHelper | undefined {
  return undefined;
}
