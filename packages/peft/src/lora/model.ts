import type { Variable } from '@gptft/backend';
import type { Linear } from '@gptft/nn';
import { BaseTuner, type Target, type TunerContext } from '../tuners/base-tuner.js';
import { getPatternKey } from '../tuners/matcher.js';
import { GPT2_LORA_TARGET_MODULES, type LoraConfig, LoraConfigSchema, loraScaling } from './config.js';
import { LoraLayer } from './layer.js';
import { fillWeightedAdapter, weightedAdapterConfig } from './weighted.js';

/** LoRA (Hu et al. 2021), HF PEFT's `LoraModel`: `peft_type: "LORA"` on Linear / Conv1D layers. */
export class LoraTuner extends BaseTuner<LoraConfig, LoraLayer> {
  readonly peftType: string = 'LORA';
  readonly configSchema = LoraConfigSchema;
  protected readonly layerClass = LoraLayer;
  override get displayName(): string {
    return 'LoRA';
  }

  protected override prepareConfig({ config }: TunerContext<LoraConfig>): void {
    config.target_modules ??= [...GPT2_LORA_TARGET_MODULES];
  }

  protected createAndReplace(
    { path, module }: Target,
    existing: LoraLayer | undefined,
    ctx: TunerContext<LoraConfig>,
  ): LoraLayer {
    const { config } = ctx;
    const key = ctx.moduleName(path);
    const r = config.rank_pattern?.[getPatternKey(Object.keys(config.rank_pattern), key)] ?? config.r;
    const alpha =
      config.alpha_pattern?.[getPatternKey(Object.keys(config.alpha_pattern), key)] ?? config.lora_alpha;
    const options = {
      r,
      scaling: loraScaling({ r, lora_alpha: alpha, use_rslora: config.use_rslora }),
      dropout: config.lora_dropout,
      init: config.init_lora_weights,
      seed: ctx.seeds,
      seeds: ctx.backbone.seeds,
    };
    if (existing) {
      existing.updateLayer(ctx.adapterName, options);
      return existing;
    }
    // HF PEFT sets fan_in_fan_out from the layer (true for GPT-2's Conv1D, with a warning).
    config.fan_in_fan_out = (module as Linear).fanInFanOut;
    return new LoraLayer(module as Linear, options, ctx.adapterName);
  }

  /** PEFT's `bias`: 'all' trains every bias of the model, 'lora_only' those of the wrapped layers. */
  protected override extraParameters(
    layers: ReadonlyArray<[string, LoraLayer]>,
    { config, backbone }: TunerContext<LoraConfig>,
  ): Array<[string, Variable]> {
    if (config.bias === 'all') return backbone.namedParameters().filter(([n]) => n.endsWith('.bias'));
    if (config.bias === 'lora_only') {
      return layers.flatMap(([path, l]) => (l.base.bias ? [[`${path}.base_layer.bias`, l.base.bias]] : []));
    }
    return [];
  }

  /** HF's `add_weighted_adapter`: see `./weighted.ts`. */
  readonly weightedAdapterConfig = weightedAdapterConfig;
  readonly fillWeightedAdapter = fillWeightedAdapter;
}

/** LoRA on GPT-2's Conv1D layers (and any Linear), PEFT's `peft_type: "LORA"`. */
export const LORA = new LoraTuner();
