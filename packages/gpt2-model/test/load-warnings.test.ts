// Loading says what it did not use and which weights hold NaN/Inf (issue 16 §8), through
// `onWarning` or, by default, Node's process warnings (type CheckpointWarning).
import '@gptft/backend-wasm';
import { cpSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNonFinite, GPT2Model } from '../src/index.js';
import { FIXTURES } from './helpers.js';

let work: string;
beforeAll(async () => {
  await useBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'gptft-warn-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('load warnings', () => {
  it('counts NaN and Inf apart', () => {
    expect(
      countNonFinite(new Float32Array([0, Number.NaN, 1, Number.POSITIVE_INFINITY, -Infinity, 3e38])),
    ).toEqual({
      nan: 1,
      inf: 2,
    });
  });

  it('names the tensors a bare GPT2Model does not use (a classifier checkpoint: score.weight)', async () => {
    const warnings: string[] = [];
    const m = await GPT2Model.fromPretrained(`${FIXTURES}seqcls`, { onWarning: (w) => warnings.push(w) });
    m.dispose();
    expect(warnings).toEqual([
      `${FIXTURES}seqcls: 1 checkpoint tensor is not used by GPT2Model and was ignored: score.weight`,
    ]);
  });

  it('counts and names NaN/Inf weights; by default as a process warning of type CheckpointWarning', async () => {
    const dir = join(work, 'nan');
    cpSync(`${FIXTURES}gpt2-tiny`, dir, { recursive: true });
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const tensors: Record<string, TensorToWrite> = {};
    for (const [n, info] of file.tensors)
      tensors[n] = { dtype: info.dtype, shape: [...info.shape], data: file.getFloat32(n) };
    const wpe = tensors['transformer.wpe.weight']!.data as Float32Array;
    wpe.fill(Number.NaN, 0, 12);
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    const seen: Error[] = [];
    const listener = (w: Error) => seen.push(w);
    process.on('warning', listener);
    try {
      const before = tf.memory().numTensors;
      const m = await GPT2Model.fromPretrained(dir);
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    } finally {
      process.off('warning', listener);
    }
    expect(seen.map((w) => [w.name, w.message])).toEqual([
      [
        'CheckpointWarning',
        `${join(dir, 'model.safetensors')}: 1 tensor holds non-finite values: transformer.wpe.weight (12 NaN); ` +
          "the model's outputs will be NaN or garbage",
      ],
    ]);
  });

  it('says nothing for a clean checkpoint', async () => {
    const warnings: string[] = [];
    (
      await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`, { onWarning: (w) => warnings.push(w) })
    ).dispose();
    expect(warnings).toEqual([]);
  });
});
