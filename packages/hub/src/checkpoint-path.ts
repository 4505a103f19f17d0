/**
 * A checkpoint folder on disk (Node): what `openCheckpoint(path)` opens. Tensors are read from the
 * files when asked for, not kept in memory; a dangling hub-cache symlink is named as such. The
 * browser build swaps this module for `browser/checkpoint-path.ts` (a path is a URL there).
 */
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import {
  type CheckpointReader,
  checkpointReader,
  type OpenCheckpointOptions,
  PICKLE_FILE,
  parseIndex,
  pickleRefusal,
} from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { SafetensorsFile, type SafetensorsTensorInfo } from './safetensors.js';

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

function shardPath(folder: string, indexFile: string, shard: string, tensor: string): string {
  const clean = normalize(shard);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new CheckpointError(indexFile, `weight_map points outside the folder: "${shard}"`, { tensor });
  }
  return join(folder, clean);
}

/**
 * Opens a checkpoint folder on disk (`model.safetensors` or a sharded `model.safetensors.index.json`).
 * Throws a {@link CheckpointError} naming the file (and tensor) for a missing folder, a missing or
 * corrupt shard, an index listing a tensor its shard lacks, or a folder with only pickle files.
 */
export async function openCheckpointPath(
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
    const index = await parseIndex(indexFile, () => readFile(indexFile, 'utf8'));
    metadata = index.metadata ?? {};
    const shards = new Map<string, SafetensorsFile>();
    for (const [tensor, shard] of Object.entries(index.weight_map)) {
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
      throw new CheckpointError(
        folder,
        pickleRefusal(folder, entries, (name) => join(folder, name)),
      );
    }
    throw new CheckpointError(
      folder,
      `no ${weightsName}.safetensors or ${weightsName}.safetensors.index.json in this folder (it holds: ${entries.join(', ') || 'nothing'})`,
    );
  }
  return checkpointReader(folder, byName, files, metadata, sharded, indexFile, single);
}
