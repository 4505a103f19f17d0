/**
 * `@gptft/gpt2-model/testing` — small helpers for tests that compare a GPT-2 backbone (or a model
 * built on it: heads, PEFT adapters) with PyTorch reference numbers. Not needed at run time.
 */
import { matMul, type Tensor, tf } from '@gptft/backend';
import type { GPT2Model } from '../gpt2-model.js';

/** Largest absolute element-wise difference of two equally long arrays (throws on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Tied LM logits of the backbone's hidden states: hidden [.., C] · wteᵀ → [N, V] (GPT-2's lm_head is
 * wteᵀ; `@gptft/heads` owns the real LM head).
 */
export function tiedLogits(model: GPT2Model, hidden: Tensor): Tensor {
  return tf.tidy(() => matMul(tf.reshape(hidden, [-1, model.config.nEmbd]), model.wte.weight, false, true));
}

/** Mean next-token cross-entropy of ids under logits [T, V] (predicting ids[1..] from positions ..T−1). */
export function nextTokenLoss(logits: Tensor, ids: number[]): Tensor {
  return tf.tidy(() => {
    const n = ids.length - 1;
    const l = tf.slice(logits, [0, 0], [n, -1]);
    const lse = tf.logSumExp(l, -1);
    const picked = tf.sum(tf.mul(l, tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), l.shape[1]!)), -1);
    return tf.mean(tf.sub(lse, picked));
  });
}
