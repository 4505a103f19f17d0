import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

// tfjs' own gradient of `gather` is `UnsortedSegmentSum`: not registered on wasm, and on cpu a loop
// over every vocabulary row (minutes and GBs at GPT-2's 50257). The gradient of a lookup is a
// scatter-add of the incoming rows into a dense [V, C] tensor, which `scatterND` does in one pass
// (it sums duplicate indices).
const gatherRows = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
  const weight = args[0] as Tensor;
  const ids = args[1] as Tensor;
  const save = args[2] as GradSaveFunc;
  save([ids]);
  const [vocab, width] = weight.shape as [number, number];
  const value = tf.gather(weight, ids);
  return {
    value,
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const savedIds = saved[0]!;
      const n = savedIds.size;
      const dWeight = tf.scatterND(tf.reshape(savedIds, [n, 1]), tf.reshape(dy, [n, width]), [vocab, width]);
      // `ids` is an integer input: it gets a (never used) zero gradient, as customGrad wants one per input.
      return [dWeight, tf.zeros(savedIds.shape)];
    },
  };
});

/**
 * Embedding lookup: rows of `weight` [V, C] for integer `ids` of any shape → [...ids.shape, C].
 *
 * Differentiable with respect to `weight` (a tensor or a `tf.Variable`, through `tf.grad`,
 * `tf.variableGrads`, ...): the gradient is a dense [V, C] tensor built with one `scatterND`
 * (rows of repeated ids are summed), fast on every backend, instead of tfjs' `UnsortedSegmentSum`.
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
  return gatherRows(weight, ids);
}
