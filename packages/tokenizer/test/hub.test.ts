/** fromPretrained with a hub repo id: real HTTP (loopback server in the hub's URL layout), HF cache. */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from '@gptft/hub/testing';
import { GPT2Tokenizer } from '../src/index.js';
import { GPT2_DIR } from './helpers.js';

const SHA = 'a'.repeat(40);
let hub: FakeHub;
let cacheDir: string;

beforeAll(async () => {
  const tokenizerConfig = {
    added_tokens_decoder: {
      '50256': {
        content: '<|endoftext|>',
        lstrip: false,
        normalized: true,
        rstrip: false,
        single_word: false,
        special: true,
      },
      '50257': {
        content: '<|im_start|>',
        lstrip: false,
        normalized: false,
        rstrip: false,
        single_word: false,
        special: true,
      },
      '50258': {
        content: '<|im_end|>',
        lstrip: false,
        normalized: false,
        rstrip: false,
        single_word: false,
        special: true,
      },
    },
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    eos_token: '<|im_end|>',
    model_max_length: 1024,
    tokenizer_class: 'GPT2Tokenizer',
  };
  hub = await new FakeHub([
    {
      type: 'model',
      id: 'gptft-test/gpt2-chat',
      commits: [
        {
          sha: SHA,
          refs: ['main'],
          files: {
            'vocab.json': await readFile(join(GPT2_DIR, 'vocab.json')),
            'merges.txt': await readFile(join(GPT2_DIR, 'merges.txt')),
            'tokenizer_config.json': Buffer.from(JSON.stringify(tokenizerConfig)),
            'config.json': Buffer.from('{"model_type": "gpt2"}'),
            'README.md': Buffer.from('# a chat fine-tune'),
          },
        },
      ],
    },
  ]).start();
  cacheDir = await mkdtemp(join(tmpdir(), 'gptft-tokenizer-hub-'));
});

afterAll(async () => {
  await hub.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('GPT2Tokenizer.fromPretrained(repoId)', () => {
  it('downloads only the tokenizer files into the HF cache and loads the added tokens', async () => {
    const tok = await GPT2Tokenizer.fromPretrained('gptft-test/gpt2-chat', { cacheDir, hubUrl: hub.url });
    const snapshot = join(cacheDir, 'models--gptft-test--gpt2-chat', 'snapshots', SHA);
    expect((await readdir(snapshot)).sort()).toEqual(['merges.txt', 'tokenizer_config.json', 'vocab.json']);
    expect(tok.vocabSize).toBe(50259);
    expect(tok.eosTokenId).toBe(50258);
    expect(tok.encode('<|im_start|>Hello, my name is<|im_end|>', { allowedSpecial: 'all' })).toEqual([
      50257, 15496, 11, 616, 1438, 318, 50258,
    ]);
    // Second time: from the cache, no HTTP.
    hub.requests.length = 0;
    await GPT2Tokenizer.fromPretrained('gptft-test/gpt2-chat', { cacheDir, hubUrl: hub.url });
    expect(hub.requests).toEqual([]);
  });

  it('an unknown repo fails with the hub error', async () => {
    await expect(
      GPT2Tokenizer.fromPretrained('gptft-test/nope', { cacheDir, hubUrl: hub.url }),
    ).rejects.toThrow(/gptft-test\/nope/);
  });
});
