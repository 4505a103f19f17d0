import { useBackend } from '@gptft/backend';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('threads unsupported by the runtime', () => {
  it('runs on one thread and names what is missing', async () => {
    const sab = globalThis.SharedArrayBuffer;
    // biome-ignore lint/performance/noDelete: the point is a runtime without it
    delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
    try {
      const active = await useBackend('wasm', { threads: 2 });
      expect(active.capabilities.threads).toBe(1);
      expect(active.reason).toMatch(
        /1 thread: 2 asked for by options.threads, but SharedArrayBuffer is not available/,
      );
    } finally {
      globalThis.SharedArrayBuffer = sab;
    }
  });

  it('rejects a bad GPTFT_WASM_THREADS with the value', async () => {
    const { requestedThreads } = await import('../src/index.js');
    process.env.GPTFT_WASM_THREADS = 'many';
    try {
      expect(() => requestedThreads({})).toThrow(
        /GPTFT_WASM_THREADS must be a positive integer, "auto" or "off", got "many"/,
      );
    } finally {
      delete process.env.GPTFT_WASM_THREADS;
    }
    expect(requestedThreads({ threads: 3 })).toEqual({ threads: 3, source: 'options.threads' });
  });
});
