/**
 * A Hugging Face checkpoint folder as one set of named tensors: `model.safetensors`, or shards
 * listed by `model.safetensors.index.json` (`weight_map`: tensor → shard file). Every file's
 * header is validated when the checkpoint is opened, so a corrupt or missing shard is reported
 * before any tensor is used. Pickle checkpoints (`pytorch_model.bin`, `.pt`, `.ckpt`) are refused:
 * unpickling can execute arbitrary code.
 */
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { z } from 'zod';
import { CheckpointError } from './errors.js';
import { type SafetensorsDtype, SafetensorsFile, type SafetensorsTensorInfo } from './safetensors.js';

/** A tensor's location in a checkpoint: its safetensors info plus the file it is in. */
export interface CheckpointTensorInfo extends SafetensorsTensorInfo {
  /** Absolute or folder-relative path of the file holding the tensor. */
  file: string;
}

/** Reads the tensors of a checkpoint folder, whichever shard each one lives in. */
export interface CheckpointReader {
  /** The folder. */
  readonly folder: string;
  /** The safetensors files, in the order they were opened. */
  readonly files: string[];
  /** `metadata` of the index file (e.g. `total_size`), or the single file's `__metadata__`. */
  readonly metadata: Record<string, unknown>;
  /** Whether the checkpoint is sharded (has an index file). */
  readonly sharded: boolean;
  /** All tensor names (sorted). */
  names(): string[];
  has(name: string): boolean;
  /** Location, dtype and shape of a tensor; a `CheckpointError` naming folder and tensor if absent. */
  info(name: string): CheckpointTensorInfo;
  shape(name: string): number[];
  dtype(name: string): SafetensorsDtype;
  /** The file a tensor comes from. */
  fileOf(name: string): string;
  /** A float tensor upcast to float32 (F16/BF16 exact). */
  getFloat32(name: string): Float32Array;
  /** An integer tensor (see {@link SafetensorsFile.getInt}). */
  getInt(name: string): Int32Array | BigInt64Array;
  /** The tensor's raw little-endian bytes. */
  getBytes(name: string): Uint8Array;
}

/** Options of {@link openCheckpoint}. */
export interface OpenCheckpointOptions {
  /**
   * Base name of the weights file: `model` (default) looks for `model.safetensors` and
   * `model.safetensors.index.json`; PEFT adapters use `adapter_model`.
   */
  weightsName?: string;
}

const indexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string()),
});

const PICKLE_FILE = /\.(bin|pt|pth|ckpt|pkl)$/;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Why an entry that exists is not a readable file: a folder, a symbolic link to nothing (a hub
 * cache whose blob is gone) or to a folder, or something else; undefined when it is a file or absent.
 */
async function notAFile(path: string): Promise<string | undefined> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch {
    return undefined;
  }
  if (info.isSymbolicLink()) {
    const target = await readlink(path).catch(() => '?');
    const shown = `${target}${isAbsolute(target) ? '' : ` (${resolve(dirname(path), target)})`}`;
    const to = await stat(path).catch(() => undefined);
    if (!to)
      return `is a symbolic link to ${shown}, which does not exist (a hub cache whose blob was removed? download the model again)`;
    if (to.isDirectory()) return `is a symbolic link to a folder, ${shown}, not to a file`;
    return to.isFile() ? undefined : `is a symbolic link to ${shown}, which is not a regular file`;
  }
  if (info.isDirectory()) return 'is a folder, not a file';
  return info.isFile() ? undefined : 'is not a regular file (a pipe, socket or device)';
}

/** The message given for folders that hold only pickle checkpoints. */
export function pickleRefusal(folder: string, files: string[]): string {
  const bin = files.find((f) => PICKLE_FILE.test(f)) ?? 'pytorch_model.bin';
  return (
    `only a pickle checkpoint (${files.filter((f) => PICKLE_FILE.test(f) || f.endsWith('.bin.index.json')).join(', ')}) was found. ` +
    'gptft does not load pickle files: unpickling can execute arbitrary code. Convert it to safetensors once, in Python:\n' +
    `  python -c "from transformers import AutoModelForCausalLM as M; M.from_pretrained('${folder}').save_pretrained('${folder}-safetensors', safe_serialization=True)"\n` +
    'or, without transformers:\n' +
    `  python -c "import torch; from safetensors.torch import save_file; sd = torch.load('${join(folder, bin)}', map_location='cpu', weights_only=True); save_file({k: v.clone().contiguous() for k, v in sd.items()}, '${join(folder, 'model.safetensors')}', metadata={'format': 'pt'})"`
  );
}

function shardPath(folder: string, indexFile: string, shard: string, tensor: string): string {
  const clean = normalize(shard);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new CheckpointError(indexFile, `weight_map points outside the folder: "${shard}"`, { tensor });
  }
  return join(folder, clean);
}

/**
 * Opens a checkpoint folder (`model.safetensors` or a sharded `model.safetensors.index.json`).
 * Throws a {@link CheckpointError} naming the file (and tensor) for a missing folder, a missing or
 * corrupt shard, an index listing a tensor its shard lacks, or a folder with only pickle files.
 */
export async function openCheckpoint(
  folder: string,
  options: OpenCheckpointOptions = {},
): Promise<CheckpointReader> {
  const weightsName = options.weightsName ?? 'model';
  let entries: string[];
  try {
    entries = await readdir(folder);
  } catch (err) {
    throw new CheckpointError(folder, `cannot read the checkpoint folder: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const indexFile = join(folder, `${weightsName}.safetensors.index.json`);
  const single = join(folder, `${weightsName}.safetensors`);
  const byName = new Map<string, { file: SafetensorsFile; info: SafetensorsTensorInfo }>();
  const files: SafetensorsFile[] = [];
  let metadata: Record<string, unknown> = {};
  let sharded = false;

  if (await isFile(indexFile)) {
    sharded = true;
    let json: unknown;
    try {
      json = JSON.parse(await readFile(indexFile, 'utf8'));
    } catch (err) {
      throw new CheckpointError(indexFile, `not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    const parsed = indexSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CheckpointError(indexFile, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    metadata = parsed.data.metadata ?? {};
    const shards = new Map<string, SafetensorsFile>();
    for (const [tensor, shard] of Object.entries(parsed.data.weight_map)) {
      const path = shardPath(folder, indexFile, shard, tensor);
      let file = shards.get(path);
      if (!file) {
        if (!(await isFile(path))) {
          throw new CheckpointError(path, `shard is missing (listed in ${indexFile} for this tensor)`, {
            tensor,
          });
        }
        file = await SafetensorsFile.open(path);
        shards.set(path, file);
        files.push(file);
      }
      const info = file.tensors.get(tensor);
      if (!info) {
        throw new CheckpointError(path, `listed in ${indexFile} weight_map but absent from this shard`, {
          tensor,
        });
      }
      byName.set(tensor, { file, info });
    }
  } else if (await isFile(single)) {
    const file = await SafetensorsFile.open(single);
    files.push(file);
    metadata = { ...file.metadata };
    for (const [name, info] of file.tensors) byName.set(name, { file, info });
  } else {
    // Present under its name but not a file (a folder, a dangling hub-cache symlink): say that.
    for (const path of [indexFile, single]) {
      const why = await notAFile(path);
      if (why) throw new CheckpointError(path, why);
    }
    if (entries.some((f) => PICKLE_FILE.test(f))) {
      throw new CheckpointError(folder, pickleRefusal(folder, entries));
    }
    throw new CheckpointError(
      folder,
      `no ${weightsName}.safetensors or ${weightsName}.safetensors.index.json in this folder (it holds: ${entries.join(', ') || 'nothing'})`,
    );
  }

  const sortedNames = [...byName.keys()].sort();
  const get = (name: string) => {
    const entry = byName.get(name);
    if (!entry) {
      throw new CheckpointError(sharded ? indexFile : single, 'not found in the checkpoint', {
        tensor: name,
      });
    }
    return entry;
  };
  return {
    folder,
    files: files.map((f) => f.path),
    metadata,
    sharded,
    names: () => [...sortedNames],
    has: (name) => byName.has(name),
    info: (name) => {
      const { file, info } = get(name);
      return { ...info, shape: [...info.shape], file: file.path };
    },
    shape: (name) => [...get(name).info.shape],
    dtype: (name) => get(name).info.dtype,
    fileOf: (name) => get(name).file.path,
    getFloat32: (name) => get(name).file.getFloat32(name),
    getInt: (name) => get(name).file.getInt(name),
    getBytes: (name) => get(name).file.getBytes(name),
  };
}
