// readInto / tensorFromCopy: the defaults (on tfjs' cpu backend, which keeps the arrays it is given)
// and a registered backend's own, chosen by the active tfjs backend.
import { describe, expect, it } from 'vitest';
import { type HostIo, readInto, registerHostIo, tensorFromCopy, tf } from '../src/index.js';

describe('host I/O defaults', () => {
  it('readInto copies the values into the array it is given; a wrong length is an error', async () => {
    await tf.setBackend('cpu');
    const t = tf.tensor([1.5, -2, 3.25, 4], [2, 2]);
    const dst = new Float32Array(6).fill(9);
    readInto(t, dst.subarray(1, 5));
    expect(Array.from(dst)).toEqual([9, 1.5, -2, 3.25, 4, 9]);
    expect(() => readInto(t, new Float32Array(3))).toThrow('readInto: 4 values into 3 floats');
    t.dispose();
  });

  it('tensorFromCopy keeps no reference to the array (cpu would alias a plain tf.tensor)', async () => {
    await tf.setBackend('cpu');
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const t = tensorFromCopy(values.subarray(0, 4), [2, 2]);
    values.fill(0);
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    t.dispose();
  });

  it("a backend's registered host I/O is used while it is the active one, and can be removed", async () => {
    await tf.setBackend('cpu');
    const calls: string[] = [];
    const io: HostIo = {
      readInto(t, dst) {
        calls.push('read');
        dst.set(t.dataSync() as Float32Array);
        return true;
      },
      tensorFromCopy(values, shape) {
        calls.push('write');
        return tf.tensor(Float32Array.from(values), [...shape]);
      },
    };
    const remove = registerHostIo('cpu', io);
    const t = tensorFromCopy(Float32Array.from([7, 8]), [2]);
    readInto(t, new Float32Array(2));
    remove();
    readInto(t, new Float32Array(2));
    expect(calls).toEqual(['write', 'read']);
    t.dispose();
  });
});
