import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { matMul, tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { beforeAll, describe, expect, it } from 'vitest';
import { causalLmLoss, type TrainableModel, Trainer, trainableFromForward } from '../src/index.js';
import { data, tmp, toyModel, values, type XY } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const merge = (a: XY, b: XY): XY => ({ x: [...a.x, ...b.x], y: [...a.y, ...b.y] });

describe('gradient accumulation windows (HF 4.57 _inner_training_loop)', () => {
  it('cuts each epoch into windows; the last, partial window steps the optimizer with its own mean', async () => {
    // 3 batches, GA 2: windows [b0, b1] and [b2] per epoch; 2 epochs → 4 optimizer steps.
    const three = data.slice(0, 3);
    const args = {
      learningRate: 0.1,
      weightDecay: 0.1,
      lrSchedulerType: 'constant' as const,
      saveSteps: 100,
    };
    const a = toyModel();
    const seen: number[][] = [];
    const t = new Trainer({
      model: a,
      trainData: three,
      args: { ...args, outputDir: tmp(), numTrainEpochs: 2, gradientAccumulationSteps: 2 },
      shuffle: false,
      progress: false,
    });
    expect(t.maxSteps).toBe(4);
    for (let s = 0; s < 4; s++) seen.push(t.stepWindow(s).batches);
    expect(seen).toEqual([[0, 1], [2], [0, 1], [2]]);
    expect([0, 1, 2, 3].map((s) => t.stepWindow(s).lastOfEpoch)).toEqual([false, true, false, true]);
    await t.train();
    // The same updates as one batch per step: [b0+b1] (equal sizes: mean of means), then [b2] alone.
    const b = toyModel();
    await new Trainer({
      model: b,
      trainData: [merge(three[0]!, three[1]!), three[2]!],
      args: { ...args, outputDir: tmp(), numTrainEpochs: 2 },
      shuffle: false,
      progress: false,
    }).train();
    const va = values(a).flat();
    const vb = values(b).flat();
    for (let i = 0; i < va.length; i++) expect(va[i]).toBeCloseTo(vb[i]!, 6);
    expect(va).not.toEqual(values(toyModel()).flat());
  });

  it('shuffles within epochs: every epoch visits each batch once, windows included', async () => {
    const t = new Trainer({
      model: toyModel(),
      trainData: data.slice(0, 5),
      args: { outputDir: tmp(), numTrainEpochs: 3, gradientAccumulationSteps: 2, seed: 3 },
      progress: false,
    });
    expect(t.maxSteps).toBe(9);
    for (let e = 0; e < 3; e++) {
      const batches = [0, 1, 2].flatMap((w) => t.stepWindow(e * 3 + w).batches);
      expect([...batches].sort()).toEqual([0, 1, 2, 3, 4]);
    }
  });
});

/** A small random GPT-2 with dropout 0.1, trained as a causal LM through trainableFromForward. */
function dropoutLm(): { model: TrainableModel<number[][]>; gpt: GPT2Model } {
  const gpt = new GPT2Model(
    new GPT2Config({ vocabSize: 64, nPositions: 16, nEmbd: 16, nLayer: 1, nHead: 2 }),
    {
      seed: 5,
    },
  );
  const lm = {
    seeds: gpt.seeds,
    train: (mode?: boolean) => gpt.train(mode),
    namedParameters: () => gpt.namedParameters(),
    forward: (ids: number[][]) => {
      const h = gpt.forward({ inputIds: ids }).lastHiddenState;
      const [b, t, c] = h.shape;
      const logits = tf.reshape(matMul(tf.reshape(h, [b * t, c]), gpt.wte.weight, false, true), [b, t, -1]);
      return { logits, loss: causalLmLoss(logits as tf.Tensor3D, ids.flat()) };
    },
  };
  return { model: trainableFromForward(lm, { toInput: (b: number[][]) => b }), gpt };
}

const lmData = Array.from({ length: 5 }, (_, i) =>
  Array.from({ length: 2 }, (_, r) => Array.from({ length: 8 }, (_, t) => (i * 7 + r * 3 + t * 5) % 64)),
);

describe('RNG state in checkpoints', () => {
  it('resumes exactly with dropout > 0 and shuffling (and differs without the dropout state)', async () => {
    const args = { maxSteps: 8, learningRate: 0.01, saveSteps: 3, loggingSteps: 100 };
    const run = async (outputDir: string, stopAt?: number, dropRng = false) => {
      const { model, gpt } = dropoutLm();
      if (dropRng) delete model.setRngState;
      const losses: number[] = [];
      const t = new Trainer({
        model,
        trainData: lmData,
        args: { ...args, outputDir },
        progress: false,
        callbacks: {
          onStepEnd: (s) => {
            losses.push(s.loss);
            if (s.globalStep === stopAt) throw new Error('crash');
          },
        },
      });
      try {
        await t.train({
          resumeFromCheckpoint: stopAt === undefined && existsSync(join(outputDir, 'checkpoint-3')),
        });
      } catch (e) {
        if ((e as Error).message !== 'crash') throw e;
      }
      t.optimizer.dispose();
      const v = values(gpt).flat();
      gpt.dispose();
      return { losses, v };
    };
    const full = await run(tmp());
    expect(full.losses).toHaveLength(8);
    const dir = tmp();
    await run(dir, 5);
    const rng = JSON.parse(readFileSync(join(dir, 'checkpoint-3', 'rng_state.json'), 'utf8'));
    expect(rng.shuffleSeed).toBe(42);
    expect(typeof rng.model).toBe('number');
    const resumed = await run(dir);
    expect(resumed.losses).toEqual(full.losses.slice(3));
    expect(resumed.v).toEqual(full.v);
    // Control: without restoring the dropout stream the resumed losses are not the same.
    const dir2 = tmp();
    await run(dir2, 5);
    const noRng = await run(dir2, undefined, true);
    expect(noRng.losses).not.toEqual(full.losses.slice(3));
  });
});

describe('non-finite values', () => {
  it('never writes a checkpoint whose parameters overflowed, even when loss and gradients were finite', async () => {
    // w starts at -3.3e38; loss = w (finite), gradient 1; AdamW with lr 1e37 moves w by -1e37 per step:
    // step 1 → -3.4e38 (finite, saved), step 2 → -3.5e38 = -Infinity in float32 (must not be saved).
    const w = tf.variable(tf.tensor1d([-3.3e38]));
    const model: TrainableModel<number> = {
      namedParameters: () => [['w', w]],
      computeLoss: () => tf.sum(w) as tf.Scalar,
    };
    const outputDir = tmp();
    const t = new Trainer({
      model,
      trainData: [0],
      args: {
        outputDir,
        maxSteps: 3,
        saveSteps: 1,
        learningRate: 1e37,
        lrSchedulerType: 'constant',
        maxGradNorm: 0,
      },
      progress: false,
    });
    await expect(t.train()).rejects.toThrow(
      /parameter w has non-finite values at step 2; refusing to write .*checkpoint-2/,
    );
    expect(readdirSync(outputDir).filter((n) => n.startsWith('checkpoint-'))).toEqual(['checkpoint-1']);
    const f = await SafetensorsFile.open(join(outputDir, 'checkpoint-1', 'model.safetensors'));
    expect(f.getFloat32('w')[0]).toBeCloseTo(-3.4e38, -35);
    t.optimizer.dispose();
    w.dispose();
  });
});

describe('optimizerState: host', () => {
  it('checkpoints and resumes exactly with the moments in host memory', async () => {
    const args = { maxSteps: 7, learningRate: 0.05, weightDecay: 0.1, saveSteps: 3 };
    const full = toyModel();
    await new Trainer({
      model: full,
      trainData: data,
      args: { ...args, outputDir: tmp() },
      optimizerState: 'host',
      progress: false,
    }).train();
    const outputDir = tmp();
    const crashed = toyModel();
    await expect(
      new Trainer({
        model: crashed,
        trainData: data,
        args: { ...args, outputDir },
        optimizerState: 'host',
        progress: false,
        callbacks: {
          onStepEnd: (s) => {
            if (s.globalStep === 5) throw new Error('crash');
          },
        },
      }).train(),
    ).rejects.toThrow('crash');
    const resumed = toyModel();
    const before = tf.memory().numTensors;
    const t = new Trainer({
      model: resumed,
      trainData: data,
      args: { ...args, outputDir },
      optimizerState: 'host',
      progress: false,
    });
    await t.loadCheckpoint(join(outputDir, 'checkpoint-3'));
    expect(tf.memory().numTensors).toBe(before); // no optimizer tensors at all
    await t.train({ resumeFromCheckpoint: true });
    expect(values(resumed)).toEqual(values(full));
  });
});
