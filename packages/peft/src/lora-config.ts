import { z } from 'zod';

/**
 * PEFT's `LoraConfig` as written in `adapter_config.json` (snake_case keys). Unknown keys are kept
 * so a config read from disk is written back unchanged.
 */
export const LoraConfigSchema = z.looseObject({
  peft_type: z.literal('LORA'),
  task_type: z.string().nullish(),
  base_model_name_or_path: z.string().nullish(),
  inference_mode: z.boolean().optional(),
  /** LoRA rank. */
  r: z.number().int().positive().default(8),
  lora_alpha: z.number().positive().default(8),
  lora_dropout: z.number().min(0).max(1).default(0),
  /** Module names (a module matches if its path ends with `.name`) or one regex (full match). */
  target_modules: z.union([z.array(z.string()), z.string()]).nullish(),
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
});

/** A parsed LoRA config. */
export type LoraConfig = z.infer<typeof LoraConfigSchema>;
/** What {@link loraConfig} accepts (defaults filled in). */
export type LoraConfigInput = Omit<z.input<typeof LoraConfigSchema>, 'peft_type'>;

/** Builds a LoRA config with PEFT's defaults (GPT-2: `target_modules` defaults to `['c_attn']`). */
export function loraConfig(init: LoraConfigInput = {}): LoraConfig {
  const r = LoraConfigSchema.safeParse({ peft_type: 'LORA', ...init });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`LoraConfig: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

/** The LoRA scaling factor: alpha / r, or alpha / √r with rsLoRA. */
export function loraScaling(config: Pick<LoraConfig, 'r' | 'lora_alpha' | 'use_rslora'>): number {
  return config.use_rslora ? config.lora_alpha / Math.sqrt(config.r) : config.lora_alpha / config.r;
}

/**
 * Whether LoRA targets the module at `path` (backbone path, e.g. `h.0.attn.c_attn`), as PEFT
 * decides: a regex string must match the whole name (tried with and without `transformer.`);
 * a list entry matches the name (with or without `transformer.`) or its last components; `layers_to_transform` filters by `h.N`.
 */
export function isLoraTarget(path: string, config: LoraConfig): boolean {
  const targets = config.target_modules ?? ['c_attn'];
  let ok: boolean;
  if (typeof targets === 'string') {
    const re = new RegExp(`^(?:${targets})$`);
    ok = re.test(path) || re.test(`transformer.${path}`);
  } else {
    // PEFT compares with the HF module name (`transformer.h.0.attn.c_attn`); our path lacks `transformer.`.
    ok = targets.some((t) => path === t || path.endsWith(`.${t}`) || `transformer.${path}` === t);
  }
  if (!ok) return false;
  if (config.layers_to_transform != null) {
    const m = /(?:^|\.)h\.(\d+)\./.exec(path);
    if (!m) return false;
    const layers = Array.isArray(config.layers_to_transform)
      ? config.layers_to_transform
      : [config.layers_to_transform];
    return layers.includes(Number(m[1]));
  }
  return true;
}
