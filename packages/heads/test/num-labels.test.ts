import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification } from '../src/index.js';
import { expected, expectedArray, FIXTURES, maxAbsDiff } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('numLabels / id2label overrides (transformers’ from_pretrained kwargs)', () => {
  it('another number of labels re-initialises the head and reports the mismatch', async () => {
    const m = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`, { numLabels: 5 });
    expect(m.config.numLabels).toBe(5);
    expect(m.config.id2label).toEqual({
      0: 'LABEL_0',
      1: 'LABEL_1',
      2: 'LABEL_2',
      3: 'LABEL_3',
      4: 'LABEL_4',
    });
    expect(m.config.label2id!.LABEL_3).toBe(3);
    expect(m.score.weight.shape).toEqual([5, 64]);
    expect(m.loadingInfo.newlyInitialized).toEqual(['score.weight']);
    expect(m.loadingInfo.mismatchedKeys).toEqual([
      { key: 'score.weight', checkpointShape: [3, 64], modelShape: [5, 64] },
    ]);
    m.dispose();
    const t = await GPT2ForTokenClassification.fromPretrained(`${FIXTURES}tokcls`, {
      id2label: { 0: 'O', 1: 'B-MISC' },
    });
    expect(t.config.label2id).toEqual({ O: 0, 'B-MISC': 1 });
    expect(t.loadingInfo.newlyInitialized).toEqual(['classifier.weight', 'classifier.bias']);
    expect(t.loadingInfo.mismatchedKeys.map((k) => k.key)).toEqual(['classifier.weight', 'classifier.bias']);
    t.dispose();
  });

  it('same count, new names: the trained head is kept (PyTorch logits)', async () => {
    const m = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`, {
      id2label: { 0: 'neg', 1: 'mid', 2: 'pos' },
    });
    expect(m.loadingInfo.newlyInitialized).toEqual([]);
    expect(m.config.id2label).toEqual({ 0: 'neg', 1: 'mid', 2: 'pos' });
    const e = expected.seqcls;
    const out = m.forward({ inputIds: e.input_ids, attentionMask: e.attention_mask });
    expect(maxAbsDiff(out.logits.dataSync(), await expectedArray('seqcls.logits'))).toBeLessThan(1e-4);
    out.logits.dispose();
    m.dispose();
  });

  it('clear errors: mismatch without override, bad overrides', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heads-numlabels-'));
    try {
      const cfg = JSON.parse(await readFile(`${FIXTURES}seqcls/config.json`, 'utf8'));
      cfg.id2label = { 0: 'a', 1: 'b' };
      cfg.label2id = { a: 0, b: 1 };
      await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
      await symlink(`${FIXTURES}seqcls/model.safetensors`, join(dir, 'model.safetensors'));
      await expect(GPT2ForSequenceClassification.fromPretrained(dir)).rejects.toThrow(
        /"score.weight" has shape \[3, 64\] but the head needs \[2, 64\].*numLabels/,
      );
      await expect(
        GPT2ForSequenceClassification.fromPretrained(dir, { numLabels: 4, ignoreMismatchedSizes: false }),
      ).rejects.toThrow(/\[3, 64\] but the head needs \[4, 64\]/);
      const ok = await GPT2ForSequenceClassification.fromPretrained(dir, { numLabels: 3 });
      expect(ok.loadingInfo.newlyInitialized).toEqual([]);
      expect(ok.config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
      ok.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(
      GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`, {
        numLabels: 2,
        id2label: { 0: 'x' },
      }),
    ).rejects.toThrow(/numLabels 2 disagrees with id2label, which has 1 labels/);
    await expect(
      GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`, { numLabels: 0 }),
    ).rejects.toThrow(/numLabels must be a positive integer/);
  });
});
