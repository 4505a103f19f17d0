/**
 * Perplexity of a language model: `exp` of the mean negative log-likelihood (natural log) per
 * predicted token, what `torch.exp(outputs.loss)` gives for a Hugging Face causal LM.
 */
import { MetricInputError } from './errors.js';

function checkFinite(x: number, name: string): void {
  if (typeof x !== 'number' || Number.isNaN(x))
    throw new MetricInputError(`${name} is ${String(x)}: must be a number`);
}

/**
 * Perplexity from the mean token NLL in nats (the cross-entropy loss a causal LM reports).
 *
 * @example
 * perplexityFromMeanNll(Math.log(50257)) // 50257: a uniform guess over GPT-2's vocabulary
 */
export function perplexityFromMeanNll(meanNll: number): number {
  checkFinite(meanNll, 'meanNll');
  if (meanNll < 0)
    throw new MetricInputError(`meanNll is ${meanNll}: a negative log-likelihood cannot be negative`);
  return Math.exp(meanNll);
}

/**
 * Perplexity from the summed token NLL (nats) and the number of tokens it sums over — the right way
 * to combine batches of different sizes: add up `sumNll` and `tokenCount` over batches, then call
 * this once (averaging per-batch perplexities or per-batch losses weights batches wrongly).
 */
export function perplexityFromNll(sumNll: number, tokenCount: number): number {
  checkFinite(sumNll, 'sumNll');
  if (!Number.isInteger(tokenCount) || tokenCount <= 0) {
    throw new MetricInputError(`tokenCount is ${tokenCount}: must be a positive integer`);
  }
  return perplexityFromMeanNll(sumNll / tokenCount);
}

/**
 * Perplexity from per-token NLLs (nats), summed with Neumaier compensation so that long
 * evaluations do not drift.
 */
export function perplexity(tokenNlls: ArrayLike<number>): number {
  const n = tokenNlls.length;
  if (n === 0) throw new MetricInputError('tokenNlls is empty: perplexity needs at least one token');
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = tokenNlls[i]!;
    checkFinite(x, `tokenNlls[${i}]`);
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return perplexityFromNll(sum + c, n);
}
