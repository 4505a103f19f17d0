import { beforeAll, describe, expect, it } from 'vitest';
import { matMulGradRef, matMulRef } from '../src/conformance/reference.js';
import { matMul, registerBackend, tf, useBackend } from '../src/index.js';

// A backend that declares slow transposed and batched kernels (tfjs' cpu kernels underneath), so
// gptft's matMul must materialise transposes and split batches, forward and backward.
beforeAll(async () => {
  registerBackend({
    name: 'cpu-declared-slow',
    tfjsName: 'cpu',
    packages: ['(test)'],
    priority: 0,
    async initialize() {},
    capabilities: () => ({
      threads: 1,
      simd: false,
      gpu: false,
      float16: false,
      fastTransposedMatMul: false,
      fastBatchedMatMul: false,
    }),
  });
  await useBackend('cpu-declared-slow');
});

function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
}

async function kernelsOf(f: () => tf.Tensor | tf.Tensor[]) {
  const profile = await tf.profile(f);
  tf.dispose(profile.result as tf.Tensor[]);
  return profile.kernels;
}

describe('matMul on a backend whose transposed and batched kernels are slow', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[4, 3], [5, 4], true, true],
    [[2, 4, 3], [2, 4, 5], true, false],
    [[2, 3, 4], [2, 5, 4], false, true],
    [[3, 4], [2, 4, 5], false, false],
  ];
  for (const [aShape, bShape, tA, tB] of cases) {
    it(`[${aShape}]${tA ? 'ᵀ' : ''}·[${bShape}]${tB ? 'ᵀ' : ''}: only plain 2-D kernels, same numbers`, async () => {
      const av = values(
        aShape.reduce((p, d) => p * d),
        1,
      );
      const bv = values(
        bShape.reduce((p, d) => p * d),
        2,
      );
      const ref = matMulRef(av, aShape, bv, bShape, tA, tB);
      const up = values(ref.values.length, 3);
      const grads = matMulGradRef(up, av, aShape, bv, bShape, tA, tB);
      const a = tf.tensor(av, aShape);
      const b = tf.tensor(bv, bShape);
      const g = tf.tensor(up, ref.shape);
      const before = tf.memory().numTensors;
      const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y, tA, tB), g));
      const kernels = await kernelsOf(() => [matMul(a, b, tA, tB), ...tf.grads(loss)([a, b])]);
      const products = kernels.filter((k) => k.name === 'BatchMatMul');
      expect(products.length).toBeGreaterThan(0);
      for (const k of products) expect(k.inputShapes.map((s) => s?.length)).toEqual([2, 2]);
      if (tA || tB) expect(kernels.some((k) => k.name === 'Transpose')).toBe(true);
      const c = matMul(a, b, tA, tB);
      expect(c.shape).toEqual(ref.shape);
      const [dA, dB] = tf.grads(loss)([a, b]);
      for (const [t, r] of [
        [c, ref.values],
        [dA!, grads.dA],
        [dB!, grads.dB],
      ] as const) {
        const got = Array.from(await t.data());
        for (const [i, v] of got.entries()) expect(v).toBeCloseTo(r[i]!, 4);
      }
      tf.dispose([c, dA!, dB!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b, g]);
    });
  }

  it('names the shapes when inner dimensions differ', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([4, 5]);
    expect(() => matMul(a, b)).toThrow(/inner dimensions differ: a \[2, 3\] has 3, b \[4, 5\] has 4/);
    expect(() => matMul(tf.zeros([3]), b)).toThrow(/rank >= 2/);
    tf.dispose([a, b]);
  });
});
