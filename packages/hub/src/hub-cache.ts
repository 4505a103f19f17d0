/**
 * The Hugging Face hub cache, laid out exactly as Python's `huggingface_hub` lays it out, so that a
 * cache filled by Python is reused by gptft and the other way round:
 *
 * ```
 * <cacheDir>/models--org--name/
 *   blobs/<etag>                      file contents (etag = sha256 for LFS files, git blob sha1 otherwise)
 *   refs/<revision>                   the commit a branch or tag pointed to when last resolved
 *   snapshots/<commit>/<path>         relative symlinks to ../../blobs/<etag>
 * ```
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isCommitHash, repoFolderName } from './hub-names.js';

export { isCommitHash, repoFolderName } from './hub-names.js';

/** Options shared by the hub functions. */
export interface HubOptions {
  /** Branch, tag or commit sha (default `main`). */
  revision?: string;
  /** Cache folder (default {@link defaultCacheDir}). */
  cacheDir?: string;
  /** Hub endpoint (default `HF_ENDPOINT`, else https://huggingface.co). */
  hubUrl?: string;
  /** Access token for private or gated repos (default `HF_TOKEN`). */
  accessToken?: string;
  /** `model` (default) or `dataset`. */
  repoType?: 'model' | 'dataset';
  /** Use the cache only, never the network (also when `HF_HUB_OFFLINE=1`). */
  localFilesOnly?: boolean;
  /** A `fetch` to use instead of the global one (proxies, custom headers, tests). */
  fetch?: typeof fetch;
}

/**
 * The hub cache folder Python uses: `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else
 * `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface', 'hub');
}

/** The hub endpoint: `HF_ENDPOINT`, else https://huggingface.co (no trailing slash). */
export function defaultHubUrl(): string {
  return (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** True when `HF_HUB_OFFLINE` is set to 1/true/yes/on (as Python reads it). */
export function isOfflineEnv(): boolean {
  return ['1', 'true', 'yes', 'on'].includes((process.env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
}

/** Absolute path of a repo's storage folder in the cache. */
export function repoCacheDir(
  repoId: string,
  options: Pick<HubOptions, 'cacheDir' | 'repoType'> = {},
): string {
  return join(options.cacheDir ?? defaultCacheDir(), repoFolderName(repoId, options.repoType ?? 'model'));
}

/** The snapshot folder of a commit in a repo's storage folder. */
export function snapshotDir(storage: string, commit: string): string {
  return join(storage, 'snapshots', commit);
}

/**
 * The commit a revision resolves to from the cache alone: the revision itself if it is a commit
 * sha, else the content of `refs/<revision>`; undefined if the cache does not know it.
 */
export async function cachedCommit(storage: string, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  try {
    const sha = (await readFile(join(storage, 'refs', revision), 'utf8')).trim();
    return isCommitHash(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}
