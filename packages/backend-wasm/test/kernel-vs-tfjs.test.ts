// gptft's BatchMatMul kernel against tfjs-wasm's own, on the same inputs: same shapes, same numbers
// (to float32 rounding), on training- and decode-shaped products, both routes, on XNNPACK and on
// gptft's `gemm`; and it really runs there (no fallback to the scalar loop).
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fastMatMulStats,
  installFastMatMul,
  resetFastMatMulStats,
  setFastMatMulEngine,
  setFastMatMulRoute,
  uninstallFastMatMul,
} from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(() => {
  setFastMatMulRoute('auto');
  setFastMatMulEngine('auto');
  installFastMatMul();
});

const shapes: [string, number[], number[], boolean, boolean][] = [
  ['linear forward [4,32,48]·[48,96]', [4, 32, 48], [48, 96], false, false],
  ['linear dX [128,96]·[48,96]ᵀ', [128, 96], [48, 96], false, true],
  ['linear dW [128,48]ᵀ·[128,96]', [128, 48], [128, 96], true, false],
  ['attention q·kᵀ [2,4,33,16]', [2, 4, 33, 16], [2, 4, 33, 16], false, true],
  ['attention dK: dSᵀ·q [8,33,33]ᵀ·[8,33,16]', [8, 33, 33], [8, 33, 16], true, false],
  ['decode q·kᵀ with one row [12,1,64]·[12,40,64]ᵀ', [12, 1, 64], [12, 40, 64], false, true],
  ['both transposed [70,40]ᵀ·[36,70]ᵀ', [70, 40], [36, 70], true, true],
  [
    'LM head of a decoding step [2,260]·[301,260]ᵀ (dot products with rows of B)',
    [2, 260],
    [301, 260],
    false,
    true,
  ],
];

describe("gptft's wasm matMul kernel equals tfjs-wasm's", () => {
  for (const [label, aShape, bShape, tA, tB] of shapes) {
    it(label, async () => {
      const a = tf.randomUniform(aShape, -1, 1, 'float32', 1);
      const b = tf.randomUniform(bShape, -1, 1, 'float32', 2);
      uninstallFastMatMul();
      const reference = tf.matMul(a, b, tA, tB);
      const expected = Array.from(await reference.data());
      installFastMatMul();
      for (const engine of ['xnnpack', 'gemm', 'auto'] as const)
        for (const route of ['direct', 'transposed', 'auto'] as const) {
          setFastMatMulEngine(engine);
          setFastMatMulRoute(route);
          resetFastMatMulStats();
          const c = tf.matMul(a, b, tA, tB);
          expect(c.shape).toEqual(reference.shape);
          expect(fastMatMulStats.calls).toBe(1);
          expect(fastMatMulStats.fallbacks).toBe(0);
          // the auto route may take the row kernel (few rows of A times Bᵀ); never tfjs' scalar loop
          const { xnnCalls, gemmCalls, rowsCalls } = fastMatMulStats;
          if (engine === 'xnnpack') expect(xnnCalls + rowsCalls).toBeGreaterThan(0);
          if (engine === 'gemm') expect(gemmCalls + rowsCalls).toBeGreaterThan(0);
          if (engine !== 'auto') expect(engine === 'gemm' ? xnnCalls : gemmCalls).toBe(0);
          const got = Array.from(await c.data());
          let worst = 0;
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
          expect(worst, `${engine}, route ${route}`).toBeLessThan(1e-5);
          c.dispose();
        }
      tf.dispose([a, b, reference]);
    });
  }
});
