/**
 * @gptft/trainer — fine-tuning loop: HF-style TrainingArguments, PyTorch-exact AdamW,
 * global gradient-norm clipping, HF learning-rate schedules and a Trainer.
 */
export {
  LR_SCHEDULER_TYPES,
  type LrSchedulerType,
  numWarmupSteps,
  parseTrainingArguments,
  type TrainingArguments,
  TrainingArgumentsError,
  type TrainingArgumentsInput,
  trainingArgumentsSchema,
} from './training-arguments.js';
export { getScheduleLambda, learningRateAt, type LrLambda } from './lr-schedule.js';
export { AdamW, type AdamWOptions, defaultDecayFilter } from './adamw.js';
export { clipGradNorm, gradNorm } from './clip-grad-norm.js';
export type { PredictionStepOutput, RngState, TrainableModel } from './trainable-model.js';
export {
  type ForwardModel,
  type ForwardModelOptions,
  type PeftLikeModel,
  trainableFromForward,
} from './forward-model.js';
export {
  batchLabels,
  type CausalLMInput,
  causalLMInput,
  causalLMTrainable,
  type SequenceClassificationInput,
  sequenceClassificationInput,
  sequenceClassificationTrainable,
  type TaskModel,
  type TokenClassificationInput,
  tokenClassificationInput,
  tokenClassificationTrainable,
} from './task-models.js';
export {
  DataLoader,
  type DataLoaderOptions,
  RandomSampler,
  type Sampler,
  type SamplerState,
  samplerStateSchema,
  SequentialSampler,
} from './sampler.js';
export {
  CallbackHandler,
  type TrainerCallbacks,
  type TrainerControl,
  type TrainerStateView,
} from './callbacks.js';
export { EarlyStoppingCallback, type EarlyStoppingOptions } from './early-stopping.js';
export { BestModelTracker, bestMetricKey, improves } from './best-model.js';
export {
  type EvaluationLoopOutput,
  type EvaluationSteps,
  evaluationLoop,
  evaluationLoopAsync,
} from './evaluation.js';
export {
  assertFiniteParameters,
  type CheckpointContent,
  listCheckpoints,
  loadParameters,
  readCheckpoint,
  readTrainerState,
  recoverCheckpointWrites,
  rotateCheckpoints,
  saveParameters,
  writeCheckpoint,
} from './checkpoint.js';
export {
  argmax,
  type ComputeMetrics,
  concatBatches,
  type EvalPrediction,
  type NestedNumbers,
  PADDING_INDEX,
  type PredictionOutput,
} from './prediction.js';
export {
  formatDuration,
  ProgressDisplay,
  type ProgressOptions,
  type ProgressStep,
  type ProgressStream,
} from './progress.js';
export {
  type LogEntry,
  type RngStateFile,
  rngStateSchema,
  type TrainerState,
  trainerStateSchema,
} from './trainer-state.js';
export { Trainer, type TrainerOptions } from './trainer.js';
export { causalLmLoss } from './losses.js';
export { parseSftConfig, type SFTConfigInput, type SFTFields, sftFieldsSchema } from './sft-config.js';
export {
  prepareSftBatches,
  prepareSftExamples,
  sftCollator,
  type SftDataOptions,
  type SftDataStats,
  type SftRow,
} from './sft-data.js';
export {
  type SftModel,
  type SftModelInput,
  type SftTokenizer,
  SFTTrainer,
  type SFTTrainerOptions,
  sftModelInput,
  sftTrainableModel,
} from './sft-trainer.js';
