import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gptft, repoRoot, tempDir } from './helpers.js';

const model = join(repoRoot, 'fixtures/gpt2-tiny-ref/gpt2-tiny');

describe('train --task', () => {
  it('causal-lm with the scripting flags prints the loss of every step', async () => {
    const out = join(tempDir(), 'clm');
    const r = await gptft([
      'train',
      '--task',
      'causal-lm',
      '--model',
      model,
      '--data',
      join(repoRoot, 'data/gutenberg/pg11.txt'),
      '--block-size',
      '32',
      '--max-steps',
      '3',
      '--learning-rate',
      '1e-3',
      '--weight-decay',
      '0.1',
      '--lr-scheduler-type',
      'constant',
      '--warmup-steps',
      '0',
      '--per-device-train-batch-size',
      '1',
      '--max-grad-norm',
      '1.0',
      '--no-shuffle',
      '--output-dir',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.output_dir).toBe(out);
    expect(res.losses).toHaveLength(3);
    for (const l of res.losses) expect(Number.isFinite(l)).toBe(true);
  });

  it('sequence-classification trains a score head; eval reproduces its validation metrics', async () => {
    const dir = tempDir();
    const rows = (n: number, off: number) =>
      Array.from({ length: n }, (_, i) => {
        const pos = (i + off) % 2 === 0;
        return JSON.stringify({
          text: pos ? 'a wonderful, lovely film' : 'a dull and boring mess',
          label: pos ? 'pos' : 'neg',
        });
      }).join('\n');
    writeFileSync(join(dir, 'train.jsonl'), `${rows(16, 0)}\n`);
    writeFileSync(join(dir, 'dev.jsonl'), `${rows(6, 1)}\n`);
    const out = join(dir, 'clf');
    const r = await gptft([
      'train',
      '--task',
      'sequence-classification',
      '--model',
      model,
      '--data',
      join(dir, 'train.jsonl'),
      '--validation-data',
      join(dir, 'dev.jsonl'),
      '--max-steps',
      '4',
      '--learning-rate',
      '1e-3',
      '--per-device-train-batch-size',
      '8',
      '--output-dir',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(Object.keys(res.metrics).sort()).toEqual(['accuracy', 'f1_macro', 'loss']);
    const e = await gptft([
      'eval',
      '--task',
      'sequence-classification',
      '--model',
      out,
      '--data',
      join(dir, 'dev.jsonl'),
      '--json',
    ]);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.accuracy).toBe(res.metrics.accuracy);
    expect(ev.loss).toBeCloseTo(res.metrics.loss, 5);
  });
});
