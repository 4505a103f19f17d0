import { crossEntropy, IGNORE_INDEX, shiftLabels, tf } from '@gptft/backend';

/**
 * Causal-LM loss as transformers' `GPT2LMHeadModel` computes it: logits at position t predict the
 * label at t+1 (`@gptft/backend`'s `shiftLabels`), then `@gptft/backend`'s masked `crossEntropy`
 * averages over labels that are not `ignoreIndex` (-100, torch's `CrossEntropyLoss(ignore_index=-100)`).
 * `logits`: [B, T, V]; `labels`: B*T ids in row-major order (a `@gptft/datasets` `Batch.labels`).
 */
export function causalLmLoss(
  logits: tf.Tensor3D,
  labels: ArrayLike<number>,
  ignoreIndex = IGNORE_INDEX,
): tf.Scalar {
  const [b, t, v] = logits.shape;
  if (labels.length !== b * t) {
    throw new Error(
      `causalLmLoss: labels has ${labels.length} entries, logits [${b}, ${t}, ${v}] needs ${b * t}`,
    );
  }
  const targets = shiftLabels(labels, b, t);
  targets.forEach((y, i) => {
    if (y !== ignoreIndex && (y < 0 || y >= v)) {
      const [row, col] = [Math.floor(i / (t - 1)), (i % (t - 1)) + 1];
      throw new Error(`causalLmLoss: label ${y} at [${row}, ${col}] is outside 0..${v - 1}`);
    }
  });
  return tf.tidy(() => crossEntropy(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), targets, { ignoreIndex }));
}
