// Prefix tuning during generation with @gptft/heads' generate: PEFT's fixture prefix adapter on
// the PyTorch fixture model, cached vs uncached, and a left-padded batch.
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { beforeAll, describe, expect, it } from 'vitest';
import { getPeftModel, houlsbyConfig, PeftModel } from '../src/index.js';
import { expected, expectedArray, FIXTURES, maxAbsDiff } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const PAD = 50256;

/** Logits of the last position of each row, [B][V]. */
function lastLogits(lm: GPT2LMHeadModel, ids: number[][], attentionMask?: number[][]): Float32Array[] {
  const out = lm.forward({ inputIds: ids, ...(attentionMask && { attentionMask }) });
  const [b, t, v] = out.logits.shape as [number, number, number];
  const data = out.logits.dataSync() as Float32Array;
  out.logits.dispose();
  return Array.from({ length: b }, (_, i) => data.slice((i * t + t - 1) * v, (i * t + t) * v));
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

describe('prefix tuning with generate', () => {
  it('the LM head’s logits equal the fixture’s prefix logits; generate gives the same tokens with and without KV cache, starting with their argmax', async () => {
    const lm = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(lm, `${FIXTURES}prefix`);
    const ids = expected.prefix.ids;
    const want = await expectedArray('prefix.logits'); // [T, V]: real tokens at positions V…V+T−1
    const out = lm.forward({ inputIds: [ids] });
    expect(maxAbsDiff(out.logits.dataSync(), want)).toBeLessThan(1e-4);
    out.logits.dispose();

    const v = lm.config.vocabSize;
    const firstStep = want.slice((ids.length - 1) * v);
    const before = tf.memory().numTensors;
    const cached = generate(lm, [ids], { maxNewTokens: 12, eosTokenId: null });
    const uncached = generate(lm, [ids], { maxNewTokens: 12, eosTokenId: null, useCache: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(cached).toEqual(uncached);
    expect(cached[0]![ids.length]).toBe(argmax(firstStep));

    // the prefix is in effect: the base model generates something else
    pm.disableAdapter();
    const plain = generate(lm, [ids], { maxNewTokens: 12, eosTokenId: null });
    pm.enableAdapter();
    expect(plain).not.toEqual(cached);
    // and unload gives the plain model's behaviour back (the backbone's forward is restored)
    pm.unload();
    expect(generate(lm, [ids], { maxNewTokens: 12, eosTokenId: null })).toEqual(plain);
    lm.dispose();
  });

  it('left-padded batch: the prefix is always attended, padding never; each row generates what it generates alone', async () => {
    const lm = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(lm, `${FIXTURES}prefix`);
    const a = expected.prefix.ids; //               5 tokens
    const b = [464, 3290, 318]; //                 3 tokens, left-padded to 5
    const batch = [a, [PAD, PAD, ...b]];
    const mask = [
      [1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1],
    ];
    // first step: the padded row's logits equal the unpadded prompt's (same positions V…, pads hidden)
    const [la, lb] = lastLogits(lm, batch, mask);
    expect(maxAbsDiff(la!, lastLogits(lm, [a])[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDiff(lb!, lastLogits(lm, [b])[0]!)).toBeLessThan(1e-4);
    // changing what sits under the padding changes nothing
    const [, lb2] = lastLogits(lm, [a, [7, 8, ...b]], mask);
    expect(maxAbsDiff(lb2!, lb!)).toBeLessThan(1e-5);

    const opts = { maxNewTokens: 10, eosTokenId: null, attentionMask: mask } as const;
    const cached = generate(lm, batch, opts);
    const uncached = generate(lm, batch, { ...opts, useCache: false });
    expect(cached).toEqual(uncached);
    const aloneA = generate(lm, [a], { maxNewTokens: 10, eosTokenId: null });
    const aloneB = generate(lm, [b], { maxNewTokens: 10, eosTokenId: null });
    expect(cached[0]).toEqual(aloneA[0]);
    expect(cached[1]!.slice(2)).toEqual(aloneB[0]);
    pm.dispose();
  });

  it('bottleneck adapters generate the same tokens with and without KV cache (AdapterBlock passes the cache through)', async () => {
    const lm = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const ids = expected.prefix.ids;
    const plain = generate(lm, [ids], { maxNewTokens: 8, eosTokenId: null });
    const pm = getPeftModel(lm, houlsbyConfig({ init_weights: 'bert', reduction_factor: 4 }), { seed: 3 });
    const cached = generate(lm, [ids], { maxNewTokens: 8, eosTokenId: null });
    expect(generate(lm, [ids], { maxNewTokens: 8, eosTokenId: null, useCache: false })).toEqual(cached);
    pm.disableAdapter();
    expect(generate(lm, [ids], { maxNewTokens: 8, eosTokenId: null })).toEqual(plain);
    pm.dispose();
  });
});
