import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  openCheckpoint,
  SafetensorsFile,
  type TensorToWrite,
  writeSafetensors,
} from '../src/index.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));
let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gptft-ckpt-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A safetensors file with a hand-written header (padded to 8 bytes) and `dataBytes` bytes of data. */
async function handMade(header: string | object, dataBytes: number): Promise<string> {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = Buffer.from(text.padEnd(Math.ceil(text.length / 8) * 8, ' '));
  const buf = Buffer.alloc(8 + json.length + dataBytes);
  buf.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(buf, 8);
  const path = join(tmp, `hand-${n++}.safetensors`);
  await writeFile(path, buf);
  return path;
}

async function openError(path: string): Promise<CheckpointError> {
  const err = await SafetensorsFile.open(path).catch((e) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  expect(err.file).toBe(path);
  expect(err.message.startsWith(path)).toBe(true);
  return err;
}

const t = (dtype: string, shape: number[], data_offsets: [number, number]) => ({
  dtype,
  shape,
  data_offsets,
});

describe('corrupt safetensors files give errors naming the file and tensor', () => {
  it('truncated file: the tensor whose bytes are missing is named', async () => {
    const bytes = await readFile(join(fixtures, 'lora/adapter_model.safetensors'));
    const path = join(tmp, 'truncated.safetensors');
    await writeFile(path, bytes.subarray(0, bytes.length - 100));
    const err = await openError(path);
    expect(err.tensor).toBe('base_model.model.transformer.h.1.attn.c_attn.lora_B.weight');
    expect(err.message).toMatch(/run past the end of the data.*truncated/);
    // Cut inside the header, and below 8 bytes.
    await writeFile(path, bytes.subarray(0, 100));
    expect((await openError(path)).message).toMatch(
      /header length 512 runs past the end of the file \(100 bytes\)/,
    );
    await writeFile(path, bytes.subarray(0, 5));
    expect((await openError(path)).message).toMatch(/5 bytes, too short/);
    await writeFile(path, Buffer.alloc(0));
    expect((await openError(path)).message).toMatch(/0 bytes/);
  });

  it('header length beyond the file, or absurdly large', async () => {
    const path = join(tmp, 'hugeheader.safetensors');
    const buf = Buffer.alloc(64);
    buf.writeBigUInt64LE(1000n, 0);
    await writeFile(path, buf);
    expect((await openError(path)).message).toMatch(/header length 1000 runs past the end/);
    buf.writeBigUInt64LE(2n ** 63n, 0);
    await writeFile(path, buf);
    expect((await openError(path)).message).toMatch(/exceeds the 100 MB limit/);
  });

  it('invalid JSON, not an object, bad dtype, bad shape, bad metadata', async () => {
    expect((await openError(await handMade('{"a": {"dtype": "F32",', 0))).message).toMatch(
      /header is not valid JSON/,
    );
    expect((await openError(await handMade('[1, 2]', 0))).message).toMatch(/does not start with "\{"/);
    let err = await openError(await handMade({ w: t('F17', [1], [0, 4]) }, 4));
    expect(err.tensor).toBe('w');
    expect(err.message).toMatch(/tensor "w": dtype: /);
    err = await openError(await handMade({ w: t('F32', [-1], [0, 4]) }, 4));
    expect(err.message).toMatch(/tensor "w": shape\.0: /);
    err = await openError(await handMade({ w: { dtype: 'F32', shape: [1] } }, 4));
    expect(err.message).toMatch(/tensor "w": data_offsets: /);
    err = await openError(await handMade({ __metadata__: { format: 1 }, w: t('F32', [1], [0, 4]) }, 4));
    expect(err.message).toMatch(/__metadata__: format: .*strings/);
  });

  it('dtype size × shape ≠ byteLength', async () => {
    const err = await openError(
      await handMade({ a: t('F32', [2, 2], [0, 8]), b: t('F16', [4], [8, 16]) }, 16),
    );
    expect(err.tensor).toBe('a');
    expect(err.message).toMatch(/dtype F32 × shape \[2, 2\] needs 16 bytes but data_offsets \[0, 8\] span 8/);
  });

  it('overlapping offsets, gaps, reversed and out-of-range offsets, trailing bytes', async () => {
    let err = await openError(await handMade({ a: t('F32', [4], [0, 16]), b: t('F32', [4], [8, 24]) }, 24));
    expect(err.tensor).toBe('b');
    expect(err.message).toMatch(/overlap tensor "a"/);
    err = await openError(await handMade({ a: t('F32', [4], [0, 16]), b: t('F32', [4], [20, 36]) }, 36));
    expect(err.tensor).toBe('b');
    expect(err.message).toMatch(/gap after tensor "a"/);
    err = await openError(await handMade({ a: t('F32', [4], [4, 20]) }, 20));
    expect(err.message).toMatch(/tensor "a": data_offsets start at 4, leaving a gap after the header/);
    err = await openError(await handMade({ a: t('F32', [4], [16, 0]) }, 16));
    expect(err.message).toMatch(/end before they begin/);
    err = await openError(await handMade({ a: t('F32', [4], [0, 16]), b: t('F32', [250], [16, 1016]) }, 24));
    expect(err.tensor).toBe('b');
    expect(err.message).toMatch(/data_offsets \[16, 1016\] run past the end of the data \(24 bytes/);
    err = await openError(await handMade({ a: t('F32', [4], [0, 16]) }, 20));
    expect(err.tensor).toBeUndefined();
    expect(err.message).toMatch(/4 unexpected bytes after the last tensor/);
  });

  it('a missing tensor, a missing file', async () => {
    const f = await SafetensorsFile.open(join(fixtures, 'lora/adapter_model.safetensors'));
    expect(() => f.getFloat32('nope')).toThrow(/adapter_model\.safetensors: tensor "nope": not found/);
    const err = await openError(join(tmp, 'does-not-exist.safetensors'));
    expect(err.message).toMatch(/cannot open/);
  });
});

describe('openCheckpoint', () => {
  it('opens a single-file checkpoint and says where each tensor is', async () => {
    const folder = join(fixtures, 'gpt2-tiny');
    const c = await openCheckpoint(folder);
    expect(c.sharded).toBe(false);
    expect(c.names().length).toBe(28);
    expect(c.shape('transformer.h.0.mlp.c_fc.weight')).toEqual([64, 256]);
    expect(c.dtype('transformer.h.0.mlp.c_fc.weight')).toBe('F32');
    expect(c.fileOf('transformer.wte.weight')).toBe(join(folder, 'model.safetensors'));
    expect(c.metadata).toEqual({ format: 'pt' });
    expect(() => c.getFloat32('lm_head.weight')).toThrow(
      /gpt2-tiny\/model\.safetensors: tensor "lm_head\.weight": not found in the checkpoint/,
    );
    const lora = await openCheckpoint(join(fixtures, 'lora'), { weightsName: 'adapter_model' });
    expect(lora.names().length).toBe(4);
  });

  /** The F32 fixture split into three shards with a transformers-style index. */
  async function makeSharded(name: string): Promise<{ folder: string; weightMap: Record<string, string> }> {
    const src = await SafetensorsFile.open(join(fixtures, 'gpt2-tiny/model.safetensors'));
    const folder = join(tmp, name);
    await mkdir(folder, { recursive: true });
    const names = src.names();
    const weightMap: Record<string, string> = {};
    const shards: Array<Record<string, TensorToWrite>> = [{}, {}, {}];
    names.forEach((tensor, i) => {
      const k = i % 3;
      const info = src.info(tensor);
      shards[k]![tensor] = { dtype: info.dtype, shape: info.shape, data: src.getBytes(tensor) };
      weightMap[tensor] = `model-0000${k + 1}-of-00003.safetensors`;
    });
    for (let k = 0; k < 3; k++) {
      await writeSafetensors(join(folder, `model-0000${k + 1}-of-00003.safetensors`), shards[k]!, {
        format: 'pt',
      });
    }
    await writeFile(
      join(folder, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 13298944 }, weight_map: weightMap }, null, 2),
    );
    return { folder, weightMap };
  }

  it('opens a sharded checkpoint: same tensors and values as the single file', async () => {
    const { folder, weightMap } = await makeSharded('sharded');
    const single = await openCheckpoint(join(fixtures, 'gpt2-tiny'));
    const c = await openCheckpoint(folder);
    expect(c.sharded).toBe(true);
    expect(c.files.length).toBe(3);
    expect(c.metadata).toEqual({ total_size: 13298944 });
    expect(c.names()).toEqual(single.names());
    for (const name of c.names()) {
      expect(c.fileOf(name)).toBe(join(folder, weightMap[name]!));
      expect(c.shape(name)).toEqual(single.shape(name));
      expect(Buffer.compare(Buffer.from(c.getBytes(name)), Buffer.from(single.getBytes(name)))).toBe(0);
    }
    expect(c.getFloat32('transformer.ln_f.weight')[0]).toBe(1.099609375);
  });

  it('missing shard, tensor absent from its shard, bad index, index escaping the folder', async () => {
    const { folder } = await makeSharded('broken');
    const shard2 = await readFile(join(folder, 'model-00002-of-00003.safetensors'));
    await rm(join(folder, 'model-00002-of-00003.safetensors'));
    let err = await openCheckpoint(folder).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.file).toBe(join(folder, 'model-00002-of-00003.safetensors'));
    expect(err.tensor).toBe('transformer.h.0.attn.c_attn.weight');
    expect(err.message).toMatch(/shard is missing \(listed in .*model\.safetensors\.index\.json/);

    const index = JSON.parse(await readFile(join(folder, 'model.safetensors.index.json'), 'utf8'));
    await copyFile(
      join(folder, 'model-00001-of-00003.safetensors'),
      join(folder, 'model-00002-of-00003.safetensors'),
    );
    err = await openCheckpoint(folder).catch((e) => e);
    expect(err.file).toBe(join(folder, 'model-00002-of-00003.safetensors'));
    expect(err.tensor).toBe('transformer.h.0.attn.c_attn.weight');
    expect(err.message).toMatch(/listed in .* weight_map but absent from this shard/);

    await writeFile(join(folder, 'model-00002-of-00003.safetensors'), shard2);
    expect((await openCheckpoint(folder)).names().length).toBe(28);
    index.weight_map['transformer.wte.weight'] = '../outside.safetensors';
    await writeFile(join(folder, 'model.safetensors.index.json'), JSON.stringify(index));
    err = await openCheckpoint(folder).catch((e) => e);
    expect(err.tensor).toBe('transformer.wte.weight');
    expect(err.message).toMatch(/points outside the folder/);

    await writeFile(join(folder, 'model.safetensors.index.json'), '{"weight_map": {"a": 3}}');
    err = await openCheckpoint(folder).catch((e) => e);
    expect(err.message).toMatch(/index\.json: weight_map\.a: /);
    await writeFile(join(folder, 'model.safetensors.index.json'), '{"weight_map": ');
    err = await openCheckpoint(folder).catch((e) => e);
    expect(err.message).toMatch(/index\.json: not valid JSON/);
  });

  it('a corrupt shard is reported when the checkpoint is opened', async () => {
    const { folder } = await makeSharded('corrupt-shard');
    const shard = join(folder, 'model-00003-of-00003.safetensors');
    const bytes = await readFile(shard);
    await writeFile(shard, bytes.subarray(0, bytes.length - 1));
    const err = await openCheckpoint(folder).catch((e) => e);
    expect(err.file).toBe(shard);
    expect(err.tensor).toBeDefined();
    expect(err.message).toMatch(/run past the end of the data/);
  });

  it('refuses pickle-only folders with instructions to convert, without reading the pickle', async () => {
    const folder = join(tmp, 'pickle-only');
    await mkdir(folder);
    await writeFile(join(folder, 'config.json'), '{}');
    // Not even a valid pickle: if it were opened and parsed, the error would be different.
    await writeFile(join(folder, 'pytorch_model.bin'), 'cos\nsystem\n(S"echo pwned"\ntR.');
    const err = await openCheckpoint(folder).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.file).toBe(folder);
    expect(err.message).toMatch(/only a pickle checkpoint \(pytorch_model\.bin\)/);
    expect(err.message).toMatch(/arbitrary code/);
    expect(err.message).toMatch(/save_pretrained\(.*safe_serialization=True\)/);
    expect(err.message).toMatch(/safetensors\.torch import save_file/);

    const empty = join(tmp, 'empty-folder');
    await mkdir(empty);
    expect((await openCheckpoint(empty).catch((e) => e)).message).toMatch(
      /no model\.safetensors or model\.safetensors\.index\.json/,
    );
    expect((await openCheckpoint(join(tmp, 'nope')).catch((e) => e)).message).toMatch(
      /cannot read the checkpoint folder/,
    );
  });
});
