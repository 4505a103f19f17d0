import type { LrSchedulerType } from './training-arguments.js';

/** A learning-rate multiplier as a function of the optimizer step (0-based), like HF's LambdaLR lambdas. */
export type LrLambda = (step: number) => number;

/**
 * HF `get_scheduler` lambdas: `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup`
 * (numCycles 0.5), `get_constant_schedule`, `get_constant_schedule_with_warmup`.
 */
export function getScheduleLambda(
  type: LrSchedulerType,
  numWarmupSteps: number,
  numTrainingSteps: number,
  numCycles = 0.5,
): LrLambda {
  const warm = (s: number): number => s / Math.max(1, numWarmupSteps);
  switch (type) {
    case 'constant':
      return () => 1;
    case 'constant_with_warmup':
      return (s) => (s < numWarmupSteps ? warm(s) : 1);
    case 'linear':
      return (s) =>
        s < numWarmupSteps
          ? warm(s)
          : Math.max(0, (numTrainingSteps - s) / Math.max(1, numTrainingSteps - numWarmupSteps));
    case 'cosine':
      return (s) => {
        if (s < numWarmupSteps) return warm(s);
        const progress = (s - numWarmupSteps) / Math.max(1, numTrainingSteps - numWarmupSteps);
        return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
      };
  }
}

/** Learning rate at `step` for base rate `lr` (what HF's scheduler sets before optimizer step `step`). */
export function learningRateAt(
  lr: number,
  type: LrSchedulerType,
  numWarmupSteps: number,
  numTrainingSteps: number,
  step: number,
): number {
  return lr * getScheduleLambda(type, numWarmupSteps, numTrainingSteps)(step);
}
