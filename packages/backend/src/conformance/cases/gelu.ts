import type { Tensor } from '../../tf.js';
import { tf } from '../../tf.js';
import type { Tolerance } from '../assert.js';
import { type ConformanceCase, unaryCase } from '../case.js';
import { uniform } from '../random.js';
import { geluNewRef, numericGradRef } from '../reference.js';

const shape = [4, 6];
const x = uniform(24, 51, -4, 4);
const up = uniform(24, 52);
const tol: Tolerance = { rtol: 2e-5, atol: 2e-6 };
const K = Math.sqrt(2 / Math.PI);

/** gelu_new on tf ops, tanh form (as in GPT-2). */
function geluTanh(t: Tensor): Tensor {
  const inner = tf.mul(K, tf.add(t, tf.mul(0.044715, tf.pow(t, 3))));
  return tf.mul(tf.mul(0.5, t), tf.add(1, tf.tanh(inner)));
}

/** The same function as x·sigmoid(2·inner) (0.5·(1 + tanh z) = sigmoid(2z)), often faster. */
function geluSigmoid(t: Tensor): Tensor {
  const inner = tf.mul(2 * K, tf.add(t, tf.mul(0.044715, tf.mul(tf.mul(t, t), t))));
  return tf.mul(t, tf.sigmoid(inner));
}

export const geluCases: ConformanceCase[] = [
  unaryCase({
    group: 'gelu_new',
    name: 'tanh',
    shape,
    x,
    upstream: up,
    op: (t) => tf.tanh(t),
    ref: (v) => v.map(Math.tanh),
    gradRef: (v, g) => v.map((a, i) => g[i]! * (1 - Math.tanh(a) ** 2)),
    tol,
  }),
  unaryCase({
    group: 'gelu_new',
    name: 'pow(x, 3) (negative bases too)',
    shape,
    x,
    upstream: up,
    op: (t) => tf.pow(t, 3),
    ref: (v) => v.map((a) => a ** 3),
    gradRef: (v, g) => v.map((a, i) => g[i]! * 3 * a * a),
    tol,
  }),
  unaryCase({
    group: 'gelu_new',
    name: 'sigmoid',
    shape,
    x,
    upstream: up,
    op: (t) => tf.sigmoid(t),
    ref: (v) => v.map((a) => 1 / (1 + Math.exp(-a))),
    gradRef: (v, g) =>
      v.map((a, i) => {
        const s = 1 / (1 + Math.exp(-a));
        return g[i]! * s * (1 - s);
      }),
    tol,
  }),
  unaryCase({
    group: 'gelu_new',
    name: 'gelu_new, tanh form',
    shape,
    x,
    upstream: up,
    op: geluTanh,
    ref: geluNewRef,
    gradRef: (v, g) => numericGradRef(geluNewRef, v, g),
    tol,
    gradTol: { rtol: 5e-5, atol: 1e-5 },
  }),
  unaryCase({
    group: 'gelu_new',
    name: 'gelu_new, sigmoid form',
    shape,
    x,
    upstream: up,
    op: geluSigmoid,
    ref: geluNewRef,
    gradRef: (v, g) => numericGradRef(geluNewRef, v, g),
    tol,
    gradTol: { rtol: 5e-5, atol: 1e-5 },
  }),
];
