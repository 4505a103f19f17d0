import { crossEntropy } from '../../ops/cross-entropy.js';
import { fusedLinearCrossEntropy } from '../../ops/fused-linear-cross-entropy.js';
import { tf } from '../../tf.js';
import type { Tolerance } from '../assert.js';
import { type ConformanceCase, expectTensor, f32, take } from '../case.js';
import { assertClose } from '../assert.js';
import { integers, uniform } from '../random.js';
import { linearCrossEntropyRef } from '../reference.js';

// Odd sizes on purpose (kernels with SIMD tails and row chunks must handle the remainders).
const N = 14;
const C = 12;
const V = 301;
const hidden = uniform(N * C, 41, -2, 2);
const weight = uniform(V * C, 42, -1.5, 1.5);
const labels = integers(N, 43, V).map((y, i) => (i % 5 === 1 ? -100 : y));
const tol: Tolerance = { rtol: 1e-4, atol: 1e-6 };

/** The identity loss: logits = I·Wᵀ rows of W, so crossEntropy sees exactly `logits` below. */
const logitRows = [...uniform(3 * V, 44, -3, 3), ...uniform(V, 45, 60, 90)];
const rowLabels = [5, -100, 300, 0];

function fusedCase(name: string, chunkRows: number, frozen: boolean): ConformanceCase {
  return {
    group: 'cross-entropy',
    name,
    async run() {
      const ref = linearCrossEntropyRef(hidden, weight, labels, N, C, V);
      const h0 = f32(hidden, [2, 7, C]);
      const w0 = f32(weight, [V, C]);
      const h = tf.variable(h0);
      const w = tf.variable(w0, !frozen);
      tf.dispose([h0, w0]);
      try {
        const { value, grads } = tf.variableGrads(
          () => fusedLinearCrossEntropy(h, w, labels, { chunkRows }).loss,
          frozen ? [h] : [h, w],
        );
        assertClose(`${name}: loss`, await take(value), [ref.loss], tol);
        await expectTensor(`${name}: dHidden`, grads[h.name]!, [2, 7, C], ref.dHidden, tol);
        if (!frozen) await expectTensor(`${name}: dWeight`, grads[w.name]!, [V, C], ref.dWeight, tol);
        tf.dispose(Object.values(grads));
        const { loss, logits } = fusedLinearCrossEntropy(h, w, labels, { chunkRows, returnLogits: true });
        assertClose(`${name}: loss (no gradient)`, await take(loss), [ref.loss], tol);
        await expectTensor(`${name}: logits`, logits!, [2, 7, V], ref.logits, tol);
      } finally {
        tf.dispose([h, w]);
      }
    },
  };
}

export const crossEntropyCases: ConformanceCase[] = [
  {
    group: 'cross-entropy',
    name: 'crossEntropy: mean over kept rows (logits near 90 incl.) and its gradient',
    async run() {
      // logits = I · L: the reference's linear layer with the identity as hidden states
      const eye = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
      const ref = linearCrossEntropyRef(
        eye,
        [...Array(V)].flatMap((_, j) => [0, 1, 2, 3].map((r) => logitRows[r * V + j]!)),
        rowLabels,
        4,
        4,
        V,
      );
      const x = f32(logitRows, [4, V]);
      try {
        const loss = crossEntropy(x, rowLabels);
        assertClose('crossEntropy: loss', await take(loss), [ref.loss], tol);
        const g = tf.grad((t: tf.Tensor) => crossEntropy(t, rowLabels))(x);
        // d loss / d logits = d loss / d hidden-free logits: the reference's dWeight, transposed
        const want = Array.from({ length: 4 * V }, (_, k) => ref.dWeight[(k % V) * 4 + Math.floor(k / V)]!);
        await expectTensor('crossEntropy: gradient', g, [4, V], want, tol);
      } finally {
        x.dispose();
      }
    },
  },
  fusedCase('fusedLinearCrossEntropy: loss, dHidden, dWeight, logits (one chunk)', 0, false),
  fusedCase('fusedLinearCrossEntropy: the same in chunks of 3 rows', 3, false),
  fusedCase('fusedLinearCrossEntropy: frozen weight (only dHidden)', 5, true),
];
