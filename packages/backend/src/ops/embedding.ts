import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

/**
 * Embedding lookup: rows of `weight` [V, C] for integer `ids` of any shape → [...ids.shape, C].
 * Its gradient with respect to `weight` is a dense [V, C] tensor.
 */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  return tf.gather(weight, ids);
}
