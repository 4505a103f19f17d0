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
  packedWeightFloats,
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
    'a prompt through a weight [3,5,40]·[40,70] (few rows: packed weight)',
    [3, 5, 40],
    [40, 70],
    false,
    false,
  ],
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
          const { xnnCalls, gemmCalls, packedCalls, rowsCalls } = fastMatMulStats;
          const ours = gemmCalls + packedCalls;
          if (engine === 'xnnpack') expect(xnnCalls + rowsCalls).toBeGreaterThan(0);
          if (engine === 'gemm') expect(ours + rowsCalls).toBeGreaterThan(0);
          if (engine !== 'auto') expect(engine === 'gemm' ? xnnCalls : ours).toBe(0);
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

describe('weights packed for few rows', () => {
  it('are packed once, repacked for another shape of the same data, and freed with the tensor', async () => {
    setFastMatMulEngine('auto'); // one thread here: few rows go to gemm_packed
    setFastMatMulRoute('auto');
    const before = packedWeightFloats();
    const w = tf.randomUniform([64, 48], -1, 1, 'float32', 5);
    const x = tf.randomUniform([4, 64], -1, 1, 'float32', 6);
    uninstallFastMatMul();
    const expected = await tf.matMul(x, w).data();
    installFastMatMul();
    resetFastMatMulStats();
    for (let i = 0; i < 3; i++) {
      const y = tf.matMul(x, w);
      const got = await y.data();
      for (let j = 0; j < got.length; j++) expect(Math.abs(got[j]! - expected[j]!)).toBeLessThan(1e-5);
      y.dispose();
    }
    expect(fastMatMulStats.packedCalls).toBe(3);
    expect(fastMatMulStats.packs).toBe(1);
    expect(packedWeightFloats() - before).toBe(64 * 48);
    // the same data as [32, 96] (a reshape shares it): packed again for that shape, not misread
    const w2 = tf.reshape(w, [32, 96]);
    const x2 = tf.randomUniform([2, 32], -1, 1, 'float32', 7);
    // (the reference on a copy: tfjs' own kernel keeps XNNPACK's packing of the first shape it saw)
    const copy = tf.tensor(await w2.data(), [32, 96]);
    uninstallFastMatMul();
    const expected2 = await tf.matMul(x2, copy).data();
    installFastMatMul();
    const y2 = tf.matMul(x2, w2);
    const got2 = await y2.data();
    for (let j = 0; j < got2.length; j++) expect(Math.abs(got2[j]! - expected2[j]!)).toBeLessThan(1e-5);
    expect(fastMatMulStats.packs).toBe(2);
    tf.dispose([y2, x2, x, copy]);
    w.dispose();
    expect(packedWeightFloats() - before).toBe(32 * 96); // w2 still holds the data
    w2.dispose();
    expect(packedWeightFloats()).toBe(before);
  });
});
