import { z } from 'zod';

/** One logged step (also a line of `outputDir/log.jsonl`). */
export interface LogEntry {
  step: number;
  epoch: number;
  loss?: number;
  learningRate?: number;
  gradNorm?: number;
  evalLoss?: number;
  [key: string]: number | undefined;
}

/** `trainer_state.json` of a checkpoint (HF names, camelCase). */
export const trainerStateSchema = z.object({
  globalStep: z.number().int().nonnegative(),
  /** Micro-batches consumed in total (to skip them when resuming). */
  microBatchesSeen: z.number().int().nonnegative(),
  epoch: z.number().nonnegative(),
  maxSteps: z.number().int().positive(),
  logHistory: z.array(z.record(z.string(), z.number())),
});
export type TrainerState = z.infer<typeof trainerStateSchema>;
