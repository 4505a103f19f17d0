import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { beforeAll, expect, it } from 'vitest';
import { causalLmLoss } from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

it('causalLmLoss shifts, ignores -100 and averages like torch CrossEntropyLoss (hand-computed)', () => {
  // B=1, T=3, V=2. Position 0 predicts label[1], position 1 predicts label[2]; label[2] = -100.
  const logits = tf.tensor3d([
    [
      [0, Math.log(3)],
      [1, 1],
      [5, 5],
    ],
  ]);
  const loss = causalLmLoss(logits, new Int32Array([7, 1, -100]));
  expect(loss.dataSync()[0]).toBeCloseTo(-Math.log(3 / 4), 6); // only one target: p(1) = 3/4
  const both = causalLmLoss(logits, [7, 1, 0]);
  expect(both.dataSync()[0]).toBeCloseTo((-Math.log(3 / 4) - Math.log(1 / 2)) / 2, 6);
  expect(() => causalLmLoss(logits, [1, 2])).toThrow(/labels has 2 entries/);
  expect(() => causalLmLoss(logits, [0, 5, 0])).toThrow(/label 5 at \[0, 1\]/);
  for (const t of [logits, loss, both]) t.dispose();
});
