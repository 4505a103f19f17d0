import { type Tensor, tf, type Variable } from '@gptft/backend';
import { type GPT2Model, prefixKeyValues } from '@gptft/gpt2-model';
import { Embedding, init, Linear, Module, ModuleDict, SeedStream } from '@gptft/nn';
import { z } from 'zod';
import {
  buildConfig,
  type PromptLearningAdapter,
  type PromptLearningMethod,
  peftConfigFields,
} from '../method.js';

/** PEFT's `PrefixTuningConfig` (`adapter_config.json`, snake_case); unknown keys are kept. */
export const PrefixTuningConfigSchema = z.looseObject({
  peft_type: z.literal('PREFIX_TUNING'),
  ...peftConfigFields,
  num_virtual_tokens: z.number().int().positive(),
  token_dim: z.number().int().positive().nullish(),
  num_transformer_submodules: z.number().int().positive().nullish(),
  num_attention_heads: z.number().int().positive().nullish(),
  num_layers: z.number().int().positive().nullish(),
  encoder_hidden_size: z.number().int().positive().nullish(),
  prefix_projection: z.boolean().default(false),
});

/** A parsed prefix-tuning config. */
export type PrefixTuningConfig = z.infer<typeof PrefixTuningConfigSchema>;

/** Builds a prefix-tuning config (model dimensions are filled in when attached). */
export function prefixTuningConfig(
  init: Omit<z.input<typeof PrefixTuningConfigSchema>, 'peft_type'>,
): PrefixTuningConfig {
  return buildConfig(PrefixTuningConfigSchema, 'PREFIX_TUNING', 'PrefixTuningConfig', init);
}

/**
 * PEFT's `PrefixEncoder`: the table `embedding` [V, L·2·C], or with `prefix_projection` (while
 * training) `embedding` [V, C] → `transform.0` Linear(C, H) → tanh → `transform.2` Linear(H, L·2·C).
 */
export class PrefixEncoder extends Module {
  constructor(
    readonly numVirtualTokens: number,
    readonly width: number,
    projection: { tokenDim: number; hidden: number } | undefined,
    seeds: SeedStream,
  ) {
    super();
    // PEFT initialises the embedding table with nn.Embedding's default, N(0, 1).
    const dim = projection ? projection.tokenDim : width;
    this.addModule(
      'embedding',
      new Embedding(numVirtualTokens, dim, init.normal([numVirtualTokens, dim], 1, seeds.next())),
    );
    if (projection) {
      const l1 = init.linearDefault(projection.tokenDim, projection.hidden, {
        weight: seeds.next(),
        bias: seeds.next(),
      });
      const l2 = init.linearDefault(projection.hidden, width, { weight: seeds.next(), bias: seeds.next() });
      this.addModule(
        'transform',
        new ModuleDict<Linear>([
          ['0', new Linear(l1.weight, l1.bias)],
          ['2', new Linear(l2.weight, l2.bias)],
        ]),
      );
    }
  }

  get projected(): boolean {
    return this.namedChildren().some(([n]) => n === 'transform');
  }

  /** The prefix table [V, L·2·C] (the embedding itself without projection: do not dispose it then). */
  table(): Tensor {
    const emb = this.child<Embedding>('embedding').weight;
    if (!this.projected) return emb;
    const t = this.child<ModuleDict<Linear>>('transform');
    return tf.tidy(() => t.get('2')!.forward(tf.tanh(t.get('0')!.forward(emb))));
  }
}

function attachPrefix(
  model: GPT2Model,
  config: PrefixTuningConfig,
  seed: number | undefined,
): PromptLearningAdapter {
  const { nLayer, nHead, nEmbd } = model.config;
  const check = (field: string, got: number | null | undefined, want: number) => {
    if (got != null && got !== want) {
      throw new Error(`PREFIX_TUNING: ${field} is ${got} but the model has ${want}`);
    }
  };
  check('num_layers', config.num_layers, nLayer);
  check('num_attention_heads', config.num_attention_heads, nHead);
  check('token_dim', config.token_dim, nEmbd);
  // Fill in what PEFT fills in from the model config, so the saved config is PEFT's.
  config.num_layers = nLayer;
  config.num_attention_heads = nHead;
  config.token_dim = nEmbd;
  config.num_transformer_submodules ??= 1;
  config.encoder_hidden_size ??= nEmbd;
  // Projection only while training; loaded for inference (and saved) it is the projected table.
  const project = config.prefix_projection && !config.inference_mode;
  const encoder = new PrefixEncoder(
    config.num_virtual_tokens,
    nLayer * 2 * nEmbd,
    project ? { tokenDim: nEmbd, hidden: config.encoder_hidden_size } : undefined,
    new SeedStream(seed),
  );
  let detached = false;
  let enabled = true;
  const table = (): Tensor => {
    if (detached) throw new Error('PREFIX_TUNING: adapter was detached');
    return encoder.table();
  };
  return {
    stateDict: (): Array<[string, Variable]> =>
      project
        ? encoder.namedParameters('prompt_encoder')
        : [['prompt_embeddings', encoder.getParameter('embedding.weight')]],
    savedStateDict: project ? () => [['prompt_embeddings', table()]] : undefined,
    pastKeyValues: (batchSize) => {
      if (!enabled) return undefined;
      const t = table();
      const past = prefixKeyValues(t, nLayer, nHead, batchSize);
      if (project) t.dispose();
      return past;
    },
    setEnabled(e) {
      enabled = e;
    },
    detach() {
      encoder.dispose();
      detached = true;
    },
  };
}

/** Prefix tuning (Li & Liang 2021): a prompt-learning method, per-layer keys/values in front of the sequence. */
export const PREFIX_TUNING: PromptLearningMethod<PrefixTuningConfig> = {
  kind: 'prompt-learning',
  peftType: 'PREFIX_TUNING',
  configSchema: PrefixTuningConfigSchema,
  attach: (model, config, options) => attachPrefix(model, config, options.seed),
};
