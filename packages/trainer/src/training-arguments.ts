import { z } from 'zod';

/** Learning-rate schedules (HF `lr_scheduler_type`). */
export const LR_SCHEDULER_TYPES = ['linear', 'cosine', 'constant', 'constant_with_warmup'] as const;
export type LrSchedulerType = (typeof LR_SCHEDULER_TYPES)[number];

/** zod schema of {@link TrainingArguments}: HF `TrainingArguments` names in camelCase, HF defaults. */
export const trainingArgumentsSchema = z
  .object({
    outputDir: z.string().min(1).default('trainer_output'),
    numTrainEpochs: z.number().positive().default(3),
    maxSteps: z.number().int().default(-1),
    perDeviceTrainBatchSize: z.number().int().positive().default(8),
    perDeviceEvalBatchSize: z.number().int().positive().default(8),
    gradientAccumulationSteps: z.number().int().positive().default(1),
    learningRate: z.number().nonnegative().default(5e-5),
    weightDecay: z.number().nonnegative().default(0),
    adamBeta1: z.number().min(0).lt(1).default(0.9),
    adamBeta2: z.number().min(0).lt(1).default(0.999),
    adamEpsilon: z.number().nonnegative().default(1e-8),
    maxGradNorm: z.number().nonnegative().default(1),
    lrSchedulerType: z.enum(LR_SCHEDULER_TYPES).default('linear'),
    warmupSteps: z.number().int().nonnegative().default(0),
    warmupRatio: z.number().min(0).max(1).default(0),
    loggingSteps: z.number().int().positive().default(500),
    evalStrategy: z.enum(['no', 'steps', 'epoch']).default('no'),
    evalSteps: z.number().int().positive().optional(),
    /** `'steps'` every `saveSteps` and at the end, `'epoch'` at each epoch end, `'best'` at each new best metric. */
    saveStrategy: z.enum(['no', 'steps', 'epoch', 'best']).default('steps'),
    saveSteps: z.number().int().positive().default(500),
    saveTotalLimit: z.number().int().positive().optional(),
    seed: z.number().int().default(42),
    /** Load the best checkpoint (by `metricForBestModel`) when training ends; the limit never deletes it. */
    loadBestModelAtEnd: z.boolean().default(false),
    /** An evaluation metric (`loss`, `accuracy`, ... ; `eval_` is prepended when missing). Default `loss` with `loadBestModelAtEnd`. */
    metricForBestModel: z.string().min(1).optional(),
    /** Default: false for `loss` / `eval_loss`, true for any other metric. */
    greaterIsBetter: z.boolean().optional(),
    /** No progress bar / progress lines (HF `disable_tqdm`). */
    disableTqdm: z.boolean().default(false),
  })
  .strict();

/** Parsed training arguments (all defaults filled). */
export type TrainingArguments = z.output<typeof trainingArgumentsSchema>;
/** What a user passes to {@link parseTrainingArguments}. */
export type TrainingArgumentsInput = z.input<typeof trainingArgumentsSchema>;

/** Error thrown for invalid training arguments; `field` names the offending argument. */
export class TrainingArgumentsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`TrainingArguments.${field}: ${message}`);
    this.name = 'TrainingArgumentsError';
  }
}

/** Validates and fills defaults; throws {@link TrainingArgumentsError} naming the first bad field. */
export function parseTrainingArguments(input: TrainingArgumentsInput = {}): TrainingArguments {
  const r = trainingArgumentsSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field =
      issue.code === 'unrecognized_keys'
        ? issue.keys.join(', ')
        : issue.path.map(String).join('.') || '(root)';
    throw new TrainingArgumentsError(field, issue.message);
  }
  const a = r.data;
  if (a.evalStrategy === 'steps' && a.evalSteps === undefined) {
    a.evalSteps = a.loggingSteps;
  }
  if (a.loadBestModelAtEnd) {
    a.metricForBestModel ??= 'loss';
    if (a.evalStrategy === 'no') {
      throw new TrainingArgumentsError(
        'loadBestModelAtEnd',
        'needs evaluations: set evalStrategy to "steps" or "epoch"',
      );
    }
    if (a.saveStrategy !== 'best' && a.saveStrategy !== a.evalStrategy) {
      throw new TrainingArgumentsError(
        'loadBestModelAtEnd',
        `requires saveStrategy ("${a.saveStrategy}") to match evalStrategy ("${a.evalStrategy}") or to be "best"`,
      );
    }
    if (a.saveStrategy === 'steps' && a.saveSteps % a.evalSteps! !== 0) {
      throw new TrainingArgumentsError(
        'saveSteps',
        `must be a round multiple of evalSteps (${a.evalSteps}) with loadBestModelAtEnd, got ${a.saveSteps}`,
      );
    }
  }
  if (a.saveStrategy === 'best' && a.metricForBestModel === undefined) {
    throw new TrainingArgumentsError('metricForBestModel', 'is required with saveStrategy "best"');
  }
  if (a.metricForBestModel !== undefined) {
    a.greaterIsBetter ??= !['loss', 'eval_loss'].includes(a.metricForBestModel);
  }
  if (a.maxSteps === 0 || a.maxSteps < -1) {
    throw new TrainingArgumentsError(
      'maxSteps',
      `must be -1 (use numTrainEpochs) or positive, got ${a.maxSteps}`,
    );
  }
  return a;
}

/** Warmup steps as HF computes them: `warmupSteps` if > 0, else ceil(totalSteps * warmupRatio). */
export function numWarmupSteps(args: TrainingArguments, totalSteps: number): number {
  return args.warmupSteps > 0 ? args.warmupSteps : Math.ceil(totalSteps * args.warmupRatio);
}
