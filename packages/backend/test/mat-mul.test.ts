import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { matMulGradRef, matMulRef } from '../src/conformance/reference.js';
import { matMul, registerKernel, tf } from '../src/index.js';

// tfjs' own cpu backend (registered by @tensorflow/tfjs) under gptft's matMul. The float64 numbers
// of every layout are the conformance suite's job; this file checks how the op reaches the kernels.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
}

async function kernelsOf(f: () => tf.Tensor | tf.Tensor[]) {
  const profile = await tf.profile(f);
  tf.dispose(profile.result as tf.Tensor[]);
  return profile.kernels.map((k) => ({ name: k.name, inputShapes: k.inputShapes }));
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('matMul', () => {
  it('runs whatever BatchMatMul kernel the backend registered, forward and both gradients', async () => {
    const cpu = tf.getKernel('BatchMatMul', 'cpu')!;
    const seen: string[] = [];
    restore = registerKernel({
      ...cpu,
      kernelFunc: (args) => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        seen.push(`[${a.shape}]·[${b.shape}]`);
        return cpu.kernelFunc(args);
      },
    });
    const aShape = [2, 3, 4];
    const bShape = [4, 5];
    const av = values(24, 1);
    const bv = values(20, 2);
    const ref = matMulRef(av, aShape, bv, bShape, false, false);
    const up = values(ref.values.length, 3);
    const grads = matMulGradRef(up, av, aShape, bv, bShape, false, false);
    const a = tf.tensor(av, aShape);
    const b = tf.tensor(bv, bShape);
    const g = tf.tensor(up, ref.shape);
    const before = tf.memory().numTensors;
    const [dA, dB] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y), g)))([a, b]);
    // one 2-D product each: forward on the stacked rows, dA = dC·Bᵀ, dB = Aᵀ·dC with no batch sum
    expect(seen).toEqual(['[6,4]·[4,5]', '[6,5]·[4,5]', '[6,4]·[6,5]']);
    for (const [t, r] of [
      [dA!, grads.dA],
      [dB!, grads.dB],
    ] as const) {
      const got = Array.from(await t.data());
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(r[i]!, 5);
    }
    tf.dispose([dA!, dB!]);
    expect(tf.memory().numTensors).toBe(before);
    restore();
    restore = undefined;
    expect(tf.getKernel('BatchMatMul', 'cpu')).toBe(cpu);
    tf.dispose([a, b, g]);
  });

  it('computes no weight gradient for a frozen weight (and one for a trainable one)', async () => {
    const x = tf.variable(tf.tensor(values(2 * 3 * 4, 4), [2, 3, 4]));
    const w = tf.variable(tf.tensor(values(4 * 6, 5), [4, 6]), false);
    const loss = () => tf.sum(matMul(matMul(x, w), tf.transpose(w))) as tf.Scalar;
    const frozen = await kernelsOf(() => Object.values(tf.variableGrads(loss).grads));
    // 2 forward products, then only dA of each (dX needs them; dW is never asked for)
    expect(frozen.filter((k) => k.name === 'BatchMatMul')).toHaveLength(4);
    w.trainable = true;
    const trained = await kernelsOf(() => Object.values(tf.variableGrads(loss).grads));
    expect(trained.filter((k) => k.name === 'BatchMatMul')).toHaveLength(6);
    tf.dispose([x, w]);
  });

  it('spells out batch broadcasts on both sides ([2,1,..]·[1,3,..]), forward and gradients', async () => {
    const aShape = [2, 1, 3, 4];
    const bShape = [1, 3, 4, 2];
    const av = values(24, 6);
    const bv = values(24, 7);
    const ref = matMulRef(av, aShape, bv, bShape, false, false);
    const up = values(ref.values.length, 8);
    const grads = matMulGradRef(up, av, aShape, bv, bShape, false, false);
    const a = tf.tensor(av, aShape);
    const b = tf.tensor(bv, bShape);
    const g = tf.tensor(up, ref.shape);
    const c = matMul(a, b);
    expect(c.shape).toEqual(ref.shape);
    const [dA, dB] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y), g)))([a, b]);
    for (const [t, r] of [
      [c, ref.values],
      [dA!, grads.dA],
      [dB!, grads.dB],
    ] as const) {
      const got = Array.from(await t.data());
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(r[i]!, 5);
    }
    tf.dispose([a, b, g, c, dA!, dB!]);
  });

  it('names the shapes when inner dimensions differ', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([4, 5]);
    expect(() => matMul(a, b)).toThrow(/inner dimensions differ: a \[2, 3\] has 3, b \[4, 5\] has 4/);
    expect(() => matMul(tf.zeros([3]), b)).toThrow(/rank >= 2/);
    tf.dispose([a, b]);
  });
});
