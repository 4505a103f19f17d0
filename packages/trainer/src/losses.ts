import { crossEntropy, tf } from '@gptft/backend';

/**
 * Causal-LM loss as transformers' `GPT2LMHeadModel` computes it: logits at position t predict the
 * label at t+1 (the shift happens here), then `@gptft/backend`'s masked `crossEntropy` averages
 * over labels that are not `ignoreIndex` (-100, torch's `CrossEntropyLoss(ignore_index=-100)`).
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
  const targets = new Int32Array(b * (t - 1));
  for (let i = 0; i < b; i++) {
    for (let j = 1; j < t; j++) {
      const y = labels[i * t + j]!;
      if (y !== ignoreIndex && (y < 0 || y >= v))
        throw new Error(`causalLmLoss: label ${y} at [${i}, ${j}] is outside 0..${v - 1}`);
      targets[i * (t - 1) + j - 1] = y;
    }
  }
  return tf.tidy(() => crossEntropy(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), targets, { ignoreIndex }));
}
