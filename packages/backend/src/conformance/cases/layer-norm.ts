import type { Tensor, Variable } from '../../tf.js';
import { tf } from '../../tf.js';
import { ConformanceError, type Tolerance } from '../assert.js';
import { type ConformanceCase, expectTensor, f32, unaryCase } from '../case.js';
import { uniform } from '../random.js';
import { layerNormRef, numericGradRef } from '../reference.js';

const W = 8;
const shape = [3, W];
const x = uniform(3 * W, 41, -2, 3);
const up = uniform(3 * W, 42);
const tol: Tolerance = { rtol: 2e-5, atol: 2e-6 };
const rowsOf = (v: readonly number[]) =>
  Array.from({ length: v.length / W }, (_, r) => v.slice(r * W, (r + 1) * W));

/** GPT-2's layer norm written on tf ops, as a model would. */
function layerNorm(t: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const mean = tf.mean(t, -1, true);
  const centered = tf.sub(t, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

export const layerNormCases: ConformanceCase[] = [
  {
    group: 'layerNorm',
    name: 'mean and variance over the last axis (tf.mean, tf.moments), keepDims',
    async run() {
      const t = f32(x, shape);
      const means = rowsOf(x).map((r) => r.reduce((s, v) => s + v, 0) / W);
      const vars = rowsOf(x).map((r, i) => r.reduce((s, v) => s + (v - means[i]!) ** 2, 0) / W);
      await expectTensor('tf.mean', tf.mean(t, -1, true), [3, 1], means, tol);
      const m = tf.moments(t, -1, true);
      await expectTensor('tf.moments mean', m.mean, [3, 1], means, tol);
      await expectTensor('tf.moments variance', m.variance, [3, 1], vars, tol);
      t.dispose();
    },
  },
  unaryCase({
    group: 'layerNorm',
    name: 'mean over the last axis: gradient spreads 1/width',
    shape,
    x,
    outShape: [3],
    upstream: uniform(3, 43),
    op: (t) => tf.mean(t, -1),
    ref: (v) => rowsOf(v).map((r) => r.reduce((s, a) => s + a, 0) / W),
    gradRef: (_, g) => Array.from({ length: 3 * W }, (_, i) => g[Math.floor(i / W)]! / W),
    tol,
  }),
  unaryCase({
    group: 'layerNorm',
    name: 'rsqrt',
    shape,
    x: x.map((v) => Math.abs(v) + 0.1),
    upstream: up,
    op: (t) => tf.rsqrt(t),
    ref: (v) => v.map((a) => 1 / Math.sqrt(a)),
    gradRef: (v, g) => v.map((a, i) => g[i]! * -0.5 * a ** -1.5),
    tol: { rtol: 5e-5, atol: 1e-6 },
  }),
  {
    group: 'layerNorm',
    name: 'layer norm forward and gradients w.r.t. x, gamma, beta (tf.grads)',
    async run() {
      const gamma = uniform(W, 44, 0.5, 1.5);
      const beta = uniform(W, 45);
      const [tx, tg, tb, tu] = [f32(x, shape), f32(gamma, [W]), f32(beta, [W]), f32(up, shape)];
      try {
        await expectTensor(
          'layerNorm',
          tf.tidy(() => layerNorm(tx, tg, tb)),
          shape,
          layerNormRef(x, gamma, beta, 1e-5),
          tol,
        );
        const [dx, dg, db] = tf.grads((a: Tensor, g: Tensor, b: Tensor) =>
          tf.sum(tf.mul(layerNorm(a, g, b), tu)),
        )([tx, tg, tb]);
        const gradTol = { rtol: 1e-4, atol: 2e-5 };
        await expectTensor(
          'd/dx',
          dx!,
          shape,
          numericGradRef((v) => layerNormRef(v, gamma, beta, 1e-5), x, up),
          gradTol,
        );
        await expectTensor(
          'd/dgamma',
          dg!,
          [W],
          numericGradRef((v) => layerNormRef(x, v, beta, 1e-5), gamma, up),
          gradTol,
        );
        await expectTensor(
          'd/dbeta',
          db!,
          [W],
          numericGradRef((v) => layerNormRef(x, gamma, v, 1e-5), beta, up),
          gradTol,
        );
      } finally {
        tf.dispose([tx, tg, tb, tu]);
      }
    },
  },
  {
    group: 'layerNorm',
    name: 'layer norm parameters as tf.Variables through tf.variableGrads',
    async run() {
      const gamma = uniform(W, 46, 0.5, 1.5);
      const beta = uniform(W, 47);
      const inits = [f32(gamma, [W]), f32(beta, [W])];
      const [g, b] = inits.map((t) => tf.variable(t) as Variable);
      tf.dispose(inits);
      const [tx, tu] = [f32(x, shape), f32(up, shape)];
      try {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(layerNorm(tx, g!, b!), tu)) as tf.Scalar,
          [g!, b!],
        );
        const y = layerNormRef(x, gamma, beta, 1e-5);
        await expectTensor('loss', value, [], [y.reduce((s, v, i) => s + v * up[i]!, 0)], {
          rtol: 1e-5,
          atol: 1e-5,
        });
        if (!grads[g!.name] || !grads[b!.name])
          throw new ConformanceError('variableGrads returned no gradient');
        const gradTol = { rtol: 1e-4, atol: 2e-5 };
        await expectTensor(
          'd/dgamma',
          grads[g!.name]!,
          [W],
          numericGradRef((v) => layerNormRef(x, v, beta, 1e-5), gamma, up),
          gradTol,
        );
        await expectTensor(
          'd/dbeta',
          grads[b!.name]!,
          [W],
          numericGradRef((v) => layerNormRef(x, gamma, v, 1e-5), beta, up),
          gradTol,
        );
      } finally {
        tf.dispose([g!, b!, tx, tu]);
      }
    },
  },
];
