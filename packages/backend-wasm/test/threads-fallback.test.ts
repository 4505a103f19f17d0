// When threads cannot start, wasm runs on one thread and the reason is in `reason`.
import { useBackend } from '@gptft/backend';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('threads fall back to one thread with the reason', () => {
  it('when the worker scripts cannot be written (threaded build fails to start)', async () => {
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/gptft-test';
    try {
      const active = await useBackend('wasm', { threads: 2 });
      expect(active.capabilities.threads).toBe(1);
      expect(active.reason).toMatch(
        /1 thread: 2 asked for by options.threads, but the threaded build failed to start/,
      );
      expect(active.reason).toMatch(/ENOENT/);
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    // and it computes
    const { tf } = await import('@gptft/backend');
    expect(Array.from(await tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).data())).toEqual([3, 3, 3, 3]);
  });

  it('later requests for another thread count are noted, not silently ignored', async () => {
    const active = await useBackend('wasm', { threads: 3 });
    expect(active.capabilities.threads).toBe(1);
    expect(active.reason).toMatch(/already initialised with 1; the thread count is fixed/);
  });
});
