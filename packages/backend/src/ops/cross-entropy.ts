import type { GradSaveFunc, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { IGNORE_INDEX } from '../labels.js';
import { tf } from '../tf.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Labels equal to this value are skipped (PyTorch's `ignore_index`, default {@link IGNORE_INDEX}). */
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
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  if (logits.rank < 1) throw new Error('crossEntropy: logits must have a class axis, got a scalar');
  const k = logits.shape[logits.rank - 1]!;
  const n = logits.size / k;
  if (labels.length !== n) {
    throw new Error(
      `crossEntropy: ${labels.length} labels for ${n} logit rows (logits [${logits.shape.join(', ')}])`,
    );
  }
  const targets = new Int32Array(n).fill(-1); // -1 on ignored rows: an all-zero one-hot row
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
  // The gradient is written out (softmax − one-hot, scaled): tfjs' own gradient of the
  // logSumExp/oneHot formulation runs several [N, K] kernels more and was 4× slower on wasm for
  // GPT-2's 512 × 50257 logits (2.2–3.5 s → 0.5 s per loss + gradient).
  const loss = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const x = args[0] as Tensor;
    const save = args[1] as GradSaveFunc;
    const flat = tf.reshape(x, [n, k]);
    const lse = tf.logSumExp(flat, -1, true); // [N, 1]
    const flatIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) flatIndex[i] = i * k + Math.max(targets[i]!, 0);
    const picked = tf.gather(tf.reshape(flat, [n * k]), tf.tensor1d(flatIndex, 'int32')); // [N]
    const total = tf.sum(tf.mul(tf.sub(tf.reshape(lse, [n]), picked), tf.tensor1d(weights, 'float32')));
    save([flat, lse]);
    return {
      value: tf.div(total, tf.scalar(count)) as Scalar,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [logitsSaved, lseSaved] = saved as [Tensor, Tensor];
        const scale = tf.mul(
          tf.reshape(tf.tensor1d(weights, 'float32'), [n, 1]),
          tf.div(dy, tf.scalar(count)),
        );
        const softmax = tf.exp(tf.sub(logitsSaved, lseSaved));
        const grad = tf.mul(tf.sub(softmax, tf.oneHot(tf.tensor1d(targets, 'int32'), k)), scale);
        return [tf.reshape(grad, logits.shape)];
      },
    };
  });
  return tf.tidy(() => loss(logits) as Scalar);
}
