import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2ForSequenceClassification } from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('GPT2ForSequenceClassification gradients on wasm', () => {
  it('differentiates through the pooling (wasm has no UnsortedSegmentSum): dL/dscore = (softmax − onehot)ᵀ·pooled / B, by hand', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const { input_ids: inputIds, attention_mask: attentionMask } = expected.seqcls;
    const labels = inputIds.map((_, i) => i % 3);
    const before = tf.memory().numTensors;
    const score = model.score.weight;
    const lnF = model.transformer.getParameter('ln_f.weight'); // below the pooling: needs its gradient
    const { value, grads } = tf.variableGrads(
      () => model.forward({ inputIds, attentionMask, labels }).loss as tf.Scalar,
      [score, lnF],
    );
    const lnGrad = await grads[lnF.name]!.data();
    expect(lnGrad.every(Number.isFinite) && lnGrad.some((v) => v !== 0)).toBe(true);
    const got = await grads[score.name]!.data();
    // By hand from the pooled hidden states and the logits.
    const h = model.transformer.forward({ inputIds, attentionMask }).lastHiddenState;
    const hidden = h.arraySync() as number[][][];
    h.dispose();
    const pooled = model.poolIndices(inputIds, attentionMask).map((t, b) => hidden[b]![t]!);
    const { logits } = model.forward({ inputIds, attentionMask });
    const z = logits.arraySync() as number[][];
    logits.dispose();
    const n = model.config.numLabels;
    const want = new Float32Array(n * pooled[0]!.length);
    z.forEach((row, b) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      for (let k = 0; k < n; k++) {
        const d = (e[k]! / s - (labels[b] === k ? 1 : 0)) / z.length;
        pooled[b]!.forEach((x, c) => {
          want[k * pooled[b]!.length + c]! += d * x;
        });
      }
    });
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([value, grads[score.name]!, grads[lnF.name]!]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
