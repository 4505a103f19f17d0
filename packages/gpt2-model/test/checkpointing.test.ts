// Gradient checkpointing (per-block recomputation) must give the gradients of the plain backward pass.
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Config, GPT2Model, prefixKeyValues } from '../src/index.js';
import { expected, FIXTURES, l2, maxAbsDiff, nextTokenLoss, tiedLogits } from './helpers.js';

let model: GPT2Model;
const { ids } = expected.grad;
let input: tf.Tensor;

beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
  input = tf.tensor2d([ids], undefined, 'int32');
});
afterAll(() => {
  model.dispose();
  input.dispose();
});

/** Loss and gradients of every trainable variable, with the live tensor count right after the forward pass. */
function lossAndGrads(m: GPT2Model, extra: tf.Variable[] = [], prefix?: tf.Variable) {
  let liveAfterForward = 0;
  const { value, grads } = tf.variableGrads(() => {
    const past = prefix ? prefixKeyValues(prefix, m.config.nLayer, m.config.nHead) : undefined;
    const loss = nextTokenLoss(
      tiedLogits(m, m.forward({ inputIds: input, pastKeyValues: past }).lastHiddenState),
      ids,
    );
    liveAfterForward = tf.memory().numBytes;
    return loss as tf.Scalar;
  }, [...m.parameters().filter((p) => p.trainable), ...extra]);
  const out = {
    loss: value.dataSync()[0]!,
    grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])),
    liveAfterForward,
  };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('gradientCheckpointing', () => {
  it('gives the same loss and gradients as the plain backward pass, dropout masks replayed', () => {
    model.train();
    model.setSeed(123);
    model.gradientCheckpointing = false;
    const plain = lossAndGrads(model);
    model.setSeed(123);
    model.gradientCheckpointing = true;
    const before = tf.memory().numTensors;
    const ckpt = lossAndGrads(model);
    expect(tf.memory().numTensors).toBe(before);
    model.gradientCheckpointing = false;
    model.eval();
    expect(ckpt.loss).toBe(plain.loss);
    expect(Object.keys(ckpt.grads).length).toBe(28);
    for (const [k, g] of Object.entries(plain.grads)) {
      expect(maxAbsDiff(ckpt.grads[k]!, g) / (l2(g) + 1e-12), k).toBeLessThan(1e-6);
    }
    // Dropout is on (training mode): the loss is not the eval-mode one.
    expect(Math.abs(plain.loss - expected.grad.loss)).toBeGreaterThan(1e-3);
    // What stays alive after the forward pass: the block inputs instead of every intermediate.
    expect(ckpt.liveAfterForward).toBeLessThan(plain.liveAfterForward);
  });

  it('with dropout 0 it reproduces PyTorch gradient norms in training mode', async () => {
    const config = model.config.with({ residPdrop: 0, embdPdrop: 0, attnPdrop: 0 });
    const m = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`, { config });
    m.train();
    m.gradientCheckpointing = true;
    const { loss, grads } = lossAndGrads(m);
    expect(Math.abs(loss - expected.grad.loss) / expected.grad.loss).toBeLessThan(1e-5);
    const byVariable = new Map(m.namedParameters('transformer').map(([n, p]) => [p.name, n]));
    for (const [v, g] of Object.entries(grads)) {
      const name = byVariable.get(v)!;
      const ref = expected.grad.grad_l2[name]!;
      expect(Math.abs(l2(g) - ref) / ref, name).toBeLessThan(1e-4);
    }
    m.dispose();
  });

  it('passes gradients to prefix keys/values and to frozen-backbone setups', () => {
    const prefix = tf.variable(tf.randomNormal([3, 2 * 2 * 64], 0, 0.3, 'float32', 11));
    model.requiresGrad(false); // PEFT-style: only the prefix trains
    model.train();
    model.setSeed(5);
    const plain = lossAndGrads(model, [prefix], prefix);
    model.gradientCheckpointing = true;
    model.setSeed(5);
    const ckpt = lossAndGrads(model, [prefix], prefix);
    model.gradientCheckpointing = false;
    model.requiresGrad(true).eval();
    expect(Object.keys(plain.grads)).toEqual([prefix.name]);
    expect(Object.keys(ckpt.grads)).toEqual([prefix.name]);
    const g = plain.grads[prefix.name]!;
    expect(l2(g)).toBeGreaterThan(0);
    expect(maxAbsDiff(ckpt.grads[prefix.name]!, g) / l2(g)).toBeLessThan(1e-6);
    prefix.dispose();
  });

  it('is a no-op outside training mode and with useCache', () => {
    const m = new GPT2Model(
      new GPT2Config({ vocabSize: 50, nPositions: 16, nEmbd: 8, nLayer: 1, nHead: 2 }),
      { seed: 1 },
    );
    m.gradientCheckpointing = true;
    m.eval();
    const out = m.forward({ inputIds: [[1, 2, 3]], useCache: true });
    expect(out.pastKeyValues!.length).toBe(1);
    tf.dispose([out.lastHiddenState, out.pastKeyValues![0]!.key, out.pastKeyValues![0]!.value]);
    m.dispose();
  });
});
