import { beforeAll, describe, expect, it } from 'vitest';
import { embedding, tf } from '../src/index.js';

// @gptft/backend cannot depend on the backend packages (they depend on it); tfjs' own cpu
// backend (test/setup-cpu.ts registers it) is enough to check the op's kernels here. The
// numbers are checked against float64 references by the conformance suite in backend-wasm/-cpu.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('embedding', () => {
  it('its weight gradient is one ScatterNd, never UnsortedSegmentSum', async () => {
    const w = tf.randomNormal([1000, 8]);
    const ids = tf.tensor2d([[1, 5, 5, 999]], [1, 4], 'int32');
    const profile = await tf.profile(() => tf.grad((x: tf.Tensor) => tf.sum(embedding(x, ids)))(w));
    const kernels = profile.kernels.map((k) => k.name);
    expect(kernels).toContain('ScatterNd');
    expect(kernels).not.toContain('UnsortedSegmentSum');
    const dW = tf.grad((x: tf.Tensor) => tf.sum(embedding(x, ids)))(w);
    const rows = (await dW.array()) as number[][];
    expect(rows[5]).toEqual(new Array(8).fill(2));
    expect(rows[1]).toEqual(new Array(8).fill(1));
    expect(rows[0]).toEqual(new Array(8).fill(0));
    tf.dispose([w, ids, dW]);
    tf.dispose(profile.result as tf.Tensor);
  });

  it('rejects non-int32 ids and non-2-D weights with a clear error', () => {
    const w = tf.zeros([4, 2]);
    expect(() => embedding(w, tf.tensor1d([1, 2]))).toThrow(/ids must be int32, got float32/);
    expect(() => embedding(tf.zeros([4]), tf.tensor1d([1], 'int32'))).toThrow(/weight must be 2-D/);
  });
});
