import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { peftIA3 } from '../examples/peft-ia3.js';

it('the IA³ example (docs/guide/write-a-peft-method.md) trains, saves a PEFT adapter, reloads and merges', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gptft-docs-ia3-'));
  try {
    const r = await peftIA3(undefined, join(dir, 'adapter'), 10);
    // gpt2-tiny: 2 × (c_attn out 192 + mlp.c_proj in 256) = 896 vectors entries (HF PEFT's count)
    expect(r.trainableLine).toBe('trainable params: 896 || all params: 3,325,632 || trainable%: 0.0269');
    expect(r.losses).toHaveLength(10);
    expect(r.losses[9]).toBeLessThan(r.losses[0]! - 0.5);
    expect(r.keys).toEqual([
      'base_model.model.transformer.h.0.attn.c_attn.ia3_l',
      'base_model.model.transformer.h.0.mlp.c_proj.ia3_l',
      'base_model.model.transformer.h.1.attn.c_attn.ia3_l',
      'base_model.model.transformer.h.1.mlp.c_proj.ia3_l',
    ]);
    expect(r.reloadDiff).toBe(0); // the saved vectors are bit-exact
    expect(r.mergeDiff).toBeLessThan(1e-4);
    const config = JSON.parse(await readFile(join(dir, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({
      peft_type: 'IA3',
      target_modules: ['c_attn', 'mlp.c_proj'],
      feedforward_modules: ['mlp.c_proj'],
      fan_in_fan_out: true,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
