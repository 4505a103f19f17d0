import { z } from 'zod';
import { buildConfig, peftConfigFields } from '../method.js';
import { checkTargetModuleExists } from '../tuners/matcher.js';

/** HF PEFT's `TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["gpt2"]`: LoRA's default targets. */
export const GPT2_LORA_TARGET_MODULES: readonly string[] = ['c_attn'];

const moduleNames = z.union([z.array(z.string()), z.string()]);

/**
 * PEFT's `LoraConfig` as written in `adapter_config.json` (snake_case keys). Unknown keys are kept
 * so a config read from disk is written back unchanged.
 */
export const LoraConfigSchema = z.looseObject({
  peft_type: z.literal('LORA'),
  ...peftConfigFields,
  /** LoRA rank. */
  r: z.number().int().positive().default(8),
  lora_alpha: z.number().positive().default(8),
  lora_dropout: z.number().min(0).max(1).default(0),
  /** Module names (a module matches if its name is or ends with `.name`) or one regex (full match). */
  target_modules: moduleNames.nullish(),
  /** Modules not to adapt (same rules as `target_modules`). */
  exclude_modules: moduleNames.nullish(),
  /** True for GPT-2's Conv1D ([in, out] weights); LoRA on a Conv1D always behaves as if true. */
  fan_in_fan_out: z.boolean().default(false),
  bias: z.enum(['none', 'all', 'lora_only']).default('none'),
  use_rslora: z.boolean().default(false),
  /** true: B = 0, A kaiming-uniform (PEFT's default); 'gaussian': A ~ N(0, 1/r); false: B random too. */
  init_lora_weights: z.union([z.boolean(), z.literal('gaussian')]).default(true),
  layers_to_transform: z
    .union([z.array(z.number().int().nonnegative()), z.number().int().nonnegative()])
    .nullish(),
  layers_pattern: z.union([z.string(), z.array(z.string())]).nullish(),
  modules_to_save: z.array(z.string()).nullish(),
  /** Rank per module (`{ "c_attn": 16 }`; key matched against the end of the module name), else `r`. */
  rank_pattern: z.record(z.string(), z.number().int().positive()).nullish(),
  /** `lora_alpha` per module, matched as `rank_pattern`. */
  alpha_pattern: z.record(z.string(), z.number().positive()).nullish(),
});

/** A parsed LoRA config. */
export type LoraConfig = z.infer<typeof LoraConfigSchema>;
/** What {@link loraConfig} accepts (defaults filled in). */
export type LoraConfigInput = Omit<z.input<typeof LoraConfigSchema>, 'peft_type'>;

/** Builds a LoRA config with PEFT's defaults (GPT-2: `target_modules` defaults to `['c_attn']`). */
export function loraConfig(init: LoraConfigInput = {}): LoraConfig {
  return buildConfig(LoraConfigSchema, 'LORA', 'LoraConfig', init);
}

/** The LoRA scaling factor: alpha / r, or alpha / √r with rsLoRA. */
export function loraScaling(config: Pick<LoraConfig, 'r' | 'lora_alpha' | 'use_rslora'>): number {
  return config.use_rslora ? config.lora_alpha / Math.sqrt(config.r) : config.lora_alpha / config.r;
}

/**
 * Whether LoRA targets the backbone module at `path` (`h.0.attn.c_attn`): PEFT's matcher
 * (`checkTargetModuleExists`) on its HF name `transformer.<path>`, with GPT-2's default targets.
 */
export function isLoraTarget(path: string, config: LoraConfig): boolean {
  const withDefaults = { ...config, target_modules: config.target_modules ?? GPT2_LORA_TARGET_MODULES };
  return checkTargetModuleExists(withDefaults, `transformer.${path}`) === true;
}
