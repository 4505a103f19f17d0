import { tf, type Variable } from '@gptft/backend';
import { type GPT2Model, prefixKeyValues } from '@gptft/gpt2-model';
import { z } from 'zod';
import type { AttachedAdapter, PeftMethod } from './method.js';

/** PEFT's `PrefixTuningConfig` (`adapter_config.json`, snake_case); unknown keys are kept. */
export const PrefixTuningConfigSchema = z.looseObject({
  peft_type: z.literal('PREFIX_TUNING'),
  task_type: z.string().nullish(),
  base_model_name_or_path: z.string().nullish(),
  inference_mode: z.boolean().optional(),
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
  const r = PrefixTuningConfigSchema.safeParse({ peft_type: 'PREFIX_TUNING', ...init });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`PrefixTuningConfig: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

function attachPrefix(model: GPT2Model, config: PrefixTuningConfig): AttachedAdapter {
  const { nLayer, nHead, nEmbd } = model.config;
  if (config.prefix_projection) {
    throw new Error(
      'PREFIX_TUNING: prefix_projection: true is not supported yet (only the plain prompt_embeddings table)',
    );
  }
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
  // PEFT initialises the embedding table with nn.Embedding's default, N(0, 1).
  const init = tf.randomNormal([config.num_virtual_tokens, nLayer * 2 * nEmbd]);
  let table: Variable | undefined = tf.variable(init, true);
  init.dispose();
  let enabled = true;
  const get = () => {
    if (!table) throw new Error('PREFIX_TUNING: adapter was detached');
    return table;
  };
  return {
    stateDict: () => [['prompt_embeddings', get()]],
    pastKeyValues: (batchSize) => (enabled ? prefixKeyValues(get(), nLayer, nHead, batchSize) : undefined),
    setEnabled(e) {
      enabled = e;
    },
    detach() {
      table?.dispose();
      table = undefined;
    },
  };
}

/** Prefix tuning (Li & Liang 2021) through the backbone's per-layer keys/values. */
export const PREFIX_TUNING: PeftMethod<PrefixTuningConfig> = {
  peftType: 'PREFIX_TUNING',
  configSchema: PrefixTuningConfigSchema,
  attach: (model, config) => attachPrefix(model, config),
};
