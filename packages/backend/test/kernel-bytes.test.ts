// The browser build embeds the kernels' wasm (src/browser/kernel-bytes.ts): its bytes must be the
// committed wasm/*.wasm files' bytes, so the page runs the same kernels as Node.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelWasmBytes as browserBytes } from '../src/browser/kernel-bytes.js';
import { kernelWasmBytes as nodeBytes } from '../src/kernel-bytes.js';

describe('embedded kernel wasm (browser build)', () => {
  for (const shared of [false, true]) {
    it(`equals wasm/${shared ? 'kernels-shared' : 'kernels'}.wasm byte for byte`, () => {
      const file = readFileSync(
        new URL(`../wasm/${shared ? 'kernels-shared' : 'kernels'}.wasm`, import.meta.url),
      );
      expect(Buffer.from(browserBytes(shared)).equals(file)).toBe(true);
      expect(Buffer.from(nodeBytes(shared)).equals(file)).toBe(true);
    });
  }
});
