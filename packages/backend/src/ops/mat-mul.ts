import type { Tensor } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

/**
 * `tf.matMul` with the same meaning (a: [..., M, K] or [..., K, M] when transposeA; b likewise),
 * whose forward and gradients take the fast path on the current backend.
 */
export function matMul<T extends Tensor>(a: T, b: Tensor, transposeA = false, transposeB = false): T {
  return tf.matMul(a, b, transposeA, transposeB) as T;
}
