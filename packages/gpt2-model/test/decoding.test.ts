// KV cache, greedy decoding, padding and prefix keys/values against PyTorch's numbers.
import '@gptft/backend-wasm';
import { type Tensor, tf, useBackend } from '@gptft/backend';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposePast, GPT2Model, type PastKeyValues, prefixKeyValues } from '../src/index.js';
import { argmaxRows, expected, expectedArray, FIXTURES, maxAbsDiff, tiedLogits } from './helpers.js';

let model: GPT2Model;
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

/** Logits [B·T, V] of a full (uncached) forward pass. */
function fullLogits(ids: number[][], extra: { attentionMask?: number[][] } = {}): Float32Array {
  return tf.tidy(() => {
    const out = model.forward({ inputIds: ids, ...extra });
    return tiedLogits(model, out.lastHiddenState).dataSync() as Float32Array;
  });
}

/** Greedy decoding with the KV cache: prompt once, then one token per step. */
function greedy(prompt: number[], steps: number): number[] {
  const ids: number[] = [];
  let past: PastKeyValues | undefined;
  let input = [prompt];
  for (let i = 0; i < steps; i++) {
    const out = model.forward({ inputIds: input, pastKeyValues: past, useCache: true });
    disposePast(past);
    past = out.pastKeyValues;
    const next = tf.tidy(() => {
      const h = tf.slice(out.lastHiddenState, [0, input[0]!.length - 1, 0], [1, 1, -1]);
      return argmaxRows(tiedLogits(model, h))[0]!;
    });
    out.lastHiddenState.dispose();
    ids.push(next);
    input = [[next]];
  }
  disposePast(past);
  return ids;
}

describe('KV cache', () => {
  it('incremental decoding gives the logits of the uncached forward pass (within 1e-5)', () => {
    const before = tf.memory().numTensors;
    const ids = expected.lm[1]!.ids.slice(0, 12);
    const reference = fullLogits([ids]);
    const v = model.config.vocabSize;
    // Prompt of 5 tokens, then 7 single-token steps fed from the cache.
    let out = model.forward({ inputIds: [ids.slice(0, 5)], useCache: true });
    const first = tiedLogits(model, out.lastHiddenState);
    expect(maxAbsDiff(first.dataSync(), reference.subarray(0, 5 * v))).toBeLessThan(1e-5);
    tf.dispose([first, out.lastHiddenState]);
    for (let t = 5; t < ids.length; t++) {
      const past = out.pastKeyValues!;
      expect(past[0]!.key.shape).toEqual([1, 4, t, 16]);
      out = model.forward({ inputIds: [[ids[t]!]], pastKeyValues: past, useCache: true });
      disposePast(past);
      const step = tiedLogits(model, out.lastHiddenState);
      expect(maxAbsDiff(step.dataSync(), reference.subarray(t * v, (t + 1) * v))).toBeLessThan(1e-5);
      tf.dispose([step, out.lastHiddenState]);
    }
    disposePast(out.pastKeyValues);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([0, 1])("greedy ids for the fixture's prompt %i equal PyTorch's 20 ids", (k) => {
    const g = expected.greedy[k]!;
    expect(greedy(g.prompt_ids, 20)).toEqual(g.greedy_ids);
  });
});

describe('padding', () => {
  const a = expected.greedy[0]!.prompt_ids; // 5 tokens
  const b = expected.greedy[1]!.prompt_ids; // 4 tokens
  const PAD = 50256;
  const v = 50257;

  it('a left-padded batch gives the last-token logits of the unpadded rows', () => {
    const batch = fullLogits([a, [PAD, ...b]], {
      attentionMask: [
        [1, 1, 1, 1, 1],
        [0, 1, 1, 1, 1],
      ],
    });
    const aAlone = fullLogits([a]);
    const bAlone = fullLogits([b]);
    expect(maxAbsDiff(batch.subarray(4 * v, 5 * v), aAlone.subarray(4 * v, 5 * v))).toBeLessThan(1e-5);
    expect(maxAbsDiff(batch.subarray(9 * v, 10 * v), bAlone.subarray(3 * v, 4 * v))).toBeLessThan(1e-5);
  });

  it('a right-padded batch gives the unpadded logits at every real position', () => {
    const batch = fullLogits([a, [...b, PAD]], {
      attentionMask: [
        [1, 1, 1, 1, 1],
        [1, 1, 1, 1, 0],
      ],
    });
    const bAlone = fullLogits([b]);
    expect(maxAbsDiff(batch.subarray(5 * v, 9 * v), bAlone)).toBeLessThan(1e-5);
  });

  it('left-padded cached decoding of a batch continues with the right positions', () => {
    // Both prompts decoded together (row 1 left-padded), positions and mask grown per step as
    // HF generate does; each row must produce PyTorch's greedy ids.
    const before = tf.memory().numTensors;
    let mask = [
      [1, 1, 1, 1, 1],
      [0, 1, 1, 1, 1],
    ];
    let input = [a, [PAD, ...b]];
    let past: PastKeyValues | undefined;
    const got: number[][] = [[], []];
    for (let step = 0; step < 8; step++) {
      const out = model.forward({
        inputIds: input,
        attentionMask: mask,
        pastKeyValues: past,
        useCache: true,
      });
      disposePast(past);
      past = out.pastKeyValues;
      const t = input[0]!.length;
      const next = tf.tidy(() =>
        argmaxRows(tiedLogits(model, tf.slice(out.lastHiddenState, [0, t - 1, 0], [2, 1, -1]))),
      );
      out.lastHiddenState.dispose();
      got[0]!.push(next[0]!);
      got[1]!.push(next[1]!);
      input = [[next[0]!], [next[1]!]];
      mask = mask.map((row) => [...row, 1]);
    }
    disposePast(past);
    expect(got[0]).toEqual(expected.greedy[0]!.greedy_ids.slice(0, 8));
    expect(got[1]).toEqual(expected.greedy[1]!.greedy_ids.slice(0, 8));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('prefix keys/values (the PEFT prefix-tuning injection point)', () => {
  it("PEFT's prompt_embeddings as per-layer pastKeyValues reproduce PyTorch's logits", async () => {
    const adapter = await SafetensorsFile.open(`${FIXTURES}prefix/adapter_model.safetensors`);
    const [virtual, width] = adapter.tensors.get('prompt_embeddings')!.shape as [number, number];
    expect([virtual, width]).toEqual([5, 2 * 2 * 64]);
    const embeddings = tf.tensor2d(adapter.getFloat32('prompt_embeddings'), [virtual, width]);
    const prefix = prefixKeyValues(embeddings, model.config.nLayer, model.config.nHead);
    expect(prefix[1]!.value.shape).toEqual([1, 4, 5, 16]);
    const ids = expected.prefix.ids;
    const logits = tf.tidy(() => {
      const out = model.forward({ inputIds: [ids], pastKeyValues: prefix });
      return tiedLogits(model, out.lastHiddenState).dataSync();
    });
    expect(maxAbsDiff(logits, await expectedArray('prefix.logits'))).toBeLessThan(1e-4);
    // The same with an explicit mask covering prefix + tokens, and with one covering only the tokens.
    for (const attentionMask of [[Array(virtual + ids.length).fill(1)], [Array(ids.length).fill(1)]]) {
      const again = tf.tidy(() => {
        const out = model.forward({ inputIds: [ids], pastKeyValues: prefix, attentionMask });
        return tiedLogits(model, out.lastHiddenState).dataSync();
      });
      expect(maxAbsDiff(again, logits)).toBeLessThan(1e-6);
    }
    disposePast(prefix);
    embeddings.dispose();
  });

  it('gradients flow from the loss into the prefix embeddings', () => {
    const emb = tf.variable(tf.randomNormal([3, 2 * 2 * 64], 0, 0.2, 'float32', 7));
    const ids = expected.prefix.ids;
    const { grads, value } = tf.variableGrads(() => {
      const prefix = prefixKeyValues(emb, 2, 4);
      const h = model.forward({ inputIds: [ids], pastKeyValues: prefix }).lastHiddenState;
      return tf.mean(tiedLogits(model, h) as Tensor) as tf.Scalar;
    }, [emb]);
    expect(grads[emb.name]!.shape).toEqual([3, 256]);
    expect(tf.tidy(() => tf.norm(grads[emb.name]!).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads), emb]);
  });
});
