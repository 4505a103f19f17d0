import { matMul } from '../../ops/mat-mul.js';
import type { Tensor, Variable } from '../../tf.js';
import { tf } from '../../tf.js';
import { ConformanceError, type Tolerance } from '../assert.js';
import { type ConformanceCase, expectTensor, f32 } from '../case.js';
import { uniform } from '../random.js';
import { matMulGradRef, matMulRef } from '../reference.js';

interface Spec {
  name: string;
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

const specs: Spec[] = [];
const add = (name: string, a: number[], b: number[], tA: boolean, tB: boolean) =>
  specs.push({ name, a, b, tA, tB });
// [M,K]·[K,N] in all four layouts, small and past the 32-wide transpose tiles.
for (const [tA, tB] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const) {
  const tag = `${tA ? 'transposeA' : 'plain A'}, ${tB ? 'transposeB' : 'plain B'}`;
  add(`2-D 5x7·7x3, ${tag}`, tA ? [7, 5] : [5, 7], tB ? [3, 7] : [7, 3], tA, tB);
  add(`2-D 40x70·70x36, ${tag}`, tA ? [70, 40] : [40, 70], tB ? [36, 70] : [70, 36], tA, tB);
  add(`batched 2x5x7·2x7x3, ${tag}`, tA ? [2, 7, 5] : [2, 5, 7], tB ? [2, 3, 7] : [2, 7, 3], tA, tB);
}
add('linear layer: batched A · 2-D B (broadcast)', [2, 5, 7], [7, 3], false, false);
add('batched A · 2-D Bᵀ (tied LM head)', [2, 5, 7], [3, 7], false, true);
add('2-D A · batched B (broadcast)', [5, 7], [3, 7, 4], false, false);
add('batch dims 1 and 3 broadcast', [1, 5, 7], [3, 7, 4], false, false);
add('rank 4, broadcast in two dims', [2, 1, 5, 7], [1, 3, 7, 4], false, false);
add('attention scores q·kᵀ [2,3,8,4]', [2, 3, 8, 4], [2, 3, 8, 4], false, true);
add('attention with one query row (decode)', [6, 1, 4], [6, 9, 4], false, true);
add('row times matrix, transposeB', [1, 7], [9, 7], false, true);
add('column times row (outer product)', [6, 1], [1, 4], false, false);

function tolerance(K: number): Tolerance {
  return { rtol: 1e-5, atol: 2e-6 * K + 1e-6 };
}

function sameBatch(s: Spec): boolean {
  const oa = s.a.slice(0, -2);
  const ob = s.b.slice(0, -2);
  return oa.length === ob.length && oa.every((d, i) => d === ob[i]);
}

/** tfjs kernels broadcast batch dimensions only when one operand has a single batch. */
function kernelBroadcasts(s: Spec): boolean {
  const size = (x: number[]) => x.slice(0, -2).reduce((p, d) => p * d, 1);
  return sameBatch(s) || size(s.a) === 1 || size(s.b) === 1;
}

function specCase(s: Spec, seed: number): ConformanceCase {
  return {
    group: 'matMul',
    name: s.name,
    async run() {
      const aValues = uniform(
        s.a.reduce((p, d) => p * d, 1),
        seed,
      );
      const bValues = uniform(
        s.b.reduce((p, d) => p * d, 1),
        seed + 1,
      );
      const ref = matMulRef(aValues, s.a, bValues, s.b, s.tA, s.tB);
      const up = uniform(ref.values.length, seed + 2);
      const grads = matMulGradRef(up, aValues, s.a, bValues, s.b, s.tA, s.tB);
      const K = s.tA ? s.a[s.a.length - 2]! : s.a[s.a.length - 1]!;
      const tol = tolerance(K);
      const a = f32(aValues, s.a);
      const b = f32(bValues, s.b);
      const g = f32(up, ref.shape);
      try {
        await expectTensor('gptft matMul', matMul(a, b, s.tA, s.tB), ref.shape, ref.values, tol);
        if (kernelBroadcasts(s)) {
          await expectTensor(
            'tf.matMul (the kernel)',
            tf.matMul(a, b, s.tA, s.tB),
            ref.shape,
            ref.values,
            tol,
          );
        }
        const loss = (x: Tensor, y: Tensor) => tf.sum(tf.mul(matMul(x, y, s.tA, s.tB), g));
        const [dA, dB] = tf.grads(loss)([a, b]);
        await expectTensor('gptft matMul d/da', dA!, s.a, grads.dA, tol);
        await expectTensor('gptft matMul d/db', dB!, s.b, grads.dB, tol);
        if (sameBatch(s)) {
          // tfjs' own gradient (transposed matMuls) — only defined without broadcasting.
          const tfLoss = (x: Tensor, y: Tensor) => tf.sum(tf.mul(tf.matMul(x, y, s.tA, s.tB), g));
          const [tA, tB] = tf.grads(tfLoss)([a, b]);
          await expectTensor('tf.matMul d/da', tA!, s.a, grads.dA, tol);
          await expectTensor('tf.matMul d/db', tB!, s.b, grads.dB, tol);
        }
      } finally {
        tf.dispose([a, b, g]);
      }
    },
  };
}

export const matMulCases: ConformanceCase[] = [
  ...specs.map((s, i) => specCase(s, 100 + 10 * i)),
  {
    group: 'matMul',
    name: 'linear layer through tf.variableGrads with a tf.Variable weight',
    async run() {
      const xValues = uniform(2 * 5 * 7, 7);
      const wValues = uniform(7 * 3, 8);
      const init = f32(wValues, [7, 3]);
      const w = tf.variable(init) as Variable;
      init.dispose();
      const x = f32(xValues, [2, 5, 7]);
      try {
        // loss = mean((x·W)²)  →  dW = Σ xᵀ · (2/n)(x·W)
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(matMul(x, w))) as tf.Scalar, [w]);
        const y = matMulRef(xValues, [2, 5, 7], wValues, [7, 3], false, false);
        const n = y.values.length;
        const ref = matMulGradRef(
          y.values.map((v) => (2 * v) / n),
          xValues,
          [2, 5, 7],
          wValues,
          [7, 3],
          false,
          false,
        );
        const dW = grads[w.name];
        if (!dW) throw new ConformanceError(`variableGrads returned no gradient for ${w.name}`);
        await expectTensor('loss', value, [], [y.values.reduce((s, v) => s + v * v, 0) / n], tolerance(7));
        await expectTensor('d/dW', dW, [7, 3], ref.dB, tolerance(7));
      } finally {
        tf.dispose([w, x]);
      }
    },
  },
];
