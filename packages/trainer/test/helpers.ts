import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '@gptft/backend';
import type { TrainableModel } from '../src/index.js';

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

export const data: XY[] = Array.from({ length: 8 }, (_, i) => ({
  x: [
    [i / 8, 1 - i / 8],
    [Math.sin(i), Math.cos(i)],
  ],
  y: [i / 4 - 1, Math.sin(i)],
}));

export const tmp = () => mkdtempSync(join(tmpdir(), 'gptft-trainer-'));
export const values = (m: { namedParameters(): [string, tf.Variable][] }) =>
  m.namedParameters().map(([, v]) => Array.from(v.dataSync()));
