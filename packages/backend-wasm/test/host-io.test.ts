// The wasm backend's host I/O: reads straight from the heap, writes a copy straight into it.
import { readInto, tensorFromCopy, tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('wasm host I/O', () => {
  it('readInto equals dataSync, for float32 from the heap and for int32 by the default', () => {
    const t = tf.randomNormal([3, 70], 0, 1, 'float32', 3);
    const dst = new Float32Array(210);
    readInto(t, dst);
    expect(Array.from(dst)).toEqual(Array.from(t.dataSync()));
    const ints = tf.tensor([1, 2, 3], [3], 'int32');
    const got = new Float32Array(3);
    readInto(ints, got);
    expect(Array.from(got)).toEqual([1, 2, 3]);
    tf.dispose([t, ints]);
  });

  it('tensorFromCopy owns its values: the array can be reused at once', async () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => i / 4);
    const t = tensorFromCopy(values.subarray(2, 8), [2, 3]);
    values.fill(-1);
    expect(Array.from(await t.data())).toEqual([0.5, 0.75, 1, 1.25, 1.5, 1.75]);
    t.dispose();
  });
});
