import type { Context } from './context.js';
import type { TrainingSummary } from './lm-training.js';

/** A prompt and what the model answered before and after training (shown in report.html). */
export interface SampleGeneration {
  prompt: string;
  before?: string;
  after: string;
}

/** What a training command knows about its run, for report.html. */
export interface RunReport {
  title: string;
  outputDir: string;
  summary: TrainingSummary;
  samples?: SampleGeneration[];
  metrics?: Record<string, number>;
  config?: Record<string, unknown>;
}

/**
 * Writes `report.html` + `loss-curve.svg` into the output folder with `@gptft/report`. Returns the
 * report's path, or undefined (with a note on stderr) when `@gptft/report` is not installed.
 */
export async function writeReport(ctx: Context, run: RunReport): Promise<string | undefined> {
  let mod: Record<string, unknown>;
  try {
    const specifier = '@gptft/report';
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch {
    ctx.log('report.html not written: @gptft/report is not installed');
    return undefined;
  }
  const write = mod.writeTrainingReport as ((dir: string, input: unknown) => Promise<unknown>) | undefined;
  if (typeof write !== 'function') {
    ctx.log('report.html not written: this @gptft/report has no writeTrainingReport');
    return undefined;
  }
  await write(run.outputDir, {
    title: run.title,
    logHistory: run.summary.logHistory,
    tokensPerSecond: run.summary.tokensPerSecond,
    metrics: {
      trainingLoss: run.summary.trainingLoss,
      ...(run.summary.evalLoss !== undefined && { evalLoss: run.summary.evalLoss }),
      ...run.metrics,
    },
    samples: run.samples ?? [],
    config: run.config ?? {},
  });
  return `${run.outputDir}/report.html`;
}
