import { buildConfig, LoraConfigSchema } from '@gptft/peft';
import { z } from 'zod';

/** HF PEFT's `TRANSFORMERS_MODELS_TO_ADALORA_TARGET_MODULES_MAPPING["gpt2"]`. */
export const GPT2_ADALORA_TARGET_MODULES: readonly string[] = ['c_attn'];

// #region schema
/**
 * HF PEFT's `AdaLoraConfig` (a `LoraConfig` with `peft_type: "ADALORA"`) as written in
 * `adapter_config.json`. `r` is not used (each matrix starts at `init_r`); the checks are those of
 * PEFT's `__post_init__`. Unknown keys are kept, so a config read from disk is written back unchanged.
 */
export const AdaLoraConfigSchema = LoraConfigSchema.extend({
  peft_type: z.literal('ADALORA'),
  /** The target average rank of the incremental matrices. */
  target_r: z.number().int().nonnegative().default(8),
  /** The initial rank of each incremental matrix. */
  init_r: z.number().int().positive().default(12),
  /** Steps of initial fine-tuning before ranks are cut. */
  tinit: z.number().int().nonnegative().default(0),
  /** Steps of final fine-tuning after the last cut. */
  tfinal: z.number().int().nonnegative().default(0),
  /** Steps between two budget allocations. */
  deltaT: z.number().int().positive().default(1),
  /** EMA factor of the sensitivity. */
  beta1: z.number().gt(0).lt(1).default(0.85),
  /** EMA factor of the uncertainty. */
  beta2: z.number().gt(0).lt(1).default(0.85),
  /** Weight of the orthogonal regularisation of A and B added to the loss. */
  orth_reg_weight: z.number().min(0).default(0.5),
  /** Total training steps (needed for the budget schedule). */
  total_step: z.number().int().positive().nullish(),
  /**
   * Which singular values each matrix keeps (`{"transformer.h.0.attn.c_attn.lora_E": [true, false, …]}`),
   * written by the rank allocation and saved with the adapter.
   */
  rank_pattern: z.record(z.string(), z.array(z.boolean())).nullish(),
}).superRefine((c, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (c.total_step == null)
    issue('total_step', 'AdaLoRA does not work when total_step is None, supply a value > 0');
  else if (c.tinit >= c.total_step - c.tfinal) {
    issue(
      'tinit',
      'the schedule leaves no budgeting phase (tinit ≥ total_step − tfinal): decrease tfinal / tinit or increase total_step',
    );
  }
  if (typeof c.target_modules === 'string' && c.layers_to_transform != null) {
    issue('layers_to_transform', 'cannot be used when target_modules is a str');
  }
  if (c.layers_pattern && c.layers_to_transform == null) {
    issue('layers_pattern', 'when layers_pattern is specified, layers_to_transform must also be specified');
  }
});
// #endregion schema

/** A parsed AdaLoRA config. */
export type AdaLoraConfig = z.infer<typeof AdaLoraConfigSchema>;
/** What {@link adaloraConfig} accepts (defaults filled in). */
export type AdaLoraConfigInput = Omit<z.input<typeof AdaLoraConfigSchema>, 'peft_type'>;

/** Builds an AdaLoRA config with PEFT's defaults; errors name the field. */
export function adaloraConfig(init: AdaLoraConfigInput): AdaLoraConfig {
  return buildConfig(AdaLoraConfigSchema, 'ADALORA', 'AdaLoraConfig', init);
}
