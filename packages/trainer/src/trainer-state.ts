import { z } from 'zod';
import { samplerStateSchema } from './sampler.js';

/** One logged step (also a line of `outputDir/log.jsonl`); evaluations log `eval_loss`, `eval_<metric>`. */
export interface LogEntry {
  step: number;
  epoch: number;
  loss?: number;
  learningRate?: number;
  gradNorm?: number;
  [key: string]: number | undefined;
}

/** `trainer_state.json` of a checkpoint (HF names, camelCase). */
export const trainerStateSchema = z.object({
  globalStep: z.number().int().nonnegative(),
  /** Micro-batches consumed in total. */
  microBatchesSeen: z.number().int().nonnegative(),
  epoch: z.number().nonnegative(),
  maxSteps: z.number().int().positive(),
  logHistory: z.array(z.record(z.string(), z.number())),
  /** Best value of `metricForBestModel` so far (HF `best_metric`). */
  bestMetric: z.number().nullable().optional(),
  /** Checkpoint folder of the best metric (HF `best_model_checkpoint`). */
  bestModelCheckpoint: z.string().nullable().optional(),
  /** Evaluations without improvement so far (HF `EarlyStoppingCallback`'s patience counter). */
  earlyStoppingPatienceCounter: z.number().int().nonnegative().optional(),
  /**
   * Which training run wrote the checkpoint (kept across resumes): checkpoint rotation deletes only
   * its own run's checkpoints. Absent in older checkpoints (they count as the current run's).
   */
  runId: z.string().min(1).optional(),
});
export type TrainerState = z.infer<typeof trainerStateSchema>;

/** `rng_state.json` of a checkpoint: everything random in training, to resume exactly. */
export const rngStateSchema = z.object({
  /** Seed of the training sampler (`args.seed`): epoch e's order is drawn by `SeededRandom(shuffleSeed + e)`. */
  shuffleSeed: z.number().int(),
  /** The sampler's generator state at the start of the checkpoint's epoch (see `RandomSampler`). */
  sampler: samplerStateSchema.optional(),
  /** The model's random streams (dropout), from `TrainableModel.getRngState`. */
  model: z.unknown().optional(),
});
export type RngStateFile = z.infer<typeof rngStateSchema>;
