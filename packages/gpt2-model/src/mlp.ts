import { type Tensor, tf } from '@gptft/backend';
import { activation } from './activations.js';
import type { GPT2Config } from './config.js';
import { Conv1D, Dropout } from './layers.js';
import { Layer } from './module.js';
import type { SeedSequence } from './random.js';

/** GPT-2's MLP: `c_fc` (C → inner), activation (`gelu_new`), `c_proj` (inner → C), dropout. */
export class GPT2MLP extends Layer {
  private readonly act: (x: Tensor) => Tensor;
  constructor(config: GPT2Config, seeds: SeedSequence) {
    super();
    this.act = activation(config.activationFunction);
    this.addModule('c_fc', new Conv1D(config.nEmbd, config.innerDim));
    this.addModule('c_proj', new Conv1D(config.innerDim, config.nEmbd));
    this.addModule('dropout', new Dropout(config.residPdrop, seeds));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = this.act(this.child<Layer>('c_fc').forward(x)); //  [B, T, inner]
      return this.child<Layer>('dropout').forward(this.child<Layer>('c_proj').forward(h)); // [B, T, C]
    });
  }
}
