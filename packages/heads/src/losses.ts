import { type Tensor, tf } from '@gptft/backend';

/** Label value ignored by the losses (PyTorch's `ignore_index`). */
export const IGNORE_INDEX = -100;

/**
 * Mean cross-entropy of `logits` [..., K] against integer labels, skipping -100 — the one
 * implementation in `@gptft/backend` (`crossEntropy`), re-exported here for the heads' users.
 */
export { crossEntropy } from '@gptft/backend';

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
