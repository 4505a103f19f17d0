import type { Tensor } from '../tf.js';
import { tf } from '../tf.js';
import { gradientNode } from './gradient.js';

/**
 * Embedding lookup: rows of `weight` [V, C] for integer `ids` of any shape → [...ids.shape, C].
 *
 * Differentiable with respect to `weight` (a tensor or a `tf.Variable`, through `tf.grad`,
 * `tf.variableGrads`, ...): the gradient is a dense [V, C] tensor built with one `scatterND`
 * (rows of repeated ids are summed) — tfjs' own gradient of `gather` is `UnsortedSegmentSum`, not
 * registered on wasm and on cpu a loop over every vocabulary row (minutes and GBs at GPT-2's 50257).
 * It is computed only when `weight` needs a gradient (not for a frozen embedding).
 *
 * Ids must lie in [0, V); they are not read back to check (that would force a sync on every call).
 */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  if (weight.rank !== 2) {
    throw new Error(`embedding: weight must be 2-D [vocab, width], got shape [${weight.shape.join(', ')}]`);
  }
  if (ids.dtype !== 'int32') {
    throw new Error(`embedding: ids must be int32, got ${ids.dtype} (shape [${ids.shape.join(', ')}])`);
  }
  if (weight.dtype !== 'float32') {
    throw new Error(`embedding: weight must be float32, got ${weight.dtype}`);
  }
  const [vocab, width] = weight.shape as [number, number];
  return gradientNode(
    { weight },
    (_recording, save) => {
      save([ids]);
      return tf.gather(weight, ids);
    },
    (dy, [savedIds]) => ({
      weight: () => {
        const n = savedIds!.size;
        return tf.scatterND(tf.reshape(savedIds!, [n, 1]), tf.reshape(dy, [n, width]), [vocab, width]);
      },
    }),
  );
}
