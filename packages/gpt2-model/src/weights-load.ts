import { type CheckpointReader, CheckpointError } from '@gptft/hub';
import { tf } from '@gptft/backend';
import type { GPT2Config } from './config.js';
import { ConfigError } from './errors.js';
import { countNonFinite, type NonFiniteTensor } from './load-warnings.js';
import type { Module } from './module.js';

/** Keys of the causal-mask buffers old transformers versions saved; they are not weights. */
export const IGNORED_BUFFER = /^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$/;

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Where each of a module's parameters is found in a checkpoint, and what is left over. */
export interface WeightsPlan {
  /** Parameter name (as in `namedParameters()`, without prefix) → checkpoint key. */
  keys: Map<string, string>;
  /** Checkpoint keys neither matched nor ignored (e.g. `lm_head.weight`, `score.weight`). */
  unusedKeys: string[];
  /** Buffers skipped on purpose (`h.N.attn.bias`, `h.N.attn.masked_bias`). */
  ignoredKeys: string[];
  /** Loaded tensors holding NaN or Inf values (filled by {@link loadWeights}). */
  nonFinite: NonFiniteTensor[];
}

function where(reader: CheckpointReader): string {
  return reader.files.length === 1 ? reader.files[0]! : reader.folder;
}

/**
 * Checks config.json's sizes against the checkpoint's tensor shapes, read from the safetensors
 * headers (no tensor data is read and nothing is allocated), so that a config that does not
 * describe the checkpoint is named before the model is built: `vocab_size` and `n_embd` against
 * `wte.weight`, `n_positions` against `wpe.weight`, `n_layer` against the blocks `h.N` (no fewer), `n_inner`
 * against `h.0.mlp.c_fc.weight`. Tensors that are missing are left to {@link planWeights}. Throws a
 * `ConfigError` naming `configFile`, the field and the checkpoint file.
 */
export function checkConfigAgainstCheckpoint(
  config: GPT2Config,
  reader: CheckpointReader,
  configFile: string,
  prefixes: readonly string[] = ['transformer.', ''],
): void {
  const find = (name: string) => prefixes.map((pre) => pre + name).find((k) => reader.has(k));
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`${configFile}: ${field}: ${message}`, configFile, field);
  };
  const shapeOf = (key: string) =>
    `${reader.fileOf(key)}'s ${key} has shape [${reader.shape(key).join(', ')}]`;
  const wte = find('wte.weight');
  if (wte !== undefined) {
    const [rows, cols] = reader.shape(wte);
    if (rows !== config.vocabSize) fail('vocab_size', `is ${config.vocabSize} but ${shapeOf(wte)}`);
    if (cols !== config.nEmbd) fail('n_embd', `is ${config.nEmbd} but ${shapeOf(wte)}`);
  }
  const wpe = find('wpe.weight');
  if (wpe !== undefined && reader.shape(wpe)[0] !== config.nPositions) {
    fail('n_positions', `is ${config.nPositions} but ${shapeOf(wpe)}`);
  }
  const blocks = new Set<number>();
  for (const k of reader.names()) {
    const m = /^(?:transformer\.)?h\.(\d+)\./.exec(k);
    if (m) blocks.add(Number(m[1]));
  }
  // More blocks than n_layer is allowed (transformers loads the first n_layer and reports the rest
  // unused); fewer is not.
  const missing = Array.from({ length: config.nLayer }, (_, i) => i).find((i) => !blocks.has(i));
  if (blocks.size > 0 && missing !== undefined) {
    fail(
      'n_layer',
      `is ${config.nLayer} but ${where(reader)} holds ${blocks.size} block${blocks.size === 1 ? '' : 's'} (h.${Math.min(...blocks)} … h.${Math.max(...blocks)})`,
    );
  }
  const fc = find('h.0.mlp.c_fc.weight');
  if (fc !== undefined && reader.shape(fc)[1] !== config.innerDim) {
    fail('n_inner', `is ${config.nInner ?? `null (4 × n_embd = ${config.innerDim})`} but ${shapeOf(fc)}`);
  }
}

/**
 * Matches `module`'s parameters to a checkpoint's keys, looking for each name under each of
 * `prefixes` in turn (default `transformer.` then none: Hugging Face saves GPT2LMHeadModel and
 * friends with the prefix, a bare GPT2Model without). Checks that every parameter is present,
 * with a float dtype and the shape the module expects; reads no tensor data. Throws a
 * `CheckpointError` naming the file and the tensor.
 */
export function planWeights(
  module: Module,
  reader: CheckpointReader,
  prefixes: readonly string[] = ['transformer.', ''],
): WeightsPlan {
  const keys = new Map<string, string>();
  for (const [name, p] of module.namedParameters()) {
    const key = prefixes.map((pre) => pre + name).find((k) => reader.has(k));
    if (key === undefined) {
      const tried = prefixes.map((pre) => `"${pre + name}"`).join(' or ');
      throw new CheckpointError(where(reader), `missing tensor ${tried} (needed by the model)`, {
        tensor: prefixes[0] + name,
      });
    }
    const info = reader.info(key);
    if (!FLOAT_DTYPES.has(info.dtype)) {
      throw new CheckpointError(
        info.file,
        `has dtype ${info.dtype}; a float (F32, F16, BF16) weight is needed`,
        {
          tensor: key,
        },
      );
    }
    if (info.shape.length !== p.shape.length || info.shape.some((d, i) => d !== p.shape[i])) {
      throw new CheckpointError(
        info.file,
        `has shape [${info.shape.join(', ')}] but the config needs [${p.shape.join(', ')}] for ${name}`,
        { tensor: key },
      );
    }
    keys.set(name, key);
  }
  const used = new Set(keys.values());
  const unusedKeys: string[] = [];
  const ignoredKeys: string[] = [];
  for (const k of reader.names()) {
    if (used.has(k)) continue;
    (IGNORED_BUFFER.test(k) ? ignoredKeys : unusedKeys).push(k);
  }
  return { keys, unusedKeys, ignoredKeys, nonFinite: [] };
}

/**
 * Loads a checkpoint's tensors into `module`'s parameters (F16/BF16 upcast to float32).
 * Everything is validated (`planWeights`) before the first parameter is written; should reading
 * fail afterwards (I/O error), the module holds a mix of old and new values: the caller disposes
 * it (`fromPretrained` does). Returns the plan, whose `unusedKeys` a head reads its own weights from
 * and whose `nonFinite` lists the tensors that held NaN or Inf.
 */
export function loadWeights(
  module: Module,
  reader: CheckpointReader,
  prefixes: readonly string[] = ['transformer.', ''],
): WeightsPlan {
  const plan = planWeights(module, reader, prefixes);
  for (const [name, p] of module.namedParameters()) {
    const key = plan.keys.get(name)!;
    const data = reader.getFloat32(key);
    const { nan, inf } = countNonFinite(data);
    if (nan + inf > 0) plan.nonFinite.push({ key, nan, inf });
    tf.tidy(() => p.assign(tf.tensor(data, p.shape, 'float32')));
  }
  return plan;
}
