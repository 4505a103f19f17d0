/**
 * @gptft/peft — parameter-efficient fine-tuning compatible with Hugging Face PEFT on disk: the
 * plugin interface for PEFT methods and the base tuners build on (`BaseTuner`, `BaseTunerLayer`,
 * one target matcher), LoRA, prefix tuning and bottleneck adapters, `getPeftModel`,
 * `PeftModel.fromPretrained`, `savePretrained`, `mergeAndUnload`, several adapters per layer and
 * mixed-adapter batches.
 */
import { BOTTLENECK } from './bottleneck/model.js';
import { LORA } from './lora/model.js';
import { registerPeftMethod } from './method.js';
import { PREFIX_TUNING } from './prompt/prefix-tuning.js';

registerPeftMethod(LORA);
registerPeftMethod(PREFIX_TUNING);
registerPeftMethod(BOTTLENECK);

export {
  type AttachedAdapter,
  type AttachOptions,
  type BasePeftConfig,
  buildConfig,
  getPeftMethod,
  isPromptLearning,
  loadPeftMethod,
  type MethodImporter,
  methodPackage,
  parsePeftConfig,
  type PeftMethod,
  peftConfigFields,
  peftMethods,
  type PromptLearningAdapter,
  type PromptLearningMethod,
  registerPeftMethod,
  type TunerMethod,
  zodIssue,
} from './method.js';
export {
  checkTargetModuleExists,
  fullMatch,
  getPatternKey,
  layerIndex,
  type ModuleList,
  matchesModuleList,
  type TargetConfig,
} from './tuners/matcher.js';
export { BaseTunerLayer, LinearTunerLayer } from './tuners/tuner-layer.js';
export {
  BaseTuner,
  PEFT_KEY_ROOT,
  type Target,
  TunerAdapter,
  type TunerContext,
} from './tuners/base-tuner.js';
export {
  GPT2_LORA_TARGET_MODULES,
  isLoraTarget,
  type LoraConfig,
  type LoraConfigInput,
  LoraConfigSchema,
  loraConfig,
  loraScaling,
} from './lora/config.js';
export { BASE_ADAPTER_NAME, LoraLayer, type LoraLayerOptions } from './lora/layer.js';
export { LORA, LoraTuner } from './lora/model.js';
export type {
  CombinationType,
  WeightedAdapterOptions,
  WeightedSource,
} from './lora/weighted.js';
export {
  PREFIX_TUNING,
  PrefixEncoder,
  type PrefixTuningConfig,
  PrefixTuningConfigSchema,
  prefixTuningConfig,
} from './prompt/prefix-tuning.js';
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
} from './bottleneck/config.js';
export {
  AdapterBlock,
  type AdapterPlace,
  BottleneckAdapter,
  type BottleneckAdapterOptions,
  BottleneckLayer,
} from './bottleneck/layer.js';
export { BOTTLENECK, BottleneckTuner } from './bottleneck/model.js';
export { ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME } from './peft-model/adapter-io.js';
export {
  CLASSIFIER_MODULE_NAMES,
  classificationTaskType,
  DEFAULT_KEY_PREFIX,
} from './peft-model/task-type.js';
export {
  getPeftModel,
  type MixedBatchInput,
  PeftModel,
  type PeftFromPretrainedOptions,
  type PeftModelOptions,
} from './peft-model/peft-model.js';
/** @deprecated `@gptft/nn`'s `Linear` (LoRA's A/B and the adapters' projections are plain Linears now). */
export { Linear as AdapterLinear, Linear as LoraWeight } from '@gptft/nn';
