/**
 * PEFT's adapter folder: `adapter_config.json` + `adapter_model.safetensors`, in any `Folder`
 * (Node: a path on disk; a page: a URL, dropped files, OPFS, or `memoryFolder()` to zip).
 */
import { type Tensor, tf, type Variable } from '@gptft/backend';
import {
  CheckpointError,
  type Folder,
  SafetensorsFile,
  serializeSafetensors,
  subFolder,
  toFolder,
  toWritableFolder,
  type WritableFolder,
} from '@gptft/hub';
import type { BasePeftConfig } from '../method.js';

/** PEFT's file names. */
export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';

/** The folder an adapter is saved in: `dir` for `default`, `dir/<name>` otherwise (as PEFT). */
export function adapterFolder(dir: string | WritableFolder, name: string): WritableFolder {
  const folder = toWritableFolder(dir);
  return name === 'default' ? folder : subFolder(folder, name);
}

/** Reads `adapter_config.json` as JSON (not yet parsed by a method); errors name the file. */
export async function readAdapterConfigJson(
  adapterDir: string | Folder,
): Promise<{ json: unknown; path: string }> {
  const folder = toFolder(adapterDir);
  const path = folder.pathOf(ADAPTER_CONFIG_NAME);
  try {
    return { json: JSON.parse(await folder.readText(ADAPTER_CONFIG_NAME)), path };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** An open `adapter_model.safetensors`. */
export interface AdapterWeights {
  path: string;
  file: SafetensorsFile;
  /** Shape of every tensor in the file, by key. */
  shapes: Map<string, readonly number[]>;
}

export async function openAdapterWeights(adapterDir: string | Folder): Promise<AdapterWeights> {
  const folder = toFolder(adapterDir);
  const path = folder.pathOf(ADAPTER_WEIGHTS_NAME);
  let bytes: Uint8Array;
  try {
    bytes = await folder.readBytes(ADAPTER_WEIGHTS_NAME);
  } catch (err) {
    throw new CheckpointError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  const file = SafetensorsFile.fromBytes(bytes, path);
  return { path, file, shapes: new Map(file.names().map((k) => [k, file.info(k).shape])) };
}

/**
 * Copies the file's tensors into `stateDict`'s variables after checking that the keys are exactly
 * the adapter's and every shape matches (errors name the file and the tensor; nothing is assigned
 * unless everything matches).
 */
export function assignAdapterWeights(
  weights: AdapterWeights,
  stateDict: Array<[string, Variable]>,
  peftType: string,
): void {
  const { file, path } = weights;
  const want = new Set(stateDict.map(([k]) => k));
  const extra = file.names().filter((k) => !want.has(k));
  if (extra.length > 0) {
    throw new Error(`${path}: tensor "${extra[0]}" is not a parameter of this ${peftType} adapter`);
  }
  for (const [key, v] of stateDict) {
    if (!file.has(key)) throw new Error(`${path}: tensor "${key}" is missing`);
    const shape = file.info(key).shape;
    if (shape.join(',') !== v.shape.join(',')) {
      throw new Error(`${path}: tensor "${key}" has shape [${shape}] but the model needs [${v.shape}]`);
    }
  }
  for (const [key, v] of stateDict) {
    const t = tf.tensor(file.getFloat32(key), v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}

/** Tensor data as written to safetensors (copied now, so later changes do not reach the file). */
export type TensorData = Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>;

/**
 * Holds `tensors`' current values (clones: they share the data, and later assignments to the
 * variables do not reach them) for {@link readSnapshot}; no host read yet.
 */
export function snapshotTensors(tensors: ReadonlyArray<readonly [string, Tensor]>): Array<[string, Tensor]> {
  return tensors.map(([key, v]) => [key, tf.clone(v)]);
}

/**
 * Copies a {@link snapshotTensors} snapshot to host memory for {@link writeAdapterFolder} with
 * asynchronous reads (a page's WebGPU backend has no reliable synchronous one), then disposes it.
 */
export async function readSnapshot(snapshot: ReadonlyArray<readonly [string, Tensor]>): Promise<TensorData> {
  const data: TensorData = {};
  try {
    for (const [key, v] of snapshot) {
      data[key] = { dtype: 'F32', shape: [...v.shape], data: ((await v.data()) as Float32Array).slice() };
    }
  } finally {
    tf.dispose(snapshot.map(([, v]) => v));
  }
  return data;
}

/**
 * Writes an adapter as PEFT does: `adapter_config.json` (sorted keys, 2-space indent,
 * `inference_mode: true`) and `adapter_model.safetensors` (F32, metadata `format: pt`), each file
 * atomically where the folder allows it (on disk: temporary file + fsync + rename).
 */
export async function writeAdapterFolder(
  folder: WritableFolder,
  config: BasePeftConfig,
  tensors: TensorData,
): Promise<void> {
  const out = { ...config, inference_mode: true };
  const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  await folder.write(ADAPTER_WEIGHTS_NAME, serializeSafetensors(tensors, { format: 'pt' }));
  await folder.write(ADAPTER_CONFIG_NAME, `${JSON.stringify(sorted, null, 2)}\n`);
}
