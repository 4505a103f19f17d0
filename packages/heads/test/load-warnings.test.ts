// A head reports the checkpoint tensors that neither it nor the backbone uses, and NaN/Inf in its
// own weights (issue 16 §8).
import '@gptft/backend-wasm';
import { cpSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@gptft/backend';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2ForSequenceClassification, GPT2LMHeadModel } from '../src/index.js';
import { FIXTURES } from './helpers.js';

let work: string;
beforeAll(async () => {
  await useBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'gptft-heads-warn-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('head load warnings', () => {
  it('GPT2LMHeadModel: a classifier checkpoint has score.weight it does not use', async () => {
    const warnings: string[] = [];
    const m = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}seqcls`, {
      onWarning: (w) => warnings.push(w),
    });
    m.dispose();
    expect(warnings).toEqual([
      `${FIXTURES}seqcls: 1 checkpoint tensor is not used by GPT2LMHeadModel and was ignored: score.weight`,
    ]);
  });

  it("GPT2ForSequenceClassification: extra tensors and NaN in the head's own weight", async () => {
    const dir = join(work, 'seqcls');
    cpSync(`${FIXTURES}seqcls`, dir, { recursive: true });
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const tensors: Record<string, TensorToWrite> = {};
    for (const [n, info] of file.tensors)
      tensors[n] = { dtype: info.dtype, shape: [...info.shape], data: file.getFloat32(n) };
    (tensors['score.weight']!.data as Float32Array)[1] = Number.NaN;
    tensors['lm_head.weight'] = { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) };
    tensors['adapter.extra'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    const warnings: string[] = [];
    const m = await GPT2ForSequenceClassification.fromPretrained(dir, { onWarning: (w) => warnings.push(w) });
    expect(m.loadingInfo.unexpectedKeys).toEqual(['adapter.extra', 'lm_head.weight']);
    m.dispose();
    expect(warnings).toEqual([
      `${dir}: 2 checkpoint tensors are not used by GPT2ForSequenceClassification and were ignored: adapter.extra, lm_head.weight`,
      `${join(dir, 'model.safetensors')}: 1 tensor holds non-finite values: score.weight (1 NaN); the model's outputs will be NaN or garbage`,
    ]);
  });
});
