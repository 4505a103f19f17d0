/**
 * @gptft/heads — task heads on the GPT-2 backbone with transformers' classes and key names:
 * `GPT2LMHeadModel` (+ `generate`, `generateStream`), `GPT2ForSequenceClassification`,
 * `GPT2ForTokenClassification`, and `pipeline(...)` for text in, labelled results out.
 */
export {
  HeadModel,
  type HeadOutput,
  type HeadSaveOptions,
  type LoadingInfo,
} from './head-model.js';
export { Linear } from './linear.js';
export {
  bceWithLogits,
  crossEntropy,
  flatTokenLabels,
  IGNORE_INDEX,
  mse,
  type TokenLabels,
} from './losses.js';
export { GPT2LMHeadModel, type LMInput, type LMOutput } from './lm-head.js';
export {
  encodePrompts,
  type GenerateOptions,
  type GenerateTextResult,
  GenerationRun,
  generate,
  resolveGenerateOptions,
  sampleToken,
} from './generate.js';
export { RowDecoder, type RowDecoderOptions } from './generation/row-decoder.js';
export {
  BeamHypotheses,
  type BeamSearchOptions,
  type BeamSearchResult,
  beamSearch,
  type EarlyStopping,
} from './generation/beam-search.js';
export { generateStream } from './generate-stream.js';
export {
  buildLogitsProcessors,
  type LogitsProcessor,
  LogitBiasLogitsProcessor,
  LogitsProcessorList,
  PresenceFrequencyPenaltyLogitsProcessor,
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsWarper,
  TopKLogitsWarper,
  TopPLogitsWarper,
} from './generation/logits-processors.js';
export { EosTokenCriteria, type FinishReason, StopStringCriteria } from './generation/stopping-criteria.js';
export { type Streamer, TextStreamer, type TextStreamerOptions } from './generation/text-streamer.js';
export { argmax, sampleFromScores } from './generation/token-selection.js';
export { readGenerationConfig } from './generation-config.js';
export {
  resizeTokenEmbeddings,
  type ResizeTokenEmbeddingsOptions,
  type SetupChatModelOptions,
  setupChatModel,
} from './resize-token-embeddings.js';
export {
  applyLabelOverrides,
  type ClassificationFromPretrainedOptions,
  flatSequenceLabels,
  inferProblemType,
  type ProblemType,
  type SequenceLabels,
} from './classification.js';
export {
  GPT2ForSequenceClassification,
  type SequenceClassificationInput,
} from './sequence-classification.js';
export {
  GPT2ForTokenClassification,
  type TokenClassificationInput,
} from './token-classification.js';
export {
  pipeline,
  type PipelineTask,
  type TextClassifier,
  type TextGenerator,
  type TokenClassifier,
} from './pipelines/pipeline.js';
export {
  type ClassificationFunction,
  type ClassificationResult,
  classificationScores,
  defaultClassificationFunction,
  TextClassificationPipeline,
  type TextClassificationOptions,
} from './pipelines/text-classification.js';
export {
  gatherPreEntities,
  TokenClassificationPipeline,
  type TokenClassificationOptions,
} from './pipelines/token-classification.js';
export {
  type AggregationStrategy,
  aggregateEntities,
  type GroupedEntity,
  isSubword,
  type PreEntity,
  type TokenEntity,
} from './pipelines/entity-aggregation.js';
export {
  TextGenerationPipeline,
  type TextGenerationOptions,
  type TextGenerationResult,
} from './pipelines/text-generation.js';
