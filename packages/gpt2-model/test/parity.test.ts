// Parity with PyTorch: numbers in fixtures/gpt2-tiny-ref were computed by an independent PyTorch
// implementation of HF's GPT-2; nothing here compares gptft with itself.
import '@gptft/backend-wasm';
import '@gptft/backend-cpu';
import { tf, useBackend } from '@gptft/backend';
import { describe, expect, it } from 'vitest';
import { GPT2Model } from '../src/index.js';
import {
  argmaxRows,
  expected,
  expectedArray,
  FIXTURES,
  l2,
  maxAbsDiff,
  nextTokenLoss,
  tiedLogits,
} from './helpers.js';

const CHECKPOINTS = [
  ['gpt2-tiny', 'f32', 'F32, keys prefixed with transformer., no lm_head'],
  ['gpt2-tiny-hub-f16', 'f16', 'F16, unprefixed keys, attn.bias buffers'],
] as const;

describe.each(CHECKPOINTS)('forward parity: %s (%s)', (folder, tag, _what) => {
  it('last-position logits, per-position log-sum-exp, argmax and loss match PyTorch', async () => {
    await useBackend('wasm');
    const model = await GPT2Model.fromPretrained(FIXTURES + folder);
    try {
      for (let j = 0; j < expected.lm.length; j++) {
        const { ids, argmax, loss } = expected.lm[j]!;
        const out = model.forward({ inputIds: [ids] });
        const logits = tiedLogits(model, out.lastHiddenState); // [T, V]
        const t = ids.length;
        const last = tf.tidy(() => tf.slice(logits, [t - 1, 0], [1, -1]).dataSync());
        const lse = tf.tidy(() => tf.logSumExp(logits, -1).dataSync());
        expect(maxAbsDiff(last, await expectedArray(`lm.${tag}.${j}.last_logits`))).toBeLessThan(1e-4);
        expect(maxAbsDiff(lse, await expectedArray(`lm.${tag}.${j}.logsumexp`))).toBeLessThan(1e-4);
        expect(argmaxRows(logits)).toEqual(argmax);
        const l = nextTokenLoss(logits, ids);
        expect(Math.abs(l.dataSync()[0]! - loss) / loss).toBeLessThan(1e-5);
        tf.dispose([out.lastHiddenState, logits, l]);
      }
    } finally {
      model.dispose();
    }
  });
});

describe.each(['wasm', 'cpu'] as const)('gradient parity on %s', (backend) => {
  it('loss and every parameter gradient L2 norm (HF names) match PyTorch', async () => {
    await useBackend(backend);
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const before = tf.memory().numTensors;
    const { ids, loss, grad_l2 } = expected.grad;
    const input = tf.tensor2d([ids], undefined, 'int32');
    const { value, grads } = tf.variableGrads(() => {
      const h = model.forward({ inputIds: input }).lastHiddenState;
      return nextTokenLoss(tiedLogits(model, h), ids) as tf.Scalar;
    });
    expect(Math.abs(value.dataSync()[0]! - loss) / loss).toBeLessThan(1e-5);
    const byVariable = new Map(model.namedParameters('transformer').map(([name, p]) => [p.name, name]));
    const norms: Record<string, number> = {};
    for (const [variable, g] of Object.entries(grads)) norms[byVariable.get(variable)!] = l2(g.dataSync());
    expect(Object.keys(norms).sort()).toEqual(Object.keys(grad_l2).sort());
    for (const [name, ref] of Object.entries(grad_l2)) {
      expect(Math.abs(norms[name]! - ref) / ref, name).toBeLessThan(1e-4);
    }
    tf.dispose([value, input, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
