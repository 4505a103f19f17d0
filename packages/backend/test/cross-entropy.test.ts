import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, tf } from '../src/index.js';

// tfjs' own cpu backend is enough for the op's kernels here (see embedding.test.ts).
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** -log softmax(row)[y] in float64. */
function nll(row: number[], y: number): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y]!;
}

describe('crossEntropy (masked, mean over non-ignored labels)', () => {
  it('equals the hand-computed mean of -log softmax over kept rows', () => {
    const rows = [
      [1, 2, 3],
      [0.5, -1, 4],
      [2, 2, -3],
      [-7, 0, 1],
    ];
    const logits = tf.tensor2d(rows);
    const loss = crossEntropy(logits, [2, -100, 0, 1]);
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]!).toBeCloseTo((nll(rows[0]!, 2) + nll(rows[2]!, 0) + nll(rows[3]!, 1)) / 3, 5);
    // [B, T, K] logits are flattened row-major; Int32Array labels work too
    const l3 = tf.reshape(logits, [2, 2, 3]);
    const loss3 = crossEntropy(l3, new Int32Array([2, 1, 0, -100]));
    expect(loss3.dataSync()[0]!).toBeCloseTo((nll(rows[0]!, 2) + nll(rows[1]!, 1) + nll(rows[2]!, 0)) / 3, 5);
    // another ignore index
    const loss5 = crossEntropy(logits, [2, 5, 5, 5], { ignoreIndex: 5 });
    expect(loss5.dataSync()[0]!).toBeCloseTo(nll(rows[0]!, 2), 5);
    tf.dispose([logits, loss, l3, loss3, loss5]);
  });

  it('NaN when every label is ignored (as torch), and the gradient is softmax - onehot over kept rows', () => {
    const logits = tf.tensor2d([
      [0, Math.log(3)],
      [1, 1],
    ]);
    const all = crossEntropy(logits, [-100, -100]);
    expect(Number.isNaN(all.dataSync()[0]!)).toBe(true);
    const g = tf.grad((x: tf.Tensor) => crossEntropy(x, [1, -100]))(logits);
    const d = g.dataSync();
    expect(d[0]!).toBeCloseTo(0.25, 6);
    expect(d[1]!).toBeCloseTo(-0.25, 6);
    expect(d[2]!).toBe(0);
    expect(d[3]!).toBe(0);
    tf.dispose([logits, all, g]);
  });

  it('names a bad label and a length mismatch; leaks nothing', () => {
    const logits = tf.zeros([2, 3]);
    const before = tf.memory().numTensors;
    expect(() => crossEntropy(logits, [3, 0])).toThrow(/label 3 at row 0 is outside \[0, 3\)/);
    expect(() => crossEntropy(logits, [0, 1.5])).toThrow(/label 1.5 at row 1/);
    expect(() => crossEntropy(logits, [0])).toThrow(/1 labels for 2 logit rows/);
    crossEntropy(logits, [0, 1]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });

  it('gradient equals (softmax − one-hot) · dy / kept rows in float64, zero on ignored rows', () => {
    const n = 6;
    const k = 11;
    const rows = Array.from({ length: n }, (_, i) =>
      Array.from({ length: k }, (_, j) => Math.sin(i * 13 + j * 7) * 3),
    );
    const labels = [4, -100, 0, 10, -100, 7];
    const kept = labels.filter((y) => y !== -100).length;
    const logits = tf.tensor2d(rows);
    // d(3 · loss): the incoming gradient dy = 3 scales every entry
    const g = tf.grad((x: tf.Tensor) => tf.mul(crossEntropy(x, labels), 3))(logits);
    const d = g.dataSync();
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const m = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
      for (let j = 0; j < k; j++) {
        const want =
          labels[i] === -100 ? 0 : (3 * (Math.exp(row[j]! - m) / z - (j === labels[i] ? 1 : 0))) / kept;
        expect(Math.abs(d[i * k + j]! - want)).toBeLessThan(1e-6);
      }
    }
    tf.dispose([logits, g]);
  });
});
