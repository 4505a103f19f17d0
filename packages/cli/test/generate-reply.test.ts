// generateReply in process: the CLI's layer over @gptft/heads' generateStream.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2LMHeadModel } from '@gptft/heads';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReply } from '../src/generate-reply.js';
import { repoRoot } from './helpers.js';

const ref = join(repoRoot, 'fixtures/gpt2-tiny-ref');
const expected = JSON.parse(readFileSync(join(ref, 'expected.json'), 'utf8')) as {
  greedy: { prompt: string; greedy_ids: number[] }[];
};

describe('generateReply', () => {
  let model: GPT2LMHeadModel;
  let tokenizer: GPT2Tokenizer;
  beforeAll(async () => {
    await useBackend('wasm');
    model = await GPT2LMHeadModel.fromPretrained(join(ref, 'gpt2-tiny'));
    tokenizer = await GPT2Tokenizer.fromPretrained(join(ref, 'gpt2-tiny'));
  });
  afterAll(() => model.dispose());

  it('greedy ids are PyTorch’s; the streamed pieces join to the text; no tensor is left behind', async () => {
    const g = expected.greedy[0]!;
    const ids = tokenizer.encode(g.prompt);
    await generateReply(model, tokenizer, ids, { maxNewTokens: 2, doSample: false }); // warm-up
    const before = tf.memory().numTensors;
    const pieces: string[] = [];
    const r = await generateReply(model, tokenizer, ids, { maxNewTokens: 20, doSample: false }, (p) =>
      pieces.push(p),
    );
    expect(r.ids).toEqual(g.greedy_ids);
    expect(r.stopped).toBe(false);
    expect(pieces.join('')).toBe(r.text);
    expect(r.text).toBe(tokenizer.decode(r.ids, { skipSpecialTokens: true }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a stop id ends the reply and is left out of ids and text', async () => {
    const g = expected.greedy[0]!;
    const stop = g.greedy_ids[3]!;
    const first = g.greedy_ids.indexOf(stop);
    const r = await generateReply(model, tokenizer, tokenizer.encode(g.prompt), {
      maxNewTokens: 20,
      doSample: false,
      stopIds: [stop],
    });
    expect(r.stopped).toBe(true);
    expect(r.ids).toEqual(g.greedy_ids.slice(0, first));
  });

  it('sampling with a seed repeats', async () => {
    const ids = tokenizer.encode(expected.greedy[0]!.prompt);
    const settings = { maxNewTokens: 12, doSample: true, temperature: 0.9, topK: 20, seed: 7 };
    const a = await generateReply(model, tokenizer, ids, settings);
    const b = await generateReply(model, tokenizer, ids, settings);
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).toHaveLength(12);
  });
});
