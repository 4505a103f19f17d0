import '@gptft/backend-wasm';
import { matMul, type Tensor, tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv1D, GPT2Config, GPT2Model, Layer } from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff } from './helpers.js';

const tiny = new GPT2Config({ vocabSize: 97, nPositions: 32, nEmbd: 16, nLayer: 2, nHead: 2 });

/** A LoRA-like wrapper, as a PEFT package would write one: keeps the base layer, adds x·A·B. */
class AddLowRank extends Layer {
  constructor(base: Conv1D, r: number) {
    super();
    this.addModule('base_layer', base);
    this.addParameter('lora_A', tf.randomNormal([base.nx, r], 0, 1, 'float32', 3));
    this.addParameter('lora_B', tf.randomNormal([r, base.nf], 0, 1, 'float32', 4));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const base = this.getSubmodule<Conv1D>('base_layer').forward(x);
      const x2 = tf.reshape(x, [-1, x.shape[x.rank - 1]!]);
      const delta = matMul(matMul(x2, this.getParameter('lora_A')), this.getParameter('lora_B'));
      return tf.add(base, tf.reshape(delta, base.shape));
    });
  }
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('Module tree', () => {
  it("names parameters exactly as transformers' state dict, in its order", async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const names = model.namedParameters('transformer').map(([n]) => n);
    expect([...names].sort()).toEqual(Object.keys(expected.grad.grad_l2).sort());
    expect(names.slice(0, 4)).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.ln_1.bias',
    ]);
    expect(names.at(-1)).toBe('transformer.ln_f.bias');
    expect(model.numParameters()).toBe(
      50257 * 64 +
        128 * 64 +
        2 * (4 * 64 + 64 * 192 + 192 + 64 * 64 + 64 + 64 * 256 + 256 + 256 * 64 + 64) +
        2 * 64,
    );
    expect(model.namedModules().map(([n]) => n)).toContain('h.1.mlp.c_fc');
    model.dispose();
  });

  it('finds sub-layers by path and says what exists when a path is wrong', () => {
    const model = new GPT2Model(tiny, { seed: 1 });
    expect(model.getSubmodule('h.1.attn.c_attn')).toBeInstanceOf(Conv1D);
    expect(model.getParameter('h.1.attn.c_attn.weight').shape).toEqual([16, 48]);
    expect(() => model.getSubmodule('h.1.attn.q_proj')).toThrow(
      'no submodule "h.1.attn.q_proj": h.1.attn has no child "q_proj" (children: c_attn, c_proj, attn_dropout, resid_dropout)',
    );
    expect(() => model.getSubmodule('h.7')).toThrow('h has no child "7"');
    model.dispose();
  });

  it('setSubmodule wraps a named layer from outside and the forward pass uses the wrapper', () => {
    const before = tf.memory().numTensors;
    const model = new GPT2Model(tiny, { seed: 1 }).eval();
    const ids = [[1, 2, 3, 4, 5]];
    const plain = tf.tidy(() => model.forward({ inputIds: ids }).lastHiddenState.dataSync());
    const base = model.getSubmodule<Conv1D>('h.0.attn.c_attn');
    const wrapper = new AddLowRank(base, 2);
    expect(model.setSubmodule('h.0.attn.c_attn', wrapper)).toBe(base);
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('h.0.attn.c_attn.base_layer.weight');
    expect(names).toContain('h.0.attn.c_attn.lora_A');
    const wrapped = tf.tidy(() => model.forward({ inputIds: ids }).lastHiddenState.dataSync());
    expect(maxAbsDiff(plain, wrapped)).toBeGreaterThan(1e-3);
    // The wrapper's parameters are trained; the frozen base's are not.
    model.requiresGrad(false);
    wrapper.getParameter('lora_B').trainable = true;
    expect(model.namedTrainableParameters().map(([n]) => n)).toEqual(['h.0.attn.c_attn.lora_B']);
    expect(model.numParameters(true)).toBe(2 * 48);
    // Unwrapping restores the original computation.
    model.setSubmodule('h.0.attn.c_attn', base);
    const restored = tf.tidy(() => model.forward({ inputIds: ids }).lastHiddenState.dataSync());
    expect(maxAbsDiff(plain, restored)).toBe(0);
    wrapper.dispose(); // disposes lora_A/B and the (shared) base: dispose the model's others
    for (const [, p] of model.namedParameters()) if (!p.isDisposed) p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('dropout is active in training mode only, and seeded', () => {
    const model = new GPT2Model(tiny, { seed: 1 });
    const ids = [[5, 6, 7, 8]];
    const run = () => tf.tidy(() => model.forward({ inputIds: ids }).lastHiddenState.dataSync());
    expect(model.training).toBe(true);
    model.setSeed(42);
    const a = run();
    const b = run();
    model.setSeed(42);
    const c = run();
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-3); // fresh masks each call
    expect(maxAbsDiff(a, c)).toBe(0); // same seed, same masks
    model.eval();
    expect(model.getSubmodule('h.1.attn.attn_dropout').training).toBe(false);
    expect(maxAbsDiff(run(), run())).toBe(0);
    model.dispose();
  });

  it('same seed, same initial weights (transformers _init_weights: σ and σ/√(2·n_layer))', () => {
    const a = new GPT2Model(tiny, { seed: 9 });
    const b = new GPT2Model(tiny, { seed: 9 });
    for (const [name, p] of a.namedParameters()) {
      expect(maxAbsDiff(p.dataSync(), b.getParameter(name).dataSync()), name).toBe(0);
    }
    const std = (name: string) =>
      tf.tidy(() => tf.moments(a.getParameter(name)).variance.sqrt().dataSync()[0]!);
    expect(std('h.0.mlp.c_fc.weight')).toBeCloseTo(0.02, 2);
    expect(std('h.0.mlp.c_proj.weight')).toBeCloseTo(0.02 / Math.sqrt(4), 2);
    expect(
      a
        .getParameter('h.0.ln_1.weight')
        .dataSync()
        .every((v) => v === 1),
    ).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('rejects bad inputs with the shapes involved', () => {
    const model = new GPT2Model(tiny, { seed: 1 });
    expect(() => model.forward({ inputIds: [[1, 2, 3]], attentionMask: [[1, 1]] })).toThrow(
      'attentionMask has shape [1, 2]; expected [1, 3]',
    );
    expect(() => model.forward({ inputIds: [Array(33).fill(1)] })).toThrow('exceeds n_positions (32)');
    expect(() => model.forward({})).toThrow('give exactly one of inputIds and inputsEmbeds');
    model.dispose();
  });

  it('inputsEmbeds gives the same result as the ids they embed', () => {
    const model = new GPT2Model(tiny, { seed: 1 }).eval();
    const ids = [[3, 1, 4, 1, 5]];
    const a = tf.tidy(() => model.forward({ inputIds: ids }).lastHiddenState.dataSync());
    const b = tf.tidy(() => {
      const emb = model.wte.forward(tf.tensor2d(ids, undefined, 'int32'));
      return model.forward({ inputsEmbeds: emb }).lastHiddenState.dataSync();
    });
    expect(maxAbsDiff(a, b)).toBe(0);
    const hs = model.forward({ inputIds: ids, outputHiddenStates: true });
    expect(hs.hiddenStates!.length).toBe(3);
    expect(maxAbsDiff(hs.hiddenStates![2]!.dataSync(), a)).toBe(0);
    tf.dispose([hs.lastHiddenState, ...hs.hiddenStates!]);
    model.dispose();
  });
});
