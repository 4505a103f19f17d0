/**
 * Best-model tracking (HF `_determine_best_metric`): after each evaluation, whether
 * `metricForBestModel` improved, the best value and the checkpoint folder that holds it.
 */
import { join } from './node-fs.js';
import type { TrainingArguments } from './training-arguments.js';

/** The evaluation key of `metricForBestModel` (`eval_` prepended when missing), or undefined. */
export function bestMetricKey(args: TrainingArguments): string | undefined {
  const m = args.metricForBestModel;
  if (m === undefined) return undefined;
  return m.startsWith('eval_') ? m : `eval_${m}`;
}

/** Whether `value` is better than `best` (`greaterIsBetter`), by more than `threshold`. */
export function improves(
  args: TrainingArguments,
  value: number,
  best: number | undefined,
  threshold = 0,
): boolean {
  if (best === undefined) return true;
  const better = args.greaterIsBetter ? value > best : value < best;
  return better && Math.abs(value - best) > threshold;
}

/** The best `metricForBestModel` value so far and its checkpoint. */
export class BestModelTracker {
  /** HF `state.best_metric`. */
  bestMetric: number | undefined;
  /** HF `state.best_model_checkpoint`. */
  bestModelCheckpoint: string | undefined;

  constructor(private readonly args: TrainingArguments) {}

  /**
   * Records an evaluation at `step`; returns whether it is a new best (its checkpoint is then
   * `outputDir/checkpoint-<step>`, which must be saved). Throws naming a missing metric.
   */
  update(values: Record<string, number>, step: number): boolean {
    const key = bestMetricKey(this.args);
    if (key === undefined) return false;
    const value = values[key];
    if (value === undefined) {
      throw new Error(
        `TrainingArguments.metricForBestModel: "${key}" is not among the evaluation metrics (${Object.keys(values).join(', ')})`,
      );
    }
    if (!improves(this.args, value, this.bestMetric)) return false;
    this.bestMetric = value;
    this.bestModelCheckpoint = join(this.args.outputDir, `checkpoint-${step}`);
    return true;
  }
}
