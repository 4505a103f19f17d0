import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { gptft, okJson, repoRoot, tempDir, tokenizerTrainArgs } from './helpers.js';

const alice = join(repoRoot, 'data/gutenberg/pg11.txt');
const dir = tempDir();
const tokDir = join(dir, 'tok');
const modelDir = join(dir, 'model');

describe('tokenizer train → pretrain → generate', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('tokenizer train writes vocab.json/merges.txt that load with the requested size', async () => {
    const out = okJson(await gptft([...tokenizerTrainArgs(alice, tokDir), '--json']));
    expect(out.vocab_size).toBe(400);
    expect(existsSync(join(tokDir, 'vocab.json'))).toBe(true);
    expect(readFileSync(join(tokDir, 'merges.txt'), 'utf8').split('\n')[0]).toBe('#version: 0.2');
    const tok = await GPT2Tokenizer.fromPretrained(tokDir);
    expect(tok.vocabSize).toBe(400);
    expect(tok.decode(tok.encode('Alice was beginning to get very tired'))).toBe(
      'Alice was beginning to get very tired',
    );
    expect(tok.encode('<|im_end|>', { allowedSpecial: 'all' })).toEqual([2]);
  });

  it('pretrain runs a few steps and writes an HF folder that gpt2-model loads', async () => {
    const r = await gptft([
      'pretrain',
      '--data',
      alice,
      '--tokenizer',
      tokDir,
      '--n-layer',
      '1',
      '--n-embd',
      '32',
      '--n-head',
      '2',
      '--n-positions',
      '32',
      '--max-steps',
      '4',
      '--per-device-train-batch-size',
      '2',
      '--learning-rate',
      '1e-2',
      '--eval-steps',
      '2',
      '--max-eval-samples',
      '4',
      '--logging-steps',
      '1',
      '--output-dir',
      modelDir,
      '--backend',
      'wasm',
      '--json',
    ]);
    const out = okJson(r);
    expect(out.losses).toHaveLength(4);
    expect(out.losses[3]).toBeLessThan(out.losses[0]);
    expect(Number.isFinite(out.perplexity)).toBe(true);
    expect(r.stderr).toMatch(/step 2 {2}validation loss [\d.]+ {2}perplexity [\d.]+/);
    for (const f of ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'log.jsonl']) {
      expect(existsSync(join(modelDir, f)), f).toBe(true);
    }
    const model = await GPT2Model.fromPretrained(modelDir);
    expect(model.config.nLayer).toBe(1);
    expect(model.config.nEmbd).toBe(32);
    expect(model.config.vocabSize).toBe(400);
    model.dispose();
  });

  it('options come from a YAML --config file (HF snake_case keys); flags on the command line win', async () => {
    const cfg = join(dir, 'run.yaml');
    writeFileSync(
      cfg,
      `data: [${JSON.stringify(alice)}]\ntokenizer: ${JSON.stringify(tokDir)}\nn_layer: 1\nn_embd: 16\nn_head: 2\nn_positions: 16\nmax_steps: 5\nlearning_rate: 1.0e-2\neval-strategy: "no"\n`,
    );
    const r = await gptft([
      'pretrain',
      '--config',
      cfg,
      '--max-steps',
      '2',
      '--output-dir',
      join(dir, 'cfg-model'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).losses).toHaveLength(2); // --max-steps 2 beats the file's 5
    const args = JSON.parse(readFileSync(join(dir, 'cfg-model', 'gptft_args.json'), 'utf8'));
    expect(args).toMatchObject({ nLayer: 1, nEmbd: 16, learningRate: 0.01, maxSteps: 2, evalStrategy: 'no' });
  });

  it('generate continues a prompt (greedy is deterministic, --json gives the new ids)', async () => {
    const generateArgs = (maxNewTokens: number) => [
      'generate',
      '--model',
      modelDir,
      '--prompt',
      'Alice',
      '--max-new-tokens',
      String(maxNewTokens),
      '--greedy',
    ];
    const args = [...generateArgs(6), '--json'];
    const out = okJson(await gptft(args));
    expect(out.ids.length).toBeGreaterThan(0);
    expect(out.ids.length).toBeLessThanOrEqual(6);
    const tok = await GPT2Tokenizer.fromPretrained(modelDir);
    expect(out.text).toBe(tok.decode(out.ids));
    const b = await gptft(args);
    expect(JSON.parse(b.stdout)).toEqual(out);
    const human = await gptft(generateArgs(3));
    expect(human.stdout.startsWith('Alice')).toBe(true);
  });
});
