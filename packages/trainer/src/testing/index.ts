/**
 * `@gptft/trainer/testing`: a tiny model and data for tests of code built on the trainer
 * (callbacks, loggers, reports) that need a real `Trainer` run without a GPT-2.
 */
import { tf } from '@gptft/backend';
import type { TrainableModel } from '../trainable-model.js';

/** A batch of the toy regression task: inputs [B, 2] and targets [B]. */
export interface XY {
  x: number[][];
  y: number[];
}

/** A two-layer regression model (rank-2 weights and biases) as a TrainableModel. */
export function toyModel(): TrainableModel<XY> & { dispose(): void } {
  const params: [string, tf.Variable][] = [
    ['l1.weight', tf.variable(tf.tensor2d([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3]))],
    ['l1.bias', tf.variable(tf.tensor1d([0.01, 0.02, -0.03]))],
    ['l2.weight', tf.variable(tf.tensor2d([0.7, -0.1, 0.2], [3, 1]))],
    ['l2.bias', tf.variable(tf.tensor1d([0.05]))],
  ];
  const p = Object.fromEntries(params);
  return {
    namedParameters: () => params,
    computeLoss: (b) => {
      const h = tf.tanh(tf.add(tf.matMul(tf.tensor2d(b.x), p['l1.weight']!), p['l1.bias']!));
      const out = tf.reshape(tf.add(tf.matMul(h, p['l2.weight']!), p['l2.bias']!), [-1]);
      return tf.mean(tf.square(tf.sub(out, tf.tensor1d(b.y)))) as tf.Scalar;
    },
    dispose: () => {
      for (const [, v] of params) v.dispose();
    },
  };
}

/** Eight batches of two examples for {@link toyModel}. */
export const toyData: XY[] = Array.from({ length: 8 }, (_, i) => ({
  x: [
    [i / 8, 1 - i / 8],
    [Math.sin(i), Math.cos(i)],
  ],
  y: [i / 4 - 1, Math.sin(i)],
}));
