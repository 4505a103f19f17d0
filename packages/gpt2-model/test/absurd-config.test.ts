// An absurd or mismatched config.json is refused before anything is allocated, naming config.json
// and the field: no minutes of allocation ending in a heap error, no "Invalid typed array length".
import '@gptft/backend-wasm';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, ConfigError, GPT2Config, GPT2Model } from '../src/index.js';
import { FIXTURES } from './helpers.js';

let work: string;
beforeAll(async () => {
  await useBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'gptft-absurd-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The gpt2-tiny fixture (2 layers, 64 wide, 128 positions, 50257 tokens) with config.json changed. */
async function withConfig(name: string, change: Record<string, unknown>): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const config = JSON.parse(await readFile(join(FIXTURES, 'gpt2-tiny', 'config.json'), 'utf8'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, ...change }));
  await copyFile(join(FIXTURES, 'gpt2-tiny', 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

describe('absurd config.json values are refused before allocating', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['n_layer 1e6', { n_layer: 1_000_000 }, 'n_layer', /n_layer: must be at most 1024 \(got 1000000\)/],
    ['a huge vocab_size', { vocab_size: 1e12 }, 'vocab_size', /vocab_size: must be at most 16777216/],
    ['a huge n_embd', { n_embd: 1 << 20, n_head: 1 }, 'n_embd', /n_embd: must be at most 65536/],
    ['huge n_positions', { n_positions: 1e9 }, 'n_positions', /n_positions: must be at most 1048576/],
    [
      'vocab_size × n_embd past one tensor',
      { vocab_size: 16_000_000, n_embd: 4096, n_head: 4 },
      'vocab_size',
      /vocab_size × n_embd \(16000000 × 4096\) = 65536000000 elements for wte\.weight, more than one tensor can hold/,
    ],
    [
      'too many parameters in total',
      { n_layer: 1024, n_embd: 8192, n_head: 8 },
      'n_layer',
      /1024 blocks of width 8192 make 8\.25e\+11 parameters, more than gptft can hold/,
    ],
    // Within the bounds, but not what the checkpoint holds: named from the safetensors header.
    [
      'n_layer 3 for a 2-block checkpoint',
      { n_layer: 3 },
      'n_layer',
      /n_layer: is 3 but .*model\.safetensors holds 2 blocks \(h\.0 … h\.1\)/,
    ],
    [
      'vocab_size 2,000,000 for a 50257-row wte',
      { vocab_size: 2_000_000 },
      'vocab_size',
      /vocab_size: is 2000000 but .*model\.safetensors's transformer\.wte\.weight has shape \[50257, 64\]/,
    ],
    ['n_embd 128 for a 64-wide checkpoint', { n_embd: 128 }, 'n_embd', /n_embd: is 128 but .*\[50257, 64\]/],
    [
      'n_positions 100000',
      { n_positions: 100_000 },
      'n_positions',
      /n_positions: is 100000 but .*wpe\.weight has shape \[128, 64\]/,
    ],
    [
      'n_inner 100000',
      { n_inner: 100_000 },
      'n_inner',
      /n_inner: is 100000 but .*c_fc\.weight has shape \[64, 256\]/,
    ],
  ];
  for (const [what, change, field, message] of cases) {
    it(`${what}: ConfigError naming config.json and ${field}, nothing allocated`, async () => {
      const dir = await withConfig(field + Object.values(change).join('-'), change);
      const before = tf.memory().numTensors;
      const err = await GPT2Model.fromPretrained(dir).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain(join(dir, 'config.json'));
      expect(err.message).toMatch(message);
      expect(err.field).toBe(field);
      expect(err.source).toBe(join(dir, 'config.json'));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the bounds hold for configs built in code too, and every GPT-2 size is inside them', () => {
    expect(() => new GPT2Config({ nLayer: 2000 })).toThrow(/n_layer: must be at most 1024/);
    for (const [nLayer, nEmbd, nHead] of [
      [12, 768, 12],
      [24, 1024, 16],
      [36, 1280, 20],
      [48, 1600, 25],
    ] as const) {
      expect(new GPT2Config({ nLayer, nEmbd, nHead }).nLayer).toBe(nLayer);
    }
    expect(CONFIG_LIMITS.n_layer).toBe(1024);
  });
});

describe('ConfigError fields', () => {
  it('names the file and the field for a parse error', async () => {
    const dir = await withConfig('neg', { n_head: -3 });
    const err = await GPT2Config.fromFile(join(dir, 'config.json')).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/config\.json: n_head: .*\(got -3\)/);
  });

  it('refuses a value nested past any recursion limit, and shows Infinity as Infinity (found by fuzz.test.ts)', async () => {
    const dir = join(work, 'deep');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'config.json');
    await writeFile(file, `{"architectures": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    const deep = await GPT2Config.fromFile(file).catch((e) => e);
    expect(deep).toBeInstanceOf(ConfigError); // was a bare RangeError: Maximum call stack size exceeded
    expect(deep.message).toBe(`${file}: architectures: nested more than 64 levels deep`);
    await writeFile(file, '{"n_layer": 1e309}');
    expect((await GPT2Config.fromFile(file).catch((e) => e)).message).toMatch(/n_layer: .*\(got Infinity\)/);
  });
});
