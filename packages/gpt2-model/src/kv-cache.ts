import { type Tensor, type Tensor4D, tf } from '@gptft/backend';
import { tidy } from './tidy.js';

/**
 * Keys and values of one attention layer, each [B, nHead, S, headDim]: the cache of S earlier
 * positions (KV cache), or extra positions put in front of the sequence (prefix tuning).
 */
export interface LayerKeyValue {
  key: Tensor4D;
  value: Tensor4D;
}

/**
 * Per-layer keys/values, index = layer (`h.N`). This is the backbone's injection point for
 * anything that must sit *in front of* the sequence in every layer: the forward pass's
 * `pastKeyValues` input takes them, attends over them before the current tokens, and starts the
 * current tokens' positions after them (as Hugging Face's GPT-2 does with `past_key_values`).
 */
export type PastKeyValues = LayerKeyValue[];

/** Number of positions held (S), 0 for none; throws if the layers disagree. */
export function pastLength(past: PastKeyValues | undefined): number {
  if (!past || past.length === 0) return 0;
  const s = past[0]!.key.shape[2];
  for (let i = 0; i < past.length; i++) {
    const { key, value } = past[i]!;
    if (key.rank !== 4 || value.rank !== 4 || key.shape[2] !== s || value.shape[2] !== s) {
      throw new Error(
        `pastKeyValues[${i}]: key ${JSON.stringify(key.shape)} / value ${JSON.stringify(value.shape)} must both be [B, nHead, ${s}, headDim]`,
      );
    }
  }
  return s;
}

/** Disposes every tensor of a cache (safe on undefined). */
export function disposePast(past: PastKeyValues | undefined): void {
  for (const kv of past ?? []) {
    kv.key.dispose();
    kv.value.dispose();
  }
}

/**
 * PEFT prefix tuning's layout → per-layer keys/values. `embeddings` is PEFT's `prompt_embeddings`
 * [V, nLayer·2·C] (or already batched [B, V, nLayer·2·C]); it is viewed as [B, V, nLayer·2, H, D],
 * and layer i takes rows 2i (keys) and 2i+1 (values), each returned as [B, H, V, D].
 * Differentiable: gradients flow back to `embeddings`.
 */
export function prefixKeyValues(
  embeddings: Tensor,
  nLayer: number,
  nHead: number,
  batchSize = 1,
): PastKeyValues {
  return tidy(() => {
    const batched =
      embeddings.rank === 2 ? tf.tile(tf.expandDims(embeddings, 0), [batchSize, 1, 1]) : embeddings;
    const [b, v, width] = batched.shape as [number, number, number];
    const c = width / (2 * nLayer);
    if (!Number.isInteger(c) || c % nHead !== 0) {
      throw new Error(
        `prefix embeddings width ${width} is not nLayer·2·nEmbd with nEmbd divisible by ${nHead}`,
      );
    }
    const d = c / nHead;
    // [B, V, L·2, H, D] → [L·2, B, H, V, D]
    const t = tf.transpose(tf.reshape(batched, [b, v, nLayer * 2, nHead, d]), [2, 0, 3, 1, 4]);
    const parts = tf.unstack(t, 0) as Tensor4D[];
    const out: PastKeyValues = [];
    for (let i = 0; i < nLayer; i++) out.push({ key: parts[2 * i]!, value: parts[2 * i + 1]! });
    return out;
  });
}
