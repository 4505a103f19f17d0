import { buildConfig, peftConfigFields, fullMatch } from '@gptft/peft';
import { z } from 'zod';

/**
 * HF PEFT's `TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING["gpt2"]`: the modules IA³ wraps
 * when `target_modules` is not given.
 */
export const GPT2_IA3_TARGET_MODULES: readonly string[] = ['c_attn', 'mlp.c_proj'];
/** HF PEFT's `TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING["gpt2"]`. */
export const GPT2_IA3_FEEDFORWARD_MODULES: readonly string[] = ['mlp.c_proj'];

const moduleNames = z.union([z.array(z.string()), z.string()]);

// #region schema
/**
 * HF PEFT's `IA3Config` as written in `adapter_config.json` (snake_case keys, `peft_type: "IA3"`).
 * Unknown keys are kept, so a config read from disk is written back unchanged.
 */
export const IA3ConfigSchema = z
  .looseObject({
    peft_type: z.literal('IA3'),
    ...peftConfigFields,
    /**
     * Modules to wrap: a list (a module matches if its name equals an entry or ends with
     * `.entry`) or one regex (full match). Default for GPT-2: `['c_attn', 'mlp.c_proj']`.
     */
    target_modules: moduleNames.nullish(),
    /** Modules not to wrap (same matching rules as `target_modules`). */
    exclude_modules: moduleNames.nullish(),
    /**
     * Targets whose IA³ vector scales the layer's INPUT (the others scale the OUTPUT). A list
     * entry matches a module whose name ends with it; a string is a full-match regex. Must be a
     * subset of `target_modules` when both are lists. Default for GPT-2: `['mlp.c_proj']`.
     */
    feedforward_modules: moduleNames.nullish(),
    /** True for GPT-2's Conv1D ([in, out] weights); PEFT sets it to true when it wraps a Conv1D. */
    fan_in_fan_out: z.boolean().default(false),
    /** Modules trained fully and saved with the adapter (e.g. a classification head `score`). */
    modules_to_save: z.array(z.string()).nullish(),
    /** true: vectors start at 1 (the model is unchanged); false: N(0, 1) (PEFT discourages it). */
    init_ia3_weights: z.boolean().default(true),
  })
  .superRefine((c, ctx) => {
    // PEFT's IA3Config.__post_init__: only checked when both are lists.
    if (Array.isArray(c.feedforward_modules) && Array.isArray(c.target_modules)) {
      const targets = new Set(c.target_modules);
      const stray = c.feedforward_modules.find((m) => !targets.has(m));
      if (stray !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['feedforward_modules'],
          message: `"${stray}" is not in target_modules (feedforward_modules must be a subset of target_modules)`,
        });
      }
    }
  });
// #endregion schema

/** A parsed IA³ config. */
export type IA3Config = z.infer<typeof IA3ConfigSchema>;
/** What {@link ia3Config} accepts (defaults filled in). */
export type IA3ConfigInput = Omit<z.input<typeof IA3ConfigSchema>, 'peft_type'>;

/** Builds an IA³ config with PEFT's defaults; errors name the field. */
export function ia3Config(init: IA3ConfigInput = {}): IA3Config {
  return buildConfig(IA3ConfigSchema, 'IA3', 'IA3Config', init);
}

/**
 * Whether the target `key` is a feedforward module, as PEFT's `_check_target_module_feedforward`:
 * a string is a full-match regex; a list entry matches when the name ends with it (plain suffix).
 */
export function isFeedforwardModule(names: string[] | string, key: string): boolean {
  if (typeof names === 'string') return fullMatch(names, key);
  return names.some((n) => key.endsWith(n));
}
