import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { matMul, tf, useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm } from '../src/index.js';

const ref = new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', ref), 'utf8')) as {
  train: { blocks: number[][]; losses: number[]; loss_on_block0_after: number };
};

/** Causal-LM loss with the tied wte head and shifted cross-entropy (mean over T-1 targets). */
function lmLoss(model: GPT2Model, ids: number[]): tf.Scalar {
  const out = model.forward({ inputIds: [ids] });
  const t = ids.length;
  const c = out.lastHiddenState.shape[2];
  const hidden = tf.reshape(tf.slice(out.lastHiddenState, [0, 0, 0], [1, t - 1, c]), [t - 1, c]);
  const logits = matMul(hidden, model.wte.weight, false, true); // [T-1, V]
  const logp = tf.logSoftmax(logits);
  const targets = tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), logits.shape[1]!);
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, targets), -1))) as tf.Scalar;
}

describe('training parity with PyTorch (gpt2-tiny, six AdamW steps)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('matches every loss and the loss on block 0 after training within 1e-4', async () => {
    const model = await GPT2Model.fromPretrained(fileURLToPath(new URL('gpt2-tiny', ref)));
    model.eval();
    const params = model.namedParameters();
    const opt = new AdamW(params, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
    // The fixture decays exactly the 2-D parameters.
    expect(opt.decayedParameterNames().sort()).toEqual(
      params
        .filter(([, v]) => v.rank === 2)
        .map(([n]) => n)
        .sort(),
    );
    const vars = params.map(([, v]) => v);
    const losses: number[] = [];
    for (const block of expected.train.blocks) {
      const { value, grads } = tf.variableGrads(() => lmLoss(model, block), vars);
      losses.push(value.dataSync()[0]!);
      value.dispose();
      const byName: Record<string, tf.Tensor> = {};
      for (const [n, v] of params) if (grads[v.name]) byName[n] = grads[v.name]!;
      const clipped = clipGradNorm(byName, 1.0);
      opt.step(clipped.grads);
      for (const g of Object.values(clipped.grads)) g.dispose();
    }
    for (let i = 0; i < losses.length; i++) {
      expect(Math.abs(losses[i]! - expected.train.losses[i]!), `step ${i}`).toBeLessThan(1e-4);
    }
    const after = tf.tidy(() => lmLoss(model, expected.train.blocks[0]!).dataSync()[0]!);
    expect(Math.abs(after - expected.train.loss_on_block0_after)).toBeLessThan(1e-4);
    opt.dispose();
    model.dispose();
  }, 120_000);
});
