import type { Linear } from '@gptft/nn';
import { BaseTuner, type Target, type TunerContext } from '@gptft/peft';
import {
  GPT2_IA3_FEEDFORWARD_MODULES,
  GPT2_IA3_TARGET_MODULES,
  type IA3Config,
  IA3ConfigSchema,
  isFeedforwardModule,
} from './ia3-config.js';
import { IA3Layer } from './ia3-layer.js';

// #region tuner
/**
 * IA³ (Liu et al. 2022) on GPT-2's Conv1D layers (and any Linear), HF PEFT's `IA3Model`
 * (`peft_type: "IA3"`). The base (`BaseTuner`) finds the targets, names the saved tensors and
 * switches, merges and removes adapters; IA³ adds its defaults and its create-and-replace step.
 */
export class IA3Tuner extends BaseTuner<IA3Config, IA3Layer> {
  readonly peftType = 'IA3';
  readonly configSchema = IA3ConfigSchema;
  protected readonly layerClass = IA3Layer;

  /** HF's `_prepare_adapter_config`: GPT-2 defaults, written back into the (saved) config. */
  protected override prepareConfig({ config }: TunerContext<IA3Config>): void {
    config.target_modules ??= [...GPT2_IA3_TARGET_MODULES];
    config.feedforward_modules ??= [...GPT2_IA3_FEEDFORWARD_MODULES];
  }

  /** HF's `_create_and_replace`: a new IA3Layer, or the adapter added to the one already there. */
  protected createAndReplace(
    target: Target,
    existing: IA3Layer | undefined,
    ctx: TunerContext<IA3Config>,
  ): IA3Layer {
    const { config } = ctx;
    const isFeedforward = isFeedforwardModule(config.feedforward_modules!, ctx.moduleName(target.path));
    const base = target.module as Linear;
    // PEFT sets fan_in_fan_out from the layer (true for GPT-2's Conv1D).
    config.fan_in_fan_out = base.fanInFanOut;
    const layer = existing ?? new IA3Layer(base, isFeedforward);
    if (layer.isFeedforward !== isFeedforward) {
      throw new Error(`IA3: ${target.path} is a feedforward module for one adapter and not for another`);
    }
    layer.updateLayer(ctx.adapterName, { init: config.init_ia3_weights, seed: ctx.seeds.next() });
    return layer;
  }
}
// #endregion tuner

// #region method
/**
 * IA³ as a PEFT method. Register it with `registerPeftMethod(IA3)` — importing `@gptft/peft-ia3`
 * does that — and `getPeftModel` / `PeftModel.fromPretrained` accept IA³ configs and adapter folders.
 */
export const IA3 = new IA3Tuner();
// #endregion method
