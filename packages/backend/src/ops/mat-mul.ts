import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { activeCapabilities } from '../registry.js';
import { tf } from '../tf.js';

// Why not plain tf.matMul:
//  1. tfjs' BatchMatMul gradient does not handle broadcasting: for x [B,T,K] · W [K,N] (every linear
//     layer on a batch) it returns dW with shape [B,K,N] and the tape throws. Here gradients of
//     broadcast operands are summed back to their shapes, and a batched A times a 2-D B is folded
//     to one 2-D product, so dW = Aᵀ·dC is a single [K, B·T] × [B·T, N] product with no sum.
//  2. Speed: backends declare whether their kernel is fast for transposed and batched operands
//     (`fastTransposedMatMul`, `fastBatchedMatMul`); where it is not, transposes are materialised
//     and batches are split, in the forward pass and in both gradients.

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function transposeLast2(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return tf.transpose(x, perm);
}

/** Sums a gradient over the dimensions its operand was broadcast along, back to `shape`. */
function reduceTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank - 2; i++) {
    const s = i - lead;
    if (s < 0 || (shape[s] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return tf.reshape(axes.length ? tf.sum(g, axes) : g, shape as number[]);
}

/** The broadcast batch shape of two operands' leading dimensions. */
function batchShape(a: Tensor, b: Tensor): number[] {
  return tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
}

/** op(a)·op(b) in the fastest form the current backend offers; no gradient of its own. */
function product(a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  const caps = activeCapabilities();
  const K = tA ? a.shape[a.rank - 2]! : a.shape[a.rank - 1]!;
  if (b.rank === 2 && a.rank > 2 && !tA) {
    // [..., M, K] × [K, N]: one 2-D product on the stacked rows.
    const outer = a.shape.slice(0, -1);
    const c = product(tf.reshape(a, [-1, K]), b, false, tB);
    return tf.reshape(c, [...outer, c.shape[1]!]);
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((p, d) => p * d, 1);
  const batchB = outerB.reduce((p, d) => p * d, 1);
  if (batchA > 1 && batchB > 1 && !sameShape(outerA, outerB)) {
    // tfjs kernels broadcast only when one side has a single batch ([2,1,..] · [1,3,..] comes out
    // wrong on cpu): spell the broadcast out.
    const outer = batchShape(a, b);
    return product(
      tf.broadcastTo(a, [...outer, ...a.shape.slice(-2)]),
      tf.broadcastTo(b, [...outer, ...b.shape.slice(-2)]),
      tA,
      tB,
    );
  }
  if (caps && !caps.fastTransposedMatMul && (tA || tB)) {
    return product(tA ? transposeLast2(a) : a, tB ? transposeLast2(b) : b, false, false);
  }
  if (caps && !caps.fastBatchedMatMul && (a.rank > 2 || b.rank > 2)) {
    const outer = batchShape(a, b);
    const split = (x: Tensor) => {
      const full = tf.broadcastTo(x, [...outer, ...x.shape.slice(-2)]);
      return tf.unstack(tf.reshape(full, [-1, ...x.shape.slice(-2)]));
    };
    const as = split(a);
    const bs = split(b);
    const c = tf.stack(as.map((ai, i) => tf.matMul(ai, bs[i]!, tA, tB)));
    return tf.reshape(c, [...outer, ...c.shape.slice(-2)]);
  }
  return tf.matMul(a, b, tA, tB);
}

/** dA and dB of C = op(A)·op(B) given dC, each in its operand's shape. */
function gradients(dC: Tensor, a: Tensor, b: Tensor, tA: boolean, tB: boolean): [Tensor, Tensor] {
  let dA: Tensor;
  let dB: Tensor;
  if (!tA && !tB) dA = product(dC, b, false, true);
  else if (!tA && tB) dA = product(dC, b, false, false);
  else if (tA && !tB) dA = product(b, dC, false, true);
  else dA = product(b, dC, true, true);
  if (b.rank === 2 && a.rank > 2 && !tA) {
    // Fold the batch into the rows: dB is one 2-D product and needs no sum over the batch.
    const a2 = tf.reshape(a, [-1, a.shape[a.rank - 1]!]);
    const d2 = tf.reshape(dC, [-1, dC.shape[dC.rank - 1]!]);
    dB = tB ? product(d2, a2, true, false) : product(a2, d2, true, false);
  } else if (!tA && !tB) dB = product(a, dC, true, false);
  else if (!tA && tB) dB = product(dC, a, true, false);
  else if (tA && !tB) dB = product(a, dC, false, false);
  else dB = product(dC, a, true, true);
  return [reduceTo(dA, a.shape), reduceTo(dB, b.shape)];
}

function makeMatMul(tA: boolean, tB: boolean) {
  return tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const a = args[0] as Tensor;
    const b = args[1] as Tensor;
    (args[2] as GradSaveFunc)([a, b]);
    return {
      value: product(a, b, tA, tB),
      gradFunc: (dC: Tensor, saved: Tensor[]) => gradients(dC, saved[0]!, saved[1]!, tA, tB),
    };
  });
}

const variants = [
  [makeMatMul(false, false), makeMatMul(false, true)],
  [makeMatMul(true, false), makeMatMul(true, true)],
] as const;

/**
 * `tf.matMul` with the same meaning — a: [..., M, K] (or [..., K, M] with `transposeA`), b:
 * [..., K, N] (or [..., N, K] with `transposeB`), leading dimensions broadcast — whose forward pass
 * and gradients take the fast path of the current backend, and whose gradients are right when an
 * operand is broadcast (tfjs' own throw a shape error for x [B,T,K] · W [K,N]).
 *
 * Differentiable through `tf.grad`, `tf.grads`, `tf.variableGrads` (with `tf.Variable` operands).
 */
export function matMul<T extends Tensor>(a: T, b: Tensor, transposeA = false, transposeB = false): T {
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(
      `matMul: operands must have rank >= 2, got shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
    );
  }
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    return tf.matMul(a, b, transposeA, transposeB) as T;
  }
  const K = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const Kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  if (K !== Kb) {
    throw new Error(
      `matMul: inner dimensions differ: a [${a.shape.join(', ')}]${transposeA ? 'ᵀ' : ''} has ${K}, ` +
        `b [${b.shape.join(', ')}]${transposeB ? 'ᵀ' : ''} has ${Kb}`,
    );
  }
  batchShape(a, b);
  return variants[transposeA ? 1 : 0][transposeB ? 1 : 0](a, b) as T;
}
