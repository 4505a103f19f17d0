import type { Tensor } from '@gptft/backend';
import { isWritableFolder, serializeSafetensors, type TensorToWrite, type WritableFolder } from '@gptft/hub';
import { type FolderWriter, writeDirWith } from './weights-save-dir.js';

/** dtype names as transformers spells them (`torch_dtype`). */
export type SaveDtype = 'float32' | 'float16' | 'bfloat16';

const ST_DTYPE: Record<SaveDtype, 'F32' | 'F16' | 'BF16'> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
};
const BYTES: Record<SaveDtype, number> = { float32: 4, float16: 2, bfloat16: 2 };

/** What {@link writePretrainedFolder} writes. */
export interface PretrainedFolder {
  /** config.json content (snake_case, as transformers writes it); `torch_dtype` is set from `dtype`. */
  config: Record<string, unknown>;
  /** Tensors by checkpoint key (`transformer.h.0.attn.c_attn.weight`, `score.weight`, …). */
  tensors: Record<string, Tensor>;
  /** Other files to write (e.g. `generation_config.json`, tokenizer files), name → content. */
  files?: Record<string, string | Uint8Array>;
}

/** Options of {@link writePretrainedFolder} and `savePretrained`. */
export interface SavePretrainedOptions {
  /** Stored dtype (default float32). float16/bfloat16 round to nearest even. */
  dtype?: SaveDtype;
  /** safetensors (true, the default). Pickle `pytorch_model.bin` is not written by gptft. */
  safeSerialization?: boolean;
  /**
   * Largest shard in bytes or as transformers writes it (`'5GB'`, `'500MB'`); default `'5GB'`.
   * Bigger checkpoints are split into `model-0000i-of-0000n.safetensors` + an index file.
   */
  maxShardSize?: number | string;
  /**
   * Keep files already in the folder that this save does not write (default true, like
   * transformers writing into an existing folder). Old weight files are always removed.
   */
  keepOtherFiles?: boolean;
}

/** '5GB' → 5e9 (transformers' `convert_file_size_to_int`: decimal units, GiB/MiB binary). */
export function parseSize(size: number | string): number {
  if (typeof size === 'number') return size;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)?\s*$/i.exec(size);
  if (!m) throw new Error(`maxShardSize: cannot read "${size}" (use bytes or e.g. "5GB", "500MB")`);
  const unit = (m[2] ?? 'B').toUpperCase();
  const mult: Record<string, number> = {
    B: 1,
    KB: 1e3,
    KIB: 2 ** 10,
    MB: 1e6,
    MIB: 2 ** 20,
    GB: 1e9,
    GIB: 2 ** 30,
    TB: 1e12,
    TIB: 2 ** 40,
  };
  return Math.floor(Number(m[1]) * mult[unit]!);
}

const WEIGHT_FILE =
  /^(model(-\d{5}-of-\d{5})?\.safetensors(\.index\.json)?|pytorch_model.*\.bin(\.index\.json)?)$/;

/**
 * Writes a Hugging Face model folder atomically: `config.json`, `model.safetensors` (or shards +
 * `model.safetensors.index.json`) and any extra files, built in a temporary sibling folder and
 * swapped in; a crash or error mid-save leaves the previous folder as it was. Tensors are read
 * one at a time, so memory stays near the largest tensor. This is what `GPT2Model.savePretrained`
 * uses; heads call it with the backbone's tensors plus their own. `dir` may also be a
 * `WritableFolder` (a page: `memoryFolder()` to zip, `opfsFolder`): each file is written whole.
 */
export async function writePretrainedFolder(
  dir: string | WritableFolder,
  content: PretrainedFolder,
  options: SavePretrainedOptions = {},
): Promise<void> {
  const dtype = options.dtype ?? 'float32';
  if (!(dtype in ST_DTYPE)) throw new Error(`dtype must be float32, float16 or bfloat16, got "${dtype}"`);
  if (options.safeSerialization === false) {
    throw new Error(
      'safeSerialization: false (pytorch_model.bin) is not supported: gptft writes safetensors only, ' +
        'which transformers loads by default',
    );
  }
  const maxShard = parseSize(options.maxShardSize ?? '5GB');
  const names = Object.keys(content.tensors);
  for (const name of names) {
    const t = content.tensors[name]!;
    if (t.isDisposed) throw new Error(`savePretrained: tensor "${name}" is disposed`);
    if (t.dtype !== 'float32') throw new Error(`savePretrained: tensor "${name}" is ${t.dtype}, not float32`);
  }
  // Shards as huggingface_hub's split_torch_state_dict_into_shards makes them: in order, a new
  // shard when the next tensor would overflow the current one.
  const shards: string[][] = [];
  let current: string[] = [];
  let size = 0;
  let total = 0;
  for (const name of names) {
    const bytes = content.tensors[name]!.size * BYTES[dtype];
    total += bytes;
    if (current.length > 0 && size + bytes > maxShard) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(name);
    size += bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);

  const config = { ...content.config, torch_dtype: dtype };
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const ownFiles = new Set(['config.json', ...Object.keys(content.files ?? {})]);

  const fill = async (out: FolderWriter) => {
    await out.write('config.json', `${JSON.stringify(sorted, null, 2)}\n`);
    const weightMap: Record<string, string> = {};
    for (let i = 0; i < shards.length; i++) {
      const file =
        shards.length === 1
          ? 'model.safetensors'
          : `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
      const toWrite: Record<string, TensorToWrite> = {};
      for (const name of shards[i]!) {
        const t = content.tensors[name]!;
        toWrite[name] = {
          dtype: ST_DTYPE[dtype],
          shape: [...t.shape],
          data: (await t.data()) as Float32Array,
        };
        weightMap[name] = file;
      }
      await out.writeSafetensors(file, toWrite, { format: 'pt' });
    }
    if (shards.length > 1) {
      const index = {
        metadata: { total_size: total },
        weight_map: Object.fromEntries(
          Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        ),
      };
      await out.write('model.safetensors.index.json', `${JSON.stringify(index, null, 2)}\n`);
    }
    for (const [name, data] of Object.entries(content.files ?? {})) {
      await out.write(name, data);
    }
  };
  if (isWritableFolder(dir)) {
    await fill({
      write: (name, data) => dir.write(name, data),
      writeSafetensors: (name, tensors, metadata) => dir.write(name, serializeSafetensors(tensors, metadata)),
    });
  } else {
    const keep = options.keepOtherFiles ?? true;
    await writeDirWith(dir, keep ? (name) => ownFiles.has(name) || WEIGHT_FILE.test(name) : undefined, fill);
  }
}
