import { tf } from '../../tf.js';
import type { Tolerance } from '../assert.js';
import { type ConformanceCase, expectTensor, f32, unaryCase } from '../case.js';
import { uniform } from '../random.js';
import { logSoftmaxRef, softmaxRef } from '../reference.js';

const W = 9;
const shape = [4, W];
// Ordinary logits, large ones (max-subtraction must keep exp finite), and a causal-mask row.
const x = [
  ...uniform(2 * W, 31, -3, 3),
  ...uniform(W, 32, 60, 90),
  ...uniform(W, 33, -2, 2).map((v, i) => (i > 3 ? v - 1e9 : v)),
];
const up = uniform(4 * W, 34);
const tol: Tolerance = { rtol: 2e-5, atol: 1e-6 };

function rows(values: readonly number[]): number[][] {
  return Array.from({ length: values.length / W }, (_, r) => values.slice(r * W, (r + 1) * W));
}

export const softmaxCases: ConformanceCase[] = [
  unaryCase({
    group: 'softmax',
    name: 'softmax over the last axis (incl. logits near 90 and a -1e9 causal mask)',
    shape,
    x,
    upstream: up,
    op: (t) => tf.softmax(t),
    ref: (v) => softmaxRef(v, W),
    // d/dx Σ g⊙s = s ⊙ (g − Σ g⊙s), row by row
    gradRef: (v, g) => {
      const s = rows(softmaxRef(v, W));
      return rows(g).flatMap((gr, r) => {
        const dot = gr.reduce((acc, gi, i) => acc + gi * s[r]![i]!, 0);
        return gr.map((gi, i) => s[r]![i]! * (gi - dot));
      });
    },
    tol,
  }),
  unaryCase({
    group: 'softmax',
    name: 'logSoftmax over the last axis',
    shape,
    x,
    upstream: up,
    op: (t) => tf.logSoftmax(t),
    ref: (v) => logSoftmaxRef(v, W),
    // d/dx Σ g⊙logsoftmax = g − softmax · Σ g, row by row
    gradRef: (v, g) => {
      const s = rows(softmaxRef(v, W));
      return rows(g).flatMap((gr, r) => {
        const total = gr.reduce((acc, gi) => acc + gi, 0);
        return gr.map((gi, i) => gi - s[r]![i]! * total);
      });
    },
    // -1e9 − logsumexp is exact only to float32's ulp at 1e9 (64)
    tol: { rtol: 2e-5, atol: 1e-5 },
  }),
  {
    group: 'softmax',
    name: 'softmax over a rank-4 attention tensor [2,3,5,5] sums to 1 per row',
    async run() {
      const values = uniform(2 * 3 * 5 * 5, 35, -4, 4);
      const t = f32(values, [2, 3, 5, 5]);
      await expectTensor('softmax rank 4', tf.softmax(t), [2, 3, 5, 5], softmaxRef(values, 5), tol);
      t.dispose();
    },
  },
];
