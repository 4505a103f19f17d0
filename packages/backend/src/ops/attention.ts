import { defineKernel, runKernel } from '../kernels.js';
import { Attention } from '../kernel-names.js';
import type { Tensor } from '../tf.js';
import { tf } from '../tf.js';
import { gradientNode } from './gradient.js';

/** softmax(q·kᵀ·scale + bias): the attention probabilities [B, H, T, S]. */
function probabilities(q: Tensor, k: Tensor, scale: number, bias: Tensor | undefined): Tensor {
  const scores = tf.matMul(tf.mul(q, scale), k, false, true);
  return tf.softmax(bias ? tf.add(scores, bias) : scores, -1);
}

// Default kernel: the scores as one batched product, the bias, softmax, and the product with v.
defineKernel(Attention, ({ q, k, v, bias }, attrs) => {
  const { scale } = attrs as { scale: number };
  return tf.matMul(probabilities(q!, k!, scale, bias), v!);
});

/** Options of {@link attention}. */
export interface AttentionOptions {
  /** Multiplies the scores (GPT-2: 1/√D, divided by the layer index + 1 where configured). */
  scale: number;
  /** Added to the scores, [B or 1, H or 1, T, S]: 0 where a query may attend, −1e9 where not. */
  bias?: Tensor | null;
}

/**
 * Scaled dot-product attention of all heads of one layer: `softmax(q·kᵀ·scale + bias) · v`, with
 * q [B, H, T, D] and k, v [B, H, S, D] (S ≥ T with cached or prefix keys) → [B, H, T, D].
 *
 * Kernel `Attention` (the default: two batched products around a softmax; a backend may run all
 * heads in one pass, as @gptft/backend-wasm does). Differentiable with respect to q, k and v (the
 * bias is a constant mask); the backward pass recomputes the probabilities instead of keeping
 * them: dV = Pᵀ·dY, dS = P ⊙ (dY·Vᵀ − rowsum(dY·Vᵀ ⊙ P)), dQ = dS·K·scale, dK = dSᵀ·Q·scale.
 * No dropout on the probabilities: a model that drops attention weights composes the pieces itself.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const { scale } = options;
  const bias = options.bias ?? undefined;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(
      `attention: q, k, v must be [B, H, T|S, D], got [${q.shape}], [${k.shape}], [${v.shape}]`,
    );
  }
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const s = k.shape[2]!;
  if (k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== d || v.shape.join() !== k.shape.join()) {
    throw new Error(`attention: k [${k.shape}] and v [${v.shape}] must be [${b}, ${h}, S, ${d}] like q`);
  }
  if (
    bias &&
    (bias.rank !== 4 ||
      (bias.shape[0] !== 1 && bias.shape[0] !== b) ||
      (bias.shape[1] !== 1 && bias.shape[1] !== h) ||
      bias.shape[2] !== t ||
      bias.shape[3] !== s)
  ) {
    throw new Error(`attention: bias [${bias.shape}] must be [${b} or 1, ${h} or 1, ${t}, ${s}]`);
  }
  return gradientNode(
    { q, k, v },
    (_recording, save) => {
      save(bias ? [q, k, v, bias] : [q, k, v]);
      return runKernel(Attention, bias ? { q, k, v, bias } : { q, k, v }, { scale })[0]!;
    },
    (dy, saved) => {
      const [sq, sk, sv, sb] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
      // All three are needed whenever one is (they come from the same projection), so they are
      // computed together from one recomputation of the probabilities.
      const p = probabilities(sq, sk, scale, sb);
      const dP = tf.matMul(dy, sv, false, true); //                    [B, H, T, S]
      const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true)));
      const dq = tf.mul(tf.matMul(dS, sk), scale);
      const dk = tf.mul(tf.matMul(dS, sq, true, false), scale);
      const dv = tf.matMul(p, dy, true, false);
      return { q: () => dq, k: () => dk, v: () => dv };
    },
  );
}
