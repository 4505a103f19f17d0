import type { CheckpointReader, Folder } from '@gptft/hub';
import { isFolder, isLocalFolder, resolvePretrained, toFolder } from '@gptft/hub';
import type { GPT2Config } from './config.js';
import type { GPT2Model } from './gpt2-model.js';
import type { WeightsPlan } from './weights-load.js';

/** Options of `GPT2Model.fromPretrained` (transformers' `from_pretrained`, camelCase). */
export interface FromPretrainedOptions {
  /** Hub revision (branch, tag or commit) when `pathOrRepoId` is a repo id. */
  revision?: string;
  /** HF cache folder (default: `$HF_HUB_CACHE`, `$HF_HOME/hub` or `~/.cache/huggingface/hub`). */
  cacheDir?: string;
  /** Hub endpoint (default `$HF_ENDPOINT` or https://huggingface.co). */
  hubUrl?: string;
  /** Use only the cache, never the network. */
  localFilesOnly?: boolean;
  /** Hub access token for private repos (default `$HF_TOKEN`). */
  token?: string;
  /** Compute dtype: weights of any stored float dtype are upcast to float32, the only one. */
  dtype?: 'float32' | 'auto';
  /** Use this config instead of the folder's config.json. */
  config?: GPT2Config;
  /** Where `config` came from, named in errors (e.g. the folder's config.json it was derived from). */
  configSource?: string;
  /** Dropout seed. */
  seed?: number;
  /**
   * Where load warnings go: checkpoint tensors the model does not use, weights holding NaN/Inf.
   * Default: `process.emitWarning(message, 'CheckpointWarning')` (printed on stderr by Node).
   */
  onWarning?: (message: string) => void;
}

/** A backbone loaded from a checkpoint folder, with what a head needs to load its own weights. */
export interface LoadedBackbone {
  model: GPT2Model;
  /** The local folder (a hub snapshot folder for repo ids); a URL or `Folder.location` in a page. */
  folder: string;
  /** The folder the files were read from (on disk in Node; a URL base, dropped files, OPFS… in a page). */
  source: Folder;
  /** The open checkpoint: read head tensors from it (`getFloat32('score.weight')`). */
  checkpoint: CheckpointReader;
  /** Which checkpoint key each backbone parameter came from; `unusedKeys` are the head's candidates. */
  plan: WeightsPlan;
}

/** A local folder for a path, or for a hub repo id (downloaded into the HF cache by @gptft/hub). */
export async function resolveFolder(
  pathOrRepoId: string,
  options: FromPretrainedOptions = {},
): Promise<string> {
  if (await isLocalFolder(pathOrRepoId)) return pathOrRepoId;
  return resolvePretrained(pathOrRepoId, {
    ...(options.revision !== undefined && { revision: options.revision }),
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
    ...(options.hubUrl !== undefined && { hubUrl: options.hubUrl }),
    ...(options.localFilesOnly !== undefined && { localFilesOnly: options.localFilesOnly }),
    ...(options.token !== undefined && { accessToken: options.token }),
  });
}

/**
 * The {@link Folder} to load from: a `Folder` as is; a path or hub repo id through
 * {@link resolveFolder} (Node: a folder on disk; a page: a URL, a repo id its hub `resolve/` URL).
 */
export async function resolveSource(
  pathOrRepoId: string | Folder,
  options: FromPretrainedOptions = {},
): Promise<Folder> {
  if (isFolder(pathOrRepoId)) return pathOrRepoId;
  return toFolder(await resolveFolder(pathOrRepoId, options));
}
