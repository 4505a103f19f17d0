import type { Batch } from './batch.js';

/**
 * The attention pattern a batch asks for, as a `[batchSize, seqLength, seqLength]` 0/1 array in
 * row-major order: `allowed[b][i][j] = 1` when query token `i` may attend key token `j`, i.e.
 * `j <= i` (causal), `attentionMask[b][j] = 1` (not padding) and, when the batch has
 * `documentIds`, `documentIds[b][i] === documentIds[b][j]` (same packed document).
 *
 * A model applies it as an additive bias (0 where allowed, a large negative number elsewhere)
 * before the softmax — exactly what it would compute running each document on its own, provided
 * it also embeds `positionIds` instead of `0 … T-1`. This is a reference (tests, small batches);
 * a model may build the same mask with tensor ops from `documentIds` directly.
 */
export function attentionAllowed(batch: Pick<Batch, 'shape' | 'attentionMask' | 'documentIds'>): Uint8Array {
  const [B, T] = batch.shape;
  const out = new Uint8Array(B * T * T);
  const docs = batch.documentIds;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const row = (b * T + i) * T;
      for (let j = 0; j <= i; j++) {
        if (!batch.attentionMask[b * T + j]) continue;
        if (docs && docs[b * T + i] !== docs[b * T + j]) continue;
        out[row + j] = 1;
      }
    }
  }
  return out;
}
