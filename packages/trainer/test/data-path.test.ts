// The data path of the Trainer: examples batched afresh each epoch by the sampler (its state in
// every checkpoint), the task adapters on collated batches (labels straight from the collator to
// the loss), one host read per optimizer step, checkpoints of other runs left alone, the log and
// the final save of a resumed or diverged run.
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import {
  causalLMCollator,
  sequenceClassificationCollator,
  tokenClassificationCollator,
} from '@gptft/datasets';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import {
  GPT2ForSequenceClassification,
  GPT2ForTokenClassification,
  GPT2LMHeadModel,
  Linear,
} from '@gptft/heads';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  causalLMTrainable,
  RandomSampler,
  sequenceClassificationTrainable,
  type TrainableModel,
  Trainer,
  tokenClassificationTrainable,
} from '../src/index.js';
import { data, tmp, toyModel, values, type XY } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** One toy example: a row of a toy batch, with its index. */
interface Row {
  i: number;
  x: number[];
  y: number;
}
const rows: Row[] = data.flatMap((b, k) => b.x.map((x, r) => ({ i: 2 * k + r, x, y: b.y[r]! })));
const collateRows = (ex: readonly Row[]): XY & { ids: number[] } => ({
  x: ex.map((e) => e.x),
  y: ex.map((e) => e.y),
  ids: ex.map((e) => e.i),
});

/** The toy model, recording which examples each training batch held. */
function recording(seen: number[][]) {
  const m = toyModel();
  const model: TrainableModel<XY & { ids: number[] }> = {
    namedParameters: () => m.namedParameters(),
    computeLoss: (b) => {
      seen.push(b.ids);
      return m.computeLoss(b);
    },
  };
  return { m, model };
}

describe('trainDataset + dataCollator', () => {
  it('reshuffles the examples into new batches every epoch (HF RandomSampler), each example once per epoch', async () => {
    const seen: number[][] = [];
    const { model } = recording(seen);
    const t = new Trainer({
      model,
      trainDataset: rows,
      dataCollator: collateRows,
      args: { outputDir: tmp(), perDeviceTrainBatchSize: 3, numTrainEpochs: 2, seed: 11, saveStrategy: 'no' },
      progress: false,
    });
    expect(t.maxSteps).toBe(12); // 16 examples in batches of 3: 6 batches (the last of 1) per epoch
    await t.train();
    const epoch = (e: number) => seen.slice(6 * e, 6 * e + 6);
    for (const e of [0, 1]) {
      expect(epoch(e).map((b) => b.length)).toEqual([3, 3, 3, 3, 3, 1]);
      expect(
        epoch(e)
          .flat()
          .sort((a, b) => a - b),
      ).toEqual(rows.map((r) => r.i));
      expect(epoch(e).flat()).toEqual(new RandomSampler(16, 11).indices(e));
    }
    // New batches, not the same batches in a new order.
    const asSets = (e: number) => epoch(e).map((b) => [...b].sort((x, y) => x - y).join(','));
    expect(asSets(1).sort()).not.toEqual(asSets(0).sort());
    t.optimizer.dispose();
  });

  it('checkpoints the sampler: a run resumed in the middle of an epoch sees the same batches and ends with the same weights', async () => {
    const args = { perDeviceTrainBatchSize: 3, maxSteps: 10, saveSteps: 4, learningRate: 0.05, seed: 5 };
    const run = async (outputDir: string, crashAt?: number, resume = false) => {
      const seen: number[][] = [];
      const { m, model } = recording(seen);
      const t = new Trainer({
        model,
        trainDataset: rows,
        dataCollator: collateRows,
        args: { ...args, outputDir },
        progress: false,
        callbacks: {
          onStepEnd: (s) => {
            if (s.globalStep === crashAt) throw new Error('crash');
          },
        },
      });
      await t.train({ resumeFromCheckpoint: resume }).catch((e) => {
        if ((e as Error).message !== 'crash') throw e;
      });
      t.optimizer.dispose();
      return { seen, v: values(m).flat() };
    };
    const full = await run(tmp());
    const dir = tmp();
    await run(dir, 7); // checkpoint-4 is in epoch 0 (6 batches), step 7 in epoch 1
    const rng = JSON.parse(readFileSync(join(dir, 'checkpoint-4', 'rng_state.json'), 'utf8'));
    expect(rng.shuffleSeed).toBe(5);
    expect(rng.sampler.epoch).toBe(0);
    expect(rng.sampler.rngState).toHaveLength(4);
    const resumed = await run(dir, undefined, true);
    expect(resumed.seen).toEqual(full.seen.slice(4));
    expect(resumed.v).toEqual(full.v);
  });
});

describe('host reads', () => {
  it('one per optimizer step, however many micro-batches it accumulates, and never synchronous', async () => {
    // Asynchronous only: a page's WebGPU backend has no reliable synchronous read.
    const engine = tf.engine();
    const readSync = engine.readSync.bind(engine);
    const read = engine.read.bind(engine);
    let reads = 0;
    let syncReads = 0;
    engine.readSync = (id) => {
      syncReads++;
      return readSync(id);
    };
    engine.read = (id) => {
      reads++;
      return read(id);
    };
    try {
      for (const ga of [1, 4]) {
        const t = new Trainer({
          model: toyModel(),
          trainData: data,
          args: {
            outputDir: tmp(),
            maxSteps: 4,
            gradientAccumulationSteps: ga,
            loggingSteps: 2,
            saveStrategy: 'no',
          },
          progress: false,
          logToFile: false,
        });
        reads = 0;
        syncReads = 0;
        await t.train();
        expect(reads, `gradientAccumulationSteps ${ga}`).toBe(4);
        expect(syncReads, `gradientAccumulationSteps ${ga}`).toBe(0);
        t.optimizer.dispose();
      }
    } finally {
      engine.readSync = readSync;
      engine.read = read;
    }
  });
});

describe('checkpoints and the final save', () => {
  it('saveTotalLimit rotates only this run’s checkpoints, never another run’s in the same folder', async () => {
    const outputDir = tmp();
    const args = { outputDir, saveSteps: 1, learningRate: 0.01 };
    const a = new Trainer({
      model: toyModel(),
      trainData: data,
      args: { ...args, maxSteps: 2 },
      progress: false,
    });
    await a.train();
    a.optimizer.dispose();
    // An older run's checkpoint with a higher step than the new run will reach.
    renameSync(join(outputDir, 'checkpoint-2'), join(outputDir, 'checkpoint-100'));
    const b = new Trainer({
      model: toyModel(),
      trainData: data,
      args: { ...args, maxSteps: 3, saveTotalLimit: 1 },
      progress: false,
    });
    await b.train();
    b.optimizer.dispose();
    const left = readdirSync(outputDir)
      .filter((n) => n.startsWith('checkpoint-'))
      .sort();
    expect(left).toEqual(['checkpoint-100', 'checkpoint-3']);
    const state = (c: string) => JSON.parse(readFileSync(join(outputDir, c, 'trainer_state.json'), 'utf8'));
    expect(state('checkpoint-3').runId).toBe(b.runId);
    expect(state('checkpoint-100').runId).toBe(a.runId);
    expect(a.runId).not.toBe(b.runId);
  });

  it('on resume, log.jsonl is the checkpoint’s history: entries a killed run logged after it go', async () => {
    const outputDir = tmp();
    const make = (crashAt?: number) =>
      new Trainer({
        model: toyModel(),
        trainData: data,
        args: { outputDir, maxSteps: 6, saveSteps: 3, loggingSteps: 1 },
        progress: false,
        callbacks: {
          onStepEnd: (s) => {
            if (s.globalStep === crashAt) throw new Error('crash');
          },
        },
      });
    await expect(make(5).train()).rejects.toThrow('crash');
    const steps = () =>
      readFileSync(join(outputDir, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).step);
    expect(steps()).toEqual([1, 2, 3, 4]);
    await make().train({ resumeFromCheckpoint: true });
    expect(steps()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('saveModel refuses non-finite weights and writes nothing', async () => {
    const model = toyModel();
    const t = new Trainer({ model, trainData: data, args: { outputDir: tmp() }, progress: false });
    const dir = join(tmp(), 'final');
    model.namedParameters()[1]![1].assign(tf.tensor1d([0.01, Number.POSITIVE_INFINITY, -0.03]));
    await expect(t.saveModel(dir)).rejects.toThrow(/parameter l1.bias has non-finite values/);
    expect(existsSync(dir)).toBe(false);
    model.namedParameters()[1]![1].assign(tf.tensor1d([0.01, 0.02, -0.03]));
    await t.saveModel(dir);
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(true);
    t.optimizer.dispose();
  });
});

describe('task adapters on collated batches', () => {
  const config = new GPT2Config({ vocabSize: 40, nPositions: 12, nEmbd: 16, nLayer: 1, nHead: 2 });
  const ids = [
    [3, 5, 7, 9, 11],
    [2, 4, 6],
  ];

  it('causal LM: the collator’s flat labels give the loss of the nested ones (shifted once, -100 on padding)', () => {
    const lm = new GPT2LMHeadModel(new GPT2Model(config, { seed: 1 }));
    lm.eval(); // no dropout: both losses from the same weights
    const batch = causalLMCollator({ padTokenId: 0 })(ids.map((inputIds) => ({ inputIds })));
    const trainable = causalLMTrainable(lm);
    const flat = tf.tidy(() => trainable.computeLoss(batch).dataSync()[0]!);
    const nested = tf.tidy(
      () =>
        lm
          .forward({
            inputIds: [ids[0]!, [...ids[1]!, 0, 0]],
            attentionMask: [
              [1, 1, 1, 1, 1],
              [1, 1, 1, 0, 0],
            ],
            labels: [ids[0]!, [...ids[1]!, -100, -100]],
          })
          .loss!.dataSync()[0]!,
    );
    expect(flat).toBeCloseTo(nested, 6);
    const step = tf.tidy(() => trainable.predictionStep!(batch).labels);
    expect(step).toEqual([ids[0], [...ids[1]!, -100, -100]]);
    lm.dispose();
  });

  it('sequence classification trains through the Trainer and evaluates with computeMetrics', async () => {
    const seq = new GPT2ForSequenceClassification(new GPT2Model(config.with({ numLabels: 2 }), { seed: 2 }));
    const examples = ids.map((inputIds, i) => ({ inputIds, label: i }));
    const t = new Trainer({
      model: sequenceClassificationTrainable(seq),
      trainDataset: [...examples, ...examples],
      evalDataset: examples,
      dataCollator: sequenceClassificationCollator({ padTokenId: 0 }),
      computeMetrics: ({ predictions, labelIds }) => ({
        accuracy:
          (predictions as number[][]).filter((p, r) => (p[1]! > p[0]! ? 1 : 0) === (labelIds as number[])[r])
            .length / 2,
      }),
      args: {
        outputDir: tmp(),
        perDeviceTrainBatchSize: 2,
        maxSteps: 20,
        learningRate: 0.05,
        saveStrategy: 'no',
      },
      progress: false,
      logToFile: false,
    });
    const before = await t.evaluate();
    await t.train();
    const after = await t.evaluate();
    expect(after.eval_loss).toBeLessThan(before.eval_loss!);
    expect(after.eval_accuracy).toBe(1);
    t.optimizer.dispose();
    seq.dispose();
  });

  it('token classification: labels [B, T] with -100 from the collator to the loss; labelIds padded for metrics', async () => {
    const c = config.with({ numLabels: 3 });
    const head = new Linear(tf.randomNormal([3, 16], 0, 0.02, 'float32', 7), tf.zeros([3]));
    const tok = new GPT2ForTokenClassification(new GPT2Model(c, { seed: 3 }), head);
    const examples = ids.map((inputIds) => ({
      inputIds,
      labels: inputIds.map((x, j) => (j === 1 ? -100 : x % 3)),
    }));
    const t = new Trainer({
      model: tokenClassificationTrainable(tok),
      trainDataset: examples,
      evalDataset: examples,
      dataCollator: tokenClassificationCollator({ padTokenId: 0 }),
      computeMetrics: ({ labelIds }) => ({
        labelled: (labelIds as number[][]).flat().filter((l) => l !== -100).length,
      }),
      preprocessLogitsForMetrics: (l) => tf.argMax(l, -1),
      args: {
        outputDir: tmp(),
        perDeviceTrainBatchSize: 2,
        maxSteps: 15,
        learningRate: 0.05,
        saveStrategy: 'no',
      },
      progress: false,
      logToFile: false,
    });
    const before = await t.evaluate();
    await t.train();
    const after = await t.evaluate();
    expect(after.eval_loss).toBeLessThan(before.eval_loss! * 0.8);
    expect(after.eval_labelled).toBe(6); // 5 + 3 tokens, one -100 in each
    t.optimizer.dispose();
    tok.dispose();
  });
});
