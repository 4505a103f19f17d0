import { tf } from '@gptft/backend';

/** `tf.tidy` typed for results that hold tensors in plain objects and arrays (which tidy keeps). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
