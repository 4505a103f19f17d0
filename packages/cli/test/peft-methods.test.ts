// Every PEFT method from the command line: `gptft train --peft <method>` trains a classifier
// (LoRA, prefix tuning, bottleneck adapters, IA³ from @gptft/peft-ia3, AdaLoRA from
// @gptft/peft-adalora, the last two found as plugins), saves a PEFT adapter folder with the head,
// `gptft eval` on that folder reproduces the validation metrics, and `gptft merge` folds the
// methods that merge into a plain checkpoint with the same metrics (the others refuse, clearly).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gptft, okJson, repoRoot, sentimentFolder, trainClassifierArgs } from './helpers.js';

const model = join(repoRoot, 'fixtures/gpt2-tiny-ref/gpt2-tiny');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function safetensorsHeader(file: string): Record<string, { shape: number[] }> {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const h = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  delete h.__metadata__;
  return h;
}

const METHODS = [
  { method: 'lora', peftType: 'LORA', merges: true, key: 'attn.c_attn.lora_A.weight', extra: [] },
  {
    method: 'prefix',
    peftType: 'PREFIX_TUNING',
    merges: false,
    key: 'prompt_embeddings',
    extra: ['--prefix-num-virtual-tokens', '4'],
  },
  {
    method: 'adapter',
    peftType: 'BOTTLENECK',
    merges: false,
    key: 'output_adapters.adapters.default.adapter_up.weight',
    extra: ['--adapter-reduction-factor', '8'],
  },
  { method: 'ia3', peftType: 'IA3', merges: true, key: 'mlp.c_proj.ia3_l', extra: [] },
  {
    method: 'adalora',
    peftType: 'ADALORA',
    merges: true,
    key: 'attn.c_attn.lora_E',
    extra: ['--adalora-init-r', '4', '--adalora-target-r', '2'],
  },
] as const;

describe('gptft train --peft <method>', () => {
  const dir = sentimentFolder();
  const dev = join(dir, 'dev.jsonl');
  const baseHash = sha256(join(model, 'model.safetensors'));

  for (const m of METHODS) {
    it(`${m.method}: trains, saves a ${m.peftType} adapter with the head, evaluates${m.merges ? ', merges' : ''}`, async () => {
      const out = join(dir, m.method);
      const res = okJson(
        await gptft(
          trainClassifierArgs(dir, out, [
            '--validation-data',
            dev,
            '--peft',
            m.method,
            ...m.extra,
            '--max-steps',
            '4',
            '--learning-rate',
            '1e-2',
            '--per-device-train-batch-size',
            '8',
          ]),
          { timeoutMs: 240_000 },
        ),
      );
      expect(res.losses).toHaveLength(4);
      for (const l of res.losses) expect(Number.isFinite(l)).toBe(true);
      const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
      expect(cfg.peft_type).toBe(m.peftType);
      expect(cfg.task_type).toBe('SEQ_CLS');
      const header = safetensorsHeader(join(out, 'adapter_model.safetensors'));
      expect(Object.keys(header)).toContain('base_model.model.score.weight');
      expect(
        Object.keys(header).some((k) => k.endsWith(m.key)),
        Object.keys(header).join(', '),
      ).toBe(true);
      if (m.method === 'adalora') {
        // the rank allocation ran after each optimizer step: pattern saved, tensors pruned to it
        const pattern = cfg.rank_pattern as Record<string, boolean[]>;
        const kept = pattern['transformer.h.0.attn.c_attn.lora_E']!;
        expect(kept).toHaveLength(4);
        expect(header['base_model.model.transformer.h.0.attn.c_attn.lora_A']!.shape).toEqual([
          kept.filter(Boolean).length,
          64,
        ]);
      }
      expect(sha256(join(model, 'model.safetensors'))).toBe(baseHash);
      const ev = okJson(await gptft(['eval', '--model', out, '--data', dev, '--json']));
      expect(ev.accuracy).toBe(res.metrics.accuracy);
      expect(ev.loss).toBeCloseTo(res.metrics.loss, 5);
      const merged = join(dir, `${m.method}-merged`);
      const mr = await gptft(['merge', '--model', model, '--adapter', out, '--output-dir', merged, '--json']);
      if (!m.merges) {
        expect(mr.code).not.toBe(0);
        expect(mr.stderr).toMatch(/cannot be merged/);
        return;
      }
      okJson(mr);
      const em = okJson(await gptft(['eval', '--model', merged, '--data', dev, '--json']));
      expect(em.accuracy).toBe(res.metrics.accuracy);
      expect(em.loss).toBeCloseTo(res.metrics.loss, 4);
    }, 600_000);
  }
});
