// Tensor leaks are bugs: the engine's tensor count must stay flat over many passes.
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposePast, GPT2Model, type PastKeyValues } from '../src/index.js';
import { FIXTURES, nextTokenLoss, tiedLogits } from './helpers.js';

let model: GPT2Model;
const ids = [15496, 11, 616, 1438, 318, 257, 1332];
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

describe('no tensor leaks', () => {
  it('50 forward passes (masks, hidden states, number[][] inputs) leave the tensor count flat', () => {
    const warm = model.forward({ inputIds: [ids] });
    warm.lastHiddenState.dispose();
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 50; i++) {
      const out = model.forward({
        inputIds: [ids, ids],
        attentionMask: [ids.map(() => 1), ids.map((_, j) => (j < 2 ? 0 : 1))],
        outputHiddenStates: i % 2 === 0,
      });
      tf.dispose([out.lastHiddenState, ...(out.hiddenStates ?? [])]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it('cached decoding leaves the tensor count flat once the cache is disposed', () => {
    const before = tf.memory().numTensors;
    let past: PastKeyValues | undefined;
    let input = [ids];
    for (let i = 0; i < 30; i++) {
      const out = model.forward({ inputIds: input, pastKeyValues: past, useCache: true });
      disposePast(past);
      past = out.pastKeyValues;
      out.lastHiddenState.dispose();
      input = [[(i * 7919) % 50257]];
    }
    disposePast(past);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('forward + backward steps in training mode (plain and checkpointed) leave it flat', () => {
    const input = tf.tensor2d([ids], undefined, 'int32');
    model.train();
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () =>
          nextTokenLoss(
            tiedLogits(model, model.forward({ inputIds: input }).lastHiddenState),
            ids,
          ) as tf.Scalar,
        model.parameters(),
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    model.gradientCheckpointing = true;
    for (let i = 0; i < 5; i++) step();
    model.gradientCheckpointing = false;
    model.eval();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });
});
