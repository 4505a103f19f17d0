import { tf } from '@gptft/backend';

/**
 * torch.nn.utils.clip_grad_norm_ (L2): total = sqrt(sum ||g||²); if maxNorm/(total+1e-6) < 1 every
 * gradient is scaled by it. Returns the (pre-clipping) total norm and the gradients (new tensors
 * when clipped; the inputs are disposed then).
 */
export function clipGradNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { totalNorm: number; grads: Record<string, tf.Tensor> } {
  const names = Object.keys(grads);
  const totalNorm = tf.tidy(() => {
    const sq = names.map((n) => tf.sum(tf.square(grads[n]!)));
    return sq.length ? tf.sqrt(tf.addN(sq)).dataSync()[0]! : 0;
  });
  const coef = maxNorm / (totalNorm + 1e-6);
  if (!(maxNorm > 0) || coef >= 1) return { totalNorm, grads };
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) {
    out[n] = tf.mul(grads[n]!, coef);
    grads[n]!.dispose();
  }
  return { totalNorm, grads: out };
}
