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
export { clipGradNorm } from './clip-grad-norm.js';
export type { PredictionStepOutput, RngState, TrainableModel } from './trainable-model.js';
export { type ForwardModel, type ForwardModelOptions, trainableFromForward } from './forward-model.js';
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
export {
  type EarlyStoppingOptions,
  seededPermutation,
  Trainer,
  type TrainerCallbacks,
  type TrainerControl,
  type TrainerOptions,
} from './trainer.js';
export { causalLmLoss } from './losses.js';
export { parseSftConfig, type SFTConfigInput, type SFTFields, sftFieldsSchema } from './sft-config.js';
export { prepareSftBatches, type SftDataOptions, type SftDataStats } from './sft-data.js';
export {
  type PeftLikeModel,
  type SftModel,
  type SftModelInput,
  type SftTokenizer,
  SFTTrainer,
  type SFTTrainerOptions,
  sftModelInput,
  sftTrainableModel,
} from './sft-trainer.js';
