import { attention, matMul, type Tensor, type Tensor4D, tf } from '@gptft/backend';
import type { GPT2Config } from './config.js';
import type { LayerKeyValue } from './kv-cache.js';
import { Conv1D, Dropout } from './layers.js';
import { type Layer, Module } from './module.js';
import type { SeedSequence } from './random.js';
import { tidy } from './tidy.js';

/** Inputs of one attention layer besides the hidden states. */
export interface AttentionOptions {
  /** Additive mask [B or 1, 1, T, S]: 0 where a query may attend, a large negative number elsewhere. */
  bias?: Tensor | null;
  /** Keys/values [B, H, P, D] in front of the current ones (KV cache or prefix). */
  past?: LayerKeyValue;
  /** Return the concatenated keys/values [B, H, P+T, D] as `present`. */
  useCache?: boolean;
}

/** Result of one attention layer. */
export interface AttentionOutput {
  output: Tensor; //          [B, T, C]
  present?: LayerKeyValue; // [B, H, P+T, D] each
}

/** GPT-2 causal self-attention: `c_attn` (C → 3C), scaled dot product, `c_proj` (C → C). */
export class GPT2Attention extends Module {
  readonly nHead: number;
  readonly headDim: number;
  private readonly scale: number;

  constructor(
    config: GPT2Config,
    readonly layerIdx: number,
    seeds: SeedSequence,
  ) {
    super();
    const c = config.nEmbd;
    this.nHead = config.nHead;
    this.headDim = c / config.nHead;
    this.scale =
      (config.scaleAttnWeights ? 1 / Math.sqrt(this.headDim) : 1) /
      (config.scaleAttnByInverseLayerIdx ? layerIdx + 1 : 1);
    this.addModule('c_attn', new Conv1D(c, 3 * c));
    this.addModule('c_proj', new Conv1D(c, c));
    this.addModule('attn_dropout', new Dropout(config.attnPdrop, seeds));
    this.addModule('resid_dropout', new Dropout(config.residPdrop, seeds));
  }

  /** [B, T, C] → [B, H, T, D] */
  private splitHeads(x: Tensor, b: number, t: number): Tensor4D {
    return tf.transpose(tf.reshape(x, [b, t, this.nHead, this.headDim]), [0, 2, 1, 3]);
  }

  forward(x: Tensor, { bias, past, useCache = false }: AttentionOptions = {}): AttentionOutput {
    return tidy((): AttentionOutput => {
      const [b, t, c] = x.shape as [number, number, number];
      const qkv = this.child<Layer>('c_attn').forward(x); //                   [B, T, 3C]
      const [q, k, v] = tf.split(qkv, 3, -1).map((z) => this.splitHeads(z, b, t)); // [B, H, T, D]
      const key = past ? tf.concat([past.key, k!], 2) : k!; //                  [B, H, S, D]
      const value = past ? tf.concat([past.value, v!], 2) : v!; //              [B, H, S, D]
      const dropout = this.child<Dropout>('attn_dropout');
      let heads: Tensor; //                                                      [B, H, T, D]
      if (dropout.training && dropout.rate > 0) {
        // Dropout on the probabilities: the pieces, so the mask falls between softmax and ·v.
        let att = matMul(tf.mul(q!, this.scale), key, false, true); //           [B, H, T, S]
        if (bias) att = tf.add(att, bias);
        heads = matMul(dropout.forward(tf.softmax(att, -1)), value);
      } else {
        heads = attention(q!, key, value, { scale: this.scale, bias }); //       softmax(q·kᵀ·s + bias)·v
      }
      const y = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b, t, c]); //    [B, T, C]
      const output = this.child<Layer>('resid_dropout').forward(this.child<Layer>('c_proj').forward(y));
      return useCache ? { output, present: { key: key as Tensor4D, value: value as Tensor4D } } : { output };
    });
  }
}
