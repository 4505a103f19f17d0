import { IGNORE_INDEX, type Tensor, tf } from '@gptft/backend';

/** Label value ignored by the losses (PyTorch's `ignore_index`); defined once, in `@gptft/backend`. */
export { IGNORE_INDEX };

/**
 * Mean cross-entropy of `logits` [..., K] against integer labels, skipping -100 — the one
 * implementation in `@gptft/backend` (`crossEntropy`), re-exported here for the heads' users.
 */
export { crossEntropy } from '@gptft/backend';

/**
 * Per-token labels of a `[batch, seqLength]` input, as the heads accept them: nested rows
 * (`number[][]`, as transformers users pass lists) or one flat row-major array (`Int32Array`, what a
 * `@gptft/datasets` collator puts in `Batch.labels`). Flat arrays pass through untouched, so
 * labels keep one representation from the collator to the loss.
 */
export type TokenLabels = number[][] | ArrayLike<number>;

/** {@link TokenLabels} as one flat row-major array of `batch × seqLength`, checking the shape. */
export function flatTokenLabels(labels: TokenLabels, batch: number, seqLength: number): ArrayLike<number> {
  const nested = Array.isArray(labels) && Array.isArray(labels[0]);
  if (!nested) {
    if (labels.length !== batch * seqLength) {
      throw new Error(
        `labels: ${labels.length} values for inputIds [${batch}, ${seqLength}] (flat labels are row-major, ${batch * seqLength} values)`,
      );
    }
    return labels as ArrayLike<number>;
  }
  const rows = labels as number[][];
  if (rows.length !== batch || rows.some((r) => r.length !== seqLength)) {
    throw new Error(`labels: shape must be [${batch}, ${seqLength}] like inputIds`);
  }
  return rows.flat();
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
