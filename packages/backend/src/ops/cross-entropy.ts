import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Labels equal to this value are skipped (PyTorch's `ignore_index`, default -100). */
  ignoreIndex?: number;
}

/**
 * Mean cross-entropy of `logits` [..., K] (flattened to [N, K]) against N integer class ids
 * `labels` (row-major), skipping labels equal to `ignoreIndex` (-100): PyTorch's
 * `CrossEntropyLoss(ignore_index=-100, reduction='mean')`, the loss of transformers' heads.
 * NaN when every label is ignored, as in PyTorch. Differentiable with respect to `logits`.
 *
 * Labels are plain numbers (checked here: an integer in [0, K) or the ignore index), so a bad
 * label is reported before any tensor work instead of producing a silent wrong loss.
 */
export function crossEntropy(
  logits: Tensor,
  labels: ArrayLike<number>,
  options: CrossEntropyOptions = {},
): Scalar {
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (logits.rank < 1) throw new Error('crossEntropy: logits must have a class axis, got a scalar');
  const k = logits.shape[logits.rank - 1]!;
  const n = logits.size / k;
  if (labels.length !== n) {
    throw new Error(
      `crossEntropy: ${labels.length} labels for ${n} logit rows (logits [${logits.shape.join(', ')}])`,
    );
  }
  const targets = new Int32Array(n);
  const weights = new Float32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y === ignoreIndex) continue;
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new Error(`crossEntropy: label ${y} at row ${i} is outside [0, ${k}) and is not ${ignoreIndex}`);
    }
    targets[i] = y;
    weights[i] = 1;
    count++;
  }
  return tf.tidy(() => {
    const flat = tf.reshape(logits, [n, k]);
    const lse = tf.logSumExp(flat, -1);
    const picked = tf.sum(tf.mul(flat, tf.oneHot(tf.tensor1d(targets, 'int32'), k)), -1);
    const total = tf.sum(tf.mul(tf.sub(lse, picked), tf.tensor1d(weights, 'float32')));
    return tf.div(total, tf.scalar(count)) as Scalar;
  });
}
