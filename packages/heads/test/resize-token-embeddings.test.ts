/**
 * resizeTokenEmbeddings on the PyTorch fixture model (GPT-2 tiny: V = 50257, C = 64): old rows and
 * old-token logits unchanged, new rows = the old rows' mean (HF mean resizing, 1e-9·covariance
 * noise), tied head follows, untied lm_head resized too, config.vocab_size saved and reloaded,
 * no leaked tensors.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { GPT2LMHeadModel, resizeTokenEmbeddings, setupChatModel } from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff } from './helpers.js';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'gptft-resize-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Column means of a [V, C] weight, in float64. */
function columnMeans(w: ArrayLike<number>, v: number, c: number): Float64Array {
  const m = new Float64Array(c);
  for (let i = 0; i < v; i++) for (let j = 0; j < c; j++) m[j]! += w[i * c + j]!;
  return m.map((x) => x / v);
}

describe('resizeTokenEmbeddings (tied GPT-2)', () => {
  it('keeps old rows and logits, adds mean rows, updates config, saves and reloads', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const v = model.config.vocabSize;
    const c = model.config.nEmbd;
    const ids = expected.lm[0]!.ids;
    const before = model.forward({ inputIds: [ids] });
    const oldW = model.transformer.wte.weight.dataSync().slice();
    const tensors = tf.memory().numTensors;

    expect(resizeTokenEmbeddings(model, v + 2, { seed: 1 })).toBe(v + 2);
    expect(tf.memory().numTensors).toBe(tensors); // old weight disposed, new one in its place
    expect(model.config.vocabSize).toBe(v + 2);
    const w = model.transformer.wte.weight;
    expect(w.shape).toEqual([v + 2, c]);
    expect(model.lmHeadWeight).toBe(w); // tied head is the new wte
    const newW = w.dataSync();
    expect(maxAbsDiff(newW.subarray(0, v * c), oldW)).toBe(0);
    const mean = columnMeans(oldW, v, c);
    for (const r of [v, v + 1]) {
      const row = newW.subarray(r * c, (r + 1) * c);
      // N(mean, 1e-9·cov): deviations of order 3e-5·std (std ≈ 0.1 here), not exactly the mean.
      expect(maxAbsDiff(row, mean)).toBeLessThan(1e-4);
      expect(maxAbsDiff(row, mean)).toBeGreaterThan(0);
    }

    const after = model.forward({ inputIds: [ids] });
    expect(after.logits.shape).toEqual([1, ids.length, v + 2]);
    const oldPart = tf.tidy(() => tf.slice(after.logits, [0, 0, 0], [1, ids.length, v]).dataSync());
    expect(maxAbsDiff(oldPart, before.logits.dataSync())).toBe(0);
    // The new token ids embed and predict.
    const withNew = model.forward({ inputIds: [[...ids, v, v + 1]], labels: [[...ids, v, v + 1]] });
    expect(Number.isFinite(withNew.loss!.dataSync()[0]!)).toBe(true);
    for (const t of [before.logits, after.logits, withNew.logits, withNew.loss!]) t.dispose();

    const dir = join(root, 'tied');
    await model.savePretrained(dir);
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).vocab_size).toBe(v + 2);
    const back = await GPT2LMHeadModel.fromPretrained(dir);
    expect(back.config.vocabSize).toBe(v + 2);
    expect(maxAbsDiff(back.transformer.wte.weight.dataSync(), newW)).toBe(0);
    back.dispose();
    model.dispose();
  });

  it('padToMultipleOf rounds up; shrinking drops rows; no size leaves it unchanged', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const v = model.config.vocabSize; // 50257
    expect(resizeTokenEmbeddings(model)).toBe(v);
    expect(resizeTokenEmbeddings(model, v + 2, { padToMultipleOf: 64 })).toBe(50304);
    expect(model.transformer.wte.weight.shape[0]).toBe(50304);
    const keep = model.transformer.wte.weight.dataSync().slice(0, 100 * 64);
    expect(resizeTokenEmbeddings(model, 100)).toBe(100);
    expect(model.config.vocabSize).toBe(100);
    expect(maxAbsDiff(model.transformer.wte.weight.dataSync(), keep)).toBe(0);
    expect(() => resizeTokenEmbeddings(model, 0)).toThrow(/newNumTokens/);
    expect(() => resizeTokenEmbeddings(model, 10, { padToMultipleOf: 0 })).toThrow(/padToMultipleOf/);
    model.dispose();
  });

  it('meanResizing: false draws N(0, initializer_range²) rows', async () => {
    const model = new GPT2Model(
      new GPT2Config({ vocabSize: 300, nEmbd: 32, nLayer: 1, nHead: 2, nPositions: 16 }),
      {
        seed: 3,
      },
    );
    resizeTokenEmbeddings(model, 300 + 400, { meanResizing: false, seed: 7 });
    const added = model.wte.weight.dataSync().subarray(300 * 32);
    let s = 0;
    let s2 = 0;
    for (const x of added) {
      s += x;
      s2 += x * x;
    }
    const mean = s / added.length;
    const std = Math.sqrt(s2 / added.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.abs(std - 0.02) / 0.02).toBeLessThan(0.05);
    expect(model.config.vocabSize).toBe(700);
    model.dispose();
  });

  it('falls back to the mean when the covariance is not positive definite (fewer rows than C)', () => {
    const model = new GPT2Model(
      new GPT2Config({ vocabSize: 8, nEmbd: 32, nLayer: 1, nHead: 2, nPositions: 16 }),
      {
        seed: 3,
      },
    );
    const old = model.wte.weight.dataSync().slice();
    resizeTokenEmbeddings(model, 10, { seed: 1 });
    const w = model.wte.weight.dataSync();
    const mean = columnMeans(old, 8, 32);
    expect(maxAbsDiff(w.subarray(8 * 32, 9 * 32), mean)).toBeLessThan(1e-7);
    expect(maxAbsDiff(w.subarray(9 * 32, 10 * 32), mean)).toBeLessThan(1e-7);
    model.dispose();
  });
});

describe('resizeTokenEmbeddings (untied lm_head)', () => {
  it('resizes lm_head.weight too, keeping its rows, and it round-trips', async () => {
    const config = new GPT2Config({
      vocabSize: 300,
      nEmbd: 32,
      nLayer: 1,
      nHead: 2,
      nPositions: 16,
      tieWordEmbeddings: false,
    });
    const model = new GPT2LMHeadModel(new GPT2Model(config, { seed: 5 }));
    const oldHead = model.lmHeadWeight.dataSync().slice();
    const tensors = tf.memory().numTensors;
    resizeTokenEmbeddings(model, 305, { seed: 2 });
    expect(tf.memory().numTensors).toBe(tensors);
    const head = model.lmHeadWeight;
    expect(head).not.toBe(model.transformer.wte.weight);
    expect(head.shape).toEqual([305, 32]);
    const h = head.dataSync();
    expect(maxAbsDiff(h.subarray(0, 300 * 32), oldHead)).toBe(0);
    expect(maxAbsDiff(h.subarray(300 * 32, 301 * 32), columnMeans(oldHead, 300, 32))).toBeLessThan(1e-4);
    const out = model.forward({ inputIds: [[1, 304]] });
    expect(out.logits.shape).toEqual([1, 2, 305]);
    out.logits.dispose();
    const dir = join(root, 'untied');
    await model.savePretrained(dir);
    const back = await GPT2LMHeadModel.fromPretrained(dir);
    expect(maxAbsDiff(back.lmHeadWeight.dataSync(), h)).toBe(0);
    expect(back.config.vocabSize).toBe(305);
    back.dispose();
    model.dispose();
  });
});

describe('setupChatModel (TRL setup_chat_format)', () => {
  it('adds ChatML tokens, resizes the model, points eos/pad at <|im_end|>, and all of it reloads', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const tok = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
    expect(setupChatModel(model, tok)).toBe(50259);
    expect(model.transformer.wte.weight.shape).toEqual([50259, 64]);
    expect([model.config.bosTokenId, model.config.eosTokenId, model.config.padTokenId]).toEqual([
      50257, 50258, 50258,
    ]);
    expect(model.generationConfig.eosTokenId).toBe(50258);
    const ids = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    expect(ids).toEqual([50257, 7220, 198, 17250, 50258, 198, 50257, 562, 10167, 198]);
    const dir = join(root, 'chat');
    await model.savePretrained(dir);
    await tok.savePretrained(dir);
    const back = await GPT2LMHeadModel.fromPretrained(dir);
    const backTok = await GPT2Tokenizer.fromPretrained(dir);
    expect(back.config.vocabSize).toBe(50259);
    expect(back.config.eosTokenId).toBe(50258);
    expect(
      backTok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true }),
    ).toEqual(ids);
    back.dispose();
    model.dispose();
  });
});
