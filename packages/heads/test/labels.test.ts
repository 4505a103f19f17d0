// Labels as the heads take them: nested rows (transformers users' lists) or one flat row-major
// Int32Array (a @gptft/datasets collator's Batch.labels) — the same loss, one conversion at most.
import '@gptft/backend-wasm';
import { IGNORE_INDEX, tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  flatTokenLabels,
  GPT2ForSequenceClassification,
  GPT2ForTokenClassification,
  GPT2LMHeadModel,
  Linear,
} from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const config = new GPT2Config({ vocabSize: 30, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 });
const inputIds = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
];
const nested = [
  [1, 2, IGNORE_INDEX, 4],
  [IGNORE_INDEX, 6, 7, 8],
];
const flat = Int32Array.from(nested.flat());
const loss = (f: () => tf.Tensor | undefined) => tf.tidy(() => f()!.dataSync()[0]!);

describe('token labels', () => {
  it('flatTokenLabels passes a flat array through and flattens rows, checking the shape', () => {
    expect(flatTokenLabels(flat, 2, 4)).toBe(flat);
    expect(Array.from(flatTokenLabels(nested, 2, 4))).toEqual(Array.from(flat));
    expect(() => flatTokenLabels(flat, 2, 3)).toThrow('labels: 8 values for inputIds [2, 3]');
    expect(() => flatTokenLabels([[1, 2]], 2, 4)).toThrow('labels: shape must be [2, 4]');
  });

  it('the LM head (shifted once) and the token classifier give the same loss for both forms', () => {
    const lm = new GPT2LMHeadModel(new GPT2Model(config, { seed: 1 })).eval();
    expect(loss(() => lm.forward({ inputIds, labels: flat }).loss)).toBeCloseTo(
      loss(() => lm.forward({ inputIds, labels: nested }).loss),
      7,
    );
    const c = config.with({ numLabels: 9 });
    const tok = new GPT2ForTokenClassification(
      new GPT2Model(c, { seed: 2 }),
      new Linear(tf.randomNormal([9, 8], 0, 0.02, 'float32', 3), tf.zeros([9])),
    ).eval();
    expect(loss(() => tok.forward({ inputIds, labels: flat }).loss)).toBeCloseTo(
      loss(() => tok.forward({ inputIds, labels: nested }).loss),
      7,
    );
    lm.dispose();
    tok.dispose();
  });

  it('the sequence classifier takes class ids as an Int32Array', () => {
    const seq = new GPT2ForSequenceClassification(
      new GPT2Model(config.with({ numLabels: 3 }), { seed: 4 }),
    ).eval();
    expect(loss(() => seq.forward({ inputIds, labels: Int32Array.from([2, 0]) }).loss)).toBeCloseTo(
      loss(() => seq.forward({ inputIds, labels: [2, 0] }).loss),
      7,
    );
    seq.dispose();
  });
});
