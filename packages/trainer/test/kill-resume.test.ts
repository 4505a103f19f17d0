import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { SafetensorsFile } from '@gptft/hub';
import { expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/kill-child.mjs', import.meta.url));

function run(outputDir: string, resume: boolean, slowMs: number, killWhen?: () => boolean) {
  return new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    const proc = spawn(process.execPath, [child, outputDir, resume ? '1' : '0', String(slowMs)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let timer: NodeJS.Timeout | undefined;
    if (killWhen) {
      timer = setInterval(() => {
        if (killWhen()) {
          clearInterval(timer);
          proc.kill('SIGKILL');
        }
      }, 5);
    }
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal });
    });
  });
}

const checkpoints = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((n) => /^checkpoint-\d+$/.test(n)) : [];

it('a run killed with SIGKILL and resumed ends with the same parameters as an uninterrupted run', async () => {
  const full = mkdtempSync(join(tmpdir(), 'gptft-full-'));
  expect((await run(full, false, 0)).code).toBe(0);

  const killed = mkdtempSync(join(tmpdir(), 'gptft-killed-'));
  const r = await run(killed, false, 10, () => checkpoints(killed).includes('checkpoint-40'));
  expect(r.signal).toBe('SIGKILL');
  expect(checkpoints(killed)).not.toContain('checkpoint-120');
  expect((await run(killed, true, 0)).code).toBe(0);

  const a = await SafetensorsFile.open(join(full, 'checkpoint-120', 'model.safetensors'));
  const b = await SafetensorsFile.open(join(killed, 'checkpoint-120', 'model.safetensors'));
  expect(b.names().sort()).toEqual(a.names().sort());
  for (const n of a.names()) expect(Array.from(b.getFloat32(n))).toEqual(Array.from(a.getFloat32(n)));
  const oa = await SafetensorsFile.open(join(full, 'checkpoint-120', 'optimizer.safetensors'));
  const ob = await SafetensorsFile.open(join(killed, 'checkpoint-120', 'optimizer.safetensors'));
  for (const n of oa.names()) expect(Array.from(ob.getFloat32(n))).toEqual(Array.from(oa.getFloat32(n)));
}, 120_000);
