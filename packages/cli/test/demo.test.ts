// `gptft demo`, shortened, on a tiny base model made here: shop facts → conversations → LoRA SFT →
// fact accuracy before/after → report.html → chat's first reply. Nothing here depends on timing:
// the wasm backend runs one thread and every step is seeded.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShopFacts } from '../src/shop/facts.js';
import { generateShopConversations, toJsonl } from '../src/shop/generate.js';
import { slowGptft, okJson, repoRoot, SLOW_RUN_MS, tempDir, tokenizerTrainArgs } from './helpers.js';

/** Every run here waits as long as a loaded machine may need (nothing asserts on time). */
const gptft = slowGptft;

const dir = tempDir('gptft-demo-');
const base = join(dir, 'base');
const out = join(dir, 'demo');
const EVAL = 12;
let res: any;
let stdoutLines: string[];

/** A 2-layer, 32-wide GPT-2 with a 400-token BPE (ChatML tokens reserved), pretrained 8 steps; then the demo. */
beforeAll(async () => {
  const tok = join(dir, 'tok');
  const alice = join(repoRoot, 'data/gutenberg/pg11.txt');
  let r = await gptft(tokenizerTrainArgs(alice, tok));
  expect(r.code, r.stderr).toBe(0);
  r = await gptft([
    'pretrain',
    ...['--data', alice, '--tokenizer', tok, '--n-layer', '2', '--n-embd', '32', '--n-head', '2'],
    ...['--n-positions', '128', '--max-steps', '8', '--learning-rate', '5e-3'],
    ...['--per-device-train-batch-size', '4', '--eval-strategy', 'no', '--output-dir', base],
  ]);
  expect(r.code, r.stderr).toBe(0);
  r = await gptft([
    'demo',
    ...['--model', base, '--max-steps', '6', '--max-eval-samples', String(EVAL), '--samples', '2'],
    ...['--output-dir', out, '--json'],
  ]);
  res = okJson(r);
  stdoutLines = r.stdout.trim().split('\n');
}, 3 * SLOW_RUN_MS);

describe('gptft demo (6 steps on a tiny model)', () => {
  it('prints exactly one JSON object with the scores, the losses, the time and the output folder', () => {
    expect(stdoutLines).toHaveLength(1);
    for (const k of ['fact_accuracy_before', 'fact_accuracy_after']) {
      expect(res[k]).toBeGreaterThanOrEqual(0);
      expect(res[k]).toBeLessThanOrEqual(1);
    }
    expect(res.eval_loss_before).toBeTypeOf('number');
    // six steps of LoRA on the shop conversations lower the validation loss (seeded, one thread)
    expect(res.eval_loss_after).toBeLessThan(res.eval_loss_before);
    expect(res.seconds).toBeGreaterThan(0);
    expect(res.output_dir).toBe(out);
    expect(res.steps).toBe(6);
    expect(res.test_questions).toBe(EVAL);
    expect(res.correct_after).toBe(Math.round(res.fact_accuracy_after * EVAL));
    expect(res.samples).toHaveLength(2);
    for (const s of res.samples) expect(s.after).not.toMatch(/<\|im_(start|end)\|>/);
  });

  it('trains on the conversations the generator writes from data/shop/shop.json', async () => {
    const splits = generateShopConversations(await readShopFacts(join(repoRoot, 'data/shop/shop.json')), {
      seed: 42,
    });
    for (const s of ['train', 'validation', 'test'] as const) {
      expect(readFileSync(res.data[s], 'utf8')).toBe(toJsonl(splits[s]));
    }
  });

  it('gptft eval --task chat-facts gives the same fact accuracy, before (base) and after (adapter)', {
    timeout: 2 * SLOW_RUN_MS,
  }, async () => {
    for (const [model, key] of [
      [base, 'fact_accuracy_before'],
      [out, 'fact_accuracy_after'],
    ] as const) {
      const r = okJson(
        await gptft([
          ...['eval', '--task', 'chat-facts', '--model', model, '--data', res.data.test],
          ...['--max-eval-samples', String(EVAL), '--json'],
        ]),
      );
      expect(r.fact_accuracy).toBe(res[key]);
      expect(r.total).toBe(EVAL);
      expect(r.replies).toHaveLength(EVAL);
    }
  });

  it('writes report.html with the fact accuracy before and after', () => {
    const html = readFileSync(res.report, 'utf8');
    expect(html).toContain('fact_accuracy_before');
    expect(html).toContain('fact_accuracy_after');
    expect(html).toContain(res.samples[0].question.replace(/[?'&]/g, '').slice(0, 12));
  });

  it('gptft chat on the result answers the first held-out question as the demo scored it', {
    timeout: SLOW_RUN_MS,
  }, async () => {
    const r = await gptft(
      ['chat', '--model', out, '--greedy', '--max-new-tokens', '40', '--repetition-penalty', '1', '--json'],
      { input: `${res.samples[0].question}\n` },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).turns[0].assistant).toBe(res.samples[0].after);
  });

  it.each([
    [['--max-steps', '0'], '--max-steps must be ≥ 1, got 0'],
    [['--samples', '-1'], '--samples must be ≥ 0, got -1'],
    [['--seed', '-5'], '--seed must be in [0, 4294967295], got -5'],
  ])('refuses demo %j before doing anything', async (args, message) => {
    const r = await gptft(['demo', ...args, '--output-dir', join(dir, 'refused')]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toContain(message);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });
});
