// dataSync() in Node: tfjs' WebGPU readSync needs an OffscreenCanvas; gptft reads synchronously by
// running Dawn's event processing itself (src/node-gpu.ts). Values must equal the async read's and
// the CPU's, for every dtype gptft reads, and setImmediate must keep working for everyone else.
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { promisify } from 'node:util';
import { tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

beforeAll(async () => {
  const active = await useBackend('webgpu');
  expect(active.capabilities.gpu).toBe(true);
});

describe('synchronous reads on Dawn', () => {
  it('float32, int32 and bool results computed on the GPU read back exactly', async () => {
    const n = 3000; // large enough that tfjs does not hand the op to the CPU
    const x = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i % 97) - 48.5));
    const y = tf.mul(x, tf.scalar(0.5));
    const ints = tf.cast(tf.floor(y), 'int32');
    const flags = tf.greater(y, tf.scalar(0));
    const ySync = y.dataSync();
    expect(Array.from(ySync)).toEqual(Array.from(x.dataSync(), (v) => v * 0.5));
    expect(Array.from(ints.dataSync())).toEqual(Array.from(ySync, (v) => Math.floor(v)));
    expect(ints.dataSync()).toBeInstanceOf(Int32Array);
    expect(Array.from(flags.dataSync())).toEqual(Array.from(ySync, (v) => (v > 0 ? 1 : 0)));
    const z = tf.add(y, tf.scalar(1));
    expect(Array.from(await z.data())).toEqual(Array.from(ySync, (v) => v + 1));
    expect(Array.from(z.dataSync())).toEqual(Array.from(await z.data()));
    tf.dispose([x, y, ints, flags, z]);
  });

  it('arraySync of a matMul result equals the float64 product within float32 rounding', () => {
    const a = tf.tensor2d(
      Float32Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)),
      [64, 48],
    );
    const b = tf.tensor2d(
      Float32Array.from({ length: 48 * 80 }, (_, i) => Math.cos(i)),
      [48, 80],
    );
    const c = tf.matMul(a, b).arraySync() as number[][];
    const av = a.dataSync();
    const bv = b.dataSync();
    let worst = 0;
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 80; j++) {
        let s = 0;
        for (let k = 0; k < 48; k++) s += av[i * 48 + k]! * bv[k * 80 + j]!;
        worst = Math.max(worst, Math.abs(c[i]![j]! - s));
      }
    }
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([a, b]);
  });

  it('setImmediate keeps working for JavaScript callbacks, promisified and from timers/promises', async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) =>
      setImmediate((tag: string) => {
        order.push(tag);
        resolve();
      }, 'callback'),
    );
    await promisify(setImmediate)();
    expect(await setImmediatePromise('value')).toBe('value');
    expect(order).toEqual(['callback']);
    const t = tf.exp(tf.tensor1d(new Float32Array(2000)));
    expect(t.dataSync()[1999]).toBe(1); // and reads still work after them
    t.dispose();
  });

  it('reads leave no tensors or GPU buffers behind', () => {
    const x = tf.tensor1d(new Float32Array(5000).fill(2));
    const warm = tf.sqrt(x); // uploads x; reading submits, so its disposal is not deferred
    warm.dataSync();
    warm.dispose();
    const tensors = tf.memory().numTensors;
    const gpu = (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU;
    for (let i = 0; i < 5; i++) {
      const y = tf.sqrt(x);
      expect(y.dataSync()[0]).toBeCloseTo(Math.SQRT2, 6);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect((tf.memory() as { numBytesInGPU?: number }).numBytesInGPU).toBe(gpu);
    x.dispose();
  });
});
