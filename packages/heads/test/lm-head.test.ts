import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2LMHeadModel, generate } from '../src/index.js';
import { expected, expectedArray, FIXTURES, maxAbsDiff, sameBits } from './helpers.js';

let model: GPT2LMHeadModel;
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

describe('GPT2LMHeadModel', () => {
  it("passes packed rows (documentIds) to the backbone: each document's last logits equal PyTorch's for it alone", async () => {
    const [a, b] = [expected.lm[0]!, expected.lm[1]!];
    const ids = [...a.ids, ...b.ids];
    const documentIds = [[...a.ids.map(() => 0), ...b.ids.map(() => 1)]];
    const out = model.forward({ inputIds: [ids], documentIds });
    for (const [j, end] of [
      [0, a.ids.length],
      [1, ids.length],
    ] as const) {
      const last = tf.tidy(() => tf.slice(out.logits, [0, end - 1, 0], [1, 1, -1]).dataSync());
      expect(maxAbsDiff(last, await expectedArray(`lm.f32.${j}.last_logits`))).toBeLessThan(1e-4);
    }
    out.logits.dispose();
  });

  it('matches PyTorch losses and last-position logits', async () => {
    for (const [j, lm] of expected.lm.entries()) {
      const out = model.forward({ inputIds: [lm.ids], labels: [lm.ids] });
      const loss = out.loss!.dataSync()[0]!;
      expect(Math.abs(loss - lm.loss) / lm.loss).toBeLessThan(1e-5);
      const t = lm.ids.length;
      const last = tf.tidy(() => tf.slice(out.logits, [0, t - 1, 0], [1, 1, -1]).dataSync());
      expect(maxAbsDiff(last, await expectedArray(`lm.f32.${j}.last_logits`))).toBeLessThan(1e-4);
      const kept = model.forward({ inputIds: [lm.ids], logitsToKeep: 1 }); // transformers' logits_to_keep
      expect(kept.logits.shape).toEqual([1, 1, 50257]);
      expect(maxAbsDiff(kept.logits.dataSync(), await expectedArray(`lm.f32.${j}.last_logits`))).toBeLessThan(
        1e-4,
      );
      kept.logits.dispose();
      const argmax = tf.tidy(() => Array.from(tf.argMax(out.logits, -1).dataSync()));
      expect(argmax).toEqual(lm.argmax);
      out.loss!.dispose();
      out.logits.dispose();
    }
    const g = model.forward({ inputIds: [expected.grad.ids], labels: [expected.grad.ids] });
    expect(Math.abs(g.loss!.dataSync()[0]! - expected.grad.loss) / expected.grad.loss).toBeLessThan(1e-5);
    g.loss!.dispose();
    g.logits.dispose();
  });

  it('ignores -100 labels', () => {
    const ids = expected.lm[0]!.ids;
    const full = model.forward({ inputIds: [ids], labels: [ids] });
    const masked = model.forward({ inputIds: [ids], labels: [[ids[0]!, ids[1]!, -100, -100, -100]] });
    // only the prediction of ids[1] from position 0 counts
    const lp = tf.tidy(() => {
      const row = tf.slice(full.logits, [0, 0, 0], [1, 1, -1]).reshape([-1]);
      return tf.sub(tf.logSumExp(row), tf.slice(row, [ids[1]!], [1])).dataSync()[0]!;
    });
    expect(masked.loss!.dataSync()[0]!).toBeCloseTo(lp, 4);
    expect(masked.loss!.dataSync()[0]!).not.toBeCloseTo(full.loss!.dataSync()[0]!, 2);
    for (const t of [full.loss!, full.logits, masked.loss!, masked.logits]) t.dispose();
  });

  it('greedy generate reproduces PyTorch ids exactly (KV cache)', () => {
    for (const g of expected.greedy) {
      const out = generate(model, [g.prompt_ids], { maxNewTokens: g.greedy_ids.length, eosTokenId: null });
      expect(out[0]!.slice(g.prompt_ids.length)).toEqual(g.greedy_ids);
    }
  });

  it('seeded sampling is reproducible and top-k 1 equals greedy', () => {
    const g = expected.greedy[0]!;
    const opts = { maxNewTokens: 8, eosTokenId: null, doSample: true, temperature: 0.8, topP: 0.9 };
    const a = generate(model, [g.prompt_ids], { ...opts, seed: 7 });
    const b = generate(model, [g.prompt_ids], { ...opts, seed: 7 });
    expect(a).toEqual(b);
    const k1 = generate(model, [g.prompt_ids], { ...opts, topK: 1, seed: 3 });
    expect(k1[0]!.slice(g.prompt_ids.length)).toEqual(g.greedy_ids.slice(0, 8));
  });

  it('stops a row at eos and pads it', () => {
    const g = expected.greedy[1]!;
    const eos = g.greedy_ids[3]!; // 9962 is produced at step 3
    const out = generate(model, [g.prompt_ids], { maxNewTokens: 10, eosTokenId: eos });
    expect(out[0]!.slice(g.prompt_ids.length)).toEqual(g.greedy_ids.slice(0, 4));
  });

  it('save -> load round trip is bit-exact and writes no lm_head when tied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heads-lm-'));
    try {
      await model.savePretrained(dir);
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(cfg.architectures).toEqual(['GPT2LMHeadModel']);
      const again = await GPT2LMHeadModel.fromPretrained(dir);
      const a = model.namedParameters();
      const b = again.namedParameters();
      expect(b.map(([n]) => n)).toEqual(a.map(([n]) => n));
      for (const [i, [, p]] of a.entries()) expect(sameBits(b[i]![1].dataSync(), p.dataSync())).toBe(true);
      expect(again.loadingInfo.newlyInitialized).toEqual([]);
      again.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('repeated forward passes and generation do not leak tensors', () => {
    const ids = expected.lm[0]!.ids;
    const run = () => {
      const out = model.forward({ inputIds: [ids], labels: [ids] });
      out.loss!.dispose();
      out.logits.dispose();
      generate(model, [ids], { maxNewTokens: 3, eosTokenId: null });
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
