/**
 * Early stopping as a callback (HF `EarlyStoppingCallback`): stops training when
 * `metricForBestModel` has not improved (by more than `threshold`) for `patience` evaluations.
 */
import { bestMetricKey, improves } from './best-model.js';
import type { TrainerCallbacks, TrainerControl, TrainerStateView } from './callbacks.js';

/** Options of {@link EarlyStoppingCallback} (HF's argument names in camelCase). */
export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping (HF `early_stopping_patience`, default 1). */
  patience?: number;
  /** How much the metric must improve to count (HF `early_stopping_threshold`, default 0). */
  threshold?: number;
}

/**
 * HF's `EarlyStoppingCallback`: needs `loadBestModelAtEnd` (so evaluations and a metric). It
 * compares each evaluation with the best metric *before* that evaluation, as HF does (the trainer
 * updates the best metric after the callbacks ran). Its counter is saved in checkpoints
 * (`trainer_state.json` → `earlyStoppingPatienceCounter`).
 */
export class EarlyStoppingCallback implements TrainerCallbacks {
  readonly patience: number;
  readonly threshold: number;
  /** Evaluations in a row without enough improvement (HF `early_stopping_patience_counter`). */
  patienceCounter = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    this.patience = options.patience ?? 1;
    this.threshold = options.threshold ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 1)
      throw new Error(`Trainer: earlyStopping.patience must be an integer ≥ 1, got ${this.patience}`);
    if (!(this.threshold >= 0))
      throw new Error(`Trainer: earlyStopping.threshold must be ≥ 0, got ${this.threshold}`);
  }

  onEvaluate(metrics: Record<string, number>, state: TrainerStateView): TrainerControl {
    const key = bestMetricKey(state.args);
    const value = key === undefined ? undefined : metrics[key];
    if (value === undefined) return {}; // the trainer names the missing metric
    if (improves(state.args, value, state.bestMetric, this.threshold)) this.patienceCounter = 0;
    else this.patienceCounter++;
    return { shouldTrainingStop: this.patienceCounter >= this.patience };
  }
}
