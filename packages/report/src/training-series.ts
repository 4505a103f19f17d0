import type { TrainerLogEntry } from './trainer-log.js';

/** A data series: `[step, value]` points in increasing step order. */
export type Points = Array<[number, number]>;

/** The curves a report draws, taken from the trainer's log. */
export interface TrainingSeries {
  trainLoss: Points;
  evalLoss: Points;
  learningRate: Points;
  gradNorm: Points;
  tokensPerSecond: Points;
  /** Largest `epoch` seen (0 for an empty log). */
  epochs: number;
  /** Largest `step` seen. */
  steps: number;
}

/**
 * One series of `key` from the log: entries without a finite value are skipped; when a step
 * appears twice (a resumed run logs the steps after its checkpoint again) the later entry wins.
 */
export function seriesOf(log: readonly TrainerLogEntry[], key: string): Points {
  const byStep = new Map<number, number>();
  for (const e of log) {
    const v = e[key];
    if (typeof v === 'number' && Number.isFinite(v)) byStep.set(e.step, v);
  }
  return [...byStep].sort((a, b) => a[0] - b[0]);
}

/** Points of `a` and `b` by step (`b` wins on the same step). */
function mergeSeries(a: Points, b: Points): Points {
  const m = new Map([...a, ...b]);
  return [...m].sort((x, y) => x[0] - y[0]);
}

/**
 * The metrics of the last evaluation in the log (`eval_loss`, `eval_accuracy`, … as logged),
 * or an empty object when nothing was evaluated.
 */
export function lastEvaluation(log: readonly TrainerLogEntry[]): Record<string, number> {
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i]!;
    const metrics = Object.entries(e).filter(
      (kv): kv is [string, number] =>
        (kv[0].startsWith('eval_') || kv[0] === 'evalLoss') && typeof kv[1] === 'number',
    );
    if (metrics.length) return Object.fromEntries(metrics);
  }
  return {};
}

/** All series the report uses. */
export function trainingSeries(log: readonly TrainerLogEntry[]): TrainingSeries {
  return {
    trainLoss: seriesOf(log, 'loss'),
    // HF's `eval_loss`; `evalLoss` as older gptft logs wrote it
    evalLoss: mergeSeries(seriesOf(log, 'evalLoss'), seriesOf(log, 'eval_loss')),
    learningRate: seriesOf(log, 'learningRate'),
    gradNorm: seriesOf(log, 'gradNorm'),
    tokensPerSecond: seriesOf(log, 'tokensPerSecond'),
    epochs: log.reduce((m, e) => Math.max(m, e.epoch), 0),
    steps: log.reduce((m, e) => Math.max(m, e.step), 0),
  };
}
