// Bad input through the real `gptft` binary: absurd config.json values, text corpora (gzip,
// invalid UTF-8), ragged CoNLL files, surprises on load, and the messages of issue 16 §9. Each
// error is one line naming the file (and line/field/offset), with a hint; warnings are printed
// without --verbose.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '@gptft/hub';
import { describe, expect, it } from 'vitest';
import { gptft, repoRoot, tempDir } from './helpers.js';

const TINY = join(repoRoot, 'fixtures', 'gpt2-tiny-ref', 'gpt2-tiny');

/** A copy of the tiny fixture model with config.json changed. */
function tinyWithConfig(change: Record<string, unknown>): string {
  const dir = join(tempDir(), 'model');
  cpSync(TINY, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...change }));
  return dir;
}

/** The `gptft: error: …` line of a failed run (after checking it is one line, no stack). */
function errorLine(r: { code: number; stderr: string }): string {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  const at = lines.findIndex((l) => l.startsWith('gptft: error: '));
  expect(at, r.stderr).toBeGreaterThanOrEqual(0);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[at]!;
}

describe('absurd config.json values (issue 16 §4)', () => {
  for (const [what, change, pattern] of [
    ['n_layer 1e6', { n_layer: 1_000_000 }, /config\.json: n_layer: must be at most 1024 \(got 1000000\)/],
    ['vocab_size 1e12', { vocab_size: 1e12 }, /config\.json: vocab_size: must be at most 16777216/],
    [
      'vocab_size 2,000,000 (inside the bounds, not the checkpoint)',
      { vocab_size: 2_000_000 },
      /config\.json: vocab_size: is 2000000 but .*model\.safetensors's transformer\.wte\.weight has shape \[50257, 64\]/,
    ],
  ] as const) {
    it(`${what}: named (config.json and the field) before anything is allocated`, async () => {
      const model = tinyWithConfig(change);
      const r = await gptft(['generate', '--model', model, '--prompt', 'Hello', '--max-new-tokens', '2']);
      expect(errorLine(r)).toMatch(pattern);
      expect(errorLine(r)).toContain(join(model, 'config.json'));
    });
  }
});

describe('surprises on load are said out loud (issue 16 §8)', () => {
  it('unused checkpoint tensors and NaN/Inf weights: warned, counted and named, without --verbose', async () => {
    const dir = join(tempDir(), 'model');
    cpSync(TINY, dir, { recursive: true });
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const tensors: Record<string, TensorToWrite> = {};
    for (const [n, info] of file.tensors) {
      tensors[n] = { dtype: info.dtype, shape: [...info.shape], data: file.getFloat32(n) };
    }
    const fc = tensors['transformer.h.0.mlp.c_fc.weight']!.data as Float32Array;
    fc[0] = Number.NaN;
    fc[5] = Number.NaN;
    fc[9] = Number.POSITIVE_INFINITY;
    (tensors['transformer.ln_f.weight']!.data as Float32Array)[3] = Number.NEGATIVE_INFINITY;
    tensors['classifier.weight'] = { dtype: 'F32', shape: [3, 64], data: new Float32Array(192) };
    tensors['transformer.h.7.attn.extra'] = { dtype: 'F32', shape: [2], data: new Float32Array(2) };
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    // A stray block past n_layer is not a config error: transformers loads and reports it unused too.
    const r = await gptft([
      'generate',
      '--model',
      dir,
      '--prompt',
      'Hello',
      '--max-new-tokens',
      '2',
      '--greedy',
    ]);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('gptft: warning: '));
    expect(warnings).toContain(
      `gptft: warning: ${join(dir, 'model.safetensors')}: 2 tensors hold non-finite values: ` +
        'transformer.h.0.mlp.c_fc.weight (2 NaN, 1 Inf), transformer.ln_f.weight (1 Inf); ' +
        "the model's outputs will be NaN or garbage",
    );
    expect(warnings).toContain(
      `gptft: warning: ${dir}: 2 checkpoint tensors are not used by GPT2LMHeadModel and were ignored: ` +
        'classifier.weight, transformer.h.7.attn.extra',
    );
    expect(r.stderr).not.toContain('(node:');
  });
});
