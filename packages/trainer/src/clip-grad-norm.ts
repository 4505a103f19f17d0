import { tf } from '@gptft/backend';

/** The global L2 norm of the gradients, sqrt(sum ||g||²), as a scalar on the device (no host read). */
export function gradNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return (sq.length ? tf.sqrt(tf.addN(sq)) : tf.scalar(0)) as tf.Scalar;
  });
}

/**
 * torch.nn.utils.clip_grad_norm_ (L2): total = sqrt(sum ||g||²); if maxNorm/(total+1e-6) < 1 every
 * gradient is scaled by it. Returns the (pre-clipping) total norm and the gradients (new tensors
 * when clipped; the inputs are disposed then). `totalNorm`, when the caller already read it
 * (see {@link gradNorm}), saves the host read.
 */
export function clipGradNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
  totalNorm?: number,
): { totalNorm: number; grads: Record<string, tf.Tensor> } {
  const names = Object.keys(grads);
  const norm =
    totalNorm ??
    tf.tidy(() => {
      const n = gradNorm(grads);
      return n.dataSync()[0]!;
    });
  const coef = maxNorm / (norm + 1e-6);
  if (!(maxNorm > 0) || coef >= 1) return { totalNorm: norm, grads };
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) {
    out[n] = tf.mul(grads[n]!, coef);
    grads[n]!.dispose();
  }
  return { totalNorm: norm, grads: out };
}
