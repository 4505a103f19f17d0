import type { Tensor } from '../../tf.js';
import { tf } from '../../tf.js';
import { type ConformanceCase, expectTensor, f32 } from '../case.js';
import { uniform } from '../random.js';

// Attention moves heads around: [B, T, H, d] ⇄ [B, H, T, d], and splits q, k, v.
const shape = [2, 3, 4, 5];
const x = uniform(2 * 3 * 4 * 5, 61);
const up = uniform(2 * 3 * 4 * 5, 62);

/** x permuted with perm [0, 2, 1, 3], in float64 (row-major). */
function swapMiddle(v: readonly number[], [a, b, c, d]: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < a!; i++)
    for (let k = 0; k < c!; k++)
      for (let j = 0; j < b!; j++)
        for (let l = 0; l < d!; l++) out.push(v[((i * b! + j) * c! + k) * d! + l]!);
  return out;
}

export const shapeCases: ConformanceCase[] = [
  {
    group: 'transpose/split',
    name: 'transpose [2,3,4,5] by [0,2,1,3], forward and gradient',
    async run() {
      const t = f32(x, shape);
      const g = f32(up, [2, 4, 3, 5]);
      await expectTensor('transpose', tf.transpose(t, [0, 2, 1, 3]), [2, 4, 3, 5], swapMiddle(x, shape));
      const dx = tf.grad((a: Tensor) => tf.sum(tf.mul(tf.transpose(a, [0, 2, 1, 3]), g)))(t);
      await expectTensor('transpose gradient', dx, shape, swapMiddle(up, [2, 4, 3, 5]));
      tf.dispose([t, g]);
    },
  },
  {
    group: 'transpose/split',
    name: 'split the last axis in 3 (q, k, v): gradients land in their slices',
    async run() {
      const t = f32(x, [2, 3, 20]);
      const weights = [1, -2, 3];
      const dx = tf.grad((a: Tensor) =>
        tf.addN(tf.split(a, [5, 5, 10], -1).map((part, i) => tf.mul(tf.sum(part), weights[i]!))),
      )(t);
      const expected = x.map((_, i) => {
        const col = i % 20;
        return col < 5 ? 1 : col < 10 ? -2 : 3;
      });
      await expectTensor('split gradient', dx, [2, 3, 20], expected);
      t.dispose();
    },
  },
];
