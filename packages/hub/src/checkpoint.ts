/**
 * A Hugging Face checkpoint folder as one set of named tensors: `model.safetensors`, or shards
 * listed by `model.safetensors.index.json` (`weight_map`: tensor → shard file). Every file's
 * header is validated when the checkpoint is opened, so a corrupt or missing shard is reported
 * before any tensor is used. Pickle checkpoints (`pytorch_model.bin`, `.pt`, `.ckpt`) are refused:
 * unpickling can execute arbitrary code. The folder is a path (Node: on disk; a page: a URL, see
 * `checkpoint-path.ts`) or any {@link Folder} (a URL base, dropped files, OPFS).
 */
import { z } from 'zod';
import { CheckpointError } from './errors.js';
import { type Folder, joinNames } from './folder.js';
import { openCheckpointPath } from './checkpoint-path.js';
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

export const indexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string()),
});

export const PICKLE_FILE = /\.(bin|pt|pth|ckpt|pkl)$/;

/** The message given for folders that hold only pickle checkpoints. */
export function pickleRefusal(
  folder: string,
  files: string[],
  pathOf: (name: string) => string = (name) => `${folder}/${name}`,
): string {
  const bin = files.find((f) => PICKLE_FILE.test(f)) ?? 'pytorch_model.bin';
  return (
    `only a pickle checkpoint (${files.filter((f) => PICKLE_FILE.test(f) || f.endsWith('.bin.index.json')).join(', ')}) was found. ` +
    'gptft does not load pickle files: unpickling can execute arbitrary code. Convert it to safetensors once, in Python:\n' +
    `  python -c "from transformers import AutoModelForCausalLM as M; M.from_pretrained('${folder}').save_pretrained('${folder}-safetensors', safe_serialization=True)"\n` +
    'or, without transformers:\n' +
    `  python -c "import torch; from safetensors.torch import save_file; sd = torch.load('${pathOf(bin)}', map_location='cpu', weights_only=True); save_file({k: v.clone().contiguous() for k, v in sd.items()}, '${pathOf('model.safetensors')}', metadata={'format': 'pt'})"`
  );
}

/** The {@link CheckpointReader} over tensors found in the files of a checkpoint. */
export function checkpointReader(
  folder: string,
  byName: Map<string, { file: SafetensorsFile; info: SafetensorsTensorInfo }>,
  files: SafetensorsFile[],
  metadata: Record<string, unknown>,
  sharded: boolean,
  indexFile: string,
  single: string,
): CheckpointReader {
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

export async function parseIndex(
  indexFile: string,
  text: () => Promise<string>,
): Promise<z.infer<typeof indexSchema>> {
  let json: unknown;
  try {
    json = JSON.parse(await text());
  } catch (err) {
    throw new CheckpointError(indexFile, `not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CheckpointError(indexFile, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Opens a checkpoint in any {@link Folder} (a URL base, dropped files, OPFS, memory): the same
 * files, checks and errors as on disk; each safetensors file is read whole into memory.
 */
export async function openCheckpointFolder(
  folder: Folder,
  options: OpenCheckpointOptions = {},
): Promise<CheckpointReader> {
  const weightsName = options.weightsName ?? 'model';
  const indexName = `${weightsName}.safetensors.index.json`;
  const singleName = `${weightsName}.safetensors`;
  const indexFile = folder.pathOf(indexName);
  const single = folder.pathOf(singleName);
  const byName = new Map<string, { file: SafetensorsFile; info: SafetensorsTensorInfo }>();
  const files: SafetensorsFile[] = [];
  const open = async (name: string) => {
    try {
      return SafetensorsFile.fromBytes(await folder.readBytes(name), folder.pathOf(name));
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(folder.pathOf(name), `cannot read: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  if (await folder.exists(indexName)) {
    const index = await parseIndex(indexFile, () => folder.readText(indexName));
    const shards = new Map<string, SafetensorsFile>();
    for (const [tensor, shard] of Object.entries(index.weight_map)) {
      let name: string;
      try {
        name = joinNames(shard);
      } catch {
        throw new CheckpointError(indexFile, `weight_map points outside the folder: "${shard}"`, { tensor });
      }
      let file = shards.get(name);
      if (!file) {
        if (!(await folder.exists(name))) {
          throw new CheckpointError(
            folder.pathOf(name),
            `shard is missing (listed in ${indexFile} for this tensor)`,
            {
              tensor,
            },
          );
        }
        file = await open(name);
        shards.set(name, file);
        files.push(file);
      }
      const info = file.tensors.get(tensor);
      if (!info) {
        throw new CheckpointError(file.path, `listed in ${indexFile} weight_map but absent from this shard`, {
          tensor,
        });
      }
      byName.set(tensor, { file, info });
    }
    return checkpointReader(folder.location, byName, files, index.metadata ?? {}, true, indexFile, single);
  }
  if (await folder.exists(singleName)) {
    const file = await open(singleName);
    for (const [name, info] of file.tensors) byName.set(name, { file, info });
    return checkpointReader(folder.location, byName, [file], { ...file.metadata }, false, indexFile, single);
  }
  const entries = await folder.list();
  if (entries?.some((f) => PICKLE_FILE.test(f))) {
    throw new CheckpointError(
      folder.location,
      pickleRefusal(folder.location, entries, (n) => folder.pathOf(n)),
    );
  }
  throw new CheckpointError(
    folder.location,
    `no ${singleName} or ${indexName} in this folder` +
      (entries ? ` (it holds: ${entries.join(', ') || 'nothing'})` : ''),
  );
}

/**
 * Opens a checkpoint folder (`model.safetensors` or a sharded `model.safetensors.index.json`):
 * a path (Node: a folder on disk; a page: a URL relative to it) or a {@link Folder}.
 * Throws a {@link CheckpointError} naming the file (and tensor) for a missing folder, a missing or
 * corrupt shard, an index listing a tensor its shard lacks, or a folder with only pickle files.
 */
export async function openCheckpoint(
  folder: string | Folder,
  options: OpenCheckpointOptions = {},
): Promise<CheckpointReader> {
  return typeof folder === 'string'
    ? openCheckpointPath(folder, options)
    : openCheckpointFolder(folder, options);
}
