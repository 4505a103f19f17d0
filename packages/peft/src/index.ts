/**
 * @gptft/peft — parameter-efficient fine-tuning compatible with Hugging Face PEFT on disk: a
 * plugin interface for PEFT methods, LoRA, prefix tuning and bottleneck adapters, `getPeftModel`,
 * `PeftModel.fromPretrained`, `savePretrained`, `mergeAndUnload`.
 */
import { BOTTLENECK } from './bottleneck-adapter.js';
import { LORA } from './lora.js';
import { registerPeftMethod } from './method.js';
import { PREFIX_TUNING } from './prefix-tuning.js';

registerPeftMethod(LORA);
registerPeftMethod(PREFIX_TUNING);
registerPeftMethod(BOTTLENECK);

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
  BOTTLENECK_NON_LINEARITIES,
  type BottleneckConfig,
  type BottleneckConfigInput,
  BottleneckConfigSchema,
  bottleneckConfig,
  bottleneckSize,
  houlsbyConfig,
  pfeifferConfig,
  reductionFactorFor,
} from './bottleneck-config.js';
export {
  AdapterBlock,
  AdapterLinear,
  BOTTLENECK,
  BottleneckAdapter,
  type BottleneckAdapterOptions,
  BottleneckLayer,
} from './bottleneck-adapter.js';
export {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  CLASSIFIER_MODULE_NAMES,
  classificationTaskType,
  DEFAULT_KEY_PREFIX,
  getPeftModel,
  PeftModel,
  type PeftFromPretrainedOptions,
  type PeftModelOptions,
} from './peft-model.js';
