// A real log: a short @gptft/trainer run (toy regression model, evaluation every 4 steps) renders.
import '@gptft/backend-wasm';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@gptft/backend';
import { type LogEntry, Trainer } from '@gptft/trainer';
import { toyData, toyModel } from '@gptft/trainer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTrainerLog, type TrainerLogEntryInput, writeTrainingReport } from '../src/index.js';
import { chartData, findAll, parseXml } from './svg.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('a trainer log', () => {
  it('from a short Trainer run renders: every logged step is a point, evaluations are dots', async () => {
    const outputDir = mkdtempSync(join(tmpdir(), 'gptft-report-trainer-'));
    const model = toyModel();
    const trainer = new Trainer({
      model,
      trainData: toyData,
      evalData: toyData.slice(0, 2),
      args: {
        outputDir,
        maxSteps: 12,
        learningRate: 0.05,
        warmupSteps: 3,
        lrSchedulerType: 'linear',
        loggingSteps: 1,
        evalStrategy: 'steps',
        evalSteps: 4,
        saveSteps: 100,
      },
    });
    await trainer.train();
    model.dispose();
    const history: LogEntry[] = trainer.logHistory;
    const log = await readTrainerLog(join(outputDir, 'log.jsonl'));
    // the trainer's own entries are what the report's schema reads (its LogEntry type fits the input type)
    const asInput: TrainerLogEntryInput[] = history;
    expect(log).toEqual(asInput);

    const { report, lossCurve } = await writeTrainingReport(outputDir, {
      log: trainer.logHistory as readonly LogEntry[], // the trainer's entries, as they are
      title: 'toy regression',
      samples: [{ prompt: 'x = 0.5', before: 'y = 0.1', after: 'y = -0.9' }],
      metrics: { perplexity: Math.exp(history.filter((e) => e.eval_loss !== undefined).at(-1)!.eval_loss!) },
    });
    const svg = parseXml(readFileSync(lossCurve, 'utf8'));
    const train = chartData(svg, 'training loss');
    const evals = chartData(svg, 'validation loss');
    expect(train.map(([x]) => Math.round(x))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(evals.map(([x]) => Math.round(x))).toEqual([4, 8, 12]);
    const losses = history.filter((e) => e.loss !== undefined).map((e) => e.loss!);
    const plot = findAll(svg, (e) => e.attrs.class === 'plot')[0]!;
    const tol =
      ((Number(plot.attrs['data-y-max']) - Number(plot.attrs['data-y-min'])) /
        Number(plot.attrs['data-height'])) *
      0.02;
    train.forEach(([, y], i) => {
      expect(Math.abs(y - losses[i]!)).toBeLessThan(tol);
    });

    const html = readFileSync(report, 'utf8');
    const lr = chartData(parseXml(html.match(/<svg[\s\S]*?<\/svg>/g)![1]!), 'learning rate');
    // linear warmup over 3 steps to 0.05, then linear decay to 0 at step 12 (HF's schedule)
    const lrs = history.filter((e) => e.learningRate !== undefined).map((e) => e.learningRate!);
    expect(Math.max(...lrs)).toBeCloseTo(0.05, 10);
    expect(lr).toHaveLength(12);
    expect(html).toContain('<h1>toy regression</h1>');
    expect(html).toContain('12 optimizer steps');
    // final metrics: the last logged evaluation plus the caller's
    const lastEval = history.filter((e) => e.eval_loss !== undefined).at(-1)!.eval_loss!;
    expect(html).toContain(`<td>eval_loss</td><td class="num">${Number(lastEval.toPrecision(5))}</td>`);
    expect(html).toContain('<td>perplexity</td>');
  });
});
