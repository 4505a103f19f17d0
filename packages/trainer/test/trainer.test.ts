import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { matMul, tf, useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { beforeAll, describe, expect, it } from 'vitest';
import { data, tmp, toyModel, values, type XY } from './helpers.js';
import { causalLmLoss, RandomSampler, type TrainableModel, Trainer } from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('Trainer', () => {
  it('reproduces the PyTorch gpt2-tiny training losses (constant lr, clip 1, wd 0.1)', async () => {
    const ref = new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url);
    const exp = JSON.parse(readFileSync(new URL('expected.json', ref), 'utf8')).train as {
      blocks: number[][];
      losses: number[];
    };
    const gpt = await GPT2Model.fromPretrained(fileURLToPath(new URL('gpt2-tiny', ref)));
    gpt.eval();
    const model: TrainableModel<number[]> = {
      namedParameters: () => gpt.namedParameters(),
      computeLoss: (ids) => {
        const h = gpt.forward({ inputIds: [ids] }).lastHiddenState;
        const [b, t, c] = h.shape;
        const logits = tf.reshape(matMul(tf.reshape(h, [b * t, c]), gpt.wte.weight, false, true), [b, t, -1]);
        return causalLmLoss(logits as tf.Tensor3D, ids);
      },
    };
    const losses: number[] = [];
    const trainer = new Trainer({
      model,
      trainData: exp.blocks,
      args: {
        outputDir: tmp(),
        learningRate: 1e-3,
        weightDecay: 0.1,
        maxGradNorm: 1,
        lrSchedulerType: 'constant',
        perDeviceTrainBatchSize: 1,
        numTrainEpochs: 1,
        loggingSteps: 1,
        saveSteps: 100,
      },
      callbacks: { onStepEnd: (s) => losses.push(s.loss) },
      shuffle: false,
    });
    await trainer.train();
    expect(losses).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(Math.abs(losses[i]! - exp.losses[i]!), `step ${i}`).toBeLessThan(1e-4);
    trainer.optimizer.dispose();
    gpt.dispose();
  }, 120_000);

  it('keeps numTensors flat across 60 steps, logs JSONL and rotates checkpoints', async () => {
    const model = toyModel();
    const counts: number[] = [];
    const logs: number[] = [];
    const outputDir = tmp();
    const trainer = new Trainer({
      model,
      trainData: data,
      evalData: data.slice(0, 2),
      args: {
        outputDir,
        maxSteps: 60,
        gradientAccumulationSteps: 2,
        learningRate: 0.05,
        weightDecay: 0.01,
        warmupSteps: 5,
        lrSchedulerType: 'cosine',
        loggingSteps: 10,
        evalStrategy: 'steps',
        evalSteps: 30,
        saveSteps: 20,
        saveTotalLimit: 2,
      },
      callbacks: { onStepEnd: () => counts.push(tf.memory().numTensors), onLog: (e) => logs.push(e.step) },
    });
    const r = await trainer.train();
    expect(r.globalStep).toBe(60);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[counts.length - 1]).toBe(counts[1]);
    const lines = readFileSync(join(outputDir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.loss !== undefined).map((l) => l.step)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(lines.filter((l) => l.eval_loss !== undefined).map((l) => l.step)).toEqual([30, 60]);
    expect(
      readdirSync(outputDir)
        .filter((n) => n.startsWith('checkpoint-'))
        .sort(),
    ).toEqual(['checkpoint-40', 'checkpoint-60']);
    for (const f of ['model.safetensors', 'optimizer.safetensors', 'trainer_state.json']) {
      expect(existsSync(join(outputDir, 'checkpoint-60', f))).toBe(true);
    }
    expect(r.trainingLoss).toBeGreaterThan(0);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('gradient accumulation over two batches equals one step on both (equal sizes, mean loss)', async () => {
    const a = toyModel();
    const b = toyModel();
    const args = {
      maxSteps: 1,
      learningRate: 0.1,
      weightDecay: 0.1,
      lrSchedulerType: 'constant' as const,
      saveSteps: 100,
    };
    await new Trainer({
      model: a,
      trainData: data.slice(0, 2),
      args: { ...args, outputDir: tmp(), gradientAccumulationSteps: 2 },
    }).train();
    const both: XY = { x: [...data[0]!.x, ...data[1]!.x], y: [...data[0]!.y, ...data[1]!.y] };
    await new Trainer({ model: b, trainData: [both], args: { ...args, outputDir: tmp() } }).train();
    const va = values(a).flat();
    const vb = values(b).flat();
    for (let i = 0; i < va.length; i++) expect(va[i]).toBeCloseTo(vb[i]!, 5);
    expect(values(a).flat()).not.toEqual(values(toyModel()).flat());
  });

  it('resumes from the last checkpoint with the same losses and parameters as an uninterrupted run', async () => {
    const args = {
      maxSteps: 9,
      learningRate: 0.05,
      weightDecay: 0.1,
      warmupSteps: 2,
      saveSteps: 4,
      loggingSteps: 1,
    };
    const full = toyModel();
    const fullLosses: number[] = [];
    await new Trainer({
      model: full,
      trainData: data,
      args: { ...args, outputDir: tmp() },
      callbacks: { onStepEnd: (s) => fullLosses.push(s.loss) },
    }).train();

    const outputDir = tmp();
    const crashed = toyModel();
    await expect(
      new Trainer({
        model: crashed,
        trainData: data,
        args: { ...args, outputDir },
        callbacks: {
          onStepEnd: (s) => {
            if (s.globalStep === 6) throw new Error('simulated crash');
          },
        },
      }).train(),
    ).rejects.toThrow('simulated crash');

    const resumed = toyModel(); // fresh initial weights: everything must come from checkpoint-4
    const resumedLosses: number[] = [];
    const t = new Trainer({
      model: resumed,
      trainData: data,
      args: { ...args, outputDir },
      callbacks: { onStepEnd: (s) => resumedLosses.push(s.loss) },
    });
    expect(await t.lastCheckpoint()).toBe(join(outputDir, 'checkpoint-4'));
    const before = tf.memory().numTensors;
    await t.loadCheckpoint(join(outputDir, 'checkpoint-4'));
    // Only the optimizer moments (2 per parameter) are new; no temporaries are left behind.
    expect(tf.memory().numTensors - before).toBe(2 * resumed.namedParameters().length);
    await t.train({ resumeFromCheckpoint: true });
    expect(resumedLosses).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect(resumedLosses[i]).toBeCloseTo(fullLosses[i + 4]!, 6);
    const vf = values(full).flat();
    const vr = values(resumed).flat();
    for (let i = 0; i < vf.length; i++) expect(vr[i]).toBeCloseTo(vf[i]!, 6);
  });

  it('shuffles batches per epoch from the seed (a permutation, reproducible, different per epoch)', async () => {
    const seen: number[] = [];
    const idx = data.map((_, i) => ({ ...data[i]!, i }));
    const model = toyModel();
    const wrapped: TrainableModel<XY & { i: number }> = {
      namedParameters: () => model.namedParameters(),
      computeLoss: (b) => {
        seen.push(b.i);
        return model.computeLoss(b);
      },
    };
    await new Trainer({
      model: wrapped,
      trainData: idx,
      args: { outputDir: tmp(), numTrainEpochs: 2, seed: 7, saveSteps: 100 },
    }).train();
    const e1 = seen.slice(0, 8);
    const e2 = seen.slice(8, 16);
    expect([...e1].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...e2].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(e1).not.toEqual(e2);
    expect(e1).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The sampler's order: SeededRandom(seed + epoch) (accelerate's SeedableRandomSampler).
    expect(new RandomSampler(8, 7).indices(0)).toEqual(e1);
    expect(new RandomSampler(8, 7).indices(1)).toEqual(e2);
  });

  it('evaluates at each epoch end with evalStrategy epoch', async () => {
    const model = toyModel();
    const evals: number[] = [];
    const t = new Trainer({
      model,
      trainData: data,
      evalData: data.slice(0, 2),
      args: {
        outputDir: tmp(),
        numTrainEpochs: 2,
        gradientAccumulationSteps: 2,
        evalStrategy: 'epoch',
        saveSteps: 100,
      },
      callbacks: { onEvaluate: (m) => evals.push(m.step) },
    });
    expect(t.maxSteps).toBe(8);
    await t.train();
    expect(evals).toEqual([4, 8]);
  });

  it('stops on a non-finite loss without touching the last checkpoint, or skips the step if asked', async () => {
    const bad: XY[] = [...data.slice(0, 3), { x: data[3]!.x, y: [Number.NaN, 0] }, ...data.slice(4)];
    const outputDir = tmp();
    const model = toyModel();
    const args = { outputDir, maxSteps: 6, saveSteps: 2, learningRate: 0.01 };
    await expect(new Trainer({ model, trainData: bad, args, shuffle: false }).train()).rejects.toThrow(
      /non-finite loss NaN at step 4/,
    );
    expect(
      readdirSync(outputDir)
        .filter((n) => n.startsWith('checkpoint-'))
        .sort(),
    ).toEqual(['checkpoint-2']);
    for (const v of values(model).flat()) expect(Number.isFinite(v)).toBe(true);
    const skipModel = toyModel();
    const skipping = new Trainer({
      model: skipModel,
      trainData: bad,
      args: { ...args, outputDir: tmp() },
      onNonFinite: 'skip',
      shuffle: false,
    });
    await skipping.train();
    expect(skipping.skippedSteps).toBe(1);
    for (const v of values(skipModel).flat()) expect(Number.isFinite(v)).toBe(true);
  });
});
