import { tf } from '@gptft/backend';

/**
 * Causal-LM loss as transformers' `GPT2LMHeadModel` computes it: logits at position t predict the
 * label at t+1 (the shift happens here), cross-entropy averaged over labels that are not
 * `ignoreIndex` (-100, torch's `CrossEntropyLoss(ignore_index=-100)`).
 * `logits`: [B, T, V]; `labels`: B*T ids in row-major order (a `@gptft/datasets` `Batch.labels`).
 */
export function causalLmLoss(
  logits: tf.Tensor3D,
  labels: Int32Array | number[],
  ignoreIndex = -100,
): tf.Scalar {
  const [b, t, v] = logits.shape;
  if (labels.length !== b * t) {
    throw new Error(
      `causalLmLoss: labels has ${labels.length} entries, logits [${b}, ${t}, ${v}] needs ${b * t}`,
    );
  }
  const targets: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < b; i++) {
    for (let j = 1; j < t; j++) {
      const y = labels[i * t + j]!;
      const keep = y !== ignoreIndex;
      if (keep && (y < 0 || y >= v))
        throw new Error(`causalLmLoss: label ${y} at [${i}, ${j}] is outside 0..${v - 1}`);
      targets.push(keep ? y : 0);
      weights.push(keep ? 1 : 0);
    }
  }
  const count = weights.reduce((x, y) => x + y, 0);
  return tf.tidy(() => {
    const shifted = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), [b * (t - 1), v]);
    const logp = tf.logSoftmax(shifted);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(targets, 'int32'), v)), -1);
    const nll = tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(weights))));
    return (count > 0 ? tf.div(nll, count) : tf.mul(nll, Number.NaN)) as tf.Scalar;
  });
}
