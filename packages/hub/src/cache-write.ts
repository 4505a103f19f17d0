/**
 * Writing into the hub cache: blobs (streamed to a temporary file, size and sha256 checked, then
 * renamed into place), snapshot symlinks, refs, and gptft's download manifests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { processAlive, writeFileAtomic } from './atomic.js';
import { HubError } from './errors.js';
import { snapshotDir } from './hub-cache.js';

/** One file of a repo at a commit, as the hub's tree API lists it. */
export interface RepoFile {
  path: string;
  size: number;
  /** Git blob sha1. */
  oid: string;
  /** Present for LFS (and Xet) files: sha256 and size of the real content. */
  lfs?: { oid: string; size: number };
}

/** gptft's record of a repo's full file list at a commit (kept beside, not inside, the HF layout). */
export interface Manifest {
  repoId: string;
  commit: string;
  files: RepoFile[];
}

/** The blob name Python's huggingface_hub uses: sha256 for LFS files, the git blob sha1 otherwise. */
export function blobEtag(file: RepoFile): string {
  return file.lfs?.oid ?? file.oid;
}

function contentSize(file: RepoFile): number {
  return file.lfs?.size ?? file.size;
}

function manifestPath(storage: string, commit: string): string {
  return join(storage, '.gptft', `${commit}.json`);
}

export async function readManifest(storage: string, commit: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(manifestPath(storage, commit), 'utf8')) as Manifest;
    return m.commit === commit && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function writeManifest(storage: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(manifestPath(storage, manifest.commit), JSON.stringify(manifest));
}

/** Writes `refs/<revision>` (the commit sha, no newline, as Python writes it). */
export async function writeRef(storage: string, revision: string, commit: string): Promise<void> {
  await mkdir(join(storage, 'refs'), { recursive: true });
  const path = join(storage, 'refs', revision);
  let current: string | undefined;
  try {
    current = await readFile(path, 'utf8');
  } catch {}
  if (current !== commit) await writeFileAtomic(path, commit);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Points `pointer` at `blob` with a relative symlink (a copy where symlinks are not allowed). */
async function linkPointer(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const tmp = `${pointer}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await symlink(relative(dirname(pointer), blob), tmp);
  } catch {
    await copyFile(blob, tmp); // e.g. Windows without developer mode, as huggingface_hub does
  }
  try {
    await rename(tmp, pointer);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Fetches one file's content as a stream (the hub client handles redirects, ranges and Xet). */
export type FetchContent = (file: RepoFile) => Promise<ReadableStream<Uint8Array>>;

const SHA1 = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Checks what the hub said about a file before any of it is used: the path must stay inside the
 * snapshot folder, the oid that names the blob must be a sha256 (LFS) or a git blob sha1, the size
 * a byte count. A hub or mirror that answers otherwise is refused (it could make a download write
 * outside the cache: `blobs/../../x`).
 */
export function assertRepoFile(repoId: string, file: RepoFile): void {
  assertRelativePath(repoId, file.path);
  const oid = blobEtag(file);
  if (file.lfs ? !SHA256.test(oid) : !SHA1.test(oid)) {
    const kind = file.lfs
      ? 'an LFS oid %s, not a sha256 (64 lowercase hex digits)'
      : 'an oid %s, not a git blob sha1 (40 lowercase hex digits)';
    throw new HubError(
      repoId,
      `${repoId}: the hub gave "${file.path}" ${kind.replace('%s', JSON.stringify(oid))}; refusing to use it as a cache file name`,
    );
  }
  const size = contentSize(file);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new HubError(
      repoId,
      `${repoId}: the hub listed "${file.path}" with size ${size}, not a byte count`,
    );
  }
}

/** Temporary download files: `<blob>.incomplete-<pid>-<8 hex>`. */
function temporaryName(etag: string): string {
  return `${etag}.incomplete-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Removes the temporary files of a blob that downloads killed mid-file left behind (their process
 * no longer runs); those of running processes (another download of the same blob) are kept.
 */
async function removeStaleTemporaries(blobs: string, etag: string): Promise<void> {
  const pattern = new RegExp(`^${etag}\\.incomplete-(\\d+)-[0-9a-f]{8}$`);
  for (const name of await readdir(blobs).catch(() => [] as string[])) {
    const m = pattern.exec(name);
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) {
      await rm(join(blobs, name), { force: true });
    }
  }
}

function describeStreamError(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.message ?? e.cause?.code;
  return [e.message ?? String(err), cause].filter((x) => x).join(': ');
}

/**
 * Makes `snapshots/<commit>/<path>` exist and hold the file's verified content: reuses the blob if
 * present (from an earlier download or from Python), else downloads it to a temporary file, checks
 * its size and hash (sha256 for LFS files, the git blob sha1 otherwise) and renames it into place;
 * temporaries left by killed downloads are removed first. Returns the pointer path.
 */
export async function ensureCachedFile(
  repoId: string,
  storage: string,
  commit: string,
  file: RepoFile,
  fetchContent: FetchContent,
): Promise<string> {
  assertRepoFile(repoId, file);
  const pointer = join(snapshotDir(storage, commit), file.path);
  const expected = contentSize(file);
  if ((await sizeOf(pointer)) === expected) return pointer;
  const blobs = join(storage, 'blobs');
  const blob = join(blobs, blobEtag(file));
  if ((await sizeOf(blob)) !== expected) {
    await mkdir(blobs, { recursive: true });
    await removeStaleTemporaries(blobs, blobEtag(file));
    const tmp = join(blobs, temporaryName(blobEtag(file)));
    try {
      // Python's huggingface_hub checks only the size; the hub gives both hashes, so both are checked.
      const hash = file.lfs ? createHash('sha256') : createHash('sha1').update(`blob ${expected}\0`);
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          if (received > expected) {
            done(
              new HubError(
                repoId,
                `${repoId}: download of "${file.path}" is longer than the ${expected} bytes the hub listed`,
              ),
            );
            return;
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const body = await fetchContent(file);
      try {
        await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx' }));
      } catch (err) {
        if (err instanceof HubError) throw err;
        throw new HubError(
          repoId,
          `${repoId}: downloading "${file.path}" failed after ${received} of ${expected} bytes (${describeStreamError(err)})`,
          { cause: err },
        );
      }
      if (received !== expected) {
        throw new HubError(
          repoId,
          `${repoId}: download of "${file.path}" was incomplete: got ${received} bytes, expected ${expected}`,
        );
      }
      const digest = hash.digest('hex');
      if (digest !== blobEtag(file)) {
        throw new HubError(
          repoId,
          `${repoId}: download of "${file.path}" is corrupt: ${file.lfs ? 'sha256' : 'git blob sha1'} ${digest}, expected ${blobEtag(file)}`,
        );
      }
      const h = await open(tmp, 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, blob);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  await linkPointer(blob, pointer);
  return pointer;
}

/**
 * Whether a repo path is a plain relative path (`a/b.json`): no `..`, `.` or empty segment, not
 * absolute, no drive letter, no backslash or NUL (so it stays inside the snapshot folder everywhere).
 */
export function isPlainRelativePath(path: string): boolean {
  if (typeof path !== 'string') return false;
  const parts = path.split('/');
  return (
    path !== '' &&
    !path.includes('\\') &&
    !path.includes('\0') &&
    !/^[a-zA-Z]:/.test(path) &&
    !parts.some((p) => p === '' || p === '.' || p === '..')
  );
}

/** Refuses repo paths that would escape the snapshot folder. */
export function assertRelativePath(repoId: string, path: string): void {
  if (!isPlainRelativePath(path)) {
    throw new HubError(
      repoId,
      `${repoId}: refusing repo file path ${JSON.stringify(path)}: it must be a plain relative path`,
    );
  }
}

/** Whether every file is present in the snapshot with its expected size. */
export async function snapshotHas(storage: string, commit: string, files: RepoFile[]): Promise<boolean> {
  for (const f of files) {
    if (!isPlainRelativePath(f.path)) return false;
    const p = join(snapshotDir(storage, commit), f.path);
    try {
      await lstat(p);
    } catch {
      return false;
    }
    if ((await sizeOf(p)) !== contentSize(f)) return false;
  }
  return true;
}
