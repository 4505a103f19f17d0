// Kernels gptft replaces on tfjs' webgpu backend (src/kernels.ts), checked against float64 sums.
import { crossEntropy, IGNORE_INDEX, tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { webgpuInfo } from '../src/index.js';

beforeAll(async () => {
  await useBackend('webgpu');
});

describe('AddN over more tensors than one shader may bind', () => {
  it.each([3, 7, 8, 29, 64])('%i tensors of 300 floats sum exactly as in float64 (within 1e-5)', (count) => {
    expect(webgpuInfo()!.device.limits.maxStorageBuffersPerShaderStage).toBeLessThan(29);
    const before = tf.memory().numTensors;
    const values = Array.from({ length: count }, (_, k) =>
      Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.37 + k * 1.3)),
    );
    const tensors = values.map((v) => tf.tensor1d(v));
    const total = tf.addN(tensors);
    const sum = total.dataSync();
    for (let i = 0; i < 300; i++) {
      let want = 0;
      for (const v of values) want += v[i]!;
      expect(Math.abs(sum[i]! - want)).toBeLessThan(1e-5);
    }
    tf.dispose([...tensors, total]);
    expect(tf.memory().numTensors).toBe(before); // the partial sums were freed
  });

  it('the gradient of a sum of many squared norms (what clipGradNorm computes) works', () => {
    const xs = Array.from({ length: 30 }, (_, k) => tf.variable(tf.fill([200], k / 10)));
    const { value, grads } = tf.variableGrads(
      () => tf.addN(xs.map((x) => tf.sum(tf.square(x)))) as tf.Scalar,
    );
    let want = 0;
    for (let k = 0; k < 30; k++) want += 200 * (k / 10) ** 2;
    expect(Math.abs(value.dataSync()[0]! - want) / want).toBeLessThan(1e-6);
    expect(grads[xs[29]!.name]!.dataSync()[0]).toBeCloseTo(2 * 2.9, 5);
    tf.dispose([value, ...Object.values(grads), ...xs]);
  });
});

describe('fused crossEntropy (written-out gradient) on the GPU', () => {
  it('loss and gradient equal the float64 definition, ignored rows included', () => {
    const n = 12;
    const k = 700; // rows × classes large enough to run on the GPU
    const rows = Array.from({ length: n }, (_, i) =>
      Array.from({ length: k }, (_, j) => 4 * Math.sin(i * 7.1 + j)),
    );
    const labels = rows.map((_, i) => (i % 5 === 4 ? IGNORE_INDEX : (i * 37) % k));
    const logits = tf.tensor2d(rows);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => crossEntropy(x, labels))([logits]);
    const kept = labels.filter((y) => y !== IGNORE_INDEX).length;
    let loss = 0;
    const grad = rows.map(() => new Float64Array(k));
    rows.forEach((row, i) => {
      const y = labels[i]!;
      if (y === IGNORE_INDEX) return;
      const m = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
      loss += (m + Math.log(z) - row[y]!) / kept;
      row.forEach((v, j) => {
        grad[i]![j] = (Math.exp(v - m) / z - (j === y ? 1 : 0)) / kept;
      });
    });
    expect(Math.abs(value.dataSync()[0]! - loss) / loss).toBeLessThan(1e-6);
    const g = grads[0]!.dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < k; j++) worst = Math.max(worst, Math.abs(g[i * k + j]! - grad[i]![j]!));
    expect(worst).toBeLessThan(1e-7);
    tf.dispose([logits, value, ...grads]);
  });
});
