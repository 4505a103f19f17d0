/** Whether WebAssembly threads can run here (Node or a page). */

/** Why threads cannot run in this process (or page), or undefined when they can. */
export function threadsUnsupportedReason(): string | undefined {
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available';
  if (typeof Atomics !== 'object') return 'Atomics is not available';
  try {
    // The smallest module with a shared memory and an atomic load (wasm-feature-detect's test).
    const bytes = [
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0,
      254, 16, 2, 0, 26, 11,
    ];
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    if (!wasm.validate(new Uint8Array(bytes))) return 'this runtime does not validate WebAssembly threads';
  } catch (error) {
    return `WebAssembly threads check failed: ${(error as Error).message}`;
  }
  return undefined;
}
