import { LR_SCHEDULER_TYPES, type TrainingArgumentsInput } from '@gptft/trainer';
import type { NumberRange, OptionSpec } from './options.js';

/** Seeds: what every seeded generator of gptft takes without wrapping around (32 bits). */
export const SEED_RANGE: NumberRange = { min: 0, max: 2 ** 32 - 1 };

type Defaults = Partial<Record<keyof TrainingArgumentsInput, unknown>>;

/**
 * Flags for every `TrainingArguments` field (kebab-case of the HF name), with the command's own
 * defaults where they differ from HF's.
 */
export function trainingOptionSpecs(defaults: Defaults = {}): OptionSpec[] {
  const d = (k: keyof TrainingArgumentsInput, hf: unknown) => defaults[k] ?? hf;
  return [
    {
      name: 'output-dir',
      type: 'string',
      placeholder: 'dir',
      description: 'where the model, checkpoints, log.jsonl and report.html go',
      default: d('outputDir', undefined),
    },
    {
      name: 'num-train-epochs',
      type: 'number',
      description: 'passes over the training data (used when --max-steps is -1)',
      range: { min: 0, minExclusive: true },
      default: d('numTrainEpochs', 3),
    },
    {
      name: 'max-steps',
      type: 'int',
      description: 'optimizer steps; -1: use --num-train-epochs',
      range: { min: 1, or: -1 },
      default: d('maxSteps', -1),
    },
    {
      name: 'per-device-train-batch-size',
      type: 'int',
      description: 'sequences per training batch',
      range: { min: 1 },
      default: d('perDeviceTrainBatchSize', 8),
    },
    {
      name: 'per-device-eval-batch-size',
      type: 'int',
      description: 'sequences per evaluation batch',
      range: { min: 1 },
      default: d('perDeviceEvalBatchSize', 8),
    },
    {
      name: 'gradient-accumulation-steps',
      type: 'int',
      description: 'batches whose gradients are summed per optimizer step',
      range: { min: 1 },
      default: d('gradientAccumulationSteps', 1),
    },
    {
      name: 'learning-rate',
      type: 'number',
      description: 'peak AdamW learning rate',
      range: { min: 0 },
      default: d('learningRate', 5e-5),
    },
    {
      name: 'weight-decay',
      type: 'number',
      description: 'AdamW weight decay (not on biases or LayerNorm weights)',
      range: { min: 0 },
      default: d('weightDecay', 0),
    },
    {
      name: 'adam-beta1',
      type: 'number',
      description: 'AdamW beta1',
      range: { min: 0, max: 1, maxExclusive: true },
      default: d('adamBeta1', 0.9),
    },
    {
      name: 'adam-beta2',
      type: 'number',
      description: 'AdamW beta2',
      range: { min: 0, max: 1, maxExclusive: true },
      default: d('adamBeta2', 0.999),
    },
    {
      name: 'adam-epsilon',
      type: 'number',
      description: 'AdamW epsilon',
      range: { min: 0 },
      default: d('adamEpsilon', 1e-8),
    },
    {
      name: 'max-grad-norm',
      type: 'number',
      description: 'clip the global gradient norm to this (0: no clipping)',
      range: { min: 0 },
      default: d('maxGradNorm', 1),
    },
    {
      name: 'lr-scheduler-type',
      type: LR_SCHEDULER_TYPES,
      description: 'learning-rate schedule',
      default: d('lrSchedulerType', 'linear'),
    },
    {
      name: 'warmup-steps',
      type: 'int',
      description: 'linear warmup steps (wins over --warmup-ratio)',
      range: { min: 0 },
      default: d('warmupSteps', 0),
    },
    {
      name: 'warmup-ratio',
      type: 'number',
      description: 'warmup as a fraction of all steps',
      range: { min: 0, max: 1 },
      default: d('warmupRatio', 0),
    },
    {
      name: 'logging-steps',
      type: 'int',
      description: 'log the mean training loss every N steps',
      range: { min: 1 },
      default: d('loggingSteps', 10),
    },
    {
      name: 'eval-strategy',
      type: ['no', 'steps', 'epoch'],
      description: 'when to evaluate on the validation data',
      default: d('evalStrategy', 'steps'),
    },
    {
      name: 'eval-steps',
      type: 'int',
      description: 'evaluate every N steps (range: { min: 1 }, default: --logging-steps)',
      default: d('evalSteps', undefined),
    },
    {
      name: 'save-strategy',
      type: ['no', 'steps', 'epoch', 'best'],
      description: 'when to write checkpoints',
      default: d('saveStrategy', 'steps'),
    },
    {
      name: 'save-steps',
      type: 'int',
      description: 'write output-dir/checkpoint-N every N steps',
      range: { min: 1 },
      default: d('saveSteps', 500),
    },
    {
      name: 'save-total-limit',
      type: 'int',
      description: 'keep only the newest N checkpoints',
      range: { min: 1 },
      default: d('saveTotalLimit', undefined),
    },
    {
      name: 'seed',
      type: 'int',
      description: 'seed of initialisation, shuffling and dropout',
      range: SEED_RANGE,
      default: d('seed', 42),
    },
    {
      name: 'load-best-model-at-end',
      type: 'boolean',
      description: 'end with the checkpoint of the best --metric-for-best-model',
    },
    {
      name: 'metric-for-best-model',
      type: 'string',
      description: 'evaluation metric that picks the best checkpoint (default: loss)',
    },
    {
      name: 'greater-is-better',
      type: 'boolean',
      description: 'a larger --metric-for-best-model is better (default: false for loss, else true)',
    },
    {
      name: 'disable-tqdm',
      type: 'boolean',
      description: 'no progress bar or progress lines',
    },
    {
      name: 'resume-from-checkpoint',
      type: 'string',
      placeholder: 'dir|latest',
      preset: 'latest',
      description:
        'continue a run from a checkpoint folder, or from the newest checkpoint-N of --output-dir (latest, the default when no value is given)',
    },
    {
      name: 'overwrite-output-dir',
      type: 'boolean',
      description:
        'start over in an --output-dir that holds checkpoints of an earlier run (they and its log.jsonl are deleted); without it such a folder is refused',
    },
    {
      name: 'shuffle',
      type: 'boolean',
      description: 'take training batches in file order (no per-epoch shuffle)',
      default: true,
    },
  ];
}

const KEYS = [
  'outputDir',
  'numTrainEpochs',
  'maxSteps',
  'perDeviceTrainBatchSize',
  'perDeviceEvalBatchSize',
  'gradientAccumulationSteps',
  'learningRate',
  'weightDecay',
  'adamBeta1',
  'adamBeta2',
  'adamEpsilon',
  'maxGradNorm',
  'lrSchedulerType',
  'warmupSteps',
  'warmupRatio',
  'loggingSteps',
  'evalStrategy',
  'evalSteps',
  'saveStrategy',
  'saveSteps',
  'saveTotalLimit',
  'seed',
  'loadBestModelAtEnd',
  'metricForBestModel',
  'greaterIsBetter',
  'disableTqdm',
] as const;

/** The `TrainingArguments` fields out of resolved option values. */
export function trainingArgumentsFrom(opts: Record<string, unknown>): TrainingArgumentsInput {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) if (opts[k] !== undefined) out[k] = opts[k];
  return out as TrainingArgumentsInput;
}

/** `--resume-from-checkpoint` and `--overwrite-output-dir` for `resolveResume`. */
export function resumeOptions(opts: Record<string, unknown>): { resume?: string; overwrite: boolean } {
  const resume = opts.resumeFromCheckpoint as string | undefined;
  return { ...(resume !== undefined && { resume }), overwrite: opts.overwriteOutputDir === true };
}
