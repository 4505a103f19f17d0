import { currentBackend, tf, useBackend } from '@gptft/backend';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('wasm backend', () => {
  it('selects and computes', async () => {
    const active = await useBackend('wasm');
    expect(active.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    expect(currentBackend()?.name).toBe('wasm');
    const g = tf.grad((x: tf.Tensor) => tf.mean(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(await g.data())).toEqual([2 / 3, 4 / 3, 2].map(Math.fround));
  });
});
