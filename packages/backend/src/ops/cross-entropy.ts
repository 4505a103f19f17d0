import { defineKernel, runKernel } from '../kernels.js';
import { SoftmaxCrossEntropy } from '../kernel-names.js';
import { IGNORE_INDEX } from '../labels.js';
import type { Scalar, Tensor } from '../tf.js';
import { tf } from '../tf.js';
import { gradientNode } from './gradient.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Labels equal to this value are skipped (PyTorch's `ignore_index`, default {@link IGNORE_INDEX}). */
  ignoreIndex?: number;
}

/**
 * Checks `labels` (an integer in [0, k) or `ignoreIndex` each) and returns them as kernel targets
 * (−1 on skipped rows) with the number of rows kept.
 */
export function crossEntropyTargets(
  op: string,
  labels: ArrayLike<number>,
  n: number,
  k: number,
  ignoreIndex: number,
): { targets: Int32Array; count: number } {
  if (labels.length !== n) {
    throw new Error(`${op}: ${labels.length} labels for ${n} logit rows`);
  }
  const targets = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y === ignoreIndex) continue;
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new Error(`${op}: label ${y} at row ${i} is outside [0, ${k}) and is not ${ignoreIndex}`);
    }
    targets[i] = y;
    count++;
  }
  return { targets, count };
}

// Default kernel: the loss from logSumExp and the picked logits; the gradient written out
// (softmax − one-hot, scaled): tfjs' autodiff of the logSumExp/oneHot formulation ran several
// [N, K] kernels more and was 4× slower on wasm for GPT-2's 512 × 50257 logits.
defineKernel(SoftmaxCrossEntropy, ({ logits, targets }, attrs) => {
  const { scale, withGradient } = attrs as { scale: number; withGradient: boolean };
  const [n, k] = logits!.shape as [number, number];
  const t = targets!;
  const lse = tf.logSumExp(logits!, -1, true); // [N, 1]
  const kept = tf.cast(tf.greaterEqual(t, 0), 'float32'); // [N]
  const flatIndex = tf.add(
    tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(k, 'int32')),
    tf.maximum(t, tf.scalar(0, 'int32')),
  );
  const picked = tf.gather(tf.reshape(logits!, [n * k]), flatIndex); // [N]
  const loss = tf.mul(tf.sum(tf.mul(tf.sub(tf.reshape(lse, [n]), picked), kept)), scale);
  if (!withGradient) return [loss, tf.zeros([0])];
  const softmax = tf.exp(tf.sub(logits!, lse));
  const dLogits = tf.mul(tf.sub(softmax, tf.oneHot(t, k)), tf.reshape(tf.mul(kept, scale), [n, 1]));
  return [loss, dLogits];
});

/**
 * Mean cross-entropy of `logits` [..., K] (flattened to [N, K]) against N integer class ids
 * `labels` (row-major), skipping labels equal to `ignoreIndex` (-100): PyTorch's
 * `CrossEntropyLoss(ignore_index=-100, reduction='mean')`, the loss of transformers' heads.
 * NaN when every label is ignored, as in PyTorch. Differentiable with respect to `logits`.
 *
 * Labels are plain numbers (checked here: an integer in [0, K) or the ignore index), so a bad
 * label is reported before any tensor work instead of producing a silent wrong loss.
 * The work is the `SoftmaxCrossEntropy` kernel (the gradient comes out of the same pass when one
 * is being recorded).
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
  let checked: { targets: Int32Array; count: number };
  try {
    checked = crossEntropyTargets('crossEntropy', labels, n, k, ignoreIndex);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(
      message.includes('labels for') ? `${message} (logits [${logits.shape.join(', ')}])` : message,
    );
  }
  const { targets, count } = checked;
  return tf.tidy(
    () =>
      gradientNode(
        { logits },
        (recording, save) => {
          const [loss, dLogits] = runKernel(
            SoftmaxCrossEntropy,
            { logits: tf.reshape(logits, [n, k]), targets: tf.tensor1d(targets, 'int32') },
            { scale: 1 / count, withGradient: recording },
          );
          save([dLogits!]);
          return loss!;
        },
        (dy, [dLogits]) => ({ logits: () => tf.reshape(tf.mul(dLogits!, dy), logits.shape) }),
      ) as Scalar,
  );
}
