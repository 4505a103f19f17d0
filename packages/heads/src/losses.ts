import { type Tensor, tf } from '@gptft/backend';

/** Label value ignored by the losses (PyTorch's `ignore_index`). */
export const IGNORE_INDEX = -100;

/**
 * Mean cross-entropy of `logits` [N, K] against integer `labels` [N], skipping labels equal to
 * -100 (PyTorch's `CrossEntropyLoss(ignore_index=-100)`; NaN when every label is ignored, as there).
 */
export function crossEntropy(logits: Tensor, labels: number[]): Tensor {
  return tf.tidy(() => {
    const k = logits.shape[logits.shape.length - 1]!;
    const flat = tf.reshape(logits, [-1, k]);
    if (flat.shape[0] !== labels.length) {
      throw new Error(`labels: ${labels.length} labels for ${flat.shape[0]} logit rows`);
    }
    for (const l of labels) {
      if (l !== IGNORE_INDEX && (!Number.isInteger(l) || l < 0 || l >= k)) {
        throw new Error(`labels: label ${l} is outside [0, ${k}) and is not -100`);
      }
    }
    const keep: number[] = labels.map((l) => (l === IGNORE_INDEX ? 0 : 1));
    const safe = labels.map((l) => (l === IGNORE_INDEX ? 0 : l));
    const lse = tf.logSumExp(flat, -1);
    const picked = tf.sum(tf.mul(flat, tf.oneHot(tf.tensor1d(safe, 'int32'), k)), -1);
    const w = tf.tensor1d(keep, 'float32');
    const n = keep.reduce((a, b) => a + b, 0);
    return tf.div(tf.sum(tf.mul(tf.sub(lse, picked), w)), tf.scalar(n));
  });
}

/** Mean squared error (PyTorch's `MSELoss`). */
export function mse(pred: Tensor, target: Tensor): Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(pred, target))));
}

/** Mean binary cross-entropy with logits (PyTorch's `BCEWithLogitsLoss`), numerically stable. */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  return tf.tidy(() =>
    tf.mean(
      tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
    ),
  );
}
