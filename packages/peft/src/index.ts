/**
 * @gptft/peft — parameter-efficient fine-tuning compatible with Hugging Face PEFT on disk: a
 * plugin interface for PEFT methods, LoRA and prefix tuning, `getPeftModel`,
 * `PeftModel.fromPretrained`, `savePretrained`, `mergeAndUnload`.
 */
import { LORA } from './lora.js';
import { registerPeftMethod } from './method.js';
import { PREFIX_TUNING } from './prefix-tuning.js';

registerPeftMethod(LORA);
registerPeftMethod(PREFIX_TUNING);

export {
  type AttachedAdapter,
  type AttachOptions,
  type BasePeftConfig,
  getPeftMethod,
  parsePeftConfig,
  type PeftMethod,
  peftMethods,
  registerPeftMethod,
} from './method.js';
export {
  isLoraTarget,
  type LoraConfig,
  type LoraConfigInput,
  LoraConfigSchema,
  loraConfig,
  loraScaling,
} from './lora-config.js';
export { LoraLayer, type LoraLayerOptions, LoraWeight } from './lora-layer.js';
export { LORA } from './lora.js';
export {
  PREFIX_TUNING,
  type PrefixTuningConfig,
  PrefixTuningConfigSchema,
  prefixTuningConfig,
} from './prefix-tuning.js';
export {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  DEFAULT_KEY_PREFIX,
  getPeftModel,
  PeftModel,
  type PeftFromPretrainedOptions,
  type PeftModelOptions,
} from './peft-model.js';
