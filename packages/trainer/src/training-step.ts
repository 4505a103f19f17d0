/**
 * One optimizer step's forward and backward passes (nanoGPT's accumulation loop): each
 * micro-batch's loss, divided by the number of micro-batches, is differentiated and its gradients
 * summed; the losses and gradients stay on the device until the one host read of the step, which
 * returns the step's mean loss and the global gradient norm together. The read is asynchronous
 * (`await data()`): a page's WebGPU backend has no reliable synchronous read.
 */
import { tf } from '@gptft/backend';
import { gradNorm } from './clip-grad-norm.js';

/** What {@link accumulateGradients} returns; the caller owns (and disposes) `grads`. */
export interface AccumulatedGradients {
  /** Mean loss of the micro-batches. */
  loss: number;
  /** Global L2 norm of the summed gradients (before clipping). */
  gradNorm: number;
  /** Summed gradients by parameter name (parameters without a gradient are left out). */
  grads: Record<string, tf.Tensor>;
}

/**
 * Sums the gradients of `mean(loss(b) for b in batches)` with respect to `params` (HF divides by
 * the window's size, `current_gradient_accumulation_steps`). One host read, at the end.
 */
export async function accumulateGradients<B>(
  batches: readonly B[],
  params: readonly [string, tf.Variable][],
  loss: (batch: B) => tf.Scalar,
): Promise<AccumulatedGradients> {
  const k = batches.length;
  if (k === 0) throw new Error('accumulateGradients: no batch');
  const vars = params.map(([, v]) => v);
  let acc: Record<string, tf.Tensor> | undefined;
  let lossSum: tf.Scalar | undefined;
  for (const batch of batches) {
    const { value, grads } = tf.variableGrads(() => tf.div(loss(batch), k) as tf.Scalar, vars);
    if (lossSum) {
      const prev = lossSum;
      lossSum = tf.add(prev, value) as tf.Scalar;
      prev.dispose();
      value.dispose();
    } else lossSum = value;
    const named: Record<string, tf.Tensor> = {};
    for (const [n, v] of params) if (grads[v.name]) named[n] = grads[v.name]!;
    if (!acc) acc = named;
    else {
      for (const n of Object.keys(named)) {
        const prev = acc[n];
        acc[n] = prev ? tf.add(prev, named[n]!) : named[n]!;
        if (prev) {
          prev.dispose();
          named[n]!.dispose();
        }
      }
    }
  }
  const grads = acc!;
  const both = tf.tidy(() => tf.stack([lossSum!, gradNorm(grads)]));
  lossSum!.dispose();
  let values: Float32Array;
  try {
    values = (await both.data()) as Float32Array;
  } catch (error) {
    for (const g of Object.values(grads)) g.dispose();
    throw error;
  } finally {
    both.dispose();
  }
  return { loss: values[0]!, gradNorm: values[1]!, grads };
}
