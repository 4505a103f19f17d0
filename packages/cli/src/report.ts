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

function scalars(o: Record<string, unknown>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || k === 'json' || k === 'verbose' || k === 'config') continue;
    out[k] =
      v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
        ? v
        : JSON.stringify(v);
  }
  return out;
}

/** Writes `report.html` + `loss-curve.svg` (`@gptft/report`) into the output folder; returns the report's path. */
export async function writeReport(ctx: Context, run: RunReport): Promise<string> {
  const { summary } = run;
  const written = await writeTrainingReport(run.outputDir, {
    title: run.title,
    model: run.model,
    log: summary.logHistory as never,
    metrics: {
      train_loss: summary.trainingLoss,
      ...(summary.evalLoss !== undefined && {
        eval_loss: summary.evalLoss,
        perplexity: Math.exp(summary.evalLoss),
      }),
      ...run.metrics,
    },
    samples: run.samples ?? [],
    tokensPerSecond: summary.tokensPerSecond,
    totalTokens: summary.tokens,
    trainSeconds: summary.seconds,
    settings: scalars(run.settings ?? {}),
  });
  ctx.debug(`wrote ${written.report} and ${written.lossCurve}`);
  return written.report;
}
