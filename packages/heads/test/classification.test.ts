import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { SafetensorsFile } from '@gptft/hub';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification, type HeadModel } from '../src/index.js';
import { expected, expectedArray, FIXTURES, maxAbsDiff, sameBits } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

async function roundTrip(model: HeadModel, load: (dir: string) => Promise<HeadModel>, keys: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'heads-cls-'));
  try {
    await model.savePretrained(dir);
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    for (const k of keys) expect(file.names()).toContain(k);
    const again = await load(dir);
    expect(again.loadingInfo.newlyInitialized).toEqual([]);
    const a = model.namedParameters();
    const b = again.namedParameters();
    expect(b.map(([n]) => n)).toEqual(a.map(([n]) => n));
    for (const [i, [, p]] of a.entries()) expect(sameBits(b[i]![1].dataSync(), p.dataSync())).toBe(true);
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    again.dispose();
    return cfg;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('GPT2ForSequenceClassification', () => {
  it('restores the seqcls head and matches PyTorch logits (right padding)', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    expect(model.loadingInfo).toEqual({ newlyInitialized: [], unexpectedKeys: [], mismatchedKeys: [] });
    const e = expected.seqcls;
    const want = await expectedArray('seqcls.logits');
    for (const mask of [e.attention_mask, undefined]) {
      const out = model.forward({ inputIds: e.input_ids, ...(mask && { attentionMask: mask }) });
      expect(out.logits.shape).toEqual([3, 3]);
      expect(maxAbsDiff(out.logits.dataSync(), want)).toBeLessThan(1e-4);
      out.logits.dispose();
    }
    // left padding: same rows, pads moved to the front, pooled at the mask's last 1
    const left = e.input_ids.map((r, i) => {
      const n = e.attention_mask[i]!.reduce((a, b) => a + b, 0);
      return [...r.slice(n), ...r.slice(0, n)];
    });
    const leftMask = e.attention_mask.map((m) => [...m].sort((a, b) => a - b));
    const out = model.forward({ inputIds: left, attentionMask: leftMask });
    expect(maxAbsDiff(out.logits.dataSync(), want)).toBeLessThan(1e-4);
    out.logits.dispose();
    // losses: single-label CE, regression-style and multi-label forms
    const ce = model.forward({ inputIds: e.input_ids, attentionMask: e.attention_mask, labels: [0, 2, 1] });
    const ref = tf.tidy(() => {
      const l = tf.tensor2d(want, [3, 3]);
      const lse = tf.logSumExp(l, -1).dataSync();
      return (lse[0]! - want[0]! + (lse[1]! - want[5]!) + (lse[2]! - want[7]!)) / 3;
    });
    expect(ce.loss!.dataSync()[0]!).toBeCloseTo(ref, 4);
    const bce = model.forward({
      inputIds: e.input_ids,
      attentionMask: e.attention_mask,
      labels: [
        [1, 0, 0],
        [0, 1, 1],
        [0, 0, 0],
      ],
    });
    let refB = 0;
    const y = [1, 0, 0, 0, 1, 1, 0, 0, 0];
    for (let i = 0; i < 9; i++) {
      const x = want[i]!;
      refB += Math.max(x, 0) - x * y[i]! + Math.log1p(Math.exp(-Math.abs(x)));
    }
    expect(bce.loss!.dataSync()[0]!).toBeCloseTo(refB / 9, 4);
    for (const t of [ce.loss!, ce.logits, bce.loss!, bce.logits]) t.dispose();
    const cfg = await roundTrip(model, (d) => GPT2ForSequenceClassification.fromPretrained(d), [
      'score.weight',
    ]);
    expect(cfg.architectures).toEqual(['GPT2ForSequenceClassification']);
    expect(cfg.pad_token_id).toBe(50256);
    model.dispose();
  });

  it('a plain gpt2 checkpoint gets a newly initialised score head', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}gpt2-tiny`);
    expect(model.loadingInfo.newlyInitialized).toEqual(['score.weight']);
    const w = model.score.weight.dataSync();
    expect(model.score.weight.shape).toEqual([model.config.numLabels, 64]);
    let s = 0;
    for (const v of w) s += v * v;
    const std = Math.sqrt(s / w.length);
    expect(std).toBeGreaterThan(0.002);
    expect(std).toBeLessThan(0.06); // initializer_range 0.02
    model.dispose();
  });

  it('repeated forward passes keep the tensor count flat', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const e = expected.seqcls;
    const run = () => {
      const out = model.forward({
        inputIds: e.input_ids,
        attentionMask: e.attention_mask,
        labels: [0, 1, 2],
      });
      out.loss!.dispose();
      out.logits.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('GPT2ForTokenClassification', () => {
  it('restores the tokcls head and matches PyTorch logits', async () => {
    const model = await GPT2ForTokenClassification.fromPretrained(`${FIXTURES}tokcls`);
    expect(model.loadingInfo).toEqual({ newlyInitialized: [], unexpectedKeys: [], mismatchedKeys: [] });
    const e = expected.tokcls;
    const out = model.forward({ inputIds: e.input_ids, attentionMask: e.attention_mask });
    expect(out.logits.shape).toEqual([2, 5, 5]);
    const want = await expectedArray('tokcls.logits');
    expect(maxAbsDiff(out.logits.dataSync(), want)).toBeLessThan(1e-4);
    out.logits.dispose();
    // loss ignores -100
    const labels = [
      [1, 0, 0, 3, 4],
      [2, 0, 1, -100, -100],
    ];
    const l = model.forward({ inputIds: e.input_ids, attentionMask: e.attention_mask, labels });
    let ref = 0;
    let n = 0;
    for (let r = 0; r < 2; r++)
      for (let t = 0; t < 5; t++) {
        const y = labels[r]![t]!;
        if (y === -100) continue;
        const row = Array.from(want.subarray((r * 5 + t) * 5, (r * 5 + t + 1) * 5));
        const m = Math.max(...row);
        ref += m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y]!;
        n++;
      }
    expect(l.loss!.dataSync()[0]!).toBeCloseTo(ref / n, 4);
    l.loss!.dispose();
    l.logits.dispose();
    const cfg = await roundTrip(model, (d) => GPT2ForTokenClassification.fromPretrained(d), [
      'classifier.weight',
      'classifier.bias',
      'transformer.wte.weight',
    ]);
    expect(cfg.architectures).toEqual(['GPT2ForTokenClassification']);
    model.dispose();
  });

  it('a plain gpt2 checkpoint gets a new classifier', async () => {
    const model = await GPT2ForTokenClassification.fromPretrained(`${FIXTURES}gpt2-tiny`);
    expect(model.loadingInfo.newlyInitialized).toEqual(['classifier.weight', 'classifier.bias']);
    expect(Array.from(model.classifier.bias!.dataSync()).every((v) => v === 0)).toBe(true);
    model.dispose();
  });
});
