import { z } from 'zod';
import { buildConfig, peftConfigFields } from '../method.js';

/** Non-linearities of the bottleneck (AdapterHub's `non_linearity`, resolved like transformers' ACT2FN). */
export const BOTTLENECK_NON_LINEARITIES = [
  'relu',
  'gelu',
  'gelu_new',
  'swish',
  'silu',
  'tanh',
  'leakyrelu',
] as const;

const unsupported = <T>(value: T, why: string) =>
  z.custom<T>((v) => v === undefined || v === null || v === value, { message: why });

/**
 * Config of a bottleneck adapter (`peft_type: "BOTTLENECK"`). HF PEFT has no bottleneck adapters;
 * the fields are those of the AdapterHub `adapters` library's `BnConfig` (snake_case, same
 * meaning), in a PEFT-style `adapter_config.json`. Fields AdapterHub has but gptft does not
 * implement are accepted only at their neutral value (an error names the field otherwise).
 */
export const BottleneckConfigSchema = z.looseObject({
  peft_type: z.literal('BOTTLENECK'),
  ...peftConfigFields,
  /** Adapter after the self-attention sub-layer of each block (Houlsby: true, Pfeiffer: false). */
  mh_adapter: z.boolean(),
  /** Adapter after the MLP sub-layer of each block (both Houlsby and Pfeiffer: true). */
  output_adapter: z.boolean(),
  /** hidden size / bottleneck size; a number, or `{ "<layer>": n, "default": n }`. */
  reduction_factor: z.union([
    z.number().positive(),
    z.record(z.string(), z.number().positive()).refine((m) => Object.keys(m).length > 0, 'empty mapping'),
  ]),
  non_linearity: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(BOTTLENECK_NON_LINEARITIES)),
  /**
   * true (Pfeiffer): the adapter's input is the sub-layer output plus the block's residual
   * (AdapterHub adds the residual before the adapter; GPT-2 has no post-LN to apply there).
   * false (Houlsby): the adapter sees the sub-layer output alone.
   */
  original_ln_before: z.boolean().default(false),
  /** The block's residual is added after the adapter (the only mode for GPT-2's pre-LN blocks). */
  original_ln_after: unsupported(
    true,
    'only true is supported (the block adds its residual after the adapter)',
  ).default(true),
  residual_before_ln: unsupported(true, 'only true is supported').default(true),
  adapter_residual_before_ln: z.boolean().default(false),
  ln_before: unsupported(false, 'adapter LayerNorms are not implemented').default(false),
  ln_after: unsupported(false, 'adapter LayerNorms are not implemented').default(false),
  /**
   * `mam_adapter` (default here): down-projection kaiming-uniform, up-projection and biases zero,
   * so the adapted model starts exactly as the base model. `bert`: N(0, 0.02) weights (AdapterHub's
   * default). `houlsby`: truncated N(0, 0.01²) in ±0.02.
   */
  init_weights: z.enum(['mam_adapter', 'bert', 'houlsby']).default('mam_adapter'),
  is_parallel: unsupported(false, 'parallel adapters are not implemented').default(false),
  /** Constant multiplier of the adapter output (He et al. 2021); `learned`/`channel` are not implemented. */
  scaling: z.number().default(1),
  use_gating: unsupported(false, 'gating is not implemented').default(false),
  inv_adapter: unsupported(null, 'invertible adapters are not implemented').nullish(),
  inv_adapter_reduction_factor: z.number().nullish(),
  cross_adapter: z.boolean().default(false),
  /** Layer ids (from 0) that get no adapter. */
  leave_out: z.array(z.number().int().nonnegative()).default([]),
  /** Dropout on the adapter output (before the residual), training mode only. */
  dropout: z.number().min(0).lt(1).default(0),
  phm_layer: unsupported(false, 'PHM (Compacter) layers are not implemented').default(false),
  /**
   * The adapter's name inside the saved keys (`...adapters.<name>.adapter_down.0.weight`, as
   * AdapterHub names them); defaults to the PEFT adapter name it was created under.
   */
  name: z
    .string()
    .regex(/^[^.]+$/, 'must not contain "."')
    .nullish(),
  modules_to_save: z.array(z.string()).nullish(),
});

/** A parsed bottleneck-adapter config. */
export type BottleneckConfig = z.infer<typeof BottleneckConfigSchema>;
/** What {@link bottleneckConfig} accepts. */
export type BottleneckConfigInput = Omit<z.input<typeof BottleneckConfigSchema>, 'peft_type'>;

/** Parses a bottleneck config (errors name the field). */
export function bottleneckConfig(init: BottleneckConfigInput): BottleneckConfig {
  return buildConfig(BottleneckConfigSchema, 'BOTTLENECK', 'BottleneckConfig', init);
}

/**
 * Houlsby et al. (2019): adapters after attention and after the MLP, swish, reduction factor 16
 * (AdapterHub's `DoubleSeqBnConfig` / `"double_seq_bn"`, formerly `"houlsby"`).
 */
export function houlsbyConfig(overrides: Partial<BottleneckConfigInput> = {}): BottleneckConfig {
  return bottleneckConfig({
    mh_adapter: true,
    output_adapter: true,
    reduction_factor: 16,
    non_linearity: 'swish',
    original_ln_before: false,
    ...overrides,
  });
}

/**
 * Pfeiffer et al. (2020): one adapter after the MLP, relu, reduction factor 16, its input taken
 * after the residual (AdapterHub's `SeqBnConfig` / `"seq_bn"`, formerly `"pfeiffer"`).
 */
export function pfeifferConfig(overrides: Partial<BottleneckConfigInput> = {}): BottleneckConfig {
  return bottleneckConfig({
    mh_adapter: false,
    output_adapter: true,
    reduction_factor: 16,
    non_linearity: 'relu',
    original_ln_before: true,
    ...overrides,
  });
}

/** The reduction factor of layer `layer` (a mapping needs the layer id or `default`, as AdapterHub). */
export function reductionFactorFor(config: BottleneckConfig, layer: number): number {
  const rf = config.reduction_factor;
  if (typeof rf === 'number') return rf;
  const v = rf[String(layer)] ?? rf.default;
  if (v === undefined) {
    throw new Error(
      `BOTTLENECK: reduction_factor has no entry for layer ${layer} and no "default" (e.g. {"1": 16, "default": 16})`,
    );
  }
  return v;
}

/** Bottleneck width: ⌊hidden / reduction_factor⌋, at least 1 (AdapterHub's `down_sample`). */
export function bottleneckSize(hidden: number, reductionFactor: number): number {
  return Math.max(1, Math.floor(hidden / reductionFactor));
}
