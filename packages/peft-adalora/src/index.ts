/**
 * @gptft/peft-adalora — AdaLoRA (Zhang et al. 2023, "AdaLoRA: Adaptive Budget Allocation for
 * Parameter-Efficient Fine-Tuning") as a PEFT method for `@gptft/peft`, on-disk compatible with
 * Hugging Face PEFT's `ADALORA` adapters. Importing this package registers the method, so
 * `getPeftModel(model, adaloraConfig({ total_step }))` and `PeftModel.fromPretrained(model, dir)`
 * handle AdaLoRA; the `Trainer` calls its rank allocation after each optimizer step.
 */
// #region register
import { registerPeftMethod } from '@gptft/peft';
import { ADALORA } from './adalora.js';

registerPeftMethod(ADALORA);
// #endregion register

export { ADALORA, AdaLoraAdapter, AdaLoraTuner } from './adalora.js';
export {
  type AdaLoraConfig,
  type AdaLoraConfigInput,
  AdaLoraConfigSchema,
  adaloraConfig,
  GPT2_ADALORA_TARGET_MODULES,
} from './adalora-config.js';
export { type AllocatedLayer, RankAllocator, type RankPattern } from './rank-allocator.js';
export { SVDLinear, type SVDLinearOptions } from './svd-linear.js';
