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

/**
 * Rows `rows` of every layer's keys/values, in that order (a row may repeat: beam search reorders
 * its beams this way, `n` samples of one prompt copy its cache). New tensors; `past` is left as is.
 */
export function selectPastRows(past: PastKeyValues, rows: readonly number[]): PastKeyValues {
  return tidy(() => {
    const idx = tf.tensor1d(Array.from(rows), 'int32');
    return past.map(({ key, value }) => ({
      key: tf.gather(key, idx, 0) as Tensor4D,
      value: tf.gather(value, idx, 0) as Tensor4D,
    }));
  });
}

/**
 * The rows of `a` followed by the rows of `b` ([Ba + Bb, H, S, D]); the shorter cache is padded
 * with zeros *in front* to the longer one's length S, so every row keeps its latest position
 * last (left padding: the attention mask of a padded row must be 0 on the added positions). New
 * tensors; `a` and `b` are left as they are.
 */
export function concatPastRows(a: PastKeyValues, b: PastKeyValues): PastKeyValues {
  if (a.length !== b.length) throw new Error(`concatPastRows: ${a.length} layers and ${b.length} layers`);
  const sa = pastLength(a);
  const sb = pastLength(b);
  const s = Math.max(sa, sb);
  const padFront = (t: Tensor4D, n: number): Tensor4D =>
    n === 0
      ? t
      : (tf.pad(t, [
          [0, 0],
          [0, 0],
          [n, 0],
          [0, 0],
        ]) as Tensor4D);
  return tidy(() =>
    a.map((la, i) => {
      const lb = b[i]!;
      return {
        key: tf.concat([padFront(la.key, s - sa), padFront(lb.key, s - sb)], 0) as Tensor4D,
        value: tf.concat([padFront(la.value, s - sa), padFront(lb.value, s - sb)], 0) as Tensor4D,
      };
    }),
  );
}

/** `past` without its first `n` positions ([B, H, S − n, D]; new tensors). */
export function dropPastFront(past: PastKeyValues, n: number): PastKeyValues {
  const s = pastLength(past);
  if (!Number.isInteger(n) || n < 0 || n > s)
    throw new Error(`dropPastFront: cannot drop ${n} of ${s} positions`);
  return tidy(() =>
    past.map(({ key, value }) => ({
      key: tf.slice(key, [0, 0, n, 0], [-1, -1, -1, -1]) as Tensor4D,
      value: tf.slice(value, [0, 0, n, 0], [-1, -1, -1, -1]) as Tensor4D,
    })),
  );
}
