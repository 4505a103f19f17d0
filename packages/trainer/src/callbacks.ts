/**
 * Trainer callbacks (HF `TrainerCallback` / `CallbackHandler`): hooks the loop calls at each log,
 * optimizer step, evaluation and save; a hook may return `{ shouldTrainingStop: true }`.
 */
import type { LogEntry } from './trainer-state.js';
import type { TrainingArguments } from './training-arguments.js';

/** What a callback may ask for (HF `TrainerControl`). */
export interface TrainerControl {
  /** Stop after the current step (its evaluation and save still happen). */
  shouldTrainingStop?: boolean;
}

/** What callbacks see of the trainer (HF's `TrainerState` and `args`). */
export interface TrainerStateView {
  readonly args: TrainingArguments;
  readonly globalStep: number;
  /** Best value of `metricForBestModel` before the evaluation being reported. */
  readonly bestMetric: number | undefined;
}

/** Callbacks, like HF `TrainerCallback` (`on_log`, `on_step_end`, `on_save`, `on_evaluate`). */
export interface TrainerCallbacks {
  onLog?(entry: LogEntry, state: TrainerStateView): void;
  /** Return `{ shouldTrainingStop: true }` to stop after this step. */
  onStepEnd?(
    step: { globalStep: number; loss: number; learningRate: number },
    state: TrainerStateView,
  ): TrainerControl | unknown;
  onSave?(checkpointDir: string, state: TrainerStateView): void;
  /** Metrics of an evaluation (`eval_loss`, `eval_<metric>`) and the step. */
  onEvaluate?(
    metrics: Record<string, number> & { step: number },
    state: TrainerStateView,
  ): TrainerControl | unknown;
}

const stops = (ctl: unknown) => (ctl as TrainerControl | undefined)?.shouldTrainingStop === true;

/** Calls a list of callbacks in order (HF `CallbackHandler`); a hook's stop request wins. */
export class CallbackHandler {
  constructor(readonly callbacks: readonly TrainerCallbacks[]) {}

  onLog(entry: LogEntry, state: TrainerStateView): void {
    for (const c of this.callbacks) c.onLog?.(entry, state);
  }

  /** Whether a callback asked to stop. */
  onStepEnd(
    step: { globalStep: number; loss: number; learningRate: number },
    state: TrainerStateView,
  ): boolean {
    let stop = false;
    for (const c of this.callbacks) if (stops(c.onStepEnd?.(step, state))) stop = true;
    return stop;
  }

  onSave(dir: string, state: TrainerStateView): void {
    for (const c of this.callbacks) c.onSave?.(dir, state);
  }

  /** Whether a callback asked to stop. */
  onEvaluate(metrics: Record<string, number> & { step: number }, state: TrainerStateView): boolean {
    let stop = false;
    for (const c of this.callbacks) if (stops(c.onEvaluate?.(metrics, state))) stop = true;
    return stop;
  }
}
