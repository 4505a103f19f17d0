import { beforeAll, describe, expect, it } from 'vitest';
import { linearCrossEntropyRef } from '../src/conformance/reference.js';
import { crossEntropy, fusedLinearCrossEntropy, matMul, tf } from '../src/index.js';

// tfjs' cpu backend running gptft's default kernels; the wasm kernel is checked by the conformance
// suite (backend-wasm) against the same float64 reference.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function values(n: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * scale);
}

/** Loss, gradients (dh [N, C], dw [V, C]) and logits of mean CE(h·Wᵀ, labels) in float64. */
function reference(h: Float32Array, w: Float32Array, labels: number[], n: number, c: number, v: number) {
  const r = linearCrossEntropyRef(h, w, labels, n, c, v);
  return { loss: r.loss, dh: r.dHidden, dw: r.dWeight, logits: r.logits };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tol);
}

const [B, T, C, V] = [2, 5, 6, 37];
const N = B * T;
const hv = values(N * C, 1, 2);
const wv = values(V * C, 2, 1.5);
const labels = [3, -100, 36, 0, 7, 7, -100, 20, 1, 30];

describe('fusedLinearCrossEntropy', () => {
  for (const chunkRows of [1, 3, 0]) {
    it(`loss and both gradients equal the float64 reference (chunks of ${chunkRows || 'all'} rows)`, async () => {
      const ref = reference(hv, wv, labels, N, C, V);
      const h = tf.tensor(hv, [B, T, C]);
      const w = tf.variable(tf.tensor(wv, [V, C]));
      const before = tf.memory().numTensors;
      const f = (x: tf.Tensor) => fusedLinearCrossEntropy(x, w, labels, { chunkRows }).loss;
      const { value, grads } = tf.variableGrads(() => f(h), [w]);
      const dh = tf.grad(f)(h);
      expect(value.shape).toEqual([]);
      expect(Math.abs(value.dataSync()[0]! - ref.loss)).toBeLessThan(1e-5);
      expectClose(dh.dataSync(), ref.dh, 1e-6);
      expect(dh.shape).toEqual([B, T, C]);
      expectClose(grads[w.name]!.dataSync(), ref.dw, 1e-6);
      tf.dispose([value, dh, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([h, w]);
    });
  }

  it('equals the unfused matMul + crossEntropy (loss, dh, dW; dy scales them)', () => {
    const h = tf.tensor(hv, [N, C]);
    const w = tf.tensor(wv, [V, C]);
    const fused = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.mul(fusedLinearCrossEntropy(x, y, labels, { chunkRows: 4 }).loss, 2.5),
    )([h, w]);
    const plain = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.mul(crossEntropy(matMul(x, y, false, true), labels), 2.5),
    )([h, w]);
    for (let i = 0; i < 2; i++) expectClose(fused[i]!.dataSync(), plain[i]!.dataSync(), 1e-6);
    const lf = fusedLinearCrossEntropy(h, w, labels).loss;
    const lp = crossEntropy(matMul(h, w, false, true), labels);
    expect(Math.abs(lf.dataSync()[0]! - lp.dataSync()[0]!)).toBeLessThan(1e-6);
    tf.dispose([h, w, lf, lp, ...fused, ...plain]);
  });

  it('returns the logits when asked, and a loss on them gets its gradient', () => {
    const ref = reference(hv, wv, labels, N, C, V);
    const h = tf.tensor(hv, [B, T, C]);
    const w = tf.tensor(wv, [V, C]);
    const before = tf.memory().numTensors;
    const { loss, logits } = fusedLinearCrossEntropy(h, w, labels, { returnLogits: true, chunkRows: 3 });
    expect(logits!.shape).toEqual([B, T, V]);
    expectClose(logits!.dataSync(), ref.logits, 1e-5);
    tf.dispose([loss, logits!]);
    expect(tf.memory().numTensors).toBe(before);
    // d/dh of (loss + Σ logits) = dh_ref + Σ_j W[j]
    const g = tf.grad((x: tf.Tensor) => {
      const r = fusedLinearCrossEntropy(x, w, labels, { returnLogits: true });
      return tf.add(r.loss, tf.sum(r.logits!));
    })(h);
    const colSum = Array.from({ length: C }, (_, q) => {
      let s = 0;
      for (let j = 0; j < V; j++) s += wv[j * C + q]!;
      return s;
    });
    expectClose(
      g.dataSync(),
      Array.from(ref.dh, (x, i) => x + colSum[i % C]!),
      1e-5,
    );
    tf.dispose([g, h, w]);
    expect(tf.memory().numTensors).toBe(before - 2);
  });

  it('skips the gradient of a frozen weight unless it is asked for explicitly', async () => {
    const ref = reference(hv, wv, labels, N, C, V);
    const h = tf.variable(tf.tensor(hv, [N, C]));
    const w = tf.variable(tf.tensor(wv, [V, C]), false);
    const f = () => fusedLinearCrossEntropy(h, w, labels).loss;
    const profile = await tf.profile(() => Object.values(tf.variableGrads(f).grads));
    // forward: logits and dh per chunk (one chunk here), no Aᵀ·B product for dW
    expect(profile.kernels.filter((k) => k.name === 'BatchMatMul')).toHaveLength(2);
    tf.dispose(profile.result as tf.Tensor[]);
    const dw = tf.grad(() => f())(w as tf.Tensor);
    expectClose(dw.dataSync(), ref.dw, 1e-6);
    tf.dispose([dw, h, w]);
  });

  it('NaN when every label is ignored; bad labels and shapes are named', () => {
    const h = tf.tensor(hv, [N, C]);
    const w = tf.tensor(wv, [V, C]);
    const all = fusedLinearCrossEntropy(h, w, new Array(N).fill(-100)).loss;
    expect(Number.isNaN(all.dataSync()[0]!)).toBe(true);
    expect(() => fusedLinearCrossEntropy(h, w, labels.slice(1))).toThrow(/9 labels for 10 logit rows/);
    expect(() => fusedLinearCrossEntropy(h, w, [...labels.slice(1), V])).toThrow(
      /label 37 at row 9 is outside \[0, 37\)/,
    );
    expect(() => fusedLinearCrossEntropy(h, tf.zeros([V, C + 1]), labels)).toThrow(
      /width 6, weight \[37, 7\]/,
    );
    tf.dispose([h, w, all]);
  });

  it('its peak tensor bytes stay below one logits matrix; the unfused loss exceeds two', async () => {
    const [n, c, v] = [128, 8, 4000];
    const h = tf.variable(tf.tensor(values(n * c, 3), [n, c]));
    const w = tf.variable(tf.tensor(values(v * c, 4, 0.1), [v, c]));
    const ids = Array.from({ length: n }, (_, i) => (i * 37) % v);
    const logitsBytes = n * v * 4;
    const peak = async (f: () => tf.Scalar) => {
      const base = tf.memory().numBytes;
      const p = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(f);
        return [value, ...Object.values(grads)];
      });
      tf.dispose(p.result as tf.Tensor[]);
      return p.peakBytes - base;
    };
    const fused = await peak(() => fusedLinearCrossEntropy(h, w, ids, { chunkRows: 8 }).loss);
    const unfused = await peak(() => crossEntropy(matMul(h, w, false, true), ids));
    expect(fused).toBeLessThan(logitsBytes);
    expect(unfused).toBeGreaterThan(2 * logitsBytes);
    tf.dispose([h, w]);
  });
});
