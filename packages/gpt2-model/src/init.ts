import { tf } from '@gptft/backend';
import { init } from '@gptft/nn';
import type { GPT2Config } from './config.js';
import { Conv1D, Embedding } from './layers.js';
import type { Module } from './module.js';
import type { SeedSequence } from './random.js';

/**
 * transformers' `GPT2PreTrainedModel._init_weights`: embeddings and Conv1D weights ~ N(0, σ) with
 * σ = initializer_range, `c_proj.weight` ~ N(0, σ/√(2·n_layer)), biases 0, LayerNorm 1/0.
 * Seeded from `seeds`, so the same seed gives the same weights.
 */
export function initWeights(root: Module, config: GPT2Config, seeds: SeedSequence): void {
  const std = config.initializerRange;
  for (const [path, m] of root.namedModules()) {
    if (!(m instanceof Conv1D || m instanceof Embedding)) continue;
    const w = m.getParameter('weight');
    const sigma = path.endsWith('c_proj') ? std / Math.sqrt(2 * config.nLayer) : std;
    tf.tidy(() => w.assign(init.normal(w.shape, sigma, seeds.next())));
  }
}
