import { type SampleGeneration, writeTrainingReport } from '@gptft/report';
import type { Context } from './context.js';
import type { TrainingSummary } from './lm-training.js';

export type { SampleGeneration };

/** What a training command knows about its run, for report.html. */
export interface RunReport {
  title: string;
  /** What was trained, e.g. `models/tiny-base + LoRA r=16`. */
  model: string;
  outputDir: string;
  summary: TrainingSummary;
  samples?: SampleGeneration[];
  metrics?: Record<string, number | string>;
  /** The command's options, listed in the report. */
  settings?: Record<string, unknown>;
}

function scalars(
  o: Record<string, unknown>,
  epochsDone: number,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  const maxSteps = typeof o.maxSteps === 'number' && o.maxSteps > 0 ? o.maxSteps : undefined;
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || k === 'json' || k === 'verbose' || k === 'config') continue;
    out[k] =
      v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
        ? v
        : JSON.stringify(v);
    // As in HF's Trainer, maxSteps > 0 overrides numTrainEpochs: say so next to the setting.
    if (k === 'numTrainEpochs' && maxSteps !== undefined)
      out[k] =
        `${v} (not used: maxSteps ${maxSteps} set the length; ${Number(epochsDone.toFixed(2))} epochs done)`;
  }
  return out;
}

/** `{ [key]: v }` when `v` is a finite number, else nothing. */
const finite = <K extends string>(key: K, v: number | undefined) =>
  v !== undefined && Number.isFinite(v) ? ({ [key]: v } as Record<K, number>) : {};

/** The log with each logged training step's tokens/s (over its logging interval) added. */
function withThroughput(summary: TrainingSummary): TrainingSummary['logHistory'] {
  const byStep = new Map(summary.throughput);
  return summary.logHistory.map((e) =>
    e.loss !== undefined && byStep.has(e.step) ? { ...e, tokensPerSecond: byStep.get(e.step)! } : e,
  );
}

/** Writes `report.html` + `loss-curve.svg` (`@gptft/report`) into the output folder; returns the report's path. */
export async function writeReport(ctx: Context, run: RunReport): Promise<string> {
  const { summary } = run;
  const written = await writeTrainingReport(run.outputDir, {
    title: run.title,
    model: run.model,
    log: withThroughput(summary) as never,
    metrics: {
      train_loss: summary.trainingLoss,
      ...(summary.evalLoss !== undefined && {
        eval_loss: summary.evalLoss,
        perplexity: Math.exp(summary.evalLoss),
      }),
      ...run.metrics,
    },
    samples: run.samples ?? [],
    ...finite('lastStepLoss', summary.losses[summary.losses.length - 1]),
    ...finite('meanTrainingLoss', summary.trainingLoss),
    tokensPerSecond: summary.tokensPerSecond,
    totalTokens: summary.tokens,
    trainSeconds: summary.seconds,
    settings: scalars(
      run.settings ?? {},
      summary.logHistory.reduce((m, e) => Math.max(m, e.epoch), 0),
    ),
  });
  ctx.debug(`wrote ${written.report} and ${written.lossCurve}`);
  return written.report;
}
