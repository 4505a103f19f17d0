/**
 * Hub downloads into the shared Hugging Face cache. HTTP goes through `@huggingface/hub` (repo
 * info, file listing, file content incl. redirects and Xet); the cache layout is written here,
 * exactly as Python's huggingface_hub writes it (see hub-cache.ts). Once a revision is in the
 * cache, later calls make no HTTP request at all.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  datasetInfo,
  downloadFile as hubDownloadFile,
  listFiles,
  modelInfo,
  pathsInfo,
  type RepoDesignation,
} from '@huggingface/hub';
import {
  assertRelativePath,
  assertRepoFile,
  ensureCachedFile,
  type FetchContent,
  type RepoFile,
  readManifest,
  snapshotHas,
  writeManifest,
  writeRef,
} from './cache-write.js';
import { HubError } from './errors.js';
import {
  cachedCommit,
  defaultHubUrl,
  type HubOptions,
  isCommitHash,
  isOfflineEnv,
  repoCacheDir,
  snapshotDir,
} from './hub-cache.js';
import { DEFAULT_MODEL_PATTERNS, matchesAny } from './patterns.js';

/** Options of {@link resolvePretrained}. */
export interface ResolveOptions extends HubOptions {
  /**
   * fnmatch patterns of the repo files to fetch (like Python's `allow_patterns`). Default for
   * models: configs, tokenizer files and safetensors weights ({@link DEFAULT_MODEL_PATTERNS});
   * for datasets: every file.
   */
  allowPatterns?: string[];
  /** Ask the hub which commit the revision points to now, even if the cache already has it. */
  forceCheck?: boolean;
}

interface Resolved {
  repoId: string;
  repoType: 'model' | 'dataset';
  revision: string;
  storage: string;
  offline: boolean;
  hubUrl: string;
  accessToken: string | undefined;
  fetch: typeof fetch | undefined;
  /** The folder `pathOrRepoId` would have been, had it been a path (resolvePretrained): named in misses. */
  notFolder?: string;
}

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

function readToken(): string | undefined {
  const env = process.env;
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (token) return token.trim();
  const path =
    env.HF_TOKEN_PATH ||
    join(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface'), 'token');
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function resolveOptions(repoId: string, options: HubOptions): Resolved {
  let repoType = options.repoType ?? 'model';
  if (repoId.startsWith('datasets/')) {
    repoId = repoId.slice('datasets/'.length);
    repoType = 'dataset';
  }
  if (!REPO_ID.test(repoId) || repoId.includes('--') || repoId.includes('..') || repoId.length > 96) {
    throw new HubError(
      repoId,
      `"${repoId}" is neither an existing local folder nor a valid hub repo id ("name" or "org/name": letters, digits, "-", "_", ".")`,
    );
  }
  const revision = options.revision ?? 'main';
  // The revision names a file (refs/<revision>): a branch, tag, `refs/pr/N` or commit sha, never a path out.
  if (
    typeof revision !== 'string' ||
    revision.length > 256 ||
    [...revision].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ||
    revision.split('/').some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new HubError(
      repoId,
      `invalid revision ${JSON.stringify(revision)} for "${repoId}": give a branch, a tag, a ref such as refs/pr/1, or a commit sha`,
    );
  }
  return {
    repoId,
    repoType,
    revision,
    storage: repoCacheDir(repoId, { cacheDir: options.cacheDir, repoType }),
    offline: options.localFilesOnly === true || isOfflineEnv(),
    hubUrl: (options.hubUrl ?? defaultHubUrl()).replace(/\/+$/, ''),
    accessToken: options.accessToken ?? readToken(),
    fetch: options.fetch,
  };
}

function hubParams(r: Resolved) {
  const repo: RepoDesignation = { type: r.repoType, name: r.repoId };
  return { repo, hubUrl: r.hubUrl, fetch: r.fetch, ...(r.accessToken ? { accessToken: r.accessToken } : {}) };
}

function label(r: Resolved): string {
  return `${r.repoType === 'dataset' ? 'dataset' : 'model'} "${r.repoId}"`;
}

/** "no such folder /abs/models/nope; as a hub id: " when the name could also have been a path. */
function asHubId(r: Resolved, unreachable = false): string {
  if (r.notFolder === undefined) return '';
  return `no such folder ${r.notFolder}; as a hub id${unreachable ? ' it could not be reached' : ''}: `;
}

/** Turns the hub client's errors into a {@link HubError} that says what to do. */
function hubFailure(r: Resolved, what: string, err: unknown): HubError {
  const e = err as { statusCode?: number; message?: string; cause?: { code?: string; message?: string } };
  if (e instanceof HubError) return e;
  const status = e.statusCode;
  if (status === 401 || status === 403 || status === 404) {
    const hint =
      status === 404 || status === 401
        ? `check the repo id and revision "${r.revision}"; for a private or gated repo pass accessToken (or set HF_TOKEN)`
        : 'your token does not give access to it (gated repo: accept its terms on the hub first)';
    return new HubError(
      r.repoId,
      `${asHubId(r)}${label(r)}: ${what}: not found or not accessible on ${r.hubUrl} (HTTP ${status}): ${hint}. Server said: ${e.message ?? ''}`,
      {
        status,
        cause: err,
      },
    );
  }
  if (status !== undefined) {
    return new HubError(
      r.repoId,
      `${label(r)}: ${what} failed on ${r.hubUrl} (HTTP ${status}): ${e.message ?? ''}`,
      {
        status,
        cause: err,
      },
    );
  }
  const reason = e.cause?.message ?? e.cause?.code ?? e.message ?? String(err);
  return new HubError(
    r.repoId,
    `${asHubId(r, true)}${label(r)}: ${what}: cannot reach ${r.hubUrl} (${reason}). Set HF_HUB_OFFLINE=1 (or localFilesOnly) to use the cache only.`,
    { cause: err },
  );
}

function offlineMiss(r: Resolved, detail: string): HubError {
  return new HubError(
    r.repoId,
    `${asHubId(r)}${label(r)} at revision "${r.revision}" is not in the cache ${r.storage} (${detail}), and downloads are off ` +
      `(${isOfflineEnv() ? 'HF_HUB_OFFLINE is set' : 'localFilesOnly'}). Download it once online, or point to a local folder.`,
  );
}

/** Asks the hub which commit a revision is, and records it in `refs/<revision>`. */
async function resolveCommit(r: Resolved): Promise<string> {
  let sha: string | undefined;
  try {
    const params = {
      ...hubParams(r),
      name: r.repoId,
      revision: r.revision,
      additionalFields: ['sha'] as ['sha'],
    };
    const info = r.repoType === 'dataset' ? await datasetInfo(params) : await modelInfo(params);
    sha = (info as { sha?: string }).sha;
  } catch (err) {
    throw hubFailure(r, 'looking up the revision', err);
  }
  if (!sha || !isCommitHash(sha)) {
    throw new HubError(r.repoId, `${label(r)}: the hub gave no commit sha for revision "${r.revision}"`);
  }
  if (r.revision !== sha) await writeRef(r.storage, r.revision, sha);
  return sha;
}

function toRepoFile(entry: {
  path: string;
  size: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}): RepoFile {
  return {
    path: entry.path,
    size: entry.size,
    oid: entry.oid ?? '',
    ...(entry.lfs ? { lfs: { oid: entry.lfs.oid, size: entry.lfs.size } } : {}),
  };
}

/** More files than any hub repo holds: a listing that goes on past this is not a real one. */
const MAX_LISTED_FILES = 1_000_000;

/**
 * The repo's files at a commit. Every entry is checked (path, oid, size: {@link assertRepoFile})
 * whether it is downloaded or not, since the list is kept in the cache's manifest.
 */
async function listRepoFiles(r: Resolved, commit: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  try {
    for await (const entry of listFiles({ ...hubParams(r), revision: commit, recursive: true })) {
      if (entry.type === 'file') files.push(toRepoFile(entry));
      if (files.length > MAX_LISTED_FILES) {
        throw new HubError(r.repoId, `${label(r)}: the hub listed more than ${MAX_LISTED_FILES} files`);
      }
    }
  } catch (err) {
    throw hubFailure(r, 'listing the files', err);
  }
  for (const f of files) {
    if (!f.oid && !f.lfs)
      throw new HubError(r.repoId, `${label(r)}: the hub listed "${f.path}" without an oid`);
    assertRepoFile(r.repoId, f);
  }
  return files;
}

function contentFetcher(r: Resolved, commit: string): FetchContent {
  return async (file) => {
    let blob: Blob | null;
    try {
      blob = await hubDownloadFile({ ...hubParams(r), path: file.path, revision: commit });
    } catch (err) {
      throw hubFailure(r, `downloading "${file.path}"`, err);
    }
    if (!blob)
      throw new HubError(r.repoId, `${label(r)}: "${file.path}" not found at ${commit}`, { status: 404 });
    return blob.stream() as ReadableStream<Uint8Array>;
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function looksLikePath(s: string): boolean {
  return (
    isAbsolute(s) || s.startsWith('.') || s.startsWith('~') || s.includes('\\') || s.split('/').length > 2
  );
}

/** A model repo whose only weights are pickles: say so now rather than after downloading configs. */
function refusePickleOnly(r: Resolved, commit: string, files: RepoFile[]): void {
  const weights = files.filter((f) => /\.(safetensors|bin|pt|pth|ckpt|h5|msgpack)$/.test(f.path));
  if (weights.length === 0 || weights.some((f) => f.path.endsWith('.safetensors'))) return;
  throw new HubError(
    r.repoId,
    `${label(r)} at revision "${r.revision}" (${commit}) has no safetensors weights, only ${weights.map((f) => f.path).join(', ')}. ` +
      'gptft does not load pickle files (unpickling can execute arbitrary code). Look for a safetensors ' +
      'conversion on the hub (often an open pull request: pass its ref, e.g. revision "refs/pr/1"), or convert it ' +
      'once in Python: AutoModelForCausalLM.from_pretrained(id).save_pretrained(dir, safe_serialization=True). ' +
      'To download other files of this repo anyway, pass allowPatterns.',
  );
}

/**
 * A local folder for a model (or dataset): an existing local folder is returned as is; otherwise
 * `pathOrRepoId` is a hub repo id whose files matching `allowPatterns` are downloaded into the HF
 * cache, and the snapshot folder (`…/snapshots/<commit>`) is returned. A revision already in the
 * cache is served from it without any HTTP request (use `forceCheck` to ask the hub whether a
 * branch moved). Offline (`HF_HUB_OFFLINE=1` or `localFilesOnly`) only the cache is used.
 */
export async function resolvePretrained(pathOrRepoId: string, options: ResolveOptions = {}): Promise<string> {
  if (await isDirectory(pathOrRepoId)) return resolve(pathOrRepoId);
  if (looksLikePath(pathOrRepoId)) {
    throw new HubError(pathOrRepoId, `no such folder: ${resolve(pathOrRepoId)}`);
  }
  const r = { ...resolveOptions(pathOrRepoId, options), notFolder: resolve(pathOrRepoId) };
  const patterns =
    options.allowPatterns ?? (r.repoType === 'model' ? [...DEFAULT_MODEL_PATTERNS] : undefined);

  if (!options.forceCheck || r.offline) {
    const commit = await cachedCommit(r.storage, r.revision);
    if (commit) {
      const manifest = await readManifest(r.storage, commit);
      if (manifest) {
        if (
          await snapshotHas(
            r.storage,
            commit,
            manifest.files.filter((f) => matchesAny(f.path, patterns)),
          )
        ) {
          return snapshotDir(r.storage, commit);
        }
      } else if (r.offline && (await isDirectory(snapshotDir(r.storage, commit)))) {
        return snapshotDir(r.storage, commit); // filled by Python: trust it, as Python does offline
      }
    }
    if (r.offline) {
      throw offlineMiss(r, commit ? `snapshot ${commit} is missing or incomplete` : `no refs/${r.revision}`);
    }
  }

  const commit = await resolveCommit(r);
  const files = await listRepoFiles(r, commit);
  const wanted = files.filter((f) => matchesAny(f.path, patterns));
  if (options.allowPatterns === undefined && r.repoType === 'model') refusePickleOnly(r, commit, files);
  const fetchContent = contentFetcher(r, commit);
  for (const file of wanted) await ensureCachedFile(r.repoId, r.storage, commit, file, fetchContent);
  await writeManifest(r.storage, { repoId: r.repoId, commit, files });
  return snapshotDir(r.storage, commit);
}

/**
 * Downloads one file of a hub repo into the HF cache (if not cached yet) and returns its path in
 * the snapshot folder. Offline, a cached copy is returned or a clear error thrown.
 */
export async function downloadFile(repoId: string, file: string, options: HubOptions = {}): Promise<string> {
  const r = resolveOptions(repoId, options);
  assertRelativePath(r.repoId, file);
  const cached = await cachedCommit(r.storage, r.revision);
  if (cached) {
    const path = join(snapshotDir(r.storage, cached), file);
    try {
      await stat(path);
      return path;
    } catch {}
  }
  if (r.offline) throw offlineMiss(r, `no cached "${file}"`);
  const commit = await resolveCommit(r);
  let entries: Awaited<ReturnType<typeof pathsInfo>>;
  try {
    entries = await pathsInfo({ ...hubParams(r), paths: [file], revision: commit });
  } catch (err) {
    throw hubFailure(r, `looking up "${file}"`, err);
  }
  const entry = entries.find((e) => e.path === file && e.type === 'file');
  if (!entry) {
    throw new HubError(
      r.repoId,
      `${label(r)} has no file "${file}" at revision "${r.revision}" (${commit})`,
      {
        status: 404,
      },
    );
  }
  return ensureCachedFile(r.repoId, r.storage, commit, toRepoFile(entry), contentFetcher(r, commit));
}
