import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the README example runs, trains and writes a PEFT adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gptft-peft-example-'));
  try {
    const script = fileURLToPath(new URL('../examples/lora-quickstart.ts', import.meta.url));
    const fixture = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/gpt2-tiny/', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, fixture, join(dir, 'a')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/trainable params: 4,096 \|\| all params: /);
    const losses = [...out.matchAll(/loss ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(losses.length).toBe(5);
    expect(losses[4]).toBeLessThan(losses[0]!);
    expect(existsSync(join(dir, 'a', 'adapter_model.safetensors'))).toBe(true);
    expect(out).toMatch(/merged c_attn weight shape 64,192/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
