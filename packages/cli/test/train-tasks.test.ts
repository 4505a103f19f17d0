import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gptft, okJson, repoRoot, sentimentFolder, tempDir, trainClassifierArgs } from './helpers.js';

const model = join(repoRoot, 'fixtures/gpt2-tiny-ref/gpt2-tiny');

/** Four steps of the tiny fixture's classifier on `dir`, evaluated on its dev.jsonl. */
const fourSteps = (dir: string, out: string) =>
  trainClassifierArgs(dir, out, [
    '--validation-data',
    join(dir, 'dev.jsonl'),
    '--max-steps',
    '4',
    '--learning-rate',
    '1e-3',
    '--per-device-train-batch-size',
    '8',
  ]);

/** Tensor names of a safetensors file (its JSON header). */
function safetensorsNames(file: string): string[] {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return Object.keys(JSON.parse(buf.subarray(8, 8 + n).toString('utf8')))
    .filter((k) => k !== '__metadata__')
    .sort();
}

/** `gptft eval` metrics of a trained folder (model or adapter); without `task` eval finds it. */
async function evalClassifier(modelDir: string, data: string, task?: string) {
  const taskArgs = task ? ['--task', task] : [];
  return okJson(await gptft(['eval', ...taskArgs, '--model', modelDir, '--data', data, '--json']));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

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
    const res = okJson(r);
    expect(res.output_dir).toBe(out);
    expect(res.losses).toHaveLength(3);
    for (const l of res.losses) expect(Number.isFinite(l)).toBe(true);
  });

  it('sequence-classification trains a score head; eval reproduces its validation metrics', async () => {
    const dir = sentimentFolder();
    const out = join(dir, 'clf');
    const res = okJson(await gptft(fourSteps(dir, out)));
    expect(Object.keys(res.metrics).sort()).toEqual(['accuracy', 'f1_macro', 'loss']);
    const ev = await evalClassifier(out, join(dir, 'dev.jsonl'), 'sequence-classification');
    expect(ev.accuracy).toBe(res.metrics.accuracy);
    expect(ev.loss).toBeCloseTo(res.metrics.loss, 5);
  });

  it('sequence-classification with --peft lora: the adapter folder holds LoRA + score head, eval on it (task from its task_type) and on its merge reproduce the metrics, base untouched', async () => {
    const dir = sentimentFolder();
    const out = join(dir, 'clf-lora');
    const baseHash = sha256(join(model, 'model.safetensors'));
    const res = okJson(await gptft([...fourSteps(dir, out), '--peft', 'lora', '--learning-rate', '1e-2']));
    expect(res.losses).toHaveLength(4);
    expect(res.losses[3]).toBeLessThan(res.losses[0]);
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg.peft_type).toBe('LORA');
    expect(cfg.task_type).toBe('SEQ_CLS');
    expect(cfg.modules_to_save).toEqual(['classifier', 'score']);
    expect(cfg.base_model_name_or_path).toBe(model);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    expect(existsSync(join(out, 'config.json'))).toBe(false);
    const nLayer = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')).n_layer as number;
    // HF PEFT's key names for GPT2ForSequenceClassification + LoRA on c_attn with modules_to_save.
    const expected = [
      'base_model.model.score.weight',
      ...Array.from({ length: nLayer }, (_, i) =>
        ['A', 'B'].map((m) => `base_model.model.transformer.h.${i}.attn.c_attn.lora_${m}.weight`),
      ).flat(),
    ].sort();
    expect(safetensorsNames(join(out, 'adapter_model.safetensors'))).toEqual(expected);
    expect(JSON.parse(readFileSync(join(out, 'label_map.json'), 'utf8')).id2label).toEqual({
      0: 'neg',
      1: 'pos',
    });
    expect(sha256(join(model, 'model.safetensors'))).toBe(baseHash);
    const ev = await evalClassifier(out, join(dir, 'dev.jsonl'));
    expect(ev.accuracy).toBe(res.metrics.accuracy);
    expect(ev.f1_macro).toBe(res.metrics.f1_macro);
    expect(ev.loss).toBeCloseTo(res.metrics.loss, 5);
    // merge: a plain GPT2ForSequenceClassification checkpoint with the labels, same metrics
    const merged = join(dir, 'clf-merged');
    okJson(await gptft(['merge', '--model', model, '--adapter', out, '--output-dir', merged, '--json']));
    const mergedCfg = JSON.parse(readFileSync(join(merged, 'config.json'), 'utf8'));
    expect(mergedCfg.architectures).toEqual(['GPT2ForSequenceClassification']);
    expect(mergedCfg.id2label).toEqual({ 0: 'neg', 1: 'pos' });
    const em = await evalClassifier(merged, join(dir, 'dev.jsonl'));
    expect(em.accuracy).toBe(res.metrics.accuracy);
    expect(em.loss).toBeCloseTo(res.metrics.loss, 5);
  });

  it('token-classification with --peft lora: classifier weight and bias saved with the adapter, eval reproduces the entity metrics', async () => {
    const dir = tempDir();
    const sentence = (i: number) =>
      JSON.stringify(
        i % 2 === 0
          ? { tokens: ['Alice', 'met', 'Bob', 'in', 'Paris'], tags: ['B-PER', 'O', 'B-PER', 'O', 'B-LOC'] }
          : {
              tokens: ['the', 'Queen', 'of', 'Hearts', 'smiled'],
              tags: ['O', 'B-PER', 'I-PER', 'I-PER', 'O'],
            },
      );
    writeFileSync(
      join(dir, 'train.jsonl'),
      `${Array.from({ length: 8 }, (_, i) => sentence(i)).join('\n')}\n`,
    );
    writeFileSync(join(dir, 'dev.jsonl'), `${Array.from({ length: 4 }, (_, i) => sentence(i)).join('\n')}\n`);
    const out = join(dir, 'ner-lora');
    const res = okJson(
      await gptft([
        'train',
        '--task',
        'token-classification',
        '--model',
        model,
        '--data',
        join(dir, 'train.jsonl'),
        '--validation-data',
        join(dir, 'dev.jsonl'),
        '--peft',
        'lora',
        '--max-steps',
        '3',
        '--learning-rate',
        '1e-2',
        '--per-device-train-batch-size',
        '4',
        '--output-dir',
        out,
        '--json',
      ]),
    );
    expect(Object.keys(res.metrics).sort()).toEqual(['accuracy', 'f1', 'loss', 'precision', 'recall']);
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg.task_type).toBe('TOKEN_CLS');
    const names = safetensorsNames(join(out, 'adapter_model.safetensors'));
    expect(names.filter((k) => !k.includes('lora_'))).toEqual([
      'base_model.model.classifier.bias',
      'base_model.model.classifier.weight',
    ]);
    const ev = await evalClassifier(out, join(dir, 'dev.jsonl'), 'token-classification');
    expect(ev.f1).toBe(res.metrics.f1);
    expect(ev.accuracy).toBe(res.metrics.accuracy);
    expect(ev.loss).toBeCloseTo(res.metrics.loss, 5);
  });
});
