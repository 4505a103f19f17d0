// Threaded wasm: starts in Node, computes the same numbers (the conformance suite), and the process
// can still exit. Each vitest file runs in its own process, so this one owns its wasm module.
import { runBackendConformance } from '@gptft/backend/conformance';
import { currentBackend, tf } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fastMatMulStats,
  installFastMatMul,
  resetFastMatMulStats,
  setFastMatMulEngine,
  uninstallFastMatMul,
} from '../src/index.js';

runBackendConformance('wasm', { describe, it, beforeAll }, { threads: 2 }, { label: '2 threads' });

describe('threaded wasm', () => {
  it('runs with 2 threads and says so', () => {
    const active = currentBackend()!;
    // The reason first: when threads did not start, it says why (a failure shows it).
    expect(active.reason).toMatch(/2 threads/);
    expect(active.capabilities.threads).toBe(2);
    const pthread = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: unknown[] } } }).wasm
      .PThread;
    expect(pthread?.runningWorkers.length).toBeGreaterThanOrEqual(1);
  });
});

describe('gemm on two threads', () => {
  // Split by rows (M ≥ N) and by columns (N > M, at a multiple of 16, with a partial panel): the
  // helper thread computes its share in place on the shared heap, the same numbers as tfjs' kernel.
  for (const [M, K, N] of [
    [200, 300, 40],
    [64, 300, 203],
  ] as const) {
    it(`[${M}, ${K}]·[${K}, ${N}] equals tfjs' kernel and ran split`, async () => {
      const a = tf.randomUniform([M, K], -1, 1, 'float32', 3);
      const b = tf.randomUniform([K, N], -1, 1, 'float32', 4);
      uninstallFastMatMul();
      const reference = tf.matMul(a, b);
      const expected = await reference.data();
      installFastMatMul();
      setFastMatMulEngine('gemm');
      resetFastMatMulStats();
      try {
        for (let run = 0; run < 3; run++) {
          const c = tf.matMul(a, b);
          const got = await c.data();
          let worst = 0;
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
          expect(worst).toBeLessThan(1e-5);
          c.dispose();
        }
        expect(fastMatMulStats.gemmSplit).toBe(3);
      } finally {
        setFastMatMulEngine('auto');
        tf.dispose([a, b, reference]);
      }
    });
  }

  it('the helper thread sees the heap after it grew (operands and output in the new part)', async () => {
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const before = heap();
    const filler = tf.zeros([(before + 64 * 2 ** 20) / 4]); // past the current end: the heap grows
    expect(heap()).toBeGreaterThan(before);
    const a = tf.randomUniform([96, 300], -1, 1, 'float32', 8);
    const b = tf.randomUniform([300, 120], -1, 1, 'float32', 9);
    uninstallFastMatMul();
    const expected = await tf.matMul(a, b).data();
    installFastMatMul();
    setFastMatMulEngine('gemm');
    resetFastMatMulStats();
    try {
      const c = tf.matMul(a, b);
      const got = await c.data();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      expect(worst).toBeLessThan(1e-5);
      expect(fastMatMulStats.gemmSplit).toBe(1);
      c.dispose();
    } finally {
      setFastMatMulEngine('auto');
      tf.dispose([a, b, filler]);
    }
  });
});
