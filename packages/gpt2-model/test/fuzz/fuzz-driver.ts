// Fuzz driver, run in a child process by ../fuzz.test.ts (so a hang or a crash is caught and
// named, not suffered): `tsx fuzz-driver.ts <safetensors|config> <seed> <count> <workDir>`.
// Input i is generated from SeededRandom(seed · 1e6 + i) alone, so any input can be regenerated.
// For each input it prints `start <i>`, then `loaded <i>`, `refused <i>` or
// `bad <i> <json: what went wrong>`; a refusal is good only when the error is the loader's own
// (CheckpointError / ConfigError) and names the file.
import '@gptft/backend-cpu';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom, tf, useBackend } from '@gptft/backend';
import { CheckpointError, openCheckpoint, SafetensorsFile, serializeSafetensors } from '@gptft/hub';
import { ConfigError, GPT2Config, GPT2Model } from '../../src/index.js';

const [target, seedArg, countArg, work] = process.argv.slice(2) as [string, string, string, string];
const seed = Number(seedArg);
const count = Number(countArg);

function pick<T>(r: SeededRandom, items: readonly T[]): T {
  return items[r.nextInt(items.length)]!;
}

const SPECIAL_NUMBERS = [
  0,
  -1,
  1,
  2,
  3,
  7,
  8,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 64,
  1e6,
  1e12,
  1e308,
];

/** A random JSON value, depth-limited; sometimes a deeply nested array. */
function jsonValue(r: SeededRandom, depth = 0): unknown {
  const k = r.nextInt(depth > 3 ? 6 : 9);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.nextInt(2) === 0;
    case 2:
      return pick(r, SPECIAL_NUMBERS) * (r.nextInt(4) === 0 ? -1 : 1);
    case 3:
      return r.nextInt(100_000) - 50_000;
    case 4:
      return pick(r, ['', 'gpt2', 'F32', 'x'.repeat(r.nextInt(300)), '\u0000', '../..', '__proto__', 'ü😀']);
    case 5:
      return r.nextFloat() * 10;
    case 6:
      return Array.from({ length: r.nextInt(5) }, () => jsonValue(r, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: r.nextInt(5) }, () => [
          pick(r, ['a', 'dtype', 'shape', '0', '__proto__']),
          jsonValue(r, depth + 1),
        ]),
      );
    default: {
      let v: unknown = 1;
      for (let i = 0, n = 1 + r.nextInt(1500); i < n; i++) v = [v];
      return v;
    }
  }
}

/** Byte-level mutations shared by both targets. */
function mutateBytes(r: SeededRandom, bytes: Uint8Array, from = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (r.nextInt(5)) {
    case 0: {
      for (let n = 1 + r.nextInt(8); n > 0 && out.length > from; n--) {
        out[from + r.nextInt(out.length - from)] = r.nextInt(256);
      }
      return out;
    }
    case 1:
      return out.subarray(0, r.nextInt(out.length + 1));
    case 2: {
      const at = from + r.nextInt(Math.max(1, out.length - from));
      const extra = Uint8Array.from({ length: 1 + r.nextInt(16) }, () => r.nextInt(256));
      return Uint8Array.from([...out.subarray(0, at), ...extra, ...out.subarray(at)]);
    }
    case 3: {
      const at = from + r.nextInt(Math.max(1, out.length - from));
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + 1 + r.nextInt(8))]);
    }
    default:
      return Uint8Array.from([...out, ...Array.from({ length: 1 + r.nextInt(64) }, () => r.nextInt(256))]);
  }
}

/** A valid safetensors file to mutate: every dtype family, an empty tensor, metadata. */
function baseSafetensors(r: SeededRandom): Uint8Array {
  const floats = (n: number) => Float32Array.from({ length: n }, () => r.nextFloat() * 4 - 2);
  return serializeSafetensors(
    {
      'transformer.wte.weight': { dtype: 'F32', shape: [4, 3], data: floats(12) },
      'h.0.attn.bias': { dtype: 'F16', shape: [5], data: floats(5) },
      step: { dtype: 'I64', shape: [2], data: new BigInt64Array([1n, -2n]) },
      mask: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      empty: { dtype: 'BF16', shape: [0, 4], data: new Float32Array(0) },
      bytes: { dtype: 'U8', shape: [1, 1, 2], data: new Uint8Array([7, 9]) },
    },
    { format: 'pt' },
  );
}

function headerOf(bytes: Uint8Array): { json: Record<string, any>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return {
    json: JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')),
    data: bytes.subarray(8 + n),
  };
}

function withHeader(json: unknown, data: Uint8Array, pad = true): Uint8Array {
  return withHeaderText(JSON.stringify(json) ?? 'null', data, pad);
}

function withHeaderText(text: string, data: Uint8Array, pad = true): Uint8Array {
  if (pad) while ((8 + Buffer.byteLength(text)) % 8 !== 0) text += ' ';
  const header = Buffer.from(text);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Structural lies in one tensor entry (or the header as a whole). */
function mutateHeader(r: SeededRandom, bytes: Uint8Array): Uint8Array {
  const { json, data } = headerOf(bytes);
  const names = Object.keys(json).filter((k) => k !== '__metadata__');
  const name = pick(r, names);
  const entry = json[name];
  switch (r.nextInt(10)) {
    case 0:
      entry.dtype = pick(r, ['F32', 'F64', 'I8', 'U64', 'F8_E4M3', 'F128', '', 5, null, 'f32']);
      break;
    case 1:
      entry.shape = pick(r, [
        [...entry.shape, 2],
        entry.shape.slice(1),
        [-1],
        [1.5, 2],
        [2 ** 53],
        ['3'],
        [2 ** 32, 2 ** 32],
        [0],
        null,
        Array.from({ length: 64 }, () => 2),
      ]);
      break;
    case 2: {
      const [b, e] = entry.data_offsets;
      entry.data_offsets = pick(r, [
        [e, b],
        [b, b + 1],
        [0, 2 ** 60],
        [-1, e],
        'x',
        [b, e, 0],
        [b + 1, e + 1],
        [0, e],
      ]);
      break;
    }
    case 3:
      delete json[name];
      break;
    case 4:
      entry[pick(r, ['extra', 'offsets', '__proto__'])] = jsonValue(r);
      break;
    case 5:
      json[pick(r, ['__proto__', '', 'constructor', `${name} `, 'h.0.attn.bias'])] = entry;
      delete json[name];
      break;
    case 6:
      json[`${name}.copy`] = { ...entry };
      break;
    case 7:
      json.__metadata__ = pick(r, [{ a: 1 }, 'str', null, [], { format: 'pt', x: { y: 1 } }]);
      break;
    case 8:
      if (r.nextInt(4) === 0) {
        const deep = 1 + r.nextInt(300_000); // nesting far past any recursion limit
        return withHeaderText(`{"a": ${'['.repeat(deep)}${']'.repeat(deep)}}`, data);
      }
      return withHeader(pick(r, [[], 5, 'x', null, true, jsonValue(r)]), data, r.nextInt(2) === 0);
    default:
      json[name] = jsonValue(r);
  }
  return withHeader(json, data, r.nextInt(4) !== 0);
}

/** The 8-byte header length set to something else. */
function mutateLength(r: SeededRandom, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  const n = view.getBigUint64(0, true);
  view.setBigUint64(
    0,
    pick(r, [
      0n,
      1n,
      n - 1n,
      n + 1n,
      n + 8n,
      2n ** 53n,
      2n ** 64n - 1n,
      100_000_000n,
      100_000_001n,
      BigInt(out.length),
    ]),
    true,
  );
  return out;
}

function safetensorsInput(r: SeededRandom): Uint8Array {
  const base = baseSafetensors(r);
  const headerEnd = 8 + Number(new DataView(base.buffer).getBigUint64(0, true));
  switch (r.nextInt(6)) {
    case 0:
      return Uint8Array.from({ length: r.nextInt(600) }, () => r.nextInt(256));
    case 1:
      return mutateBytes(r, base);
    case 2:
      return mutateBytes(r, base.subarray(0, headerEnd), 8); // header only: tensors past the end
    case 3:
      return mutateLength(r, base);
    case 4:
      return base;
    default:
      return mutateHeader(r, base);
  }
}

/** Reads every tensor of an accepted file the way a loader would. */
function readAll(f: {
  names(): string[];
  info(n: string): { dtype: string };
  getFloat32(n: string): Float32Array;
  getInt(n: string): unknown;
}): void {
  for (const n of f.names()) {
    const dtype = f.info(n).dtype;
    if (/^(F|BF)/.test(dtype) && !dtype.startsWith('F8')) f.getFloat32(n);
    else if (!dtype.startsWith('F8')) f.getInt(n);
  }
}

function namesFile(e: unknown, ...files: string[]): boolean {
  return (
    (e instanceof CheckpointError || e instanceof ConfigError) &&
    files.some((f) => (e as Error).message.includes(f))
  );
}

function describeBad(e: unknown): string {
  const err = e as Error;
  return JSON.stringify({ name: err?.name, message: String(err?.message ?? err).slice(0, 300) });
}

async function fuzzSafetensors(i: number, r: SeededRandom): Promise<'loaded' | 'refused' | string> {
  const bytes = safetensorsInput(r);
  const dir = join(work, `st-${i}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'model.safetensors');
  writeFileSync(file, bytes);
  let outcome: 'loaded' | 'refused' | string = 'loaded';
  try {
    readAll(await SafetensorsFile.open(file));
    const ckpt = await openCheckpoint(dir);
    readAll({ ...ckpt, info: (n) => ckpt.info(n) });
  } catch (e) {
    outcome = namesFile(e, file) ? 'refused' : describeBad(e);
  }
  // The same bytes from memory: the same verdict, naming the label.
  try {
    readAll(SafetensorsFile.fromBytes(bytes, `bytes-${i}`));
    if (outcome !== 'loaded') outcome = JSON.stringify({ mismatch: `open: ${outcome}, fromBytes: loaded` });
  } catch (e) {
    if (!namesFile(e, `bytes-${i}`)) outcome = describeBad(e);
    else if (outcome === 'loaded') outcome = JSON.stringify({ mismatch: 'open: loaded, fromBytes refused' });
  }
  rmSync(dir, { recursive: true, force: true });
  return outcome;
}

let tiny: { config: Record<string, unknown>; weights: Uint8Array } | undefined;

/** A tiny checkpoint (2 blocks, 8 wide, 96 tokens, 16 positions): loading it is cheap. */
async function tinyCheckpoint(): Promise<NonNullable<typeof tiny>> {
  if (tiny) return tiny;
  const model = new GPT2Model(
    new GPT2Config({ vocabSize: 96, nEmbd: 8, nHead: 2, nLayer: 2, nPositions: 16 }),
    {
      seed: 1,
    },
  );
  const dir = join(work, 'tiny');
  await model.savePretrained(dir);
  model.dispose();
  const { readFileSync } = await import('node:fs');
  tiny = {
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    weights: readFileSync(join(dir, 'model.safetensors')),
  };
  return tiny;
}

const CONFIG_KEYS = [
  'vocab_size',
  'n_positions',
  'n_embd',
  'n_layer',
  'n_head',
  'n_inner',
  'activation_function',
  'layer_norm_epsilon',
  'resid_pdrop',
  'model_type',
  'hidden_size',
  'num_hidden_layers',
  'max_position_embeddings',
  'num_attention_heads',
  'id2label',
  'label2id',
  'num_labels',
  'bos_token_id',
  'pad_token_id',
  'tie_word_embeddings',
  'architectures',
  'problem_type',
  'unknown_key',
];

function configText(r: SeededRandom, base: Record<string, unknown>): Uint8Array {
  const json: Record<string, unknown> = { ...base };
  switch (r.nextInt(6)) {
    case 0:
      return Buffer.from(JSON.stringify(jsonValue(r)) ?? '');
    case 1:
      return mutateBytes(r, Buffer.from(JSON.stringify(json, null, 2)));
    case 2: {
      const deep = 1 + r.nextInt(300_000); // nesting far past any recursion limit, inside a field
      const nested = `${'['.repeat(deep)}${']'.repeat(deep)}`;
      return Buffer.from(
        pick(r, [
          `{"architectures": ${nested}}`,
          `{"n_layer": 2, "task_specific_params": {"a": ${nested}}}`,
          `{"id2label": {"0": ${nested}}}`,
          '',
          '\ufeff{}',
          '{',
          `{"n_layer": 1${'0'.repeat(400)}}`,
          `{"n_layer": 1e309}`,
          `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
          '{"n_embd": 8, "n_embd": 4096}',
          'null',
        ]),
      );
    }
    case 3:
      delete json[pick(r, CONFIG_KEYS)];
      break;
    default:
      for (let n = 1 + r.nextInt(3); n > 0; n--) json[pick(r, CONFIG_KEYS)] = jsonValue(r);
  }
  return Buffer.from(JSON.stringify(json));
}

async function fuzzConfig(i: number, r: SeededRandom): Promise<'loaded' | 'refused' | string> {
  const { config, weights } = await tinyCheckpoint();
  const dir = join(work, `cfg-${i}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), configText(r, config));
  writeFileSync(join(dir, 'model.safetensors'), weights);
  const before = tf.memory().numTensors;
  let outcome: 'loaded' | 'refused' | string;
  try {
    (await GPT2Model.fromPretrained(dir)).dispose();
    outcome = 'loaded';
  } catch (e) {
    outcome = namesFile(e, join(dir, 'config.json'), join(dir, 'model.safetensors'))
      ? 'refused'
      : describeBad(e);
  }
  if (tf.memory().numTensors !== before) outcome = JSON.stringify({ leak: tf.memory().numTensors - before });
  rmSync(dir, { recursive: true, force: true });
  return outcome;
}

await useBackend('cpu');
mkdirSync(work, { recursive: true });
for (let i = 0; i < count; i++) {
  process.stdout.write(`start ${i}\n`);
  const r = new SeededRandom(seed * 1_000_000 + i);
  const outcome = target === 'safetensors' ? await fuzzSafetensors(i, r) : await fuzzConfig(i, r);
  process.stdout.write(
    outcome === 'loaded' || outcome === 'refused' ? `${outcome} ${i}\n` : `bad ${i} ${outcome}\n`,
  );
}
