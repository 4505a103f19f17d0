import { type Tensor, tf } from '@gptft/backend';
import { type AttentionOptions, GPT2Attention } from './attention.js';
import type { GPT2Config } from './config.js';
import type { LayerKeyValue } from './kv-cache.js';
import { LayerNorm } from './layers.js';
import { GPT2MLP } from './mlp.js';
import { type Layer, Module } from './module.js';
import type { SeedSequence } from './random.js';
import { tidy } from './tidy.js';

/** Output of one transformer block. */
export interface BlockOutput {
  hidden: Tensor; //          [B, T, C]
  present?: LayerKeyValue; // [B, H, P+T, D] each, when useCache
}

/** A pre-LN transformer block: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
export class GPT2Block extends Module {
  constructor(config: GPT2Config, layerIdx: number, seeds: SeedSequence) {
    super();
    this.addModule('ln_1', new LayerNorm(config.nEmbd, config.layerNormEpsilon));
    this.addModule('attn', new GPT2Attention(config, layerIdx, seeds));
    this.addModule('ln_2', new LayerNorm(config.nEmbd, config.layerNormEpsilon));
    this.addModule('mlp', new GPT2MLP(config, seeds));
  }

  forward(x: Tensor, options: AttentionOptions = {}): BlockOutput {
    return tidy(() => {
      const a = this.child<GPT2Attention>('attn').forward(this.child<Layer>('ln_1').forward(x), options);
      const h = tf.add(x, a.output); //                                                     [B, T, C]
      const hidden = tf.add(h, this.child<Layer>('mlp').forward(this.child<Layer>('ln_2').forward(h)));
      return a.present ? { hidden, present: a.present } : { hidden };
    });
  }
}
