// gptft on WebGPU (SwiftShader here, the same path a real GPU takes) against the PyTorch
// reference: fixtures/gpt2-tiny-ref. @gptft/backend-webgpu is an optional backend: the CLI finds it
// in the application's folder, here this package's (a devDependency), so these runs start there.
import { existsSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { describe, expect, it } from 'vitest';
import { gptft, okJson, packageDir, repoRoot, tempDir } from './helpers.js';

const ref = join(repoRoot, 'fixtures/gpt2-tiny-ref');
const expected = JSON.parse(readFileSync(join(ref, 'expected.json'), 'utf8')) as {
  greedy: { prompt: string; greedy_ids: number[] }[];
  train: { blocks: number[][]; losses: number[] };
};
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
// SwiftShader unless GPTFT_WEBGPU_TEST_DRIVER=system (a real GPU); no adapter fails the test.
const env: Record<string, string> =
  process.env.GPTFT_WEBGPU_TEST_DRIVER !== 'system' &&
  existsSync(SWIFTSHADER) &&
  !process.env.VK_ICD_FILENAMES
    ? { VK_ICD_FILENAMES: SWIFTSHADER }
    : {};
// SwiftShader is slow: the training run takes ~170 s of CPU (2–3 min on an idle 2-core machine,
// half an hour on one shared by a dozen jobs), hence the generous, bounded timeouts.
const run = (args: string[]) => gptft(args, { cwd: packageDir, env, timeoutMs: 2_700_000 });

describe('gptft --backend webgpu against PyTorch', () => {
  it('generate --greedy gives PyTorch’s 20 greedy ids for both reference prompts', async () => {
    for (const g of expected.greedy) {
      const r = await run([
        'generate',
        '--model',
        join(ref, 'gpt2-tiny'),
        '--prompt',
        g.prompt,
        '--max-new-tokens',
        '20',
        '--greedy',
        '--backend',
        'webgpu',
        '--verbose',
        '--json',
      ]);
      expect(r.stderr).toMatch(
        /backend: webgpu \(asked for "webgpu"; SwiftShader|backend: webgpu \(asked for "webgpu"; /,
      );
      expect(okJson(r).ids).toEqual(g.greedy_ids);
    }
  }, 3_000_000);

  it('train reproduces the six training-parity losses (AdamW, clip 1.0, constant lr) within 1e-4', async () => {
    // The fixture trained without dropout on six 33-token blocks, in order, one per step: the same
    // model with dropout 0, and a text file whose tokens are exactly those blocks.
    const dir = tempDir();
    const model = join(dir, 'model');
    cpSync(join(ref, 'gpt2-tiny'), model, { recursive: true });
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
    writeFileSync(
      join(model, 'config.json'),
      JSON.stringify({ ...config, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 }),
    );
    const tok = await GPT2Tokenizer.fromPretrained(model);
    const text = tok.decode(expected.train.blocks.flat());
    expect(tok.encode(text)).toEqual(expected.train.blocks.flat());
    writeFileSync(join(dir, 'train.txt'), text);
    const out = okJson(
      await run([
        'train',
        '--model',
        model,
        '--data',
        join(dir, 'train.txt'),
        '--block-size',
        '33',
        '--per-device-train-batch-size',
        '1',
        '--learning-rate',
        '1e-3',
        '--weight-decay',
        '0.1',
        '--max-grad-norm',
        '1',
        '--lr-scheduler-type',
        'constant',
        '--no-shuffle',
        '--max-steps',
        '6',
        '--save-strategy',
        'no',
        '--output-dir',
        join(dir, 'out'),
        '--backend',
        'webgpu',
        '--json',
      ]),
    );
    expect(out.losses).toHaveLength(6);
    out.losses.forEach((l: number, i: number) => {
      expect(Math.abs(l - expected.train.losses[i]!), `step ${i}`).toBeLessThan(1e-4);
    });
  }, 3_000_000);
});
