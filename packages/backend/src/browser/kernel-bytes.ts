/**
 * The browser build's stand-in for `kernel-bytes.ts` (package.json `browser` map): the kernels'
 * wasm binaries embedded as base64 (13 kB each), decoded once.
 */
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-wasm.js';

const decoded = new Map<boolean, Uint8Array>();

/** `wasm/kernels.wasm`, or `wasm/kernels-shared.wasm` (for a shared memory). */
export function kernelWasmBytes(shared: boolean): Uint8Array {
  let bytes = decoded.get(shared);
  if (!bytes) {
    const text = atob(shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    decoded.set(shared, bytes);
  }
  return bytes;
}
