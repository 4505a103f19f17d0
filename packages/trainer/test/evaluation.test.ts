import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { crossEntropy, tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { accuracyScore, entityPrecisionRecallF1, f1Score } from '@gptft/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  argmax,
  concatBatches,
  type EvalPrediction,
  evaluationLoop,
  evaluationLoopAsync,
  type NestedNumbers,
  parseTrainingArguments,
  Trainer,
  trainableFromForward,
} from '../src/index.js';
import { data, tmp, toyModel, values, type XY } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** A linear 3-class classifier with `forward({ x, labels }) → { loss?, logits }`, like a heads class. */
function classifier() {
  const w = tf.variable(tf.tensor2d([0.2, -0.1, 0.05, -0.3, 0.1, 0.25], [2, 3]));
  const b = tf.variable(tf.zeros([3]));
  return {
    w,
    namedParameters: (): [string, tf.Variable][] => [
      ['score.weight', w],
      ['score.bias', b],
    ],
    forward: ({ x, labels }: { x: number[][]; labels?: number[] }) => {
      const logits = tf.add(tf.matMul(tf.tensor2d(x), w), b);
      return labels ? { logits, loss: crossEntropy(logits, labels) } : { logits };
    },
  };
}
interface Cls {
  x: number[][];
  labels: number[];
}
// Class = which of three regions the point falls in.
const clsData: Cls[] = Array.from({ length: 6 }, (_, i) => {
  const x = [0, 1, 2].map((k) => [Math.cos(i + k * 2.1), Math.sin(i * 1.3 + k)]);
  return { x, labels: x.map(([a, c]) => (a! > 0.3 ? 0 : c! > 0 ? 1 : 2)) };
});

describe('evaluationLoop and evaluationLoopAsync', () => {
  it('give the same loss, predictions and labels (arraySync vs await array) and free every tensor', async () => {
    const m = classifier();
    const model = trainableFromForward(m, { toInput: (b: Cls) => b, labels: (b) => b.labels });
    const steps = {
      predictionStep: (b: Cls) => model.predictionStep!(b),
      computeLoss: (b: Cls) => model.computeLoss(b),
      preprocessLogitsForMetrics: (logits: tf.Tensor) => tf.argMax(logits, -1),
    };
    const before = tf.memory().numTensors;
    for (const withPredictions of [true, false]) {
      const sync = evaluationLoop(clsData, steps, withPredictions);
      const read = await evaluationLoopAsync(clsData, steps, withPredictions);
      expect(read).toEqual(sync);
      expect(sync.loss).toBeGreaterThan(0);
      expect(sync.predictions === undefined).toBe(!withPredictions);
    }
    const out = evaluationLoop(clsData, steps, true);
    expect(out.predictions).toHaveLength(clsData.length * 3);
    expect(out.labelIds).toEqual(clsData.flatMap((c) => c.labels));
    // A failing batch frees what the loop held.
    const failing = {
      ...steps,
      predictionStep: () => {
        throw new Error('boom');
      },
    };
    await expect(evaluationLoopAsync(clsData, failing, true)).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('predict and computeMetrics', () => {
  it('predict returns the logits and labels of every batch and @gptft/metrics scores, prefixed test_', async () => {
    const m = classifier();
    const model = trainableFromForward(m, { toInput: (b: Cls) => b, labels: (b) => b.labels });
    const seen: EvalPrediction[] = [];
    const trainer = new Trainer({
      model,
      trainData: clsData,
      evalData: clsData.slice(0, 2),
      args: {
        outputDir: tmp(),
        numTrainEpochs: 4,
        learningRate: 0.1,
        evalStrategy: 'epoch',
        saveStrategy: 'no',
      },
      computeMetrics: (p) => {
        seen.push(p);
        const pred = argmax(p.predictions) as number[];
        const gold = p.labelIds as number[];
        return { accuracy: accuracyScore(gold, pred), f1: f1Score(gold, pred, { average: 'macro' }) };
      },
      progress: false,
    });
    await trainer.train();
    const out = await trainer.predict(clsData);
    // Shapes: 6 batches × 3 rows, 3 logits each; labels as given.
    expect(out.predictions).toHaveLength(18);
    expect((out.predictions[0] as number[]).length).toBe(3);
    expect(out.labelIds).toEqual(clsData.flatMap((b) => b.labels));
    // The predictions are the model's logits (checked directly) …
    const direct = tf.tidy(() => m.forward({ x: clsData[1]!.x }).logits.arraySync() as number[][]);
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < 3; k++)
        expect((out.predictions[3 + r] as number[])[k]).toBeCloseTo(direct[r]![k]!, 6);
    }
    // … and the metrics are computed from them, by hand here.
    const pred = (out.predictions as number[][]).map((row) => row.indexOf(Math.max(...row)));
    const gold = out.labelIds as number[];
    const acc = pred.filter((p, i) => p === gold[i]).length / gold.length;
    expect(out.metrics.test_accuracy).toBeCloseTo(acc, 12);
    expect(Object.keys(out.metrics).sort()).toEqual(['test_accuracy', 'test_f1', 'test_loss']);
    // test_loss: the batches' mean CE weighted by batch size (all equal here).
    const ce = tf.tidy(() => {
      let s = 0;
      for (const b of clsData) s += (m.forward(b).loss as tf.Tensor).dataSync()[0]!;
      return s / clsData.length;
    });
    expect(out.metrics.test_loss).toBeCloseTo(ce, 5);
    // During training: one evaluation per epoch, logged with eval_ keys.
    const evals = trainer.logHistory.filter((e) => e.eval_accuracy !== undefined);
    expect(evals.map((e) => e.step)).toEqual([6, 12, 18, 24]);
    for (const e of evals)
      expect(Object.keys(e).sort()).toEqual(['epoch', 'eval_accuracy', 'eval_f1', 'eval_loss', 'step']);
    expect(seen[0]!.predictions).toHaveLength(6);
    const ev = await trainer.evaluate();
    expect(ev.eval_accuracy).toBeGreaterThanOrEqual(0);
    trainer.optimizer.dispose();
  });

  it('token classification on a GPT-2 backbone: padded batches of different lengths, seqeval F1', async () => {
    const labelNames = ['O', 'B-PER', 'I-PER'];
    const gpt = new GPT2Model(
      new GPT2Config({ vocabSize: 40, nPositions: 16, nEmbd: 16, nLayer: 1, nHead: 2 }),
      {
        seed: 1,
      },
    );
    gpt.eval();
    const cls = tf.variable(tf.randomNormal([16, 3], 0, 0.2, 'float32', 2));
    const tokModel = {
      namedParameters: (): [string, tf.Variable][] => [...gpt.namedParameters(), ['classifier.weight', cls]],
      forward: ({ ids, labels }: { ids: number[][]; labels: number[][] }) => {
        const h = gpt.forward({ inputIds: ids }).lastHiddenState;
        const [b, t, c] = h.shape;
        const logits = tf.reshape(tf.matMul(tf.reshape(h, [b * t, c]), cls), [b, t, 3]);
        return { logits, loss: crossEntropy(tf.reshape(logits, [b * t, 3]), labels.flat()) };
      },
    };
    type Tok = { ids: number[][]; labels: number[][] };
    const batches: Tok[] = [
      { ids: [[1, 2, 3, 4, 5]], labels: [[0, 1, 2, -100, 0]] },
      {
        ids: [
          [6, 7, 8],
          [9, 10, 11],
        ],
        labels: [
          [1, 2, 0],
          [0, -100, 1],
        ],
      },
    ];
    const trainer = new Trainer({
      model: trainableFromForward(tokModel, { toInput: (b: Tok) => b, labels: (b) => b.labels }),
      trainData: batches,
      args: { outputDir: tmp(), maxSteps: 1, learningRate: 0 },
      preprocessLogitsForMetrics: (logits) => tf.argMax(logits, -1),
      computeMetrics: ({ predictions, labelIds }) => {
        // HF's run_ner: drop -100 positions, map ids to names, seqeval.
        const rows = (labelIds as number[][]).map((gold, r) =>
          gold.flatMap((g, t) =>
            g === -100 ? [] : [[labelNames[g]!, labelNames[(predictions[r] as number[])[t]!]!]],
          ),
        );
        const r = entityPrecisionRecallF1(
          rows.map((x) => x.map((p) => p[0]!)),
          rows.map((x) => x.map((p) => p[1]!)),
          { average: 'micro', zeroDivision: 0 },
        ) as { f1: number };
        return { f1: r.f1 };
      },
      progress: false,
    });
    const out = await trainer.predict(batches);
    // [3 rows, 5 positions]: the second batch's rows padded with -100 from 3 to 5.
    expect(out.labelIds).toEqual([
      [0, 1, 2, -100, 0],
      [1, 2, 0, -100, -100],
      [0, -100, 1, -100, -100],
    ]);
    const p = out.predictions as number[][];
    expect(p.map((r) => r.length)).toEqual([5, 5, 5]);
    expect(p[1]!.slice(3)).toEqual([-100, -100]);
    const direct = tf.tidy(
      () => tf.argMax(tokModel.forward(batches[1]!).logits, -1).arraySync() as number[][],
    );
    expect(p[1]!.slice(0, 3)).toEqual(direct[0]);
    expect(typeof out.metrics.test_f1).toBe('number');
    trainer.optimizer.dispose();
    gpt.dispose();
    cls.dispose();
  });

  it('eval_loss is the mean of batch losses weighted by batch size (HF), with or without computeMetrics', async () => {
    const m = classifier();
    const uneven: Cls[] = [
      { x: clsData[0]!.x.slice(0, 1), labels: clsData[0]!.labels.slice(0, 1) },
      clsData[1]!,
    ];
    const lossOf = (b: Cls) => tf.tidy(() => (m.forward(b).loss as tf.Tensor).dataSync()[0]!);
    const expected = (lossOf(uneven[0]!) * 1 + lossOf(uneven[1]!) * 3) / 4;
    for (const computeMetrics of [undefined, () => ({ one: 1 })]) {
      const t = new Trainer({
        model: trainableFromForward(m, { toInput: (b: Cls) => b }),
        trainData: uneven,
        args: { outputDir: tmp() },
        computeMetrics,
        progress: false,
      });
      const ev = await t.evaluate(uneven);
      expect(ev.eval_loss).toBeCloseTo(expected, 6);
      t.optimizer.dispose();
    }
    expect(Math.abs(expected - (lossOf(uneven[0]!) + lossOf(uneven[1]!)) / 2)).toBeGreaterThan(1e-4);
  });

  it('concatBatches pads the second axis with -100; argmax takes the last axis', () => {
    const a: NestedNumbers = [[[1, 2]], [[3, 4]]]; // [2, 1, 2]
    const b: NestedNumbers = [
      [
        [5, 6],
        [7, 8],
      ],
    ]; //   [1, 2, 2]
    expect(concatBatches([a, b])).toEqual([
      [
        [1, 2],
        [-100, -100],
      ],
      [
        [3, 4],
        [-100, -100],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    expect(
      argmax([
        [0.1, 0.7, 0.2],
        [3, 1, 3],
      ]),
    ).toEqual([1, 0]);
  });
});

/** Scripted evaluation metric: the k-th evaluation reports script[k] as `score`. */
function scripted(script: number[]) {
  let k = 0;
  return () => ({ score: script[k++]! });
}
const withPredictions = (m: ReturnType<typeof toyModel>) => ({
  ...m,
  predictionStep: (b: XY) => ({ loss: m.computeLoss(b), logits: tf.tensor1d(b.y) }),
});

describe('best model and early stopping', () => {
  it('tracks the best checkpoint, keeps it through saveTotalLimit 1, and loads it at the end', async () => {
    const outputDir = tmp();
    const model = toyModel();
    const saved: string[] = [];
    const t = new Trainer({
      model: withPredictions(model),
      trainData: data,
      evalData: data.slice(0, 2),
      args: {
        outputDir,
        maxSteps: 10,
        learningRate: 0.05,
        evalStrategy: 'steps',
        evalSteps: 2,
        saveSteps: 2,
        saveTotalLimit: 1,
        loadBestModelAtEnd: true,
        metricForBestModel: 'score',
      },
      computeMetrics: scripted([0.5, 0.8, 0.6, 0.7, 0.65]),
      callbacks: { onSave: (d) => saved.push(d) },
      progress: false,
    });
    expect(t.args.greaterIsBetter).toBe(true);
    await t.train();
    expect(t.bestMetric).toBe(0.8);
    expect(t.bestModelCheckpoint).toBe(join(outputDir, 'checkpoint-4'));
    expect(saved.map((d) => d.slice(outputDir.length + 1))).toEqual(
      [2, 4, 6, 8, 10].map((s) => `checkpoint-${s}`),
    );
    // The limit keeps the best one and the newest (HF keeps 2 when the newest is not the best).
    expect(
      readdirSync(outputDir)
        .filter((n) => n.startsWith('checkpoint-'))
        .sort(),
    ).toEqual(['checkpoint-10', 'checkpoint-4']);
    const state = JSON.parse(readFileSync(join(outputDir, 'checkpoint-10', 'trainer_state.json'), 'utf8'));
    expect(state.bestMetric).toBe(0.8);
    expect(state.bestModelCheckpoint).toBe(join(outputDir, 'checkpoint-4'));
    // The model now holds checkpoint-4's weights, not step 10's.
    const best = await SafetensorsFile.open(join(outputDir, 'checkpoint-4', 'model.safetensors'));
    const last = await SafetensorsFile.open(join(outputDir, 'checkpoint-10', 'model.safetensors'));
    for (const [n, v] of model.namedParameters())
      expect(Array.from(v.dataSync())).toEqual(Array.from(best.getFloat32(n)));
    expect(Array.from(last.getFloat32('l1.weight'))).not.toEqual(Array.from(best.getFloat32('l1.weight')));
    t.optimizer.dispose();
  });

  it('loss as the default metric (lower is better); a best step between saves is saved anyway', async () => {
    const outputDir = tmp();
    const t = new Trainer({
      model: toyModel(),
      trainData: data,
      evalData: data.slice(0, 2),
      args: {
        outputDir,
        maxSteps: 6,
        evalStrategy: 'steps',
        evalSteps: 1,
        saveSteps: 3,
        loadBestModelAtEnd: true,
      },
      progress: false,
    });
    expect(t.args.metricForBestModel).toBe('loss');
    expect(t.args.greaterIsBetter).toBe(false);
    await t.train();
    const evals = t.logHistory.filter((e) => e.eval_loss !== undefined);
    const bestEval = evals.reduce((x, y) => (y.eval_loss! < x.eval_loss! ? y : x));
    expect(t.bestMetric).toBe(bestEval.eval_loss);
    expect(existsSync(join(outputDir, `checkpoint-${bestEval.step}`))).toBe(true);
  });

  it('stops early after `patience` evaluations without improvement beyond the threshold (HF semantics)', async () => {
    const run = async (threshold: number) => {
      const t = new Trainer({
        model: withPredictions(toyModel()),
        trainData: data,
        evalData: data.slice(0, 2),
        args: {
          outputDir: tmp(),
          maxSteps: 20,
          evalStrategy: 'steps',
          evalSteps: 2,
          saveSteps: 2,
          loadBestModelAtEnd: true,
          metricForBestModel: 'eval_score',
        },
        computeMetrics: scripted([0.5, 0.8, 0.6, 0.7, 0.9, 0.95, 1, 1, 1, 1]),
        earlyStopping: { patience: 2, threshold },
        progress: false,
      });
      await t.train();
      return t;
    };
    // threshold 0: 0.5 (best) 0.8 (best) 0.6 (1) 0.7 (2 → stop at step 8).
    const a = await run(0);
    expect(a.globalStep).toBe(8);
    expect(a.bestMetric).toBe(0.8);
    // threshold 0.35: 0.8 is not enough of an improvement over 0.5 (counter 1; still the best), 0.6 → 2: stop at 6.
    const b = await run(0.35);
    expect(b.globalStep).toBe(6);
    expect(b.bestMetric).toBe(0.8);
    expect(b.bestModelCheckpoint?.endsWith('checkpoint-4')).toBe(true);
  });

  it('keeps the early-stopping counter and the best metric across a resume', async () => {
    const byStep: Record<number, number> = { 2: 0.5, 4: 0.8, 6: 0.6, 8: 0.7, 10: 0.65, 12: 0.66 };
    const outputDir = tmp();
    const make = (crashAt?: number) => {
      const t: Trainer<XY> = new Trainer({
        model: withPredictions(toyModel()),
        trainData: data,
        evalData: data.slice(0, 2),
        args: {
          outputDir,
          maxSteps: 20,
          evalStrategy: 'steps',
          evalSteps: 2,
          saveSteps: 2,
          loadBestModelAtEnd: true,
          metricForBestModel: 'score',
        },
        computeMetrics: () => ({ score: byStep[t.globalStep] ?? 0 }),
        earlyStopping: { patience: 2 },
        callbacks: {
          onStepEnd: (s) => {
            if (s.globalStep === crashAt) throw new Error('crash');
          },
        },
        progress: false,
      });
      return t;
    };
    await expect(make(7).train()).rejects.toThrow('crash');
    const resumed = make();
    await resumed.train({ resumeFromCheckpoint: join(outputDir, 'checkpoint-6') });
    // checkpoint-6 carried counter 1 (0.6 after the best 0.8): the evaluation at 8 makes it 2 → stop.
    expect(resumed.globalStep).toBe(8);
    expect(resumed.bestMetric).toBe(0.8);
    expect(resumed.bestModelCheckpoint).toBe(join(outputDir, 'checkpoint-4'));
  });

  it('validates the arguments like HF', () => {
    expect(() => parseTrainingArguments({ loadBestModelAtEnd: true })).toThrow(
      'TrainingArguments.loadBestModelAtEnd: needs evaluations',
    );
    expect(() =>
      parseTrainingArguments({
        loadBestModelAtEnd: true,
        evalStrategy: 'steps',
        evalSteps: 3,
        saveSteps: 10,
      }),
    ).toThrow('TrainingArguments.saveSteps: must be a round multiple of evalSteps (3)');
    expect(() => parseTrainingArguments({ loadBestModelAtEnd: true, evalStrategy: 'epoch' })).toThrow(
      /requires saveStrategy \("steps"\) to match evalStrategy \("epoch"\)/,
    );
    expect(() => parseTrainingArguments({ saveStrategy: 'best' })).toThrow(
      'TrainingArguments.metricForBestModel',
    );
    expect(
      () =>
        new Trainer({
          model: toyModel(),
          trainData: data,
          args: { outputDir: tmp() },
          earlyStopping: { patience: 1 },
        }),
    ).toThrow(/earlyStopping requires args.loadBestModelAtEnd/);
  });

  it('names the missing metric', async () => {
    const t = new Trainer({
      model: toyModel(),
      trainData: data,
      evalData: data,
      args: {
        outputDir: tmp(),
        maxSteps: 2,
        evalStrategy: 'steps',
        evalSteps: 1,
        metricForBestModel: 'accuracy',
      },
      progress: false,
    });
    await expect(t.train()).rejects.toThrow(
      '"eval_accuracy" is not among the evaluation metrics (eval_loss)',
    );
    void values;
  });
});
