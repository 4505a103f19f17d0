/** Picking the next token from processed scores: argmax (greedy) or a draw from their softmax. */

/** Index of the largest score (the first one on ties, as torch.argmax). */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** One id drawn from softmax(scores) with `rand()` ∈ [0, 1); `-Infinity` scores are never drawn. */
export function sampleFromScores(scores: Float32Array, rand: () => number): number {
  const max = scores[argmax(scores)]!;
  const p = new Float64Array(scores.length);
  let z = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp(scores[i]! - max);
    p[i] = e;
    z += e;
  }
  let r = rand() * z;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    last = i;
    r -= p[i]!;
    if (r <= 0) return i;
  }
  return last;
}
