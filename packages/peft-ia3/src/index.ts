/**
 * @gptft/peft-ia3 — IA³ (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is Better and
 * Cheaper than In-Context Learning") as a PEFT method for `@gptft/peft`, on-disk compatible with
 * Hugging Face PEFT's `IA3` adapters. Importing this package registers the method, so
 * `getPeftModel(model, ia3Config())` and `PeftModel.fromPretrained(model, dir)` handle IA³.
 */
// #region register
import { registerPeftMethod } from '@gptft/peft';
import { IA3 } from './ia3.js';

registerPeftMethod(IA3);
// #endregion register

export { IA3, IA3Tuner } from './ia3.js';
export {
  GPT2_IA3_FEEDFORWARD_MODULES,
  GPT2_IA3_TARGET_MODULES,
  type IA3Config,
  type IA3ConfigInput,
  IA3ConfigSchema,
  ia3Config,
  isFeedforwardModule,
} from './ia3-config.js';
/** PEFT's target matcher (one for every method), re-exported from `@gptft/peft`. */
export { matchesModuleList } from '@gptft/peft';
export { IA3Layer, type IA3LayerOptions } from './ia3-layer.js';
