/**
 * @gptft/gpt2-model — GPT-2 as Hugging Face computes it: `GPT2Config`, the `GPT2Model` backbone
 * built from named modules (HF parameter names), KV cache and prefix keys/values, and HF
 * checkpoint folders in and out.
 */
export { ACTIVATIONS, type Activation, GPT2Config, type GPT2ConfigInit } from './config.js';
export { CONFIG_LIMITS, MAX_PARAMETERS, MAX_TENSOR_ELEMENTS } from './config-schema.js';
export { ConfigError } from './errors.js';
// The module system and layers are @gptft/nn's, re-exported so existing imports keep working.
export { Layer, Module, ModuleDict, ModuleList } from './module.js';
export { Conv1D, Dropout, Embedding, LayerNorm } from './layers.js';
export { SeedStream } from '@gptft/nn';
export { activation } from './activations.js';
export { type AttentionOptions, type AttentionOutput, GPT2Attention } from './attention.js';
export { GPT2MLP } from './mlp.js';
export { type BlockOutput, GPT2Block } from './block.js';
export {
  type LayerKeyValue,
  type PastKeyValues,
  concatPastRows,
  disposePast,
  dropPastFront,
  pastLength,
  prefixKeyValues,
  selectPastRows,
} from './kv-cache.js';
export { BatchedKVCache } from './batched-cache.js';
export { SeedSequence } from './random.js';
export {
  countNonFinite,
  emitLoadWarning,
  type LoadWarningHandler,
  type NonFiniteTensor,
  nonFiniteWarning,
  unusedKeysWarning,
} from './load-warnings.js';
export { initWeights } from './init.js';
export { checkpointedBlock } from './gradient-checkpointing.js';
export { GPT2Model, type GPT2ModelInput, type GPT2ModelOptions, type GPT2ModelOutput } from './gpt2-model.js';
export {
  type FromPretrainedOptions,
  type LoadedBackbone,
  resolveFolder,
  resolveSource,
} from './pretrained.js';
export {
  asInt2D,
  documentPositions,
  MASKED,
  type MaskInput,
  type MaskOutput,
  positionsAndBias,
} from './attention-mask.js';
export {
  checkConfigAgainstCheckpoint,
  IGNORED_BUFFER,
  loadWeights,
  planWeights,
  type WeightsPlan,
} from './weights-load.js';
export {
  type PretrainedFolder,
  parseSize,
  type SaveDtype,
  type SavePretrainedOptions,
  writePretrainedFolder,
} from './weights-save.js';
