import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bceWithLogits,
  crossEntropy,
  GPT2ForTokenClassification,
  GPT2LMHeadModel,
  generate,
  mse,
  readGenerationConfig,
} from '../src/index.js';
import { expected, FIXTURES, sameBits } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('losses (hand-computed)', () => {
  it('mse, bce and ce agree with direct formulas', () => {
    const p = tf.tensor1d([0.5, -1, 2]);
    const y = tf.tensor1d([1, 0, 2]);
    expect(mse(p, y).dataSync()[0]!).toBeCloseTo((0.25 + 1 + 0) / 3, 6);
    const b = [0.5, -1, 2].map(
      (x, i) => Math.max(x, 0) - x * [1, 0, 1][i]! + Math.log1p(Math.exp(-Math.abs(x))),
    );
    expect(bceWithLogits(p, tf.tensor1d([1, 0, 1])).dataSync()[0]!).toBeCloseTo(
      (b[0]! + b[1]! + b[2]!) / 3,
      6,
    );
    const l = tf.tensor2d([[1, 2, 3]]);
    expect(crossEntropy(l, [2]).dataSync()[0]!).toBeCloseTo(
      Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3,
      5,
    );
    expect(() => crossEntropy(l, [3])).toThrow(/label 3 at row 0 is outside/);
    tf.dispose([p, y, l]);
  });
});

describe('untied LM head, attach, cache', () => {
  it('untied config: new lm_head.weight is reported, saved and restored', async () => {
    const base = await GPT2Config.fromFile(`${FIXTURES}gpt2-tiny/config.json`);
    const config = GPT2Config.fromJSON({ ...base.toJSON(), tie_word_embeddings: false });
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`, { config });
    expect(model.loadingInfo.newlyInitialized).toEqual(['lm_head.weight']);
    expect(model.namedParameters().map(([n]) => n)).toContain('lm_head.weight');
    const dir = await mkdtemp(join(tmpdir(), 'heads-untied-'));
    try {
      await model.savePretrained(dir);
      const f = await SafetensorsFile.open(join(dir, 'model.safetensors'));
      expect(f.names()).toContain('lm_head.weight');
      const again = await GPT2LMHeadModel.fromPretrained(dir);
      expect(again.config.tieWordEmbeddings).toBe(false);
      expect(again.loadingInfo.newlyInitialized).toEqual([]);
      expect(sameBits(again.lmHeadWeight.dataSync(), model.lmHeadWeight.dataSync())).toBe(true);
      again.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('cached and uncached greedy decoding give the same tokens', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const g = expected.greedy[1]!;
    const a = generate(model, [g.prompt_ids], { maxNewTokens: 6, eosTokenId: null });
    const b = generate(model, [g.prompt_ids], { maxNewTokens: 6, eosTokenId: null, useCache: false });
    expect(b).toEqual(a);
    model.dispose();
  });

  it('a head moves to another backbone of the same width', async () => {
    const head = await GPT2ForTokenClassification.fromPretrained(`${FIXTURES}tokcls`);
    const other = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const ids = expected.tokcls.input_ids;
    const before = head.forward({ inputIds: ids });
    const old = head.attach(other);
    const after = head.forward({ inputIds: ids });
    // tokcls backbone differs from gpt2-tiny's, so the logits change; the old backbone is ours now
    expect(head.transformer).toBe(other);
    expect(after.logits.shape).toEqual(before.logits.shape);
    head.attach(old).dispose();
    const back = head.forward({ inputIds: ids });
    expect(back.logits.dataSync()).toEqual(before.logits.dataSync());
    tf.dispose([before.logits, after.logits, back.logits]);
    const small = new GPT2Model(
      GPT2Config.fromJSON({ n_embd: 32, n_head: 4, n_layer: 1, vocab_size: 10, n_positions: 8 }),
    );
    expect(() => head.attach(small)).toThrow(/width 32/);
    small.dispose();
    head.dispose();
  });
});

describe('generate: batches and penalties', () => {
  it('left-padded batch of both fixture prompts reproduces PyTorch greedy ids', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const [a, b] = expected.greedy as [(typeof expected.greedy)[0], (typeof expected.greedy)[0]];
    const n = 10;
    const ids = [a.prompt_ids, [50256, ...b.prompt_ids]];
    const attentionMask = [a.prompt_ids.map(() => 1), [0, ...b.prompt_ids.map(() => 1)]];
    for (const useCache of [true, false]) {
      const out = generate(model, ids, { maxNewTokens: n, eosTokenId: null, attentionMask, useCache });
      expect(out[0]!.slice(5)).toEqual(a.greedy_ids.slice(0, n));
      expect(out[1]!.slice(5)).toEqual(b.greedy_ids.slice(0, n));
    }
    // repetition penalty: the greedy run repeats 9962 six times; a strong penalty stops that
    const pen = generate(model, [b.prompt_ids], {
      maxNewTokens: 9,
      eosTokenId: null,
      repetitionPenalty: 100,
    });
    const fresh = pen[0]!.slice(4);
    expect(new Set(fresh).size).toBe(fresh.length);
    expect(fresh.slice(0, 4)).toEqual(b.greedy_ids.slice(0, 4));
    model.dispose();
  });
});

describe('generation_config.json', () => {
  it('supplies generate defaults and rejects bad fields', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    expect(model.generationConfig).toEqual({ eosTokenId: 50256 });
    model.generationConfig = { ...model.generationConfig, maxNewTokens: 3 };
    const g = expected.greedy[0]!;
    expect(generate(model, [g.prompt_ids])[0]!.slice(5)).toEqual(g.greedy_ids.slice(0, 3));
    model.dispose();
    const dir = await mkdtemp(join(tmpdir(), 'heads-gencfg-'));
    try {
      await writeFile(join(dir, 'generation_config.json'), '{"top_k": "ten"}');
      await expect(readGenerationConfig(dir)).rejects.toThrow(/generation_config.json: field "top_k"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
