/**
 * @gptft/heads — task heads on the GPT-2 backbone with transformers' classes and key names:
 * `GPT2LMHeadModel` (+ `generate`), `GPT2ForSequenceClassification`, `GPT2ForTokenClassification`.
 */
export { HeadModel, type HeadOutput, type HeadSaveOptions, type LoadingInfo } from './head-model.js';
export { Linear } from './linear.js';
export { bceWithLogits, crossEntropy, IGNORE_INDEX, mse } from './losses.js';
export { GPT2LMHeadModel, type LMInput, type LMOutput } from './lm-head.js';
export { type GenerateOptions, generate, sampleToken } from './generate.js';
export { inferProblemType, type ProblemType } from './classification.js';
export {
  GPT2ForSequenceClassification,
  type SequenceClassificationInput,
} from './sequence-classification.js';
export { GPT2ForTokenClassification, type TokenClassificationInput } from './token-classification.js';
export { readGenerationConfig } from './generation-config.js';
export { resizeTokenEmbeddings, type ResizeTokenEmbeddingsOptions } from './resize-token-embeddings.js';
