import type { Tensor } from '../tf.js';
import { tf } from '../tf.js';
import { gradientNode } from './gradient.js';

// matMul is tfjs' `BatchMatMul` kernel (whatever the backend registered for it: tfjs' own, or a
// faster one such as @gptft/backend-wasm's) with a gradient that is right when an operand is
// broadcast: tfjs 4.22's BatchMatMul gradient does not reduce over broadcast dimensions, so for
// x [B,T,K] · W [K,N] (every linear layer on a batch) it returns dW with shape [B,K,N] and the tape
// throws. The op never asks which backend runs; the two shape rewrites below hold on every backend:
//   - a batched A times a 2-D B is one 2-D product on A's stacked rows, so dW = Aᵀ·dC is a single
//     [K, B·T] × [B·T, N] product with no sum over the batch;
//   - batch dimensions broadcast on both sides ([2,1,..]·[1,3,..]) are spelled out, because tfjs'
//     kernels broadcast only when one side has a single batch (the cpu one computes it wrong).

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
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

/** op(a)·op(b) through the backend's BatchMatMul kernel; no gradient of its own. */
function product(a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  if (b.rank === 2 && a.rank > 2 && !tA) {
    // [..., M, K] × [K, N]: one 2-D product on the stacked rows.
    const outer = a.shape.slice(0, -1);
    const c = tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1]!]), b, false, tB);
    return tf.reshape(c, [...outer, c.shape[1]!]);
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((p, d) => p * d, 1);
  const batchB = outerB.reduce((p, d) => p * d, 1);
  if (batchA > 1 && batchB > 1 && !sameShape(outerA, outerB)) {
    const outer = batchShape(a, b);
    return tf.matMul(
      tf.broadcastTo(a, [...outer, ...a.shape.slice(-2)]),
      tf.broadcastTo(b, [...outer, ...b.shape.slice(-2)]),
      tA,
      tB,
    );
  }
  return tf.matMul(a, b, tA, tB);
}

/** dA of C = op(A)·op(B) given dC, in A's shape. */
function gradA(dC: Tensor, a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  let dA: Tensor;
  if (!tA && !tB) dA = product(dC, b, false, true);
  else if (!tA && tB) dA = product(dC, b, false, false);
  else if (tA && !tB) dA = product(b, dC, false, true);
  else dA = product(b, dC, true, true);
  return reduceTo(dA, a.shape);
}

/** dB of C = op(A)·op(B) given dC, in B's shape. */
function gradB(dC: Tensor, a: Tensor, b: Tensor, tA: boolean, tB: boolean): Tensor {
  let dB: Tensor;
  if (b.rank === 2 && a.rank > 2 && !tA) {
    // Fold the batch into the rows: dB is one 2-D product and needs no sum over the batch.
    const a2 = tf.reshape(a, [-1, a.shape[a.rank - 1]!]);
    const d2 = tf.reshape(dC, [-1, dC.shape[dC.rank - 1]!]);
    dB = tB ? product(d2, a2, true, false) : product(a2, d2, true, false);
  } else if (!tA && !tB) dB = product(a, dC, true, false);
  else if (!tA && tB) dB = product(dC, a, true, false);
  else if (tA && !tB) dB = product(a, dC, false, false);
  else dB = product(dC, a, true, true);
  return reduceTo(dB, b.shape);
}

/**
 * `tf.matMul` with the same meaning — a: [..., M, K] (or [..., K, M] with `transposeA`), b:
 * [..., K, N] (or [..., N, K] with `transposeB`), leading dimensions broadcast — whose gradients are
 * right when an operand is broadcast (tfjs' own throw a shape error for x [B,T,K] · W [K,N]), and
 * computed only for operands that need one (no dW for a frozen weight).
 *
 * The product is the backend's `BatchMatMul` kernel: a backend makes it fast by registering that
 * kernel (see `@gptft/backend-wasm`). Differentiable through `tf.grad`, `tf.grads`,
 * `tf.variableGrads` (with `tf.Variable` operands).
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
  return gradientNode(
    { a, b },
    (_recording, save) => {
      save([a, b]);
      return product(a, b, transposeA, transposeB);
    },
    (dC, [sa, sb]) => ({
      a: () => gradA(dC, sa!, sb!, transposeA, transposeB),
      b: () => gradB(dC, sa!, sb!, transposeA, transposeB),
    }),
  ) as T;
}
