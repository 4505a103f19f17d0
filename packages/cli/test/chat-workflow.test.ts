import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2LMHeadModel } from '@gptft/heads';
import { PeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSftConfig, prepareSftBatches } from '@gptft/trainer';
import { readConversations } from '../src/chat-data.js';
import { prepareChatFormat } from '../src/chat-setup.js';
import { gptft, okJson, repoRoot, tempDir, tinyModel } from './helpers.js';

const dir = tempDir();
const base = join(dir, 'base');
const chatData = join(dir, 'chat.jsonl');
const adapter = join(dir, 'adapter');
const merged = join(dir, 'merged');

/** A small base model made with the CLI itself: a 400-token BPE and a 2-layer GPT-2, 8 steps. */
beforeAll(async () => {
  await useBackend('wasm');
  await tinyModel(dir, 'base', {
    nPositions: 96,
    extra: ['--max-steps', '8', '--learning-rate', '5e-3', '--per-device-train-batch-size', '4'],
  });
  const convs = JSON.parse(
    readFileSync(join(repoRoot, 'data/chat/dummy_conversation.json'), 'utf8'),
  ) as unknown[];
  writeFileSync(
    chatData,
    `${convs
      .slice(0, 40)
      .map((c) => JSON.stringify(c))
      .join('\n')}\n`,
  );
});

describe('chat fine-tuning from the command line', () => {
  it('sft trains on exactly the assistant replies plus <|im_end|> (real multi-turn ShareGPT data)', async () => {
    // What `gptft sft` hands SFTTrainer: the tokenizer after prepareChatFormat and {messages} records.
    const tokenizer = await GPT2Tokenizer.fromPretrained(base);
    const model = await GPT2LMHeadModel.fromPretrained(base);
    expect(prepareChatFormat(model, tokenizer)).toBe(0); // the trained vocabulary has the ChatML tokens
    model.dispose();
    const convs = (await readConversations([join(repoRoot, 'data/chat/dummy_conversation.json')])).slice(
      0,
      30,
    );
    const { training, sft } = parseSftConfig({ maxLength: 10_000 });
    expect(training.perDeviceTrainBatchSize).toBe(8);
    const { batches, stats } = prepareSftBatches(
      convs.map((messages) => ({ messages })),
      { tokenizer, sft, batchSize: 1, padTokenId: tokenizer.padTokenId! },
    );
    expect(stats.examples).toBe(30);
    expect(stats.dropped).toBe(0);
    for (const [i, b] of batches.entries()) {
      const ids = Array.from(b.inputIds);
      const labels = Array.from(b.labels);
      // Each maximal run of labelled positions decodes to one assistant reply followed by <|im_end|>.
      const runs: number[][] = [];
      labels.forEach((l, j) => {
        if (l === -100) return;
        expect(l).toBe(ids[j]);
        if (j > 0 && labels[j - 1] !== -100) runs[runs.length - 1]!.push(l);
        else runs.push([l]);
      });
      const replies = convs[i]!.filter((m) => m.role === 'assistant').map((m) => `${m.content}<|im_end|>`);
      expect(runs.map((r) => tokenizer.decode(r))).toEqual(replies);
    }
  });

  it('sft trains a LoRA adapter and saves it with the chat template and report.html', async () => {
    const r = await gptft([
      'sft',
      '--model',
      base,
      '--data',
      chatData,
      '--output-dir',
      adapter,
      '--max-steps',
      '4',
      '--learning-rate',
      '3e-2',
      '--per-device-train-batch-size',
      '4',
      '--lora-target-modules',
      'c_attn',
      'c_fc',
      '--validation-split-percentage',
      '10',
      '--eval-steps',
      '2',
      '--sample-prompt',
      'Who are you?',
      '--json',
    ]);
    const out = okJson(r);
    expect(out.losses).toHaveLength(4);
    expect(out.samples[0].prompt).toBe('Who are you?');
    for (const f of [
      'adapter_config.json',
      'adapter_model.safetensors',
      'tokenizer_config.json',
      'generation_config.json',
      'report.html',
      'loss-curve.svg',
    ]) {
      expect(existsSync(join(adapter, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(adapter, 'tokenizer_config.json'), 'utf8')).chat_template).toContain(
      '<|im_start|>',
    );
    expect(
      JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8')).base_model_name_or_path,
    ).toBe(base);
  });

  it('chat over piped stdin keeps the history, and /system and /reset start over', async () => {
    const input = 'Who are you?\nAnd what else?\n/reset\nHello\n/system Be brief.\nBye\n/exit\nnever read\n';
    const r = await gptft(['chat', '--model', adapter, '--greedy', '--max-new-tokens', '8', '--verbose'], {
      input,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/assistant> /g)).toHaveLength(4);
    expect(r.stdout).toContain('(conversation reset)');
    expect(r.stdout).toContain('(system: Be brief.; conversation reset)');
    const prompts = [...r.stderr.matchAll(/prompt: \d+ tokens, (\d+) messages( \+ system)?/g)].map(
      (m) => `${m[1]}${m[2] ?? ''}`,
    );
    expect(prompts).toEqual(['1', '3', '1', '1 + system']); // turn 2 sees turn 1; /reset and /system forget it
    const j = await gptft(['chat', '--model', adapter, '--greedy', '--max-new-tokens', '8', '--json'], {
      input: 'Who are you?\nHi\n',
    });
    const turns = JSON.parse(j.stdout).turns;
    expect(turns.map((t: { user: string }) => t.user)).toEqual(['Who are you?', 'Hi']);
    for (const t of turns) expect(t.assistant).not.toMatch(/<\|im_(start|end)\|>/);
  });

  it('merge writes a plain checkpoint whose logits equal the PEFT model’s', async () => {
    const r = await gptft(['merge', '--model', base, '--adapter', adapter, '--output-dir', merged]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(merged, 'adapter_config.json'))).toBe(false);
    const ids = [[5, 60, 7, 200, 33, 1, 90, 12]];
    const plain = await GPT2LMHeadModel.fromPretrained(base);
    const baseLogits = plain.forward({ inputIds: ids }).logits;
    const peft = await PeftModel.fromPretrained(plain.transformer, adapter);
    const peftLogits = plain.forward({ inputIds: ids }).logits;
    const m = await GPT2LMHeadModel.fromPretrained(merged);
    const mergedLogits = m.forward({ inputIds: ids }).logits;
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    expect(maxDiff(peftLogits, mergedLogits)).toBeLessThan(1e-5);
    expect(maxDiff(peftLogits, baseLogits)).toBeGreaterThan(1e-3); // the adapter does change the model
    for (const t of [baseLogits, peftLogits, mergedLogits]) t.dispose();
    peft.unload();
    plain.dispose();
    m.dispose();
  });
});
