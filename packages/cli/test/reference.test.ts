// gptft's commands against PyTorch: fixtures/gpt2-tiny-ref (see its README) holds what an
// independent PyTorch implementation of HF GPT-2 / PEFT computed on a tiny GPT-2.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '@gptft/hub';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { describe, expect, it } from 'vitest';
import { gptft, okJson, repoRoot, tempDir } from './helpers.js';

const ref = join(repoRoot, 'fixtures/gpt2-tiny-ref');
const model = join(ref, 'gpt2-tiny');
const expected = JSON.parse(readFileSync(join(ref, 'expected.json'), 'utf8')) as {
  lm: { text: string; ids: number[]; loss: number }[];
  greedy: { prompt: string; greedy_ids: number[] }[];
};

describe('against the PyTorch reference (fixtures/gpt2-tiny-ref)', () => {
  it('tokenize and eval: ids and mean next-token loss of each reference text (one block of its length)', async () => {
    const dir = tempDir();
    for (const [i, { text, ids, loss }] of expected.lm.entries()) {
      const file = join(dir, `text${i}.txt`);
      writeFileSync(file, text);
      const t = await gptft(['tokenize', '--file', file, '--model', model, '--json']);
      expect(JSON.parse(t.stdout)).toEqual({ ids, count: ids.length });
      const r = await gptft([
        'eval',
        '--model',
        model,
        '--data',
        file,
        '--block-size',
        String(ids.length),
        '--json',
      ]);
      const out = okJson(r);
      expect(Math.abs(out.loss - loss) / loss).toBeLessThan(1e-5);
      expect(out.perplexity).toBeCloseTo(Math.exp(out.loss), 6);
      expect(out.tokens).toBe(ids.length - 1);
    }
  });

  it('generate --greedy gives PyTorch’s 20 greedy ids', async () => {
    for (const g of expected.greedy) {
      const r = await gptft([
        'generate',
        '--model',
        model,
        '--prompt',
        g.prompt,
        '--max-new-tokens',
        '20',
        '--greedy',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).ids).toEqual(g.greedy_ids);
    }
  });

  it('generate cuts a prompt longer than the context from the left and stops when the context is full', async () => {
    const g = expected.greedy[0]!;
    const tok = await GPT2Tokenizer.fromPretrained(model);
    const n = tok.encode(g.prompt).length;
    // 300 filler lines before the reference prompt; room for 128 - n new tokens leaves exactly its n ids.
    const prompt = `${'the end of a line\n'.repeat(300)}${g.prompt}`;
    expect(tok.encode(prompt).slice(-n)).toEqual(tok.encode(g.prompt));
    const out = okJson(
      await gptft([
        'generate',
        '--model',
        model,
        '--prompt',
        prompt,
        '--max-new-tokens',
        String(128 - n),
        '--greedy',
        '--json',
      ]),
    );
    expect(out.ids.slice(0, g.greedy_ids.length)).toEqual(g.greedy_ids);
    expect(out.ids.length).toBeLessThanOrEqual(128 - n);
  });

  it('merge folds the LoRA adapter into c_attn as PEFT does (1e-6)', async () => {
    const out = join(tempDir(), 'merged');
    const r = await gptft(['merge', '--model', model, '--adapter', join(ref, 'lora'), '--output-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    const merged = await SafetensorsFile.open(join(out, 'model.safetensors'));
    const want = await SafetensorsFile.open(join(ref, 'expected.safetensors'));
    for (const layer of [0, 1]) {
      const key = `transformer.h.${layer}.attn.c_attn.weight`;
      const a = merged.getFloat32(key);
      const b = want.getFloat32(`lora.merged.${key}`);
      expect(a.length).toBe(b.length);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      expect(max).toBeLessThan(1e-6);
    }
  });
});
