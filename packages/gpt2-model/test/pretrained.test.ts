// fromPretrained / savePretrained: HF folder layouts in and out, atomic writes, clear errors.
import '@gptft/backend-wasm';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { CheckpointError, SafetensorsFile, type TensorToWrite, writeSafetensors } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Model } from '../src/index.js';
import { FIXTURES, maxAbsDiff } from './helpers.js';

let work: string;
let model: GPT2Model;

beforeAll(async () => {
  await useBackend('wasm');
  work = await mkdtemp(join(tmpdir(), 'gptft-gpt2-'));
  model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(async () => {
  model.dispose();
  await rm(work, { recursive: true, force: true });
});

/** A copy of a fixture folder with its model.safetensors rewritten by `edit`. */
async function variant(
  from: string,
  name: string,
  edit: (tensors: Record<string, TensorToWrite>) => void,
): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(FIXTURES, from, 'config.json'), join(dir, 'config.json'));
  const file = await SafetensorsFile.open(join(FIXTURES, from, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const [n, info] of file.tensors)
    tensors[n] = { dtype: info.dtype, shape: [...info.shape], data: file.getBytes(n) };
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return dir;
}

async function expectNoLeak(fn: () => Promise<unknown>): Promise<unknown> {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(tf.memory().numTensors).toBe(before);
  return error;
}

describe('loading', () => {
  it('F32-prefixed and F16-unprefixed checkpoints hold the same model', async () => {
    const { model: f16, plan } = await GPT2Model.loadPretrained(`${FIXTURES}gpt2-tiny-hub-f16`);
    for (const [name, p] of model.namedParameters()) {
      expect(maxAbsDiff(p.dataSync(), f16.getParameter(name).dataSync()), name).toBe(0);
    }
    expect(plan.keys.get('h.0.attn.c_attn.weight')).toBe('h.0.attn.c_attn.weight');
    expect(plan.ignoredKeys).toEqual(['h.0.attn.bias', 'h.1.attn.bias']);
    expect(plan.unusedKeys).toEqual([]);
    expect(f16.training).toBe(false);
    f16.dispose();
  });

  it("leaves a head's tensors to the head: unusedKeys + the open checkpoint", async () => {
    const loaded = await GPT2Model.loadPretrained(`${FIXTURES}seqcls`);
    expect(loaded.plan.unusedKeys).toEqual(['score.weight']);
    expect(loaded.checkpoint.shape('score.weight')).toEqual([3, 64]);
    expect(loaded.model.config.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    loaded.model.dispose();
  });

  it('accepts a tied lm_head.weight in the file and reports it unused', async () => {
    const dir = await variant('gpt2-tiny', 'with-lm-head', (t) => {
      t['lm_head.weight'] = t['transformer.wte.weight']!;
    });
    const loaded = await GPT2Model.loadPretrained(dir);
    expect(loaded.plan.unusedKeys).toEqual(['lm_head.weight']);
    loaded.model.dispose();
  });

  it('names file and tensor for a missing tensor, and leaks nothing', async () => {
    const dir = await variant('gpt2-tiny', 'missing', (t) => {
      delete t['transformer.h.1.mlp.c_fc.bias'];
    });
    const e = await expectNoLeak(() => GPT2Model.fromPretrained(dir));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toContain(join(dir, 'model.safetensors'));
    expect((e as Error).message).toContain('transformer.h.1.mlp.c_fc.bias');
  });

  it('names file and tensor for a shape that does not match the config', async () => {
    const dir = await variant('gpt2-tiny', 'wrong-shape', () => {});
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, n_positions: 64, n_ctx: 64 }));
    const e = await expectNoLeak(() => GPT2Model.fromPretrained(dir));
    // Found from the header, before the model is built: config.json, its field and the tensor.
    expect((e as Error).message).toBe(
      `${join(dir, 'config.json')}: n_positions: is 64 but ${join(dir, 'model.safetensors')}'s transformer.wpe.weight has shape [128, 64]`,
    );
    // A tensor whose shape config.json does not decide on its own is named by the weight check.
    const bad = await variant('gpt2-tiny', 'wrong-proj', (t) => {
      t['transformer.h.1.attn.c_proj.weight'] = {
        dtype: 'F32',
        shape: [64, 32],
        data: new Float32Array(2048),
      };
    });
    const e2 = await expectNoLeak(() => GPT2Model.fromPretrained(bad));
    expect((e2 as Error).message).toBe(
      `${join(bad, 'model.safetensors')}: tensor "transformer.h.1.attn.c_proj.weight": has shape [64, 32] but the config needs [64, 64] for h.1.attn.c_proj.weight`,
    );
  });

  it('names the file of a truncated checkpoint, and leaks nothing', async () => {
    const dir = await variant('gpt2-tiny', 'truncated', () => {});
    await truncate(join(dir, 'model.safetensors'), 1_000_000);
    const e = await expectNoLeak(() => GPT2Model.fromPretrained(dir));
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toContain(join(dir, 'model.safetensors'));
  });

  it('names file and tensor of a non-float weight', async () => {
    const dir = await variant('gpt2-tiny', 'int-weight', (t) => {
      t['transformer.ln_f.bias'] = { dtype: 'I32', shape: [64], data: new Int32Array(64) };
    });
    const e = await expectNoLeak(() => GPT2Model.fromPretrained(dir));
    expect((e as Error).message).toContain('tensor "transformer.ln_f.bias": has dtype I32');
  });

  it('refuses a pickle-only folder and explains how to convert it', async () => {
    const dir = join(work, 'pickle');
    await mkdir(dir, { recursive: true });
    await copyFile(join(FIXTURES, 'gpt2-tiny', 'config.json'), join(dir, 'config.json'));
    await writeFile(join(dir, 'pytorch_model.bin'), 'not loaded');
    const e = await expectNoLeak(() => GPT2Model.fromPretrained(dir));
    expect((e as Error).message).toContain('pickle');
    expect((e as Error).message).toContain('safetensors');
  });

  it('names the config file and field for an invalid config', async () => {
    const dir = await variant('gpt2-tiny', 'bad-config', () => {});
    await writeFile(join(dir, 'config.json'), JSON.stringify({ n_embd: 64, n_head: 5 }));
    const e = await expectNoLeak(() => GPT2Model.fromPretrained(dir));
    expect((e as Error).message).toBe(
      `${join(dir, 'config.json')}: n_embd (64) must be divisible by n_head (5)`,
    );
  });
});

describe('saving', () => {
  it('round-trips bit-exactly in float32, in the layout transformers saves GPT2LMHeadModel', async () => {
    const dir = join(work, 'saved-f32');
    await model.savePretrained(dir);
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    expect(file.metadata).toEqual({ format: 'pt' });
    const keys = [...file.tensors.keys()].sort();
    expect(keys).toEqual(
      model
        .namedParameters('transformer')
        .map(([n]) => n)
        .sort(),
    );
    expect(keys).not.toContain('lm_head.weight');
    expect([...file.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'gpt2', n_embd: 64, torch_dtype: 'float32', n_ctx: 128 });
    const back = await GPT2Model.fromPretrained(dir);
    for (const [name, p] of model.namedParameters()) {
      expect(
        Buffer.from(p.dataSync().buffer).equals(Buffer.from(back.getParameter(name).dataSync().buffer)),
        name,
      ).toBe(true);
    }
    back.dispose();
  });

  it('float16 save matches the hub-style F16 checkpoint tensor for tensor', async () => {
    const dir = join(work, 'saved-f16');
    await model.savePretrained(dir, { dtype: 'float16' });
    const ours = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const hub = await SafetensorsFile.open(join(FIXTURES, 'gpt2-tiny-hub-f16', 'model.safetensors'));
    for (const [name, info] of ours.tensors) {
      expect(info.dtype).toBe('F16');
      expect(
        Buffer.from(ours.getBytes(name)).equals(Buffer.from(hub.getBytes(name.replace('transformer.', '')))),
        name,
      ).toBe(true);
    }
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).torch_dtype).toBe('float16');
  });

  it('bfloat16 save loads back within bfloat16 precision', async () => {
    const dir = join(work, 'saved-bf16');
    await model.savePretrained(dir, { dtype: 'bfloat16' });
    const back = await GPT2Model.fromPretrained(dir);
    const w = model.getParameter('h.0.mlp.c_fc.weight').dataSync();
    const b = back.getParameter('h.0.mlp.c_fc.weight').dataSync();
    for (let i = 0; i < w.length; i++)
      expect(Math.abs(w[i]! - b[i]!)).toBeLessThanOrEqual(Math.abs(w[i]!) * 2 ** -8);
    back.dispose();
  });

  it('shards past maxShardSize with an index transformers reads, and loads the shards back', async () => {
    const dir = join(work, 'sharded');
    await model.savePretrained(dir, { maxShardSize: '5MB' });
    const files = (await readdir(dir)).sort();
    expect(files).toEqual([
      'config.json',
      'model-00001-of-00002.safetensors', // wte alone: bigger than a shard
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata.total_size).toBe(model.numParameters() * 4);
    expect(Object.keys(index.weight_map).length).toBe(28);
    expect(index.weight_map['transformer.wte.weight']).toBe('model-00001-of-00002.safetensors');
    expect(index.weight_map['transformer.ln_f.bias']).toBe('model-00002-of-00002.safetensors');
    const back = await GPT2Model.fromPretrained(dir);
    for (const [name, p] of model.namedParameters())
      expect(maxAbsDiff(p.dataSync(), back.getParameter(name).dataSync())).toBe(0);
    back.dispose();
    // Saving unsharded into the same folder removes the stale shards.
    await model.savePretrained(dir);
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('lets a head add tensors, config fields and files', async () => {
    const dir = join(work, 'with-head');
    const score = tf.randomNormal([3, 64], 0, 0.02, 'float32', 1);
    await model.savePretrained(dir, {
      extraTensors: { 'score.weight': score },
      extraConfig: { architectures: ['GPT2ForSequenceClassification'], id2label: { 0: 'a', 1: 'b', 2: 'c' } },
      extraFiles: { 'generation_config.json': '{}\n' },
    });
    const loaded = await GPT2Model.loadPretrained(dir);
    expect(loaded.plan.unusedKeys).toEqual(['score.weight']);
    expect(maxAbsDiff(loaded.checkpoint.getFloat32('score.weight'), score.dataSync())).toBe(0);
    expect(loaded.model.config.architectures).toEqual(['GPT2ForSequenceClassification']);
    expect(await readFile(join(dir, 'generation_config.json'), 'utf8')).toBe('{}\n');
    loaded.model.dispose();
    score.dispose();
  });

  it('a failing save leaves the previous folder exactly as it was (and keeps unrelated files)', async () => {
    const dir = join(work, 'atomic');
    await model.savePretrained(dir);
    await writeFile(join(dir, 'tokenizer.json'), '{"kept": true}');
    const sha = async (f: string) =>
      createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex');
    const snapshot = async () =>
      Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (f) => [f, await sha(f)])));
    const before = await snapshot();
    const disposed = tf.zeros([2]);
    disposed.dispose();
    await expect(
      model.savePretrained(dir, { dtype: 'float16', extraTensors: { 'x.weight': disposed } }),
    ).rejects.toThrow('tensor "x.weight" is disposed');
    expect(await snapshot()).toEqual(before);
    expect((await readdir(work)).filter((f) => f.startsWith('.atomic'))).toEqual([]);
    // A successful save keeps the unrelated file.
    await model.savePretrained(dir, { dtype: 'float16' });
    expect(await readFile(join(dir, 'tokenizer.json'), 'utf8')).toBe('{"kept": true}');
    await expect(model.savePretrained(dir, { safeSerialization: false })).rejects.toThrow('safetensors only');
  });
});
