import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
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
  const width = nLayer * 2 * nEmbd;
  const v = config.num_virtual_tokens;
  const owned: Variable[] = [];
  const param = (t: Tensor) => {
    const p = tf.variable(t, true);
    t.dispose();
    owned.push(p);
    return p;
  };
  // nn.Linear's default init: U(−1/√in, 1/√in) for weight [out, in] and bias.
  const linear = (out: number, inp: number) => {
    const b = 1 / Math.sqrt(inp);
    return { w: param(tf.randomUniform([out, inp], -b, b)), b: param(tf.randomUniform([out], -b, b)) };
  };
  // Training with prefix_projection: embedding [V, C] → Linear(C, H) → tanh → Linear(H, L·2·C)
  // (PEFT's PrefixEncoder). Otherwise (and whenever loaded for inference) the table itself.
  const project = config.prefix_projection && !config.inference_mode;
  const hidden = config.encoder_hidden_size;
  // PEFT initialises the embedding table with nn.Embedding's default, N(0, 1).
  const emb = param(tf.randomNormal([v, project ? nEmbd : width]));
  const l1 = project ? linear(hidden, nEmbd) : undefined;
  const l2 = project ? linear(width, hidden) : undefined;
  let detached = false;
  let enabled = true;
  const table = (): Tensor => {
    if (detached) throw new Error('PREFIX_TUNING: adapter was detached');
    if (!l1 || !l2) return emb;
    return tf.tidy(() => {
      const h = tf.tanh(tf.add(matMul(emb, l1.w, false, true), l1.b));
      return tf.add(matMul(h, l2.w, false, true), l2.b);
    });
  };
  const named = (): Array<[string, Variable]> =>
    project && l1 && l2
      ? [
          ['prompt_encoder.embedding.weight', emb],
          ['prompt_encoder.transform.0.weight', l1.w],
          ['prompt_encoder.transform.0.bias', l1.b],
          ['prompt_encoder.transform.2.weight', l2.w],
          ['prompt_encoder.transform.2.bias', l2.b],
        ]
      : [['prompt_embeddings', emb]];
  return {
    stateDict: named,
    savedStateDict: project ? () => [['prompt_embeddings', table()]] : undefined,
    pastKeyValues: (batchSize) => {
      if (!enabled) return undefined;
      const t = table();
      const past = prefixKeyValues(t, nLayer, nHead, batchSize);
      if (t !== emb) t.dispose();
      return past;
    },
    setEnabled(e) {
      enabled = e;
    },
    detach() {
      tf.dispose(owned);
      owned.length = 0;
      detached = true;
    },
  };
}

/** Prefix tuning (Li & Liang 2021) through the backbone's per-layer keys/values. */
export const PREFIX_TUNING: PeftMethod<PrefixTuningConfig> = {
  peftType: 'PREFIX_TUNING',
  configSchema: PrefixTuningConfigSchema,
  attach: (model, config) => attachPrefix(model, config),
};
