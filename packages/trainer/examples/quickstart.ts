// Fine-tune a small model with the Trainer: any object with named tf.Variables and a loss works.
//   npx tsx examples/quickstart.ts [outputDir]
// (In your own code import from '@gptft/trainer' instead of '../src/index.js'.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { type LogEntry, type TrainableModel, Trainer } from '../src/index.js';

interface Batch {
  x: number[][];
  y: number[];
}

export async function quickstart(outputDir: string): Promise<LogEntry[]> {
  await useBackend('wasm');
  // y = 2*x0 - x1 + 0.5, learned by a linear model.
  const w = tf.variable(tf.zeros([2, 1]));
  const b = tf.variable(tf.zeros([1]));
  const model: TrainableModel<Batch> = {
    namedParameters: () => [
      ['linear.weight', w],
      ['linear.bias', b],
    ],
    computeLoss: ({ x, y }) =>
      tf.mean(tf.square(tf.sub(tf.reshape(tf.add(tf.matMul(tf.tensor2d(x), w), b), [-1]), tf.tensor1d(y)))),
  };
  const batches: Batch[] = Array.from({ length: 16 }, (_, i) => {
    const x = [
      [Math.sin(i), Math.cos(i)],
      [i / 16, 1 - i / 16],
    ];
    return { x, y: x.map(([a, c]) => 2 * a! - c! + 0.5) };
  });
  const trainer = new Trainer({
    model,
    trainData: batches,
    evalData: batches.slice(0, 4),
    args: {
      outputDir,
      numTrainEpochs: 20,
      gradientAccumulationSteps: 2,
      learningRate: 0.1,
      weightDecay: 0.01, // applied to linear.weight only (never biases / LayerNorm)
      lrSchedulerType: 'linear',
      warmupRatio: 0.1,
      loggingSteps: 40,
      saveSteps: 80,
      saveTotalLimit: 1,
    },
    callbacks: { onLog: (e) => console.log(JSON.stringify(e)) },
  });
  await trainer.train(); // outputDir/log.jsonl, outputDir/checkpoint-160/
  console.log(await trainer.evaluate());
  trainer.optimizer.dispose();
  return trainer.logHistory;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await quickstart(process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gptft-trainer-')));
}
