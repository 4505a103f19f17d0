// The kernels gptft's ops run (as tfjs-core's `kernel_names.ts` lists tfjs' own). Each has a default
// made of tfjs ops (`defineKernel`), so every backend runs every op; a backend makes one faster by
// registering a kernel under the same name for its tfjs backend (`registerKernel`). Inputs are
// tensors by name, attributes plain values; the contract of each is written here once.

/**
 * Softmax cross-entropy of logits rows against class ids, with the gradient in the same pass.
 * - inputs: `logits` float32 [N, K]; `targets` int32 [N] (a class id in [0, K), or −1: row skipped)
 * - attrs: `scale` (number: the loss is `scale · Σ_kept (logsumexp(logits_i) − logits_i[t_i])`),
 *   `withGradient` (boolean)
 * - outputs: `loss` float32 scalar; `dLogits` float32 [N, K] = `scale · (softmax − one-hot)` on kept
 *   rows, 0 on skipped ones (an empty [0] tensor when `withGradient` is false)
 */
export const SoftmaxCrossEntropy = 'GptftSoftmaxCrossEntropy';

/**
 * Linear layer + softmax cross-entropy without the whole logits matrix: logits = hidden · weightᵀ
 * are computed a chunk of rows at a time, and the gradients accumulated chunk by chunk (Liger-Kernel's
 * fused linear cross-entropy).
 * - inputs: `hidden` float32 [N, C]; `weight` float32 [V, C]; `targets` int32 [N] (as above)
 * - attrs: `scale` (as above), `gradHidden`, `gradWeight`, `returnLogits` (booleans), `chunkRows`
 *   (rows per chunk; 0: the kernel chooses)
 * - outputs, always four: `loss` scalar; `dHidden` [N, C]; `dWeight` [V, C] (gradients of the loss;
 *   each an empty [0] tensor when not asked for); `logits` [N, V] (empty unless `returnLogits`)
 */
export const FusedLinearCrossEntropy = 'GptftFusedLinearCrossEntropy';

/**
 * Scaled dot-product attention of one layer, all heads: `y = softmax(q·kᵀ·scale + bias) · v`.
 * - inputs: `q` float32 [B, H, T, D]; `k`, `v` float32 [B, H, S, D]; optional `bias` float32
 *   [B or 1, H or 1, T, S] added to the scores (0 = attend, a large negative number = masked)
 * - attrs: `scale` (number)
 * - outputs: `y` float32 [B, H, T, D]
 */
export const Attention = 'GptftAttention';
